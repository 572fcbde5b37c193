//! What a caching table sends, by request count, for each kind of work it must keep at DynamoDB's
//! minimum: a record read once whole answers every later read, remove and delete; writes under maps
//! that may be missing; writes undone before commit; list edits. Each case also checks the stored
//! result.

use std::collections::HashMap;

use structnosql::table::{BasicTable, CachingTable};

use crate::caching_table::{player, Item, Player};
use crate::harness;

/// A caching table on a new table holding `records`, and a basic table on it.
async fn holding(records: &[Player]) -> (CachingTable<Player>, BasicTable<Player>) {
    let (basic, caching, _) =
        harness::basic_and_caching::<Player>(&harness::client(), "economy", "playerId").await;
    for record in records {
        basic.put_record(record).await.unwrap();
    }
    (caching, basic)
}

fn sent(table: &CachingTable<Player>) -> u64 {
    table.stats().requests_sent
}

/// Reads, writes, removes and deletes of five records, then a commit: one GetItem per record
/// read, one UpdateItem per record written.
#[tokio::test]
async fn a_session_costs_one_read_and_one_write_per_record() {
    if harness::through_api("counts DynamoDB requests in the table's statistics, which through an API count HTTP requests") {
        return;
    }
    let keys: Vec<String> = (0..5).map(|index| format!("p{index}")).collect();
    let records: Vec<Player> = keys.iter().map(|key| player(key)).collect();
    let (table, db) = holding(&records).await;
    let f = Player::fields();
    let start = sent(&table);
    for key in &keys {
        assert_eq!(
            table.get_field(key, f.username()).await.unwrap().as_deref(),
            Some("Robinson")
        );
    }
    for key in &keys {
        table.update_field(key, f.score(), 20).await.unwrap();
        let (team, score) = table.get_fields(key, (f.team(), f.score())).await.unwrap();
        assert_eq!((team.as_deref(), score), (Some("red"), Some(20)));
        let sword = table
            .remove_field(key, f.inventory().key("sword"))
            .await
            .unwrap();
        assert_eq!(sword.map(|item| item.count), Some(1));
        assert!(!table.delete_field(key, f.data()).await.unwrap());
        assert!(table.delete_field(key, f.team()).await.unwrap());
        let shield = Item {
            name: "Shield".into(),
            count: 2,
        };
        table
            .update_field(key, f.inventory().key("shield"), shield)
            .await
            .unwrap();
    }
    assert_eq!(sent(&table) - start, 5, "one GetItem per record");
    assert!(table.commit_operations().await.is_success());
    assert_eq!(sent(&table) - start, 10, "and one UpdateItem per record");
    for key in &keys {
        let stored = db.get_record(key).await.unwrap().unwrap();
        assert_eq!(stored.score, Some(20));
        assert_eq!(stored.team, None);
        let inventory = stored.inventory.unwrap();
        assert_eq!(inventory.keys().collect::<Vec<_>>(), ["shield"]);
    }
}

/// Deletes of fields never read: one read answers whether each existed, one UpdateItem commits.
#[tokio::test]
async fn deletes_of_unread_fields_cost_one_read_and_one_write() {
    let (table, db) = holding(&[player("d")]).await;
    let f = Player::fields();
    let start = sent(&table);
    assert!(table.delete_field("d", f.username()).await.unwrap());
    assert!(!table.delete_field("d", f.data()).await.unwrap());
    assert!(table
        .delete_field("d", f.inventory().key("sword"))
        .await
        .unwrap());
    assert_eq!(sent(&table) - start, 1);
    assert!(table.commit_operations().await.is_success());
    assert_eq!(sent(&table) - start, 2);
    let stored = db.get_record("d").await.unwrap().unwrap();
    assert_eq!(stored.username, None);
    assert_eq!(stored.inventory, Some(HashMap::new()));
}

