//! A leading key shared by several logical tables in one physical table: applied to every operation
//! that takes or returns a record key, invisible to callers, and keeping tenants apart.

use std::collections::HashMap;

use futures::StreamExt;
use structnosql::expr::Condition;
use structnosql::table::{
    BasicTable, BatchRetry, CachingTable, GlobalSecondaryIndex, PrimaryIndex, Query,
    ReadTransaction, Scan, Setters, WriteTransaction,
};
use structnosql::{Error, MapModel, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Player {
    player_id: String,
    team: String,
    score: Option<i64>,
    #[structnosql(key_name = "itemId")]
    items: Option<HashMap<String, Item>>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Item {
    count: i64,
}

fn player(id: &str, score: i64) -> Player {
    Player {
        player_id: id.into(),
        team: "red".into(),
        score: Some(score),
        items: None,
    }
}

struct Tenants {
    name: String,
    client: structnosql::aws_sdk_dynamodb::Client,
    a: BasicTable<Player>,
    a_cached: CachingTable<Player>,
    b: BasicTable<Player>,
}

async fn tenants() -> Tenants {
    let name = harness::unique_table_name("shared");
    let client = harness::client();
    let build = |prefix: &'static str| {
        BasicTable::<Player>::builder()
            .table_name(&name)
            .client(client.clone())
            .primary_index(PrimaryIndex::hash("playerId"))
            .global_secondary_index(GlobalSecondaryIndex::hash("team"))
            .leading_key(prefix)
    };
    let a = build("tenant-a#")
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let b = build("tenant-b#").build().await.unwrap();
    let a_cached = CachingTable::<Player>::builder()
        .table_name(&name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("playerId"))
        .global_secondary_index(GlobalSecondaryIndex::hash("team"))
        .leading_key("tenant-a#")
        .build()
        .await
        .unwrap();
    Tenants {
        name,
        client,
        a,
        a_cached,
        b,
    }
}

/// Every stored hash key, as DynamoDB holds them.
async fn stored_keys(tenants: &Tenants) -> Vec<String> {
    let output = tenants
        .client
        .scan()
        .table_name(&tenants.name)
        .send()
        .await
        .unwrap();
    let mut keys: Vec<String> = output
        .items()
        .iter()
        .filter_map(|item| item.get("playerId")?.as_s().ok().cloned())
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn every_operation_stores_and_finds_records_under_the_leading_key() {
    let t = tenants().await;
    let f = Player::fields();
    t.a.put_record(&player("p1", 1)).await.unwrap();
    t.a.update_field("p2", f.score(), 2).await.unwrap();
    t.a.update_field("p2", f.team(), "red").await.unwrap();
    t.a.update_field("p1", f.items().key("sword").count(), 3)
        .await
        .unwrap();
    t.b.put_record(&player("p1", 100)).await.unwrap();
    assert_eq!(
        stored_keys(&t).await,
        ["tenant-a#p1", "tenant-a#p2", "tenant-b#p1"]
    );

    // Reads return keys and records without the prefix.
    let record = t.a.get_record("p1").await.unwrap().unwrap();
    assert_eq!(record.player_id, "p1");
    assert_eq!(record.items.unwrap()["sword"].count, 3);
    assert_eq!(t.b.get_field("p1", f.score()).await.unwrap(), Some(100));
    let page =
        t.a.query_field(&Query::index("team", "red").unwrap(), f.score())
            .await
            .unwrap();
    let mut found: Vec<(String, Option<i64>)> = page.records;
    found.sort();
    assert_eq!(found, [("p1".into(), Some(1)), ("p2".into(), Some(2))]);
    let by_key =
        t.a.query_field(&Query::primary("p2").unwrap(), f.score())
            .await
            .unwrap();
    assert_eq!(by_key.records, [("p2".to_owned(), Some(2))]);

    let scanned = t.a.scan_records(&Scan::table()).await.unwrap();
    let mut ids: Vec<String> = scanned.records.iter().map(|(key, _)| key.clone()).collect();
    ids.sort();
    assert_eq!(ids, ["p1", "p2"]);
    assert!(scanned
        .records
        .iter()
        .all(|(key, record)| *key == record.player_id));
    let pages: Vec<_> =
        t.b.paginated_scan_records(Scan::table())
            .collect::<Vec<_>>()
            .await;
    let b_records: Vec<String> = pages
        .into_iter()
        .flat_map(|page| page.unwrap().records)
        .map(|(key, _)| key)
        .collect();
    assert_eq!(b_records, ["p1"]);

    // Batches and transactions.
    let batch =
        t.a.batch_get_records(["p1", "p2", "p3"], BatchRetry::default())
            .await
            .unwrap();
    assert_eq!(batch.records.len(), 2);
    assert_eq!(batch.missing, ["p3"]);
    let written =
        t.a.batch_put_records(&[player("p3", 3)], BatchRetry::default())
            .await
            .unwrap();
    assert!(written.is_complete());
    WriteTransaction::new()
        .update_if(
            &t.a,
            "p3",
            &Setters::new().set(f.score(), 30),
            &Condition::eq(f.score(), 3),
        )
        .unwrap()
        .put(&t.b, &player("p9", 9))
        .unwrap()
        .commit()
        .await
        .unwrap();
    let mut reads = ReadTransaction::new();
    let (a3, b9) = (
        reads.get(&t.a, "p3").unwrap(),
        reads.get(&t.b, "p9").unwrap(),
    );
    let mut results = reads.commit().await.unwrap();
    assert_eq!(results.take(a3).unwrap().unwrap().score, Some(30));
    assert_eq!(results.take(b9).unwrap().unwrap().player_id, "p9");

    // Record-level removal, through the prefix too.
    assert!(t.a.delete_record("p3").await.unwrap());
    let removed = t.a.remove_record("p2").await.unwrap().unwrap();
    assert_eq!(removed.player_id, "p2");
    assert_eq!(
        stored_keys(&t).await,
        ["tenant-a#p1", "tenant-b#p1", "tenant-b#p9"]
    );
}

#[tokio::test]
async fn a_caching_table_commits_and_clears_through_the_leading_key() {
    let t = tenants().await;
    let f = Player::fields();
    t.a_cached.put_record(&player("p1", 1)).await.unwrap();
    t.a_cached.update_field("p1", f.score(), 5).await.unwrap();
    t.a_cached
        .update_field("p1", f.items().key("shield").count(), 1)
        .await
        .unwrap();
    let report = t.a_cached.commit_operations().await;
    assert_eq!(report.committed, ["p1"]);
    assert_eq!(t.a.get_field("p1", f.score()).await.unwrap(), Some(5));
    assert_eq!(stored_keys(&t).await, ["tenant-a#p1"]);

    // Another writer changes the record; forgetting it makes the cache read it again.
    t.a.update_field("p1", f.score(), 6).await.unwrap();
    assert_eq!(
        t.a_cached.get_field("p1", f.score()).await.unwrap(),
        Some(5)
    );
    t.a_cached.clear_cached_data_for_record("p1").unwrap();
    assert_eq!(
        t.a_cached.get_field("p1", f.score()).await.unwrap(),
        Some(6)
    );
    t.a_cached.update_field("p1", f.score(), 7).await.unwrap();
    assert!(t.a_cached.commit_operations_atomically().await.is_ok());
    assert_eq!(t.a.get_field("p1", f.score()).await.unwrap(), Some(7));
}

#[tokio::test]
async fn records_stored_without_the_prefix_are_not_visible() {
    let t = tenants().await;
    let plain = BasicTable::<Player>::builder()
        .table_name(&t.name)
        .client(t.client.clone())
        .primary_index(PrimaryIndex::hash("playerId"))
        .global_secondary_index(GlobalSecondaryIndex::hash("team"))
        .build()
        .await
        .unwrap();
    plain.put_record(&player("p1", 1)).await.unwrap();
    let f = Player::fields();
    assert_eq!(t.a.get_record("p1").await.unwrap(), None);
    assert_eq!(t.a.get_field("p1", f.score()).await.unwrap(), None);
    let page =
        t.a.query_field(&Query::index("team", "red").unwrap(), f.score())
            .await
            .unwrap();
    assert!(page.records.is_empty());
    assert!(t
        .a
        .scan_records(&Scan::table())
        .await
        .unwrap()
        .records
        .is_empty());
    assert!(!t.a.delete_record("p1").await.unwrap());
    assert_eq!(plain.get_field("p1", f.score()).await.unwrap(), Some(1));
    // Through the plain table, a prefixed record is a record whose key starts with the prefix.
    t.a.put_record(&player("p2", 2)).await.unwrap();
    assert!(plain.get_record("tenant-a#p2").await.unwrap().is_some());
}

#[tokio::test]
async fn a_leading_key_needs_a_string_hash_key_and_counts_toward_the_key_size() {
    #[derive(TableDataModel, Debug)]
    struct Numbered {
        number: i64,
    }
    let error = BasicTable::<Numbered, i64>::builder()
        .table_name("unused")
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("number"))
        .leading_key("x#")
        .build()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error}");

    let t = tenants().await;
    let long = "k".repeat(2040);
    let error = t.a.get_record(long.as_str()).await.unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error}");
}
