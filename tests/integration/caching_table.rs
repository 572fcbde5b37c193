//! CachingTable: reads from memory, writes queued per record and committed in one request per record.

use std::collections::HashMap;

use serde_json::json;
use structnosql::table::{
    BasicTable, CachingTable, GlobalSecondaryIndex, PrimaryIndex, Query, Setters,
};
use structnosql::{MapModel, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Player {
    pub player_id: String,
    pub username: Option<String>,
    pub team: Option<String>,
    pub score: Option<i64>,
    #[structnosql(key_name = "itemId")]
    pub inventory: Option<HashMap<String, Item>>,
    pub data: Option<serde_json::Value>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    pub count: i64,
}

pub fn player(id: &str) -> Player {
    Player {
        player_id: id.into(),
        username: Some("Robinson".into()),
        team: Some("red".into()),
        score: Some(10),
        inventory: Some(HashMap::from([(
            "sword".to_owned(),
            Item {
                name: "Sword".into(),
                count: 1,
            },
        )])),
        data: None,
    }
}

/// A caching table and a basic table on the same new DynamoDB table.
async fn tables() -> (CachingTable<Player>, BasicTable<Player>) {
    tables_reading(true).await
}

/// [`tables`], the caching table reading whole records on a miss or only the paths asked for.
async fn tables_reading(whole_records: bool) -> (CachingTable<Player>, BasicTable<Player>) {
    let name = harness::unique_table_name("players");
    let caching = CachingTable::<Player>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .global_secondary_index(GlobalSecondaryIndex::hash("team"))
        .whole_record_reads(whole_records)
        .auto_create_table(true)
        .build()
        .await
        .expect("caching table");
    let basic = BasicTable::<Player>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .global_secondary_index(GlobalSecondaryIndex::hash("team"))
        .build()
        .await
        .expect("basic table");
    (caching, basic)
}

#[tokio::test]
async fn the_seed_example_sends_nothing_until_commit_then_one_request() {
    let (table, db) = tables().await;
    db.put_record(&player("x42")).await.unwrap();
    let f = Player::fields();
    let sent = table.stats().requests_sent;
    table
        .update_field("x42", f.username(), "Paul")
        .await
        .unwrap();
    assert!(
        table.delete_field("x42", f.username()).await.unwrap(),
        "the pending update is there"
    );
    assert_eq!(
        table.stats().requests_sent,
        sent,
        "update and delete wait for the commit"
    );
    assert!(table.has_pending_operations());
    let report = table.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.committed, ["x42".to_owned()]);
    assert_eq!(table.stats().requests_sent, sent + 1);
    assert!(!table.has_pending_operations());
    assert_eq!(db.get_field("x42", f.username()).await.unwrap(), None);
    assert_eq!(
        db.get_field("x42", f.team()).await.unwrap().as_deref(),
        Some("red")
    );

    // On a record that does not exist, the update still creates it (as a BasicTable would), in the
    // same single request.
    table
        .update_field("new", f.username(), "Paul")
        .await
        .unwrap();
    table.delete_field("new", f.username()).await.unwrap();
    let sent = table.stats().requests_sent;
    assert!(table.commit_operations().await.is_success());
    assert_eq!(table.stats().requests_sent, sent + 1);
    let created = db.get_record("new").await.unwrap().unwrap();
    assert_eq!(
        (created.player_id.as_str(), created.username),
        ("new", None)
    );
}