/// Writes under a map that may be missing, sent blind: one UpdateItem where the map exists, two
/// where it does not (DynamoDB refuses the first, the second creates the map); one when the record
/// was read first, as it then knows.
#[tokio::test]
async fn writes_under_possibly_missing_maps_cost_one_request_more_only_where_missing() {
    if harness::through_api("counts DynamoDB requests in the table's statistics, which through an API count HTTP requests") {
        return;
    }
    let without_inventory = Player {
        inventory: None,
        ..player("m1")
    };
    let (table, db) = holding(&[player("m0"), without_inventory.clone()]).await;
    let f = Player::fields();
    let potion = || Item {
        name: "Potion".into(),
        count: 3,
    };
    let start = sent(&table);
    for key in ["m0", "m1"] {
        table
            .update_field(key, f.inventory().key("potion"), potion())
            .await
            .unwrap();
    }
    assert!(table.commit_operations().await.is_success());
    assert_eq!(sent(&table) - start, 3);
    for key in ["m0", "m1"] {
        let stored = db.get_record(key).await.unwrap().unwrap();
        assert_eq!(stored.inventory.unwrap().get("potion"), Some(&potion()));
    }

    // Read first: the read tells the map is missing, and the commit creates it in one request.
    let (table, db) = holding(&[Player {
        player_id: "m2".into(),
        ..without_inventory
    }])
    .await;
    let start = sent(&table);
    table.get_field("m2", f.username()).await.unwrap();
    table
        .update_field("m2", f.inventory().key("potion"), potion())
        .await
        .unwrap();
    assert!(table.commit_operations().await.is_success());
    assert_eq!(sent(&table) - start, 2);
    let stored = db.get_record("m2").await.unwrap().unwrap();
    assert_eq!(stored.inventory.unwrap().get("potion"), Some(&potion()));
}

/// Writes undone before the commit (a new entry written then removed) send nothing at commit.
#[tokio::test]
async fn writes_undone_before_commit_send_nothing() {
    let (table, db) = holding(&[player("s")]).await;
    let f = Player::fields();
    let start = sent(&table);
    table.get_field("s", f.username()).await.unwrap();
    let potion = f.inventory().key("potion");
    let item = Item {
        name: "Potion".into(),
        count: 1,
    };
    table.update_field("s", potion.clone(), item).await.unwrap();
    table.remove_field("s", potion).await.unwrap();
    assert!(table.commit_operations().await.is_success());
    assert_eq!(sent(&table) - start, 1, "the read alone");
    assert_eq!(db.get_record("s").await.unwrap(), Some(player("s")));
}

#[derive(structnosql::TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Badges {
    id: String,
    badges: Option<Vec<String>>,
}

/// List edits without a read first: the first needs the stored list (one read), the commit writes
/// the list as shown (one UpdateItem).
#[tokio::test]
async fn list_edits_cost_one_read_and_one_write() {
    let (db, table, _) =
        harness::basic_and_caching::<Badges>(&harness::client(), "economy-lists", "id").await;
    let words = |words: &[&str]| Some(words.iter().map(|w| w.to_string()).collect::<Vec<_>>());
    db.put_record(&Badges {
        id: "l".into(),
        badges: words(&["a", "b", "c"]),
    })
    .await
    .unwrap();
    let f = Badges::fields();
    let start = table.stats().requests_sent;
    table
        .update_field("l", f.badges().index(1), "B".to_owned())
        .await
        .unwrap();
    table
        .update_field("l", f.badges().index(3), "d".to_owned())
        .await
        .unwrap();
    let removed = table.remove_field("l", f.badges().index(0)).await.unwrap();
    assert_eq!(removed.as_deref(), Some("a"));
    assert!(table.commit_operations().await.is_success());
    assert_eq!(table.stats().requests_sent - start, 2);
    assert_eq!(
        db.get_field("l", f.badges()).await.unwrap(),
        words(&["B", "c", "d"])
    );
}

/// A query of the primary index of a table without a sort key reads one record at most: when the
/// cache knows it (or knows it absent), the answer comes from memory, pending writes included.
/// Queries the cache cannot answer exactly (a filter, or a record not known) are sent.
#[tokio::test]
async fn a_query_of_one_known_record_is_answered_from_memory() {
    use structnosql::expr::Condition;
    use structnosql::table::Query;
    let (table, db) = holding(&[player("q")]).await;
    let f = Player::fields();
    let start = sent(&table);
    let page = table
        .query_field(&Query::primary("q").unwrap(), f.score())
        .await
        .unwrap();
    assert_eq!(page.records, [("q".to_owned(), Some(10))]);
    assert_eq!(sent(&table) - start, 1, "not known yet: sent");

    table.update_field("q", f.score(), 11).await.unwrap();
    let limited = Query::primary("q").unwrap().limit(1);
    let page = table.query_field(&limited, f.score()).await.unwrap();
    assert_eq!(page.records, [("q".to_owned(), Some(11))]);
    assert_eq!(page.metadata.count, 1);
    assert!(page.metadata.has_reached_end);
    let absent = table
        .query_field(&Query::primary("nobody").unwrap(), f.score())
        .await
        .unwrap();
    assert!(absent.records.is_empty());
    assert_eq!(
        sent(&table) - start,
        2,
        "answered from memory, after one read of the absent record"
    );
    assert_eq!(
        db.get_field("q", f.score()).await.unwrap(),
        Some(10),
        "the write is still pending"
    );

    let filtered = Query::primary("q")
        .unwrap()
        .filter(Condition::gt(f.score(), 10));
    let page = table.query_field(&filtered, f.score()).await.unwrap();
    assert_eq!(page.records, [("q".to_owned(), Some(11))]);
    assert_eq!(
        sent(&table) - start,
        4,
        "a filter is DynamoDB's to apply: the pending write, then the query"
    );
}

