//! Derived models: typed paths, schema, and round-trips of every field type through DynamoDB.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::path::{Segment, TypedPath};
use structnosql::{Error, MapModel, StringEnum, TableDataModel};

use crate::harness;

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct AuthToken {
    expiration_timestamp: i64,
    scopes: Option<BTreeSet<String>>,
}

#[derive(StringEnum, Debug, Clone, Copy, PartialEq)]
#[structnosql(rename_all = "snake_case")]
pub enum Status {
    Active,
    VeryBanned,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Node {
    label: String,
    children: Vec<Node>,
    next: Option<Box<Node>>,
}

fn no_spaces(name: &str) -> Result<(), String> {
    if name.contains(' ') {
        Err(format!("{name:?} contains a space"))
    } else {
        Ok(())
    }
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct User {
    user_id: String,
    #[structnosql(validate = "no_spaces")]
    username: Option<String>,
    #[structnosql(key_name = "tokenId")]
    tokens: Option<HashMap<String, AuthToken>>,
    flag: bool,
    tiny: i8,
    small: u16,
    medium: i32,
    large: u64,
    huge: i128,
    unsigned_huge: u128,
    ratio: f64,
    single: f32,
    avatar: Vec<u8>,
    nicknames: Vec<String>,
    scores: BTreeMap<String, f64>,
    tags: HashSet<String>,
    lucky_numbers: BTreeSet<i64>,
    blobs: Option<HashSet<Vec<u8>>>,
    status: Status,
    tree: Option<Node>,
    free_form: Option<serde_json::Value>,
    #[structnosql(rename = "renamed_by_hand")]
    renamed: Option<String>,
}

fn sample_user() -> User {
    User {
        user_id: "x42".into(),
        username: Some("Paul".into()),
        tokens: Some(HashMap::from([(
            "t32".to_owned(),
            AuthToken {
                expiration_timestamp: 1618322249,
                scopes: Some(BTreeSet::from(["read".to_owned()])),
            },
        )])),
        flag: true,
        tiny: i8::MIN,
        small: u16::MAX,
        medium: -7,
        large: u64::MAX,
        huge: -99999999999999999999999999999999999999,
        unsigned_huge: 99999999999999999999999999999999999999,
        ratio: 3.0,
        single: 0.1,
        avatar: vec![0, 1, 2, 255],
        nicknames: vec!["".into(), "p".into()],
        scores: BTreeMap::from([("a.b".to_owned(), 1.5), ("#:[0] {{x}} ü".to_owned(), -0.25)]),
        tags: HashSet::from(["x".to_owned(), "y".to_owned()]),
        lucky_numbers: BTreeSet::from([7, -3]),
        blobs: Some(HashSet::from([vec![1u8], vec![]])),
        status: Status::VeryBanned,
        tree: Some(Node {
            label: "root".into(),
            children: vec![Node {
                label: "leaf".into(),
                children: vec![],
                next: None,
            }],
            next: Some(Box::new(Node {
                label: "next".into(),
                children: vec![],
                next: None,
            })),
        }),
        free_form: Some(serde_json::json!({"a": [1, "two", {"three": 3.5}], "b": null})),
        renamed: Some("r".into()),
    }
}

#[test]
fn typed_paths_follow_renames_keys_and_indexes() {
    let path = User::fields().tokens().key("t32").expiration_timestamp();
    assert_eq!(
        path.document_path().to_string(),
        "tokens.t32.expirationTimestamp"
    );
    assert_eq!(
        path.document_path().segments(),
        &[
            Segment::Field("tokens"),
            Segment::Key("t32".into()),
            Segment::Field("expirationTimestamp")
        ]
    );
    let item = User::fields().tree().children().index(2).label();
    assert_eq!(item.document_path().to_string(), "tree.children[2].label");
    assert_eq!(
        User::fields().renamed().document_path().to_string(),
        "renamed_by_hand"
    );
    let odd = User::fields().scores().key("a.b");
    assert_eq!(
        odd.document_path().segments()[1],
        Segment::Key("a.b".into())
    );
}

#[test]
fn the_item_stores_each_type_in_its_dynamodb_form() {
    let item = sample_user().to_item().expect("valid record");
    assert!(
        matches!(item["avatar"], AttributeValue::B(_)),
        "bytes are binary, not a list"
    );
    assert!(matches!(item["tags"], AttributeValue::Ss(_)));
    assert!(matches!(item["luckyNumbers"], AttributeValue::Ns(_)));
    assert!(matches!(item["blobs"], AttributeValue::Bs(_)));
    assert_eq!(item["status"], AttributeValue::S("very_banned".into()));
    assert_eq!(
        item["huge"],
        AttributeValue::N("-99999999999999999999999999999999999999".into())
    );
    assert!(matches!(item["nicknames"], AttributeValue::L(_)));
    assert!(item.contains_key("renamed_by_hand"));
}

#[test]
fn invalid_records_name_every_offending_path() {
    let mut user = sample_user();
    user.username = Some("has space".into());
    user.ratio = f64::NAN;
    user.tags.clear();
    user.unsigned_huge = u128::MAX;
    user.scores.insert(String::new(), 1.0);
    match user.to_item() {
        Err(Error::Validation { violations }) => {
            let mut paths: Vec<String> = violations.iter().map(|v| v.path.to_string()).collect();
            paths.sort();
            assert_eq!(
                paths,
                ["ratio", "scores[\"\"]", "tags", "unsignedHuge", "username"]
            );
        }
        other => panic!("expected Error::Validation, got {other:?}"),
    }
}

#[tokio::test]
async fn every_field_type_round_trips_through_dynamodb() {
    let client = harness::client();
    let table = harness::unique_table_name("models");
    harness::create_hash_table(&client, &table, "userId").await;
    let user = sample_user();
    client
        .put_item()
        .table_name(&table)
        .set_item(Some(user.to_item().expect("valid record")))
        .send()
        .await
        .expect("put");
    let stored = client
        .get_item()
        .table_name(&table)
        .key("userId", AttributeValue::S("x42".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("get")
        .item
        .expect("stored");
    assert_eq!(User::from_item(stored).expect("matches the model"), user);
}

#[test]
fn stored_data_that_does_not_match_is_an_error_naming_the_path() {
    let mut item = sample_user().to_item().unwrap();
    let AttributeValue::M(tokens) = item.get_mut("tokens").unwrap() else {
        unreachable!()
    };
    let AttributeValue::M(token) = tokens.get_mut("t32").unwrap() else {
        unreachable!()
    };
    token.insert(
        "expirationTimestamp".into(),
        AttributeValue::S("soon".into()),
    );
    item.remove("flag");
    match User::from_item(item) {
        Err(Error::InvalidStoredData { violations }) => {
            let mut paths: Vec<String> = violations.iter().map(|v| v.path.to_string()).collect();
            paths.sort();
            assert_eq!(paths, ["flag", "tokens.t32.expirationTimestamp"]);
        }
        other => panic!("expected Error::InvalidStoredData, got {other:?}"),
    }
}

/// The container/metadata model of StructNoSQL's docs (spec §4.1).
mod docs_model {
    use std::collections::HashMap;

    use structnosql::{MapModel, TableDataModel};

    #[derive(TableDataModel, Debug, PartialEq)]
    pub struct Inventory {
        pub id: String,
        #[structnosql(key_name = "itemId")]
        pub container: Option<HashMap<String, Container>>,
    }

    #[derive(MapModel, Debug, PartialEq)]
    pub struct Container {
        pub name: String,
        #[structnosql(key_name = "metaItemId")]
        pub metadata: Option<HashMap<String, Meta>>,
    }

    #[derive(MapModel, Debug, PartialEq)]
    pub struct Meta {
        pub r#type: String,
        pub value: Option<serde_json::Value>,
    }

    /// A recursive model, with one placeholder name per level.
    #[derive(TableDataModel, Debug, PartialEq)]
    #[structnosql(rename_all = "camelCase")]
    pub struct Parameter {
        pub name: String,
        #[structnosql(key_name = "childParameterKey{i}")]
        pub child_parameters: Option<HashMap<String, Parameter>>,
    }
}

#[test]
fn the_docs_model_has_the_documented_paths() {
    use docs_model::Inventory;
    let listed: Vec<(String, bool)> = structnosql::path::paths(Inventory::model_schema())
        .into_iter()
        .map(|info| (info.path, info.required))
        .collect();
    let expected = [
        ("id", true),
        ("container", false),
        ("container.{{itemId}}", false),
        ("container.{{itemId}}.name", true),
        ("container.{{itemId}}.metadata", false),
        ("container.{{itemId}}.metadata.{{metaItemId}}", false),
        ("container.{{itemId}}.metadata.{{metaItemId}}.type", true),
        ("container.{{itemId}}.metadata.{{metaItemId}}.value", false),
    ];
    let expected: Vec<(String, bool)> = expected
        .iter()
        .map(|(path, required)| (path.to_string(), *required))
        .collect();
    assert_eq!(listed, expected);
}

#[test]
fn string_paths_resolve_to_the_same_path_as_typed_ones() {
    let keys = [("tokenId", "t32")];
    let resolved = structnosql::path::resolve(
        User::model_schema(),
        "tokens.{{tokenId}}.expirationTimestamp",
        &keys,
    )
    .expect("known path");
    let typed = User::fields().tokens().key("t32").expiration_timestamp();
    assert_eq!(&resolved[0].path, typed.document_path());
    assert!(matches!(
        resolved[0].schema.required(),
        structnosql::model::TypeSchema::Integer(_)
    ));

    let selection = structnosql::path::resolve(
        User::model_schema(),
        "tokens.{{tokenId}}.(expirationTimestamp, scopes)",
        &keys,
    )
    .expect("known paths");
    let labels: Vec<&str> = selection.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["expirationTimestamp", "scopes"]);
    assert_eq!(
        selection[1].path.to_string(),
        User::fields()
            .tokens()
            .key("t32")
            .scopes()
            .document_path()
            .to_string()
    );
}

#[test]
fn recursive_models_use_one_placeholder_per_level() {
    use docs_model::Parameter;
    let keys = [("childParameterKey0", "a"), ("childParameterKey1", "b")];
    let resolved = structnosql::path::resolve(
        Parameter::model_schema(),
        "childParameters.{{childParameterKey0}}.childParameters.{{childParameterKey1}}.name",
        &keys,
    )
    .expect("two levels deep");
    let typed = Parameter::fields()
        .child_parameters()
        .key("a")
        .child_parameters()
        .key("b")
        .name();
    assert_eq!(&resolved[0].path, typed.document_path());
    let repeated = structnosql::path::resolve(
        Parameter::model_schema(),
        "childParameters.{{childParameterKey0}}.childParameters.{{childParameterKey0}}.name",
        &keys,
    );
    assert!(
        matches!(repeated, Err(Error::UnknownPath { .. })),
        "{repeated:?}"
    );
}

#[test]
fn unknown_string_paths_name_the_closest_known_path() {
    match structnosql::path::resolve(
        User::model_schema(),
        "tokens.{{tokenId}}.expirationTimestmp",
        &(),
    ) {
        Err(Error::UnknownPath { suggestion, .. }) => {
            assert_eq!(
                suggestion.as_deref(),
                Some("tokens.{{tokenId}}.expirationTimestamp")
            )
        }
        other => panic!("expected Error::UnknownPath, got {other:?}"),
    }
}

#[test]
fn values_written_at_string_paths_are_checked_against_the_schema() {
    let keys = [("tokenId", "t32")];
    let at = |path: &str| {
        structnosql::path::resolve(User::model_schema(), path, &keys)
            .expect("known path")
            .remove(0)
    };
    let timestamp = at("tokens.{{tokenId}}.expirationTimestamp");
    assert_eq!(
        structnosql::internals::encode_at(&timestamp, &1618322249_i64).unwrap(),
        AttributeValue::N("1618322249".into())
    );
    let wrong = structnosql::internals::encode_at(&timestamp, &"soon".to_owned());
    assert!(
        matches!(&wrong, Err(Error::Validation { violations })
        if violations[0].path.to_string() == "tokens.t32.expirationTimestamp"),
        "{wrong:?}"
    );
    let too_big = structnosql::internals::encode_at(&at("tiny"), &1000_i64);
    assert!(
        matches!(too_big, Err(Error::Validation { .. })),
        "i8 field: {too_big:?}"
    );
    let spaced = structnosql::internals::encode_at(&at("username"), &"a b".to_owned());
    assert!(
        matches!(&spaced, Err(Error::Validation { violations })
        if violations[0].message.contains("contains a space")),
        "{spaced:?}"
    );
    let token_without_required = serde_json::json!({"scopes": ["x"]});
    let missing =
        structnosql::internals::encode_at(&at("tokens.{{tokenId}}"), &token_without_required);
    assert!(
        matches!(&missing, Err(Error::Validation { violations })
        if violations.iter().any(|v| v.path.to_string() == "tokens.t32.expirationTimestamp")),
        "{missing:?}"
    );
}

#[test]
fn lenient_reads_drop_invalid_optional_parts_and_report_them() {
    let mut item = sample_user().to_item().unwrap();
    item.insert("username".into(), AttributeValue::N("5".into()));
    let AttributeValue::M(scores) = item.get_mut("scores").unwrap() else {
        unreachable!()
    };
    scores.insert("bad".into(), AttributeValue::S("not a number".into()));
    let lenient = User::from_item_lenient(item.clone()).expect("required fields are valid");
    assert_eq!(lenient.value.username, None);
    assert!(!lenient.value.scores.contains_key("bad"));
    assert_eq!(lenient.value.scores, sample_user().scores);
    let mut dropped: Vec<String> = lenient.dropped.iter().map(|v| v.path.to_string()).collect();
    dropped.sort();
    assert_eq!(dropped, ["scores.bad", "username"]);
    assert!(
        User::from_item(item.clone()).is_err(),
        "strict reads reject the same item"
    );

    item.insert("flag".into(), AttributeValue::S("yes".into()));
    assert!(matches!(
        User::from_item_lenient(item),
        Err(Error::InvalidStoredData { .. })
    ));
}

#[test]
fn a_tuple_of_typed_paths_decodes_each_value_in_order() {
    use structnosql::path::Selection;
    let fields = User::fields();
    let selection = (
        fields.username(),
        fields.tokens().key("t32").expiration_timestamp(),
        fields.avatar(),
    );
    let paths: Vec<String> = selection
        .document_paths()
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        paths,
        ["username", "tokens.t32.expirationTimestamp", "avatar"]
    );
    let values = selection
        .decode(vec![
            Some(AttributeValue::S("Paul".into())),
            None,
            Some(AttributeValue::B(vec![1, 2].into())),
        ])
        .expect("valid values");
    assert_eq!(values, (Some("Paul".to_owned()), None, Some(vec![1u8, 2])));
    let wrong = selection.decode(vec![None, Some(AttributeValue::S("soon".into())), None]);
    match wrong {
        Err(violations) => assert_eq!(
            violations
                .iter()
                .map(|v| v.path.to_string())
                .collect::<Vec<_>>(),
            ["tokens.t32.expirationTimestamp"]
        ),
        Ok(values) => panic!("expected violations, got {values:?}"),
    }
}

/// The application's own path to structnosql, which the models below name with
/// `#[structnosql(crate = "...")]`.
mod storage {
    pub use structnosql as db;
}

#[derive(storage::db::MapModel, Debug, Clone, PartialEq)]
#[structnosql(crate = "crate::models::storage::db")]
pub struct Stamp {
    by: String,
}

#[derive(storage::db::StringEnum, Debug, Clone, Copy, PartialEq)]
#[structnosql(crate = "crate::models::storage::db", rename_all = "lowercase")]
pub enum Mood {
    Calm,
    Busy,
}

#[derive(storage::db::TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(crate = "crate::models::storage::db", rename_all = "camelCase")]
pub struct Note {
    note_id: String,
    mood: Mood,
    #[structnosql(flatten)]
    stamp: Stamp,
}

#[test]
fn models_that_name_structnosql_by_another_path_work_alike() {
    let note = Note {
        note_id: "n1".into(),
        mood: Mood::Busy,
        stamp: Stamp { by: "ada".into() },
    };
    let item = note.to_item().expect("valid record");
    assert_eq!(item["noteId"], AttributeValue::S("n1".into()));
    assert_eq!(item["mood"], AttributeValue::S("busy".into()));
    assert_eq!(item["by"], AttributeValue::S("ada".into()));
    assert_eq!(Note::from_item(item).expect("matches the model"), note);
    assert_eq!(Note::fields().by().document_path().to_string(), "by");
    assert_eq!(Note::model_schema().fields().len(), 3);
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Contact {
    contact_id: String,
    #[structnosql(none_as_null)]
    nickname: Option<String>,
    phone: Option<String>,
}

/// A `None` is left out of the item unless its field is `none_as_null`; either way it reads back as
/// `None`, on both tables.
#[tokio::test]
async fn none_fields_are_left_out_or_stored_as_null_when_marked() {
    let name = harness::unique_table_name("contacts");
    let basic = structnosql::BasicTable::<Contact>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(structnosql::PrimaryIndex::hash("contactId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let caching = structnosql::CachingTable::<Contact>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(structnosql::PrimaryIndex::hash("contactId"))
        .build()
        .await
        .unwrap();
    let contact = |id: &str| Contact {
        contact_id: id.into(),
        nickname: None,
        phone: None,
    };
    basic.put_record(&contact("c1")).await.unwrap();
    caching.put_record(&contact("c2")).await.unwrap();
    assert!(caching.commit_operations().await.is_success());
    for id in ["c1", "c2"] {
        let stored = harness::stored_item(&name, "contactId", id).await;
        assert_eq!(
            stored.get("nickname"),
            Some(&AttributeValue::Null(true)),
            "{id}"
        );
        assert!(!stored.contains_key("phone"), "{id}");
        assert_eq!(basic.get_record(id).await.unwrap(), Some(contact(id)));
        assert_eq!(caching.get_record(id).await.unwrap(), Some(contact(id)));
    }
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Session {
    session_id: String,
    grade: char,
    timeout: std::time::Duration,
    started: std::time::SystemTime,
    client: std::net::IpAddr,
    attempts: std::num::NonZeroU32,
    owner: std::sync::Arc<String>,
    label: std::borrow::Cow<'static, str>,
    history: Option<Vec<std::time::Duration>>,
}

/// The standard library's everyday types round-trip through both tables in their documented stored
/// forms, by record and by typed path; a value outside a type's rules is refused before sending.
#[tokio::test]
async fn everyday_std_types_round_trip_through_both_tables() {
    use std::time::{Duration, UNIX_EPOCH};
    let name = harness::unique_table_name("sessions");
    let basic = structnosql::BasicTable::<Session>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(structnosql::PrimaryIndex::hash("sessionId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let caching = structnosql::CachingTable::<Session>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(structnosql::PrimaryIndex::hash("sessionId"))
        .build()
        .await
        .unwrap();
    let session = |id: &str| Session {
        session_id: id.into(),
        grade: 'é',
        timeout: Duration::new(90, 500_000_000),
        started: UNIX_EPOCH + Duration::new(1_618_322_249, 1),
        client: "2001:db8::1".parse().unwrap(),
        attempts: std::num::NonZeroU32::new(3).unwrap(),
        owner: std::sync::Arc::new("ada".into()),
        label: "night".into(),
        history: Some(vec![Duration::from_millis(1500)]),
    };
    basic.put_record(&session("s1")).await.unwrap();
    caching.put_record(&session("s2")).await.unwrap();
    assert!(caching.commit_operations().await.is_success());
    let stored = harness::stored_item(&name, "sessionId", "s1").await;
    assert_eq!(stored["timeout"], AttributeValue::N("90.5".into()));
    assert_eq!(
        stored["started"],
        AttributeValue::N("1618322249.000000001".into())
    );
    assert_eq!(stored["client"], AttributeValue::S("2001:db8::1".into()));
    assert_eq!(stored["grade"], AttributeValue::S("é".into()));
    for id in ["s1", "s2"] {
        assert_eq!(basic.get_record(id).await.unwrap(), Some(session(id)));
        assert_eq!(caching.get_record(id).await.unwrap(), Some(session(id)));
    }

    let f = Session::fields();
    caching
        .update_field("s1", f.timeout(), Duration::from_secs(5))
        .await
        .unwrap();
    assert!(caching.commit_operations().await.is_success());
    assert_eq!(
        basic.get_field("s1", f.timeout()).await.unwrap(),
        Some(Duration::from_secs(5))
    );
    let before = harness::stored_item(&name, "sessionId", "s1").await;
    for (path, value) in [
        ("grade", serde_json::json!("ab")),
        ("timeout", serde_json::json!(-1)),
        ("client", serde_json::json!("not an address")),
        ("attempts", serde_json::json!(0)),
    ] {
        let error = basic
            .update_field_path("s1", path, &(), value)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Validation { .. }), "{path}: {error}");
    }
    assert_eq!(harness::stored_item(&name, "sessionId", "s1").await, before);
}

#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind")]
enum Payment {
    Card { last4: String },
    Transfer { iban: String },
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Order {
    order_id: String,
    payment: structnosql::Serde<Payment>,
    refunds: Option<Vec<structnosql::Serde<Payment>>>,
}

/// A serde type is stored whole, read and written whole on both tables; there is no path inside it,
/// and a stored value that does not deserialize is an error naming the field.
#[tokio::test]
async fn serde_values_are_stored_whole_on_both_tables() {
    use structnosql::Serde;
    let name = harness::unique_table_name("orders");
    let basic = structnosql::BasicTable::<Order>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(structnosql::PrimaryIndex::hash("orderId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let caching = structnosql::CachingTable::<Order>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(structnosql::PrimaryIndex::hash("orderId"))
        .build()
        .await
        .unwrap();
    let card = Payment::Card {
        last4: "4242".into(),
    };
    let order = |id: &str| Order {
        order_id: id.into(),
        payment: Serde(card.clone()),
        refunds: None,
    };
    basic.put_record(&order("o1")).await.unwrap();
    caching.put_record(&order("o2")).await.unwrap();
    assert!(caching.commit_operations().await.is_success());
    let stored = harness::stored_item(&name, "orderId", "o1").await;
    let payment = stored["payment"].as_m().unwrap();
    assert_eq!(payment["kind"], AttributeValue::S("Card".into()));
    assert_eq!(payment["last4"], AttributeValue::S("4242".into()));

    let f = Order::fields();
    let transfer = Payment::Transfer {
        iban: "FR76".into(),
    };
    basic
        .update_field("o1", f.payment(), Serde(transfer.clone()))
        .await
        .unwrap();
    caching
        .update_field("o2", f.payment(), Serde(transfer.clone()))
        .await
        .unwrap();
    assert!(caching.commit_operations().await.is_success());
    for id in ["o1", "o2"] {
        assert_eq!(
            basic.get_field(id, f.payment()).await.unwrap(),
            Some(Serde(transfer.clone()))
        );
        assert_eq!(
            caching.get_record(id).await.unwrap().map(|o| o.payment),
            Some(Serde(transfer.clone()))
        );
    }
    assert!(matches!(
        structnosql::path::ModelPath::<String>::new::<Order>("payment.iban", &()),
        Err(Error::UnknownPath { .. } | Error::InvalidPath { .. })
    ));

    harness::client()
        .update_item()
        .table_name(&name)
        .key("orderId", AttributeValue::S("o1".into()))
        .update_expression("SET payment = :p")
        .expression_attribute_values(
            ":p",
            AttributeValue::M(std::collections::HashMap::from([(
                "kind".to_owned(),
                AttributeValue::S("Cheque".into()),
            )])),
        )
        .send()
        .await
        .unwrap();
    match basic.get_record("o1").await {
        Err(Error::InvalidStoredData { violations }) => {
            assert_eq!(violations[0].path.to_string(), "payment")
        }
        other => panic!("expected InvalidStoredData, got {other:?}"),
    }
}