#[tokio::test]
async fn reads_are_served_from_the_cache_with_no_request() {
    let (table, db) = tables().await;
    db.put_record(&player("x42")).await.unwrap();
    let f = Player::fields();
    let first = table.get_field_traced("x42", f.username()).await.unwrap();
    assert_eq!(
        (first.value.as_deref(), first.from_cache),
        (Some("Robinson"), false)
    );
    let sent = table.stats().requests_sent;
    let again = table.get_field_traced("x42", f.username()).await.unwrap();
    assert_eq!(
        (again.value.as_deref(), again.from_cache),
        (Some("Robinson"), true)
    );
    // The first read fetched the whole record: a path it does not hold is known absent, a hit.
    assert_eq!(table.get_field("x42", f.data()).await.unwrap(), None);
    assert_eq!(
        table.stats().requests_sent,
        sent,
        "the record is known whole"
    );

    // Reading only the paths asked for, a path not read yet is fetched, once.
    let (projected, projected_db) = tables_reading(false).await;
    projected_db.put_record(&player("x43")).await.unwrap();
    projected.get_field("x43", f.username()).await.unwrap();
    let sent = projected.stats().requests_sent;
    assert_eq!(projected.get_field("x43", f.data()).await.unwrap(), None);
    assert_eq!(projected.get_field("x43", f.data()).await.unwrap(), None);
    assert_eq!(
        projected.stats().requests_sent,
        sent + 1,
        "only the unknown `data` was fetched"
    );

    // Uncommitted writes are visible; a whole written map answers reads inside it.
    table
        .update_field(
            "x42",
            f.inventory().key("shield"),
            Item {
                name: "Shield".into(),
                count: 2,
            },
        )
        .await
        .unwrap();
    let before = table.stats();
    assert_eq!(
        table
            .get_field("x42", f.inventory().key("shield").count())
            .await
            .unwrap(),
        Some(2)
    );
    let (name, team) = table
        .get_fields("x42", (f.username(), f.team()))
        .await
        .unwrap();
    assert_eq!(
        (name.as_deref(), team.as_deref()),
        (Some("Robinson"), None.or(Some("red")))
    );
    assert_eq!(
        table.stats().requests_sent,
        before.requests_sent,
        "the record is known whole"
    );
    assert!(table.stats().cache_hits > before.cache_hits);

    table.clear_cached_data();
    let refetched = table
        .get_field_traced("x42", f.inventory().key("shield").count())
        .await
        .unwrap();
    assert_eq!(
        refetched.value,
        Some(2),
        "pending writes survive clearing the cache"
    );
    let traced = table.get_field_traced("x42", f.username()).await.unwrap();
    assert!(!traced.from_cache, "cleared data is fetched again");
}

#[tokio::test]
async fn a_commit_of_many_field_operations_on_one_record_is_one_request() {
    let (table, db) = tables().await;
    db.put_record(&player("x42")).await.unwrap();
    let f = Player::fields();
    table.get_record("x42").await.unwrap();
    let sent = table.stats().requests_sent;
    for i in 0..20 {
        table.update_field("x42", f.score(), i).await.unwrap();
        table
            .update_field(
                "x42",
                f.inventory().key(format!("item{i}")),
                Item {
                    name: format!("n{i}"),
                    count: i,
                },
            )
            .await
            .unwrap();
    }
    table.delete_field("x42", f.team()).await.unwrap();
    // Missing parents known from the cache cost nothing more.
    table
        .update_field("x42", f.data().key("a").key("b"), json!(1))
        .await
        .unwrap();
    assert_eq!(table.stats().requests_sent, sent);
    let report = table.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(table.stats().requests_sent, sent + 1);
    let stored = db.get_record("x42").await.unwrap().unwrap();
    assert_eq!(stored.score, Some(19));
    assert_eq!(stored.team, None);
    assert_eq!(stored.inventory.unwrap().len(), 21);
    assert_eq!(stored.data, Some(json!({"a": {"b": 1}})));
}

