//! `#[derive(Attribute)]`: newtypes and enums with data, through both tables, as stored and as read.

use std::collections::HashMap;

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::{Attribute, Error, TableDataModel};

use crate::harness;

#[derive(Attribute, Debug, Clone, PartialEq)]
struct AccountId(String);

#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(validate = "Email::check")]
struct Email(String);

impl Email {
    fn check(&self) -> Result<(), String> {
        if self.0.contains('@') {
            Ok(())
        } else {
            Err(format!("{:?} is not an email address", self.0))
        }
    }
}

#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(transparent)]
struct Tags(Vec<String>);

#[derive(Attribute, Debug, Clone, PartialEq)]
struct Cents(i64);

/// Internally tagged: the variant's fields beside the tag.
#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(tag = "kind", rename_all = "snake_case")]
enum Payment {
    Card {
        last4: String,
        #[structnosql(rename = "expiresOn")]
        expires: Option<String>,
    },
    BankTransfer {
        iban: String,
    },
    Cash,
}

/// Adjacently tagged, following serde's attributes: the variant's data under `data`.
#[derive(Attribute, Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", content = "data")]
enum Event {
    Created(String),
    Moved {
        from: String,
        to: String,
    },
    #[serde(rename = "gone")]
    Deleted,
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Account {
    account_id: AccountId,
    email: Email,
    tags: Tags,
    balance: Cents,
    payment: Payment,
    payments: Vec<Payment>,
    last_event: Option<Event>,
    events: HashMap<String, Event>,
}

fn account(id: &str) -> Account {
    Account {
        account_id: AccountId(id.into()),
        email: Email(format!("{id}@example.com")),
        tags: Tags(vec!["new".into(), "vip".into()]),
        balance: Cents(-250),
        payment: Payment::Card {
            last4: "4242".into(),
            expires: None,
        },
        payments: vec![
            Payment::BankTransfer {
                iban: "DE89370400440532013000".into(),
            },
            Payment::Cash,
        ],
        last_event: Some(Event::Moved {
            from: "a".into(),
            to: "b".into(),
        }),
        events: HashMap::from([
            ("e1".to_owned(), Event::Created("web".into())),
            ("e2".to_owned(), Event::Deleted),
        ]),
    }
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn m<const N: usize>(entries: [(&str, AttributeValue); N]) -> AttributeValue {
    AttributeValue::M(
        entries
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

/// Newtypes are stored as their field and enums with data as tagged maps, the same from both tables;
/// both read them back whole and by typed path.
#[tokio::test]
async fn newtypes_and_enums_with_data_round_trip_through_both_tables() {
    let (basic, caching, name) =
        harness::basic_and_caching::<Account>(&harness::client(), "accounts", "accountId").await;
    basic.put_record(&account("a1")).await.unwrap();
    caching.put_record(&account("a2")).await.unwrap();
    assert!(caching.commit_operations().await.is_success());

    for id in ["a1", "a2"] {
        let stored = harness::stored_item(&name, "accountId", id).await;
        assert_eq!(stored["accountId"], s(id));
        assert_eq!(stored["email"], s(&format!("{id}@example.com")));
        assert_eq!(stored["tags"], AttributeValue::L(vec![s("new"), s("vip")]));
        assert_eq!(stored["balance"], AttributeValue::N("-250".into()));
        assert_eq!(
            stored["payment"],
            m([("kind", s("card")), ("last4", s("4242"))]),
            "a None field is left out"
        );
        assert_eq!(
            stored["payments"],
            AttributeValue::L(vec![
                m([
                    ("kind", s("bank_transfer")),
                    ("iban", s("DE89370400440532013000"))
                ]),
                m([("kind", s("cash"))]),
            ])
        );
        assert_eq!(
            stored["lastEvent"],
            m([
                ("type", s("Moved")),
                ("data", m([("from", s("a")), ("to", s("b"))])),
            ])
        );
        assert_eq!(
            stored["events"],
            m([
                ("e1", m([("type", s("Created")), ("data", s("web"))])),
                ("e2", m([("type", s("gone"))])),
            ])
        );
        assert_eq!(basic.get_record(id).await.unwrap(), Some(account(id)));
        assert_eq!(caching.get_record(id).await.unwrap(), Some(account(id)));
    }

    // The adjacently tagged form is serde's: the same enum through serde_json has the same shape.
    assert_eq!(
        serde_json::to_value(Event::Created("web".into())).unwrap(),
        serde_json::json!({"type": "Created", "data": "web"})
    );

    // Whole values by typed path; paths go through a transparent newtype.
    let f = Account::fields();
    let cash_then_card = Payment::Card {
        last4: "0005".into(),
        expires: Some("2030-01".into()),
    };
    for table_is_caching in [false, true] {
        let id = if table_is_caching { "a2" } else { "a1" };
        let email = Email(format!("new-{id}@example.com"));
        if table_is_caching {
            caching
                .update_field(id, f.payment(), cash_then_card.clone())
                .await
                .unwrap();
            caching
                .update_field(id, f.tags().index(1), "gold".to_owned())
                .await
                .unwrap();
            caching
                .update_field(id, f.email(), email.clone())
                .await
                .unwrap();
            assert!(caching.commit_operations().await.is_success());
        } else {
            basic
                .update_field(id, f.payment(), cash_then_card.clone())
                .await
                .unwrap();
            basic
                .update_field(id, f.tags().index(1), "gold".to_owned())
                .await
                .unwrap();
            basic
                .update_field(id, f.email(), email.clone())
                .await
                .unwrap();
        }
        // The caching table read both records earlier; what the basic table wrote is read afresh.
        caching.clear_cached_data();
        let stored = harness::stored_item(&name, "accountId", id).await;
        assert_eq!(
            stored["payment"],
            m([
                ("kind", s("card")),
                ("last4", s("0005")),
                ("expiresOn", s("2030-01"))
            ])
        );
        assert_eq!(stored["tags"], AttributeValue::L(vec![s("new"), s("gold")]));
        for read in [
            basic.get_field(id, f.payment()).await.unwrap(),
            caching.get_field(id, f.payment()).await.unwrap(),
        ] {
            assert_eq!(read, Some(cash_then_card.clone()));
        }
        assert_eq!(
            basic.get_field(id, f.tags()).await.unwrap(),
            Some(vec!["new".to_owned(), "gold".to_owned()])
        );
        assert_eq!(caching.get_field(id, f.email()).await.unwrap(), Some(email));
    }
}

/// A newtype's `validate` refuses values before anything is sent, naming the path, on both tables
/// and through string paths; a stored value it refuses is reported on read.
#[tokio::test]
async fn a_newtypes_check_guards_writes_and_reads() {
    let (basic, caching, name) =
        harness::basic_and_caching::<Account>(&harness::client(), "accounts", "accountId").await;
    basic.put_record(&account("a1")).await.unwrap();
    let before = harness::stored_item(&name, "accountId", "a1").await;
    let mut bad = account("a1");
    bad.email = Email("nobody".into());
    let f = Account::fields();
    let errors = [
        basic.put_record(&bad).await.unwrap_err(),
        caching.put_record(&bad).await.unwrap_err(),
        basic
            .update_field("a1", f.email(), Email("x".into()))
            .await
            .unwrap_err(),
        caching
            .update_field("a1", f.email(), Email("x".into()))
            .await
            .unwrap_err(),
        basic
            .update_field_path("a1", "email", &(), serde_json::json!("x"))
            .await
            .unwrap_err(),
    ];
    for error in errors {
        let Error::Validation { violations } = &error else {
            panic!("expected a validation error, got {error}");
        };
        assert_eq!(violations.len(), 1, "{error}");
        assert_eq!(violations[0].path.to_string(), "email", "{error}");
        assert!(
            violations[0].message.contains("is not an email address"),
            "{error}"
        );
    }
    assert!(caching.commit_operations().await.is_success());
    assert_eq!(harness::stored_item(&name, "accountId", "a1").await, before);

    // A value another writer stored that the check refuses.
    harness::client()
        .update_item()
        .table_name(&name)
        .key("accountId", s("a1"))
        .update_expression("SET email = :bad")
        .expression_attribute_values(":bad", s("nobody"))
        .send()
        .await
        .unwrap();
    for error in [
        basic.get_record("a1").await.unwrap_err(),
        caching.get_field("a1", f.email()).await.unwrap_err(),
    ] {
        harness::assert_one_stored_violation(&error, "email", "");
    }
}

/// An enum's stored tag must name a variant: writes of a value with another tag are refused naming
/// the tag's path, and a stored map with an unknown tag is reported on read, on both tables.
#[tokio::test]
async fn an_unknown_tag_is_refused_on_write_and_reported_on_read() {
    let (basic, caching, name) =
        harness::basic_and_caching::<Account>(&harness::client(), "accounts", "accountId").await;
    basic.put_record(&account("a1")).await.unwrap();
    let before = harness::stored_item(&name, "accountId", "a1").await;
    for (value, message) in [
        (
            serde_json::json!({"kind": "cheque"}),
            "\"cheque\" is not a variant of Payment",
        ),
        (
            serde_json::json!({"last4": "1234"}),
            "required attribute is missing",
        ),
        (
            serde_json::json!({"kind": "card"}),
            "required attribute is missing",
        ),
        (
            serde_json::json!({"kind": "cash", "iban": "x"}),
            "Payment::Cash has no field \"iban\"",
        ),
    ] {
        for error in [
            basic
                .update_field_path("a1", "payment", &(), value.clone())
                .await
                .unwrap_err(),
            caching
                .update_field_path("a1", "payment", &(), value.clone())
                .await
                .unwrap_err(),
        ] {
            let Error::Validation { violations } = &error else {
                panic!("expected a validation error, got {error}");
            };
            assert!(
                violations[0].path.to_string().starts_with("payment."),
                "{error}"
            );
            assert!(violations[0].message.contains(message), "{value}: {error}");
        }
    }
    assert!(caching.commit_operations().await.is_success());
    assert_eq!(harness::stored_item(&name, "accountId", "a1").await, before);

    harness::client()
        .update_item()
        .table_name(&name)
        .key("accountId", s("a1"))
        .update_expression("SET payment.kind = :other")
        .expression_attribute_values(":other", s("cheque"))
        .send()
        .await
        .unwrap();
    let f = Account::fields();
    for error in [
        basic.get_record("a1").await.unwrap_err(),
        caching.get_field("a1", f.payment()).await.unwrap_err(),
    ] {
        harness::assert_one_stored_violation(&error, "payment.kind", "not a variant of Payment");
    }
}

/// An enum that contains itself: its depth is unbounded, so DynamoDB's 32 levels are checked on the
/// value written.
#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(tag = "t")]
enum Tree {
    Leaf { value: i64 },
    Node { children: Vec<Tree> },
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
struct Forest {
    id: String,
    tree: Option<Tree>,
    emails: Option<Vec<Email>>,
}

fn nested(levels: usize) -> Tree {
    (0..levels).fold(Tree::Leaf { value: 1 }, |inner, _| Tree::Node {
        children: vec![inner],
    })
}

/// Stored enums and newtypes that do not match their type are errors naming the path, on both tables
/// and in a record's lenient read; values at DynamoDB's depth limit round-trip, one level more is
/// refused before sending.
#[tokio::test]
async fn hostile_stored_enums_and_newtypes_are_errors_naming_the_path() {
    let client = harness::client();
    let (basic, caching, name) =
        harness::basic_and_caching::<Account>(&client, "accounts", "accountId").await;
    let card = || m([("kind", s("card")), ("last4", s("1"))]);
    let cases = [
        (
            "payment",
            AttributeValue::N("1".into()),
            "payment",
            "expected a Payment",
        ),
        (
            "payment",
            m([("kind", AttributeValue::N("1".into()))]),
            "payment.kind",
            "expected a string",
        ),
        (
            "payment",
            m([("last4", s("1"))]),
            "payment.kind",
            "required attribute is missing",
        ),
        (
            "payment",
            m([("kind", s("Card")), ("last4", s("1"))]),
            "payment.kind",
            "not a variant",
        ),
        (
            "payment",
            m([("kind", s("card"))]),
            "payment.last4",
            "required attribute is missing",
        ),
        (
            "payments",
            AttributeValue::L(vec![card(), m([("kind", s(""))])]),
            "payments[1].kind",
            "not a variant",
        ),
        (
            "lastEvent",
            m([("type", s("Moved")), ("data", s("a to b"))]),
            "lastEvent.data",
            "expected a map",
        ),
        (
            "lastEvent",
            m([("type", s("Created")), ("data", AttributeValue::Bool(true))]),
            "lastEvent.data",
            "expected a string",
        ),
        ("balance", s("12"), "balance", "expected an integer"),
        ("email", s(""), "email", "is not an email address"),
    ];
    for (attribute, stored, path, message) in cases {
        let mut item = account("h").to_item().unwrap();
        item.insert(attribute.to_owned(), stored.clone());
        client
            .put_item()
            .table_name(&name)
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
        caching.clear_cached_data();
        for error in [
            basic.get_record("h").await.unwrap_err(),
            caching.get_record("h").await.unwrap_err(),
        ] {
            harness::assert_one_stored_violation(&error, path, message);
        }
    }

    // Optional values are dropped and reported by the lenient read.
    let mut item = account("h").to_item().unwrap();
    item.insert("lastEvent".into(), m([("type", s("Renamed"))]));
    let read = Account::from_item_lenient(item).unwrap();
    assert_eq!(read.value.last_event, None);
    assert_eq!(read.dropped.len(), 1);
    assert_eq!(read.dropped[0].path.to_string(), "lastEvent.type");

    // A list of newtypes reports the position of the value its check refuses.
    let (forests, _, forest_table) =
        harness::basic_and_caching::<Forest>(&client, "forests", "id").await;
    let emails = AttributeValue::L(vec![s("a@b"), s("nobody")]);
    client
        .put_item()
        .table_name(&forest_table)
        .item("id", s("f"))
        .item("emails", emails)
        .send()
        .await
        .unwrap();
    match forests.get_record("f").await {
        Err(Error::InvalidStoredData { violations }) => {
            assert_eq!(violations[0].path.to_string(), "emails[1]")
        }
        other => panic!("expected invalid stored data, got {other:?}"),
    }

    // A record holds 32 levels: `tree` is one, each node two (its map and its list), a leaf one.
    let deepest = Forest {
        id: "deep".into(),
        tree: Some(nested(15)),
        emails: None,
    };
    forests.put_record(&deepest).await.unwrap();
    assert_eq!(forests.get_record("deep").await.unwrap(), Some(deepest));
    let too_deep = Forest {
        id: "deeper".into(),
        tree: Some(nested(16)),
        emails: None,
    };
    assert!(matches!(
        forests.put_record(&too_deep).await,
        Err(Error::TooDeep { .. })
    ));
    assert_eq!(
        harness::stored_item(&forest_table, "id", "deeper")
            .await
            .len(),
        0
    );
}

/// A newtype key: `#[structnosql(key)]`.
#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(key)]
struct UserId(String);

/// A newtype key with a check, run on every key given.
#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(key, validate = "Sku::check")]
struct Sku(String);

impl Sku {
    fn check(&self) -> Result<(), String> {
        if self.0.starts_with("SKU-") {
            Ok(())
        } else {
            Err(format!("{:?} is not a SKU", self.0))
        }
    }
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Profile {
    user_id: UserId,
    name: Option<String>,
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
struct Stock {
    sku: Sku,
    count: i64,
}

/// Newtype keys key both tables: stored as their field, given and returned as the newtype, and
/// checked before anything is sent.
#[tokio::test]
async fn newtypes_are_record_keys_on_both_tables() {
    let client = harness::client();
    let (basic, caching, name) =
        harness::basic_and_caching_keyed::<Profile, UserId>(&client, "profiles", "userId").await;
    let ada = Profile {
        user_id: UserId("ada".into()),
        name: Some("Ada".into()),
    };
    basic.put_record(&ada).await.unwrap();
    let stored = harness::stored_item(&name, "userId", "ada").await;
    assert_eq!(stored["userId"], s("ada"));
    let f = Profile::fields();
    caching
        .update_field(UserId("ada".into()), f.name(), "Ada L.".to_owned())
        .await
        .unwrap();
    assert!(caching.commit_operations().await.is_success());
    assert_eq!(
        basic
            .get_field(UserId("ada".into()), f.name())
            .await
            .unwrap(),
        Some("Ada L.".to_owned())
    );
    let page = basic
        .query_field(
            &structnosql::table::Query::primary(UserId("ada".into())).unwrap(),
            f.name(),
        )
        .await
        .unwrap();
    assert_eq!(page.records[0].0, UserId("ada".into()));

    let (stock, _, _) =
        harness::basic_and_caching_keyed::<Stock, Sku>(&client, "stock", "sku").await;
    stock
        .put_record(&Stock {
            sku: Sku("SKU-1".into()),
            count: 3,
        })
        .await
        .unwrap();
    assert_eq!(
        stock
            .get_field(Sku("SKU-1".into()), Stock::fields().count())
            .await
            .unwrap(),
        Some(3)
    );
    let error = stock.get_record(Sku("1".into())).await.unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error}");
    assert!(error.to_string().contains("is not a SKU"), "{error}");
}