/// Deleting a record the cache knows, with writes pending: one DeleteItem, the answer from the
/// view, the writes (which the delete undoes) never sent. A record known absent costs nothing.
#[tokio::test]
async fn deleting_a_known_record_with_pending_writes_is_one_request() {
    let (table, db) = holding(&[player("k")]).await;
    let f = Player::fields();
    let start = sent(&table);
    table.get_field("k", f.username()).await.unwrap();
    table.update_field("k", f.score(), 99).await.unwrap();
    let removed = table.remove_record("k").await.unwrap().unwrap();
    assert_eq!(removed.score, Some(99));
    assert_eq!(sent(&table) - start, 2, "the read and one DeleteItem");
    assert_eq!(db.get_record("k").await.unwrap(), None);

    // Writes that create the record, then its delete: nothing stored, one request.
    table.update_field("k", f.score(), 1).await.unwrap();
    assert!(table.delete_record("k").await.unwrap());
    assert!(!table.delete_record("k").await.unwrap());
    assert!(!table.has_pending_operations());
    assert_eq!(
        sent(&table) - start,
        2,
        "known absent in DynamoDB: nothing to send"
    );
    assert_eq!(db.get_record("k").await.unwrap(), None);
}

/// A conditional write on a known record with writes pending carries them in its one UpdateItem
/// when neither it nor its condition touches what they write; when the condition fails, the
/// pending writes are committed alone and the failure reported, as sending them first would.
#[tokio::test]
async fn a_conditional_write_carries_the_pending_writes_of_other_paths() {
    use structnosql::expr::Condition;
    use structnosql::Error;
    let (table, db) = holding(&[player("c")]).await;
    let f = Player::fields();
    table.get_field("c", f.username()).await.unwrap();
    let start = sent(&table);
    table.update_field("c", f.score(), 50).await.unwrap();
    table
        .update_field_if(
            "c",
            f.team(),
            "blue",
            &Condition::eq(f.username(), "Robinson"),
        )
        .await
        .unwrap();
    assert_eq!(sent(&table) - start, 1, "one UpdateItem for both");
    assert!(!table.has_pending_operations());
    let stored = db.get_record("c").await.unwrap().unwrap();
    assert_eq!(
        (stored.score, stored.team.as_deref()),
        (Some(50), Some("blue"))
    );

    // The condition fails: the pending write is stored, the conditional one is not.
    table.update_field("c", f.score(), 60).await.unwrap();
    let error = table
        .update_field_if("c", f.team(), "green", &Condition::eq(f.username(), "Paul"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ConditionFailed { .. }), "{error}");
    assert_eq!(
        sent(&table) - start,
        3,
        "the merged request, then the pending write alone"
    );
    let stored = db.get_record("c").await.unwrap().unwrap();
    assert_eq!(
        (stored.score, stored.team.as_deref()),
        (Some(60), Some("blue"))
    );
    assert_eq!(table.get_field("c", f.score()).await.unwrap(), Some(60));

    // A condition on a path a pending write touches is checked after it: sent in order.
    table.update_field("c", f.username(), "Paul").await.unwrap();
    table
        .update_field_if("c", f.team(), "green", &Condition::eq(f.username(), "Paul"))
        .await
        .unwrap();
    assert_eq!(
        sent(&table) - start,
        5,
        "the pending write, then the conditional one"
    );
    let stored = db.get_record("c").await.unwrap().unwrap();
    assert_eq!(stored.team.as_deref(), Some("green"));
}