#[tokio::test]
async fn the_last_write_to_a_path_wins_whatever_its_kind() {
    let (table, db) = tables().await;
    db.put_record(&player("x42")).await.unwrap();
    let f = Player::fields();
    // Delete then update: the original removed the field at commit.
    table.delete_field("x42", f.username()).await.unwrap();
    table
        .update_field("x42", f.username(), "Paul")
        .await
        .unwrap();
    // Update then delete.
    table.update_field("x42", f.team(), "blue").await.unwrap();
    table.delete_field("x42", f.team()).await.unwrap();
    // Remove a map, then write inside it: the map is recreated with just that entry.
    table.delete_field("x42", f.inventory()).await.unwrap();
    table
        .update_field(
            "x42",
            f.inventory().key("bow"),
            Item {
                name: "Bow".into(),
                count: 3,
            },
        )
        .await
        .unwrap();
    assert!(table.commit_operations().await.is_success());
    let stored = db.get_record("x42").await.unwrap().unwrap();
    assert_eq!(stored.username.as_deref(), Some("Paul"));
    assert_eq!(stored.team, None);
    assert_eq!(
        stored.inventory,
        Some(HashMap::from([(
            "bow".to_owned(),
            Item {
                name: "Bow".into(),
                count: 3
            }
        )]))
    );
}

#[tokio::test]
async fn record_level_writes_supersede_or_follow_pending_field_writes() {
    let (table, db) = tables().await;
    let f = Player::fields();
    // Pending update, then delete_record: the record must not come back at commit.
    db.put_record(&player("a")).await.unwrap();
    table.update_field("a", f.score(), 99).await.unwrap();
    assert!(table.delete_record("a").await.unwrap());
    assert!(table.commit_operations().await.is_success());
    assert_eq!(db.get_record("a").await.unwrap(), None);
    assert_eq!(table.get_field("a", f.score()).await.unwrap(), None);

    // Pending update, then put_record without that field: the put wins.
    table
        .update_field("b", f.data(), json!("pending"))
        .await
        .unwrap();
    let mut fresh = player("b");
    fresh.data = None;
    table.put_record(&fresh).await.unwrap();
    assert!(!table.has_pending_operations());
    assert!(table.commit_operations().await.is_success());
    assert_eq!(db.get_record("b").await.unwrap(), Some(fresh.clone()));

    // Pending update, then remove_record: the removed record includes the update.
    table.update_field("b", f.score(), 7).await.unwrap();
    let removed = table.remove_record("b").await.unwrap().unwrap();
    assert_eq!(removed.score, Some(7));
    assert_eq!(db.get_record("b").await.unwrap(), None);
}

#[tokio::test]
async fn a_failed_record_keeps_its_writes_pending_and_a_later_commit_applies_them() {
    let (table, db) = tables().await;
    let f = Player::fields();
    let mut broken = player("broken");
    broken.data = Some(json!("a plain string"));
    db.put_record(&broken).await.unwrap();
    db.put_record(&player("fine")).await.unwrap();
    table.update_field("fine", f.score(), 1).await.unwrap();
    // `data` is a string in DynamoDB; writing inside it fails there.
    table
        .update_field("broken", f.data().key("k"), json!(1))
        .await
        .unwrap();
    table.update_field("broken", f.score(), 2).await.unwrap();
    let report = table.commit_operations().await;
    assert_eq!(report.committed, ["fine".to_owned()]);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, "broken");
    assert!(table.has_pending_operations());
    assert_eq!(
        db.get_field("broken", f.score()).await.unwrap(),
        Some(10),
        "nothing applied"
    );

    // Another writer fixes the record; the retry applies exactly the pending writes.
    db.update_field("broken", f.data(), json!({}))
        .await
        .unwrap();
    table.clear_cached_data_for_record("broken").unwrap();
    let report = table.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.committed, ["broken".to_owned()]);
    assert_eq!(
        db.get_field("broken", f.data()).await.unwrap(),
        Some(json!({"k": 1}))
    );
    assert_eq!(db.get_field("broken", f.score()).await.unwrap(), Some(2));
    assert_eq!(db.get_field("fine", f.score()).await.unwrap(), Some(1));
}

