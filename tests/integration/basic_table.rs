//! BasicTable: every operation against a real server, with the requests each one sends.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;
use structnosql::table::{BasicTable, Getters, PrimaryIndex, Removers, Setters};
use structnosql::{Error, MapModel, TableDataModel};

use crate::harness::{self, RequestCounter};

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Account {
    account_id: String,
    username: Option<String>,
    #[structnosql(key_name = "tokenId")]
    tokens: Option<HashMap<String, Token>>,
    #[structnosql(key_name = "friendIndex")]
    friends: Option<Vec<Friend>>,
    counters: Option<BTreeMap<String, i64>>,
    data: Option<serde_json::Value>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Token {
    expiration_timestamp: i64,
    label: Option<String>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Friend {
    friend_id: String,
    score: Option<i64>,
}

async fn accounts() -> (BasicTable<Account>, RequestCounter) {
    let (client, counter) = harness::counted_client();
    let table = BasicTable::<Account>::builder()
        .table_name(harness::unique_table_name("accounts"))
        .client(client)
        .primary_index(PrimaryIndex::hash("accountId"))
        .auto_create_table(true)
        .build()
        .await
        .expect("table");
    counter.take();
    (table, counter)
}

fn account(id: &str) -> Account {
    Account {
        account_id: id.into(),
        username: Some("Robinson".into()),
        tokens: Some(HashMap::from([(
            "t32".to_owned(),
            Token {
                expiration_timestamp: 1618322249,
                label: None,
            },
        )])),
        friends: Some(vec![
            Friend {
                friend_id: "b242".into(),
                score: Some(1),
            },
            Friend {
                friend_id: "b59O".into(),
                score: None,
            },
        ]),
        counters: None,
        data: None,
    }
}

#[tokio::test]
async fn records_are_put_read_deleted_and_removed_with_exact_answers() {
    let (table, requests) = accounts().await;
    let record = account("x42");
    table.put_record(&record).await.unwrap();
    assert_eq!(table.get_record("x42").await.unwrap(), Some(record.clone()));
    assert!(!table.put_record_if_absent(&account("x42")).await.unwrap());
    assert!(table.put_record_if_absent(&account("y7")).await.unwrap());
    assert!(table.delete_record("y7").await.unwrap());
    assert!(!table.delete_record("y7").await.unwrap(), "already gone");
    assert_eq!(table.remove_record("x42").await.unwrap(), Some(record));
    assert_eq!(table.remove_record("x42").await.unwrap(), None);
    assert_eq!(table.get_record("x42").await.unwrap(), None);
    assert_eq!(requests.count(), 9, "one request per operation");
}

#[tokio::test]
async fn fields_are_read_by_typed_and_string_paths_in_one_request() {
    let (table, requests) = accounts().await;
    table.put_record(&account("x42")).await.unwrap();
    requests.take();
    let f = Account::fields();
    let expiration = table
        .get_field("x42", f.tokens().key("t32").expiration_timestamp())
        .await
        .unwrap();
    assert_eq!(expiration, Some(1618322249));
    let (name, friend, missing) = table
        .get_fields(
            "x42",
            (
                f.username(),
                f.friends().index(1).friend_id(),
                f.tokens().key("nope").expiration_timestamp(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        (name.as_deref(), friend.as_deref(), missing),
        (Some("Robinson"), Some("b59O"), None)
    );
    let by_string: Option<String> = table
        .get_field_path(
            "x42",
            "friends.{{friendIndex}}.friendId",
            &[("friendIndex", 0usize)],
        )
        .await
        .unwrap();
    assert_eq!(by_string.as_deref(), Some("b242"));
    let getters = Getters::new().field("name", f.username()).path(
        "token",
        "tokens.{{tokenId}}.(expirationTimestamp, label)",
        &[("tokenId", "t32")],
    );
    let fields = table.get_multiple_fields("x42", &getters).await.unwrap();
    assert_eq!(
        fields.get::<String>("name").unwrap().as_deref(),
        Some("Robinson")
    );
    assert_eq!(
        fields.get::<i64>("token.expirationTimestamp").unwrap(),
        Some(1618322249)
    );
    assert_eq!(fields.get::<String>("token.label").unwrap(), None);
    assert_eq!(requests.take(), 4, "one GetItem per call");

    let absent = table
        .get_fields("nobody", (f.username(), f.tokens()))
        .await
        .unwrap();
    assert_eq!(absent, (None, None));
}

#[tokio::test]
async fn missing_parents_cost_one_request_more_whatever_the_depth() {
    let (table, requests) = accounts().await;
    let f = Account::fields();
    for depth in 1..=5usize {
        // On an absent record: every parent is missing.
        let key = format!("new{depth}");
        let mut path = f.data();
        for level in 1..depth {
            path = path.key(format!("k{level}"));
        }
        requests.take();
        table
            .update_field(key.as_str(), path.clone(), json!(depth))
            .await
            .unwrap();
        let expected_requests = if depth == 1 { 1 } else { 2 };
        assert_eq!(
            requests.take(),
            expected_requests,
            "absent record, depth {depth}"
        );
        assert_eq!(
            table.get_field(key.as_str(), path.clone()).await.unwrap(),
            Some(json!(depth))
        );

        // On an existing record without the parents: the same.
        let existing = format!("old{depth}");
        table.put_record(&account(&existing)).await.unwrap();
        requests.take();
        table
            .update_field(existing.as_str(), path.clone(), json!(depth))
            .await
            .unwrap();
        assert_eq!(
            requests.take(),
            expected_requests,
            "existing record, depth {depth}"
        );
        let stored = table.get_record(existing.as_str()).await.unwrap().unwrap();
        assert_eq!(
            stored.username.as_deref(),
            Some("Robinson"),
            "the rest of the record is kept"
        );

        // The parents now exist: one request.
        requests.take();
        table
            .update_field(key.as_str(), path.clone(), json!("again"))
            .await
            .unwrap();
        assert_eq!(requests.take(), 1, "existing parents, depth {depth}");
        assert_eq!(
            table.get_field(key.as_str(), path).await.unwrap(),
            Some(json!("again"))
        );
    }
}

#[tokio::test]
async fn creating_parents_keeps_siblings_and_writes_falsy_values_as_given() {
    let (table, requests) = accounts().await;
    table.put_record(&account("x42")).await.unwrap();
    let f = Account::fields();
    requests.take();
    table
        .update_multiple_fields(
            "x42",
            &Setters::new()
                .set(f.counters().key("zero"), 0)
                .set(f.data().key("a").key("b"), json!(false))
                .set(f.data().key("a").key("c"), json!(""))
                .set(f.username(), "Paul"),
        )
        .await
        .unwrap();
    assert_eq!(
        requests.take(),
        2,
        "one attempt, one write of the missing subtrees"
    );
    let stored = table.get_record("x42").await.unwrap().unwrap();
    assert_eq!(
        stored.counters,
        Some(BTreeMap::from([("zero".to_owned(), 0)]))
    );
    assert_eq!(stored.data, Some(json!({"a": {"b": false, "c": ""}})));
    assert_eq!(stored.username.as_deref(), Some("Paul"));
    assert_eq!(stored.tokens, account("x42").tokens, "siblings untouched");
}

#[tokio::test]
async fn hundreds_of_setters_are_sectioned_and_all_applied() {
    let (table, requests) = accounts().await;
    let f = Account::fields();
    let mut setters = Setters::new();
    for i in 0..350 {
        setters = setters.set(f.data().key(format!("field{i:03}")), json!(i));
    }
    setters = setters.set(f.username(), "many");
    requests.take();
    table
        .update_multiple_fields("bulk", &setters)
        .await
        .unwrap();
    let sent = requests.take();
    assert!((2..=4).contains(&sent), "{sent} requests");
    let data = table.get_field("bulk", f.data()).await.unwrap().unwrap();
    assert_eq!(data.as_object().unwrap().len(), 350);
    assert_eq!(data["field349"], json!(349));
}

#[tokio::test]
async fn overlapping_setters_are_merged_in_order() {
    let (table, _) = accounts().await;
    let f = Account::fields();
    let setters = Setters::new()
        .set(f.data(), json!({"a": 1}))
        .set(f.data().key("b").key("c"), json!(2))
        .set(f.data().key("a"), json!(3));
    table.update_multiple_fields("x", &setters).await.unwrap();
    assert_eq!(
        table.get_field("x", f.data()).await.unwrap(),
        Some(json!({"a": 3, "b": {"c": 2}}))
    );
}

#[tokio::test]
async fn list_items_are_read_set_and_removed_by_index() {
    let (table, _) = accounts().await;
    table.put_record(&account("x42")).await.unwrap();
    let f = Account::fields();
    table
        .update_field("x42", f.friends().index(1).score(), 7)
        .await
        .unwrap();
    assert_eq!(
        table
            .get_field("x42", f.friends().index(1).score())
            .await
            .unwrap(),
        Some(7)
    );
    // Past the end: appended once.
    let newcomer = Friend {
        friend_id: "b112".into(),
        score: None,
    };
    table
        .update_field("x42", f.friends().index(10), newcomer.clone())
        .await
        .unwrap();
    let friends = table.get_field("x42", f.friends()).await.unwrap().unwrap();
    assert_eq!(friends.len(), 3);
    assert_eq!(friends[2], newcomer);
    let removed = table
        .remove_field("x42", f.friends().index(0))
        .await
        .unwrap();
    assert_eq!(
        removed.map(|friend| friend.friend_id).as_deref(),
        Some("b242")
    );
    let friends = table.get_field("x42", f.friends()).await.unwrap().unwrap();
    assert_eq!(
        friends
            .iter()
            .map(|f| f.friend_id.as_str())
            .collect::<Vec<_>>(),
        ["b59O", "b112"]
    );
}

#[tokio::test]
async fn return_old_gives_what_the_paths_held() {
    let (table, _) = accounts().await;
    table.put_record(&account("x42")).await.unwrap();
    let f = Account::fields();
    let old = table
        .update_field_return_old("x42", f.username(), "Paul")
        .await
        .unwrap();
    assert_eq!(old.as_deref(), Some("Robinson"));
    let setters = Setters::new()
        .set_named("name", f.username(), "Malo")
        .set_named("expiry", f.tokens().key("t32").expiration_timestamp(), 5)
        .set_named("fresh", f.tokens().key("t99").expiration_timestamp(), 6);
    let old = table
        .update_multiple_fields_return_old("x42", &setters)
        .await
        .unwrap();
    assert_eq!(old.get::<String>("name").unwrap().as_deref(), Some("Paul"));
    assert_eq!(old.get::<i64>("expiry").unwrap(), Some(1618322249));
    assert_eq!(old.get::<i64>("fresh").unwrap(), None);
}

#[tokio::test]
async fn deletes_and_removes_report_what_was_there_and_never_create_records() {
    let (table, requests) = accounts().await;
    table.put_record(&account("x42")).await.unwrap();
    let f = Account::fields();
    assert!(table.delete_field("x42", f.username()).await.unwrap());
    assert!(
        !table.delete_field("x42", f.username()).await.unwrap(),
        "already deleted"
    );
    assert!(
        !table
            .delete_field("x42", f.counters().key("a"))
            .await
            .unwrap(),
        "parent missing"
    );
    requests.take();
    assert!(!table.delete_field("ghost", f.username()).await.unwrap());
    assert_eq!(requests.take(), 1);
    assert_eq!(table.remove_field("ghost", f.tokens()).await.unwrap(), None);
    assert_eq!(
        table.get_record("ghost").await.unwrap(),
        None,
        "no empty item left behind"
    );

    let removers = Removers::new().field("token", f.tokens().key("t32")).path(
        "friend",
        "friends.{{friendIndex}}.(friendId, score)",
        &[("friendIndex", 0usize)],
    );
    requests.take();
    let removed = table
        .remove_multiple_fields("x42", &removers)
        .await
        .unwrap();
    assert_eq!(requests.take(), 1);
    assert_eq!(
        removed
            .get::<Token>("token")
            .unwrap()
            .map(|t| t.expiration_timestamp),
        Some(1618322249)
    );
    assert_eq!(
        removed.get::<String>("friend.friendId").unwrap().as_deref(),
        Some("b242")
    );
    assert_eq!(removed.get::<i64>("friend.score").unwrap(), Some(1));
    let deleted = table
        .delete_multiple_fields(
            "x42",
            &Removers::new().field("a", f.tokens()).field("b", f.data()),
        )
        .await
        .unwrap();
    assert_eq!(deleted, [("a".to_owned(), true), ("b".to_owned(), false)]);
}

#[tokio::test]
async fn invalid_writes_send_nothing_and_name_every_problem() {
    let (table, requests) = accounts().await;
    let setters = Setters::new()
        .set_path(
            "tokens.{{tokenId}}.expirationTimestamp",
            &[("tokenId", "t42")],
            "1618324660".to_owned(),
        )
        .set_path("username", &(), 5_i64)
        .set(Account::fields().data(), json!({"": 1}));
    match table.update_multiple_fields("x42", &setters).await {
        Err(Error::Validation { violations }) => {
            let paths: Vec<String> = violations.iter().map(|v| v.path.to_string()).collect();
            assert_eq!(
                paths,
                ["tokens.t42.expirationTimestamp", "username", "data[\"\"]"]
            );
        }
        other => panic!("expected Error::Validation, got {other:?}"),
    }
    assert_eq!(requests.count(), 0);
}

#[tokio::test]
async fn update_only_tables_refuse_to_create_records() {
    let (client, counter) = harness::counted_client();
    let table = BasicTable::<Account>::builder()
        .table_name(harness::unique_table_name("update-only"))
        .client(client)
        .primary_index(PrimaryIndex::hash("accountId"))
        .auto_create_table(true)
        .updates_create_records(false)
        .build()
        .await
        .unwrap();
    let f = Account::fields();
    counter.take();
    match table.update_field("ghost", f.username(), "x").await {
        Err(Error::RecordNotFound { record }) => assert!(record.contains("ghost"), "{record}"),
        other => panic!("expected Error::RecordNotFound, got {other:?}"),
    }
    assert_eq!(counter.take(), 1);
    assert_eq!(table.get_record("ghost").await.unwrap(), None);
    table.put_record(&account("x42")).await.unwrap();
    table
        .update_field("x42", f.username(), "Paul")
        .await
        .unwrap();
    assert_eq!(
        table
            .get_field("x42", f.username())
            .await
            .unwrap()
            .as_deref(),
        Some("Paul")
    );
}

#[tokio::test]
async fn keys_and_map_keys_with_special_characters_round_trip() {
    let (table, _) = accounts().await;
    let f = Account::fields();
    for key in [
        "a.b",
        "#x",
        ":v",
        "[0]",
        "{{k}}",
        "with space",
        "ünï©ødé",
        "(a, b)",
    ] {
        table
            .update_field(key, f.counters().key(key), 1)
            .await
            .unwrap();
        assert_eq!(
            table.get_field(key, f.counters().key(key)).await.unwrap(),
            Some(1),
            "{key}"
        );
        let counters = table.get_field(key, f.counters()).await.unwrap().unwrap();
        assert_eq!(counters.keys().collect::<Vec<_>>(), [key]);
    }
}

#[tokio::test]
async fn the_table_is_checked_against_the_model() {
    let wrong_key = BasicTable::<Account>::builder()
        .table_name("unused")
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("userId"))
        .build()
        .await;
    assert!(
        matches!(wrong_key, Err(Error::Schema { .. })),
        "{wrong_key:?}"
    );
    let optional_key = BasicTable::<Account>::builder()
        .table_name("unused")
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("username"))
        .build()
        .await;
    assert!(
        matches!(optional_key, Err(Error::Schema { .. })),
        "{optional_key:?}"
    );
    let wrong_type = BasicTable::<Account, i64>::builder()
        .table_name("unused")
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("accountId"))
        .build()
        .await;
    assert!(
        matches!(wrong_type, Err(Error::Schema { .. })),
        "{wrong_type:?}"
    );
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Order {
    customer_id: String,
    order_number: i64,
    total: f64,
    notes: Option<HashMap<String, String>>,
}

#[tokio::test]
async fn composite_keys_address_one_record() {
    let table = BasicTable::<Order, (String, i64)>::builder()
        .table_name(harness::unique_table_name("orders"))
        .client(harness::client())
        .primary_index(PrimaryIndex::hash_and_sort("customerId", "orderNumber"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    for number in 1..=3 {
        let order = Order {
            customer_id: "c1".into(),
            order_number: number,
            total: number as f64 * 1.5,
            notes: None,
        };
        table.put_record(&order).await.unwrap();
    }
    let f = Order::fields();
    table
        .update_field(("c1".to_owned(), 2), f.notes().key("gift"), "yes")
        .await
        .unwrap();
    assert_eq!(
        table
            .get_field(("c1".to_owned(), 2), f.total())
            .await
            .unwrap(),
        Some(3.0)
    );
    assert_eq!(
        table
            .get_field(("c1".to_owned(), 3), f.notes())
            .await
            .unwrap(),
        None
    );
    assert!(table.delete_record(("c1".to_owned(), 1)).await.unwrap());
    assert_eq!(
        table
            .get_record(("c1".to_owned(), 2))
            .await
            .unwrap()
            .unwrap()
            .notes,
        Some(HashMap::from([("gift".to_owned(), "yes".to_owned())]))
    );
}

#[tokio::test]
async fn items_over_400_kb_are_refused_before_sending() {
    let (table, requests) = accounts().await;
    let mut record = account("big");
    record.username = Some("x".repeat(401 * 1024));
    match table.put_record(&record).await {
        Err(Error::TooLarge { bytes, .. }) => assert!(bytes > 400 * 1024, "{bytes}"),
        other => panic!("expected Error::TooLarge, got {other:?}"),
    }
    let f = Account::fields();
    let setters = Setters::new()
        .set(f.data().key("a"), json!("y".repeat(250 * 1024)))
        .set(f.data().key("b"), json!("z".repeat(250 * 1024)));
    match table.update_multiple_fields("big", &setters).await {
        Err(Error::TooLarge { bytes, what, .. }) => {
            assert!(bytes > 500 * 1024, "{bytes}");
            assert!(what.contains("big"), "{what}");
        }
        other => panic!("expected Error::TooLarge, got {other:?}"),
    }
    assert_eq!(requests.count(), 0);
    // Just under the limit is fine.
    record.username = Some("x".repeat(300 * 1024));
    table.put_record(&record).await.unwrap();
}

#[tokio::test]
async fn return_old_values_survive_sectioning_of_one_attribute() {
    let (table, requests) = accounts().await;
    let f = Account::fields();
    let old: serde_json::Map<String, serde_json::Value> = (0..350)
        .map(|i| (format!("field{i:03}"), json!(i)))
        .collect();
    table
        .update_field("bulk", f.data(), serde_json::Value::Object(old))
        .await
        .unwrap();
    let mut setters = Setters::new();
    for i in 0..350 {
        setters = setters.set_named(
            format!("f{i}"),
            f.data().key(format!("field{i:03}")),
            json!(-1),
        );
    }
    requests.take();
    let before = table
        .update_multiple_fields_return_old("bulk", &setters)
        .await
        .unwrap();
    assert!(requests.take() >= 2, "the writes are sectioned");
    for i in 0..350 {
        assert_eq!(
            before.get::<serde_json::Value>(&format!("f{i}")).unwrap(),
            Some(json!(i)),
            "f{i}"
        );
    }
}