#[tokio::test]
async fn return_old_and_removes_use_the_cache_when_they_can() {
    let (table, db) = tables().await;
    db.put_record(&player("x42")).await.unwrap();
    let f = Player::fields();
    // Not cached: the record is read whole, once, and the write queued.
    let sent = table.stats().requests_sent;
    let old = table
        .update_field_return_old("x42", f.username(), "Paul")
        .await
        .unwrap();
    assert_eq!(old.as_deref(), Some("Robinson"));
    assert_eq!(table.stats().requests_sent, sent + 1);
    assert_eq!(
        db.get_field("x42", f.username()).await.unwrap().as_deref(),
        Some("Robinson"),
        "queued, not sent"
    );
    // Cached now: deferred.
    let old = table
        .update_field_return_old("x42", f.username(), "Malo")
        .await
        .unwrap();
    assert_eq!(old.as_deref(), Some("Paul"));
    let removed = table.remove_field("x42", f.username()).await.unwrap();
    assert_eq!(removed.as_deref(), Some("Malo"));
    assert_eq!(table.stats().requests_sent, sent + 1);
    assert!(table.commit_operations().await.is_success());
    assert_eq!(table.stats().requests_sent, sent + 2, "one UpdateItem");
    assert_eq!(db.get_field("x42", f.username()).await.unwrap(), None);

    // Reading only the paths asked for, an old value not cached is sent at once, with the
    // record's pending writes first.
    let (projected, projected_db) = tables_reading(false).await;
    projected_db.put_record(&player("x44")).await.unwrap();
    projected.update_field("x44", f.score(), 5).await.unwrap();
    let sent = projected.stats().requests_sent;
    let old = projected
        .update_field_return_old("x44", f.username(), "Paul")
        .await
        .unwrap();
    assert_eq!(old.as_deref(), Some("Robinson"));
    assert_eq!(projected.stats().requests_sent, sent + 2);
    assert_eq!(
        projected_db
            .get_field("x44", f.username())
            .await
            .unwrap()
            .as_deref(),
        Some("Paul")
    );
    assert_eq!(
        projected_db.get_field("x44", f.score()).await.unwrap(),
        Some(5)
    );
}

#[tokio::test]
async fn gsi_query_results_are_cached_under_each_records_key() {
    let (table, db) = tables().await;
    for id in ["p1", "p2", "p3"] {
        db.put_record(&player(id)).await.unwrap();
    }
    let f = Player::fields();
    let page = table
        .query_field(&Query::index("team", "red").unwrap(), f.username())
        .await
        .unwrap();
    assert_eq!(page.records.len(), 3);
    let sent = table.stats().requests_sent;
    for id in ["p1", "p2", "p3"] {
        assert_eq!(
            table.get_field(id, f.username()).await.unwrap().as_deref(),
            Some("Robinson")
        );
    }
    assert_eq!(table.stats().requests_sent, sent);
    // Pending writes show in query results.
    table
        .update_field("p2", f.username(), "Pending")
        .await
        .unwrap();
    let page = table
        .query_field(&Query::index("team", "red").unwrap(), f.username())
        .await
        .unwrap();
    let p2 = page.records.iter().find(|(id, _)| id == "p2").unwrap();
    assert_eq!(p2.1.as_deref(), Some("Pending"));
}

#[tokio::test]
async fn sixteen_tasks_share_one_table() {
    let (table, db) = tables().await;
    let f = Player::fields();
    let mut tasks = Vec::new();
    for task in 0..16 {
        let table = table.clone();
        tasks.push(tokio::spawn(async move {
            let f = Player::fields();
            let id = format!("t{task}");
            for step in 0..10 {
                table
                    .update_field(id.as_str(), f.score(), step)
                    .await
                    .unwrap();
                table
                    .update_field("shared", f.data().key(format!("task{task}")), json!(step))
                    .await
                    .unwrap();
                assert_eq!(
                    table.get_field(id.as_str(), f.score()).await.unwrap(),
                    Some(step)
                );
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let report = table.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.committed.len(), 17);
    for task in 0..16 {
        assert_eq!(
            db.get_field(format!("t{task}").as_str(), f.score())
                .await
                .unwrap(),
            Some(9)
        );
    }
    let shared = db.get_field("shared", f.data()).await.unwrap().unwrap();
    assert_eq!(shared.as_object().unwrap().len(), 16);
}

#[tokio::test]
async fn basic_and_caching_tables_agree_on_values_and_final_state() {
    let (caching, caching_db) = tables().await;
    let (_, basic) = tables().await;
    let f = Player::fields();
    caching_db.put_record(&player("x")).await.unwrap();
    basic.put_record(&player("x")).await.unwrap();

    macro_rules! both {
        ($call:ident ( $($arg:expr),* )) => {{
            let from_basic = basic.$call($($arg),*).await.unwrap();
            let from_caching = caching.$call($($arg),*).await.unwrap();
            assert_eq!(from_basic, from_caching, stringify!($call));
            from_basic
        }};
    }
    both!(update_field("x", f.username(), "Paul"));
    both!(get_field("x", f.username()));
    both!(delete_field("x", f.team()));
    both!(delete_field("x", f.team()));
    both!(update_field("x", f.data().key("a").key("b"), json!(1)));
    both!(update_field_return_old(
        "x",
        f.data().key("a").key("c"),
        json!(2)
    ));
    both!(remove_field("x", f.inventory().key("sword")));
    both!(get_fields("x", (f.username(), f.data(), f.inventory())));
    both!(update_field("y", f.score(), 5));
    both!(get_field("y", f.score()));
    let setters = Setters::new().set(f.score(), 6).set(f.team(), "green");
    both!(update_multiple_fields("y", &setters));
    both!(remove_field("y", f.team()));
    assert!(caching.commit_operations().await.is_success());
    for key in ["x", "y"] {
        assert_eq!(
            basic.get_record(key).await.unwrap(),
            caching_db.get_record(key).await.unwrap(),
            "final state of {key}"
        );
        assert_eq!(
            caching.get_record(key).await.unwrap(),
            caching_db.get_record(key).await.unwrap(),
            "the cache agrees with DynamoDB on {key}"
        );
    }
}

#[tokio::test]
async fn an_atomic_commit_writes_every_record_or_none() {
    let (table, db) = tables().await;
    let f = Player::fields();
    db.put_record(&player("a")).await.unwrap();
    table.update_field("a", f.score(), 1).await.unwrap();
    // Parents of `data.x.y` are not known to the cache: the transaction is re-planned once.
    table
        .update_field("a", f.data().key("x").key("y"), json!(true))
        .await
        .unwrap();
    table.update_field("b", f.username(), "new").await.unwrap();
    let mut committed = table.commit_operations_atomically().await.unwrap();
    committed.sort();
    assert_eq!(committed, ["a".to_owned(), "b".to_owned()]);
    assert!(!table.has_pending_operations());
    assert_eq!(
        db.get_field("a", f.data()).await.unwrap(),
        Some(json!({"x": {"y": true}}))
    );
    assert_eq!(db.get_field("a", f.score()).await.unwrap(), Some(1));
    assert_eq!(
        db.get_field("b", f.username()).await.unwrap().as_deref(),
        Some("new")
    );

    // One record cannot be written: nothing is, and everything stays pending.
    let mut broken = player("broken");
    broken.data = Some(json!("a plain string"));
    db.put_record(&broken).await.unwrap();
    table.update_field("a", f.score(), 2).await.unwrap();
    table
        .update_field("broken", f.data().key("k"), json!(1))
        .await
        .unwrap();
    assert!(table.commit_operations_atomically().await.is_err());
    assert_eq!(
        db.get_field("a", f.score()).await.unwrap(),
        Some(1),
        "not applied"
    );
    assert!(table.has_pending_operations());

    table.clear_pending_operations();
    for i in 0..101 {
        table
            .update_field(format!("many{i}").as_str(), f.score(), i)
            .await
            .unwrap();
    }
    let sent = table.stats().requests_sent;
    assert!(matches!(
        table.commit_operations_atomically().await,
        Err(structnosql::Error::TooManyActions {
            count: 101,
            limit: 100,
            ..
        })
    ));
    assert_eq!(table.stats().requests_sent, sent, "nothing sent");
}

#[tokio::test]
async fn a_commit_creating_a_thousand_entries_keeps_each_condition_within_4_kb() {
    if harness::through_api("counts DynamoDB requests in the table's statistics, which through an API count HTTP requests") {
        return;
    }
    let (table, db) = tables().await;
    let mut record = player("x42");
    record.data = Some(json!({}));
    table.put_record(&record).await.unwrap();
    let data = Player::fields().data();
    for i in 0..1000 {
        // Each write creates its own entry, conditioned on that entry being absent.
        table
            .update_field("x42", data.key(format!("k{i}")).key("v"), json!(i))
            .await
            .unwrap();
    }
    let sent = table.stats().requests_sent;
    let report = table.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    let requests = table.stats().requests_sent - sent;
    assert!((2..=10).contains(&requests), "{requests} requests");
    let stored = db.get_record("x42").await.unwrap().unwrap().data.unwrap();
    let entries = stored.as_object().unwrap();
    assert_eq!(entries.len(), 1000);
    assert_eq!(entries["k999"], json!({"v": 999}));
}

#[tokio::test]
async fn an_update_below_many_distinct_parents_is_split_by_its_condition() {
    let (_, db) = tables().await;
    let mut record = player("x42");
    let parents: serde_json::Map<String, serde_json::Value> = (0..400)
        .map(|i| (format!("parent{i}"), json!({})))
        .collect();
    record.data = Some(serde_json::Value::Object(parents));
    db.put_record(&record).await.unwrap();
    let data = Player::fields().data();
    let setters = (0..400).fold(Setters::new(), |setters, i| {
        setters.set(data.key(format!("parent{i}")).key("v"), json!(i))
    });
    db.update_multiple_fields("x42", &setters).await.unwrap();
    let stored = db.get_record("x42").await.unwrap().unwrap().data.unwrap();
    let entries = stored.as_object().unwrap();
    assert_eq!(entries.len(), 400);
    assert!(entries.values().all(|entry| entry.get("v").is_some()));
    assert_eq!(entries["parent399"], json!({"v": 399}));
}

#[tokio::test]
async fn a_query_through_an_index_projecting_few_attributes_does_not_fill_the_cache() {
    let name = harness::unique_table_name("players");
    let table = CachingTable::<Player>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .global_secondary_index(
            GlobalSecondaryIndex::hash("team").projection(structnosql::table::Projection::KeysOnly),
        )
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let db = BasicTable::<Player>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .build()
        .await
        .unwrap();
    db.put_record(&player("x42")).await.unwrap();
    let f = Player::fields();
    // The index holds keys only. DynamoDB (and DynamoDB Local) refuse to project the username from
    // it; the embedded server answers without it. Either way the cache must not take the missing
    // username for an absent one.
    match table
        .query_field(&Query::index("team", "red").unwrap(), f.username())
        .await
    {
        Ok(page) => {
            assert_eq!(page.records.len(), 1);
            assert_eq!(page.records[0].1, None);
        }
        // Through an API, DynamoDB's refusal is the server's `bad_request`.
        Err(structnosql::Error::External { kind, .. }) if harness::routed_through_api() => {
            assert_eq!(kind, "bad_request")
        }
        Err(error) => assert_eq!(error.service_code(), Some("ValidationException"), "{error}"),
    }
    // …which does not mean the record has none.
    assert_eq!(
        table
            .get_field("x42", f.username())
            .await
            .unwrap()
            .as_deref(),
        Some("Robinson")
    );
}

/// Code generic over the table kind: the same function on a basic and a caching table.
async fn add_to_score<B: structnosql::table::Backend>(
    table: &structnosql::table::Table<Player, String, B>,
    id: &str,
    points: i64,
) -> structnosql::Result<i64> {
    let f = Player::fields();
    let score = table.get_field(id, f.score()).await?.unwrap_or(0) + points;
    table.update_field(id, f.score(), score).await?;
    Ok(score)
}

#[tokio::test]
async fn code_generic_over_the_backend_runs_on_both_tables() {
    let (caching, basic) = tables().await;
    basic.put_record(&player("g1")).await.unwrap();
    assert_eq!(add_to_score(&basic, "g1", 5).await.unwrap(), 15);
    assert_eq!(add_to_score(&caching, "g1", 5).await.unwrap(), 20);
    assert!(caching.commit_operations().await.is_success());
    assert_eq!(
        basic
            .get_field("g1", Player::fields().score())
            .await
            .unwrap(),
        Some(20)
    );
}

/// A traced remove says whether the cache answered (the remove queued, nothing sent) or the old
/// value had to be fetched; a basic table always sends.
#[tokio::test]
async fn a_traced_remove_says_whether_the_cache_answered() {
    let (caching, basic) = tables().await;
    basic.put_record(&player("r1")).await.unwrap();
    let f = Player::fields();

    let cold = caching.remove_field_traced("r1", f.score()).await.unwrap();
    assert_eq!((cold.value, cold.from_cache), (Some(10), false));

    caching.get_record("r1").await.unwrap();
    let sent = caching.stats().requests_sent;
    let team = structnosql::path::ModelPath::<String>::new::<Player>("team", &()).unwrap();
    let warm = caching.remove_field_traced("r1", team).await.unwrap();
    assert_eq!(
        (warm.value, warm.from_cache),
        (Some("red".to_owned()), true)
    );
    assert_eq!(caching.stats().requests_sent, sent, "queued, nothing sent");
    assert!(caching.commit_operations().await.is_success());

    let direct = basic.remove_field_traced("r1", f.username()).await.unwrap();
    assert_eq!(
        (direct.value, direct.from_cache),
        (Some("Robinson".to_owned()), false)
    );
    let stored = basic.get_record("r1").await.unwrap().unwrap();
    assert_eq!(
        (stored.score, stored.team, stored.username),
        (None, None, None)
    );
}

/// A caching table with `capacity` and `max_age`, on a new table also written by the basic table
/// returned.
async fn bounded_tables(
    capacity: Option<usize>,
    max_age: Option<std::time::Duration>,
) -> (CachingTable<Player>, BasicTable<Player>) {
    let (_, db) = tables().await;
    let name = db.table_name().to_owned();
    let mut builder = CachingTable::<Player>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .global_secondary_index(GlobalSecondaryIndex::hash("team"));
    if let Some(capacity) = capacity {
        builder = builder.cache_capacity(capacity);
    }
    if let Some(max_age) = max_age {
        builder = builder.cache_max_age(max_age);
    }
    (builder.build().await.expect("caching table"), db)
}

/// Reading far more records than the capacity keeps the cache within it, forgetting the least
/// recently used; records with pending writes are never forgotten, and their writes all reach
/// DynamoDB at commit.
#[tokio::test]
async fn the_cache_stays_within_its_capacity_and_never_drops_pending_writes() {
    let (table, db) = bounded_tables(Some(20), None).await;
    let f = Player::fields();
    for index in 0..200 {
        db.put_record(&player(&format!("r{index}"))).await.unwrap();
    }
    // Ten records with pending writes, interleaved with reads of the others.
    for index in 0..200 {
        let key = format!("r{index}");
        if index % 20 == 0 {
            table.update_field(&key, f.score(), index).await.unwrap();
        } else {
            assert_eq!(
                table
                    .get_field(&key, f.username())
                    .await
                    .unwrap()
                    .as_deref(),
                Some("Robinson")
            );
        }
        let held = table.stats().cached_records;
        assert!(held <= 20, "{held} records held after {key}");
    }
    let stats = table.stats();
    assert!(stats.evictions >= 180, "{stats:?}");

    // The most recently used record is still known; the first read is forgotten and read again.
    let sent = table.stats().requests_sent;
    table.get_field("r199", f.username()).await.unwrap();
    assert_eq!(table.stats().requests_sent, sent, "r199 is held");
    table.get_field("r1", f.username()).await.unwrap();
    assert_eq!(table.stats().requests_sent, sent + 1, "r1 was forgotten");

    let report = table.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.committed.len(), 10);
    for index in (0..200).step_by(20) {
        let stored = db.get_field(format!("r{index}"), f.score()).await.unwrap();
        assert_eq!(stored, Some(index), "r{index}");
    }

    // Pending writes alone may fill the cache past its capacity: none is dropped.
    let (small, db) = bounded_tables(Some(3), None).await;
    for index in 0..8 {
        small
            .update_field(format!("w{index}"), f.score(), index)
            .await
            .unwrap();
    }
    assert_eq!(small.stats().cached_records, 8);
    assert!(small.commit_operations().await.is_success());
    for index in 0..8 {
        assert_eq!(
            db.get_field(format!("w{index}"), f.score()).await.unwrap(),
            Some(index)
        );
    }
}

/// Past the maximum age, a record is read again, so another program's write is seen; a record
/// with pending writes keeps its view until they are committed.
#[tokio::test]
async fn knowledge_older_than_the_maximum_age_is_read_again() {
    let max_age = std::time::Duration::from_millis(50);
    let (table, db) = bounded_tables(None, Some(max_age)).await;
    let f = Player::fields();
    db.put_record(&player("a")).await.unwrap();
    assert_eq!(table.get_field("a", f.score()).await.unwrap(), Some(10));
    db.update_field("a", f.score(), 11).await.unwrap();
    assert_eq!(
        table.get_field("a", f.score()).await.unwrap(),
        Some(10),
        "still trusted"
    );
    tokio::time::sleep(max_age * 2).await;
    let sent = table.stats().requests_sent;
    assert_eq!(table.get_field("a", f.score()).await.unwrap(), Some(11));
    assert_eq!(table.stats().requests_sent, sent + 1);

    table.update_field("a", f.username(), "Paul").await.unwrap();
    tokio::time::sleep(max_age * 2).await;
    let sent = table.stats().requests_sent;
    assert_eq!(
        table.get_field("a", f.score()).await.unwrap(),
        Some(11),
        "pending writes keep the view"
    );
    assert_eq!(table.stats().requests_sent, sent);
    assert!(table.commit_operations().await.is_success());
    assert_eq!(
        db.get_field("a", f.username()).await.unwrap().as_deref(),
        Some("Paul")
    );
}

/// Tasks reading different records through a cache that holds one: each read answers from the
/// record it fetched, even when another task's read makes the cache forget it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_answer_from_what_they_fetched_while_other_tasks_evict_it() {
    let (table, db) = bounded_tables(Some(1), None).await;
    for index in 0..8 {
        let record = Player {
            score: Some(index),
            ..player(&format!("e{index}"))
        };
        db.put_record(&record).await.unwrap();
    }
    let mut tasks = Vec::new();
    for index in 0..8 {
        let table = table.clone();
        tasks.push(tokio::spawn(async move {
            let f = Player::fields();
            for _ in 0..20 {
                let key = format!("e{index}");
                assert_eq!(
                    table.get_field(key.as_str(), f.score()).await.unwrap(),
                    Some(index)
                );
                let record = table.get_record(key.as_str()).await.unwrap();
                assert_eq!(record.and_then(|r| r.score), Some(index));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert!(table.stats().evictions > 0);
}
