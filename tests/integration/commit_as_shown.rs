//! What a `CachingTable` commits is what it showed, and what `BasicTable` leaves: the same calls run
//! on both tables (each on its own table), with a cold and a warm cache, and the returned values,
//! the stored items and the cache's view after the commit are compared.

use std::collections::HashMap;

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::table::{Cached, Direct, PrimaryIndex, ReadTransaction, Removers};
use structnosql::{MapModel, TableDataModel};

use crate::caching_table::{player, Player};
use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Lists {
    pub user_id: String,
    pub items: Option<Vec<String>>,
    pub cards: Option<Vec<Card>>,
    pub grid: Option<Vec<Vec<i64>>>,
    pub n: Option<i64>,
    pub meta: Option<HashMap<String, i64>>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Card {
    pub title: String,
}

fn card(title: &str) -> Card {
    Card {
        title: title.into(),
    }
}

fn record(id: &str) -> Lists {
    Lists {
        user_id: id.into(),
        items: Some(vec!["a".into(), "b".into(), "c".into()]),
        cards: Some(vec![card("x"), card("y")]),
        grid: Some(vec![vec![1, 2], vec![3, 4]]),
        n: None,
        meta: None,
    }
}

/// A table of either kind on a new table of its own, with a request counter.
async fn table<B: structnosql::table::Backend>(
    prefix: &str,
) -> (
    structnosql::table::Table<Lists, String, B>,
    String,
    harness::RequestCounter,
) {
    let (client, counter) = harness::counted_client();
    let name = harness::unique_table_name(prefix);
    let table = structnosql::table::Table::<Lists, String, B>::builder()
        .table_name(&name)
        .client(client)
        .primary_index(PrimaryIndex::hash("userId"))
        .auto_create_table(true)
        .build()
        .await
        .expect("table");
    (table, name, counter)
}

/// Runs `calls` on a BasicTable and on a CachingTable (cold, or warm: the record read first), each
/// starting from `initial`; commits the caching table; asserts the same results, the same stored
/// item, and a cache that shows what is stored. Returns the requests each table sent for `calls`
/// (the commit included).
macro_rules! compare {
    ($initial:expr, warm: $warm:expr, |$t:ident| $calls:block) => {{
        let (basic, basic_name, basic_requests) = table::<Direct>("cmp-basic").await;
        let (caching, caching_name, caching_requests) = table::<Cached>("cmp-caching").await;
        let initial: Option<Lists> = $initial;
        if let Some(initial) = &initial {
            basic.put_record(initial).await.expect("put");
            caching.put_record(initial).await.expect("put");
        }
        caching.clear_cached_data();
        if $warm {
            caching.get_record("l1").await.expect("warm-up read");
        }
        basic_requests.take();
        caching_requests.take();
        let from_basic = {
            let $t = &basic;
            $calls
        };
        let from_caching = {
            let $t = &caching;
            $calls
        };
        assert_eq!(from_basic, from_caching, "returned values");
        let report = caching.commit_operations().await;
        assert!(report.is_success(), "commit: {report:?}");
        let requests = (basic_requests.take(), caching_requests.take());
        let stored_basic = harness::stored_item(&basic_name, "userId", "l1").await;
        let stored_caching = harness::stored_item(&caching_name, "userId", "l1").await;
        assert_eq!(stored_basic, stored_caching, "stored items");
        let shown = caching.get_record("l1").await.expect("cache view");
        let stored = basic.get_record("l1").await.expect("stored record");
        assert_eq!(shown, stored, "what the cache shows after the commit");
        (requests, stored_caching)
    }};
}

/// Makes the same call on the basic and the caching table (`$t` names each in turn), unwrapping it.
macro_rules! on_both {
    ($basic:expr, $caching:expr, |$t:ident| $call:expr) => {{
        {
            let $t = &$basic;
            $call.await.unwrap();
        }
        {
            let $t = &$caching;
            $call.await.unwrap();
        }
    }};
}

/// Records from a scan or a query, in key order.
fn by_key<K: Ord, V>(mut records: Vec<(K, V)>) -> Vec<(K, V)> {
    records.sort_by(|a, b| a.0.cmp(&b.0));
    records
}

fn list(values: &[&str]) -> AttributeValue {
    AttributeValue::L(
        values
            .iter()
            .map(|v| AttributeValue::S((*v).into()))
            .collect(),
    )
}

/// The sequence of the issue: index writes, a write past the end, a write inside an element, then
/// two removes of `items[0]` that target different elements.
#[tokio::test]
async fn index_writes_and_removes_commit_the_list_the_cache_showed() {
    for warm in [false, true] {
        let ((basic, caching), stored) = compare!(Some(record("l1")), warm: warm, |t| {
            let f = Lists::fields();
            let read = t.get_field("l1", f.items().index(1)).await.unwrap();
            t.update_field("l1", f.items().index(1), "B".to_owned()).await.unwrap();
            t.update_field("l1", f.items().index(5), "F".to_owned()).await.unwrap();
            t.update_field("l1", f.cards().index(0).title(), "X".to_owned()).await.unwrap();
            let removed = t.remove_field("l1", f.items().index(0)).await.unwrap();
            let deleted = t.delete_field("l1", f.items().index(0)).await.unwrap();
            let items = t.get_field("l1", f.items()).await.unwrap();
            (read, removed, deleted, items)
        });
        assert_eq!(
            stored.get("items"),
            Some(&list(&["c", "F"])),
            "warm: {warm}"
        );
        assert_eq!(basic, 7, "BasicTable: one request per call");
        // Cold: the first read fetches the whole record, then one commit. Warm: only the commit.
        assert_eq!(caching, if warm { 1 } else { 2 }, "warm: {warm}");
    }
}

/// Two writes past the end of a list append twice, as two requests do.
#[tokio::test]
async fn two_writes_past_the_end_append_twice() {
    for warm in [false, true] {
        let (_, stored) = compare!(Some(record("l1")), warm: warm, |t| {
            let f = Lists::fields();
            t.update_field("l1", f.items().index(9), "d".to_owned()).await.unwrap();
            t.update_field("l1", f.items().index(9), "e".to_owned()).await.unwrap();
        });
        assert_eq!(stored.get("items"), Some(&list(&["a", "b", "c", "d", "e"])));
    }
}

/// Old values at positions past the first come from the cache as DynamoDB returns them.
#[tokio::test]
async fn old_values_at_later_positions_come_back() {
    for warm in [false, true] {
        compare!(Some(record("l1")), warm: warm, |t| {
            let f = Lists::fields();
            let old = t
                .update_field_return_old("l1", f.items().index(2), "C".to_owned())
                .await
                .unwrap();
            let deleted = t.delete_field("l1", f.items().index(1)).await.unwrap();
            let removed = t.remove_field("l1", f.cards().index(1)).await.unwrap();
            let cell = t.remove_field("l1", f.grid().index(1).index(0)).await.unwrap();
            assert_eq!(old.as_deref(), Some("c"));
            assert_eq!(cell, Some(3));
            assert!(deleted);
            assert_eq!(removed, Some(card("y")));
            (old, deleted, removed, cell)
        });
    }
}

/// Two positions removed in one call both refer to the list before the call.
#[tokio::test]
async fn positions_removed_in_one_call_refer_to_the_list_before_it() {
    for warm in [false, true] {
        let (_, stored) = compare!(Some(record("l1")), warm: warm, |t| {
            let f = Lists::fields();
            let removers = Removers::new()
                .field("first", f.items().index(0))
                .field("second", f.items().index(1));
            t.delete_multiple_fields("l1", &removers).await.unwrap()
        });
        assert_eq!(stored.get("items"), Some(&list(&["c"])));
    }
}

/// The same position removed twice removes two elements.
#[tokio::test]
async fn the_same_position_removed_twice_removes_two_elements() {
    for warm in [false, true] {
        let (_, stored) = compare!(Some(record("l1")), warm: warm, |t| {
            let f = Lists::fields();
            let first = t.remove_field("l1", f.items().index(0)).await.unwrap();
            let second = t.remove_field("l1", f.items().index(0)).await.unwrap();
            (first, second)
        });
        assert_eq!(stored.get("items"), Some(&list(&["c"])));
    }
}

/// A write then a remove of the same attribute on a record that does not exist leaves the record,
/// holding its key only.
#[tokio::test]
async fn a_write_then_its_remove_on_an_absent_record_leaves_the_record() {
    for warm in [false, true] {
        let (_, stored) = compare!(None, warm: warm, |t| {
            let f = Lists::fields();
            t.update_field("l1", f.n(), 1).await.unwrap();
            t.remove_field("l1", f.n()).await.unwrap()
        });
        assert_eq!(
            stored,
            HashMap::from([("userId".to_owned(), AttributeValue::S("l1".into()))])
        );
    }
}

/// A commit of the removes alone does not send a remove ahead of a write it follows.
#[tokio::test]
async fn a_commit_of_removes_alone_keeps_them_behind_earlier_writes() {
    let (caching, name, _) = table::<Cached>("cmp-removes").await;
    caching.put_record(&record("l1")).await.unwrap();
    let f = Lists::fields();
    caching
        .update_field("l1", f.meta().key("a"), 1)
        .await
        .unwrap();
    caching.remove_field("l1", f.meta().key("a")).await.unwrap();
    assert!(caching.commit_remove_operations().await.is_success());
    assert!(caching.commit_operations().await.is_success());
    let stored = harness::stored_item(&name, "userId", "l1").await;
    assert_eq!(
        stored.get("meta"),
        Some(&AttributeValue::M(HashMap::new())),
        "the map the write created stays, without the removed entry"
    );
    assert_eq!(
        caching.get_field("l1", f.meta()).await.unwrap(),
        Some(HashMap::new())
    );
}

/// A read transaction shows the caching table's pending writes of the records it reads.
#[tokio::test]
async fn a_read_transaction_sees_pending_writes() {
    let (caching, _, _) = table::<Cached>("cmp-readtx").await;
    caching.put_record(&record("l1")).await.unwrap();
    let f = Lists::fields();
    caching.update_field("l1", f.n(), 7).await.unwrap();
    let mut reads = ReadTransaction::new();
    let slot = reads.get(&caching, "l1").unwrap();
    let mut results = reads.commit().await.unwrap();
    let read = results.take(slot).unwrap().expect("record");
    assert_eq!(read.n, Some(7));
    assert_eq!(read, caching.get_record("l1").await.unwrap().unwrap());
}

/// A BasicTable and a CachingTable on two tables of players with a `team` index holding the
/// usernames only.
async fn players_with_index() -> (
    structnosql::table::BasicTable<Player>,
    structnosql::table::CachingTable<Player>,
) {
    use structnosql::table::{GlobalSecondaryIndex, Projection, Table};
    async fn one<B: structnosql::table::Backend>(prefix: &str) -> Table<Player, String, B> {
        Table::<Player, String, B>::builder()
            .table_name(harness::unique_table_name(prefix))
            .client(harness::client())
            .primary_index(PrimaryIndex::hash("playerId"))
            .global_secondary_index(
                GlobalSecondaryIndex::hash("team")
                    .projection(Projection::Include(vec!["username".into()])),
            )
            .auto_create_table(true)
            .build()
            .await
            .expect("table")
    }
    let basic = one::<Direct>("idx-basic").await;
    let caching = one::<Cached>("idx-caching").await;
    for name in ["x42", "y7"] {
        on_both!(basic, caching, |t| t.put_record(&player(name)));
    }
    (basic, caching)
}

/// Through an index that holds some attributes, a caching table shows what the index holds, with
/// the pending writes to them, and never an attribute from its cache that the index lacks.
#[tokio::test]
async fn queries_and_scans_of_a_partial_index_show_what_it_holds_with_pending_writes() {
    let (basic, caching) = players_with_index().await;
    caching.get_record("x42").await.unwrap();
    let f = Player::fields();
    for table_writes in [true, false] {
        // The same writes on both tables, the caching one queuing them.
        if table_writes {
            on_both!(basic, caching, |t| t.update_field(
                "x42",
                f.username(),
                "B2".to_owned()
            ));
        } else {
            on_both!(basic, caching, |t| t.delete_field("y7", f.username()));
        }
        let index = structnosql::table::Scan::index("team");
        let from_basic = by_key(basic.scan_records(&index).await.unwrap().records);
        let from_caching = by_key(caching.scan_records(&index).await.unwrap().records);
        assert_eq!(from_basic, from_caching);
        assert_eq!(from_caching[0].1.score, None, "not in the index");
        let query = structnosql::table::Query::index("team", "red").unwrap();
        let mut from_basic = basic
            .query_field(&query, f.username())
            .await
            .unwrap()
            .records;
        let mut from_caching = caching
            .query_field(&query, f.username())
            .await
            .unwrap()
            .records;
        from_basic.sort();
        from_caching.sort();
        assert_eq!(from_basic, from_caching);
    }
}

/// A record that exists only through pending writes is found by queries and scans, as by reads.
#[tokio::test]
async fn records_created_by_pending_writes_are_found_by_queries_and_scans() {
    let (basic, caching) = players_with_index().await;
    let f = Player::fields();
    on_both!(basic, caching, |t| t.delete_record("y7"));
    on_both!(basic, caching, |t| t.update_field("new", f.score(), 3));
    on_both!(basic, caching, |t| t.update_field(
        "y7",
        f.team(),
        "red".to_owned()
    ));
    let query = structnosql::table::Query::primary("new").unwrap();
    assert_eq!(
        basic.query_field(&query, f.score()).await.unwrap().records,
        caching
            .query_field(&query, f.score())
            .await
            .unwrap()
            .records,
    );
    let from_basic = basic
        .scan_records(&structnosql::table::Scan::table())
        .await
        .unwrap()
        .records;
    let from_caching = caching
        .scan_records(&structnosql::table::Scan::table())
        .await
        .unwrap()
        .records;
    let (from_basic, from_caching) = (by_key(from_basic), by_key(from_caching));
    assert_eq!(from_basic.len(), 3);
    assert_eq!(from_basic, from_caching);
}

/// A write that would make a record the cache knows whole pass 400 KB is refused when it is made,
/// as DynamoDB refuses it on the BasicTable: nothing is queued, and the record's other writes are
/// committed.
#[tokio::test]
async fn a_write_past_400_kb_is_refused_when_made_and_blocks_nothing() {
    let ((basic, caching), stored) = compare!(None, warm: true, |t| {
        let f = Lists::fields();
        t.update_field("l1", f.items(), vec!["a".repeat(300 * 1024)])
            .await
            .unwrap();
        let big = t
            .update_field("l1", f.cards(), vec![card(&"b".repeat(150 * 1024))])
            .await;
        assert!(big.is_err(), "{big:?}");
        t.update_field("l1", f.n(), 5).await.unwrap();
        t.get_field("l1", f.cards()).await.unwrap()
    });
    assert_eq!(stored.get("n"), Some(&AttributeValue::N("5".into())));
    assert!(!stored.contains_key("cards"));
    assert_eq!(
        (basic, caching),
        (4, 1),
        "the refused write is sent by BasicTable only"
    );
}

/// Writes that together pass 400 KB, each small enough alone: those that keep the record under the
/// limit are queued, and the one that passes it is refused, as on the BasicTable.
#[tokio::test]
async fn writes_that_add_up_past_400_kb_are_refused_at_the_one_that_passes_it() {
    let ((basic, caching), stored) = compare!(None, warm: true, |t| {
        let f = Lists::fields();
        let text = |c: &str, kib: usize| c.repeat(kib * 1024);
        t.update_field("l1", f.items(), vec![text("a", 100)])
            .await
            .unwrap();
        t.update_field("l1", f.cards(), vec![card(&text("b", 100))])
            .await
            .unwrap();
        t.update_field("l1", f.items(), vec![text("a", 100), text("c", 100)])
            .await
            .unwrap();
        t.update_field(
            "l1",
            f.cards(),
            vec![card(&text("b", 100)), card(&text("d", 50))],
        )
        .await
        .unwrap();
        t.update_field("l1", f.n(), 5).await.unwrap();
        let past = t
            .update_field(
                "l1",
                f.items(),
                vec![text("a", 100), text("c", 100), text("e", 60)],
            )
            .await;
        assert!(past.is_err(), "{past:?}");
        t.get_field("l1", f.items()).await.unwrap().map(|items| items.len())
    });
    assert_eq!(stored.get("n"), Some(&AttributeValue::N("5".into())));
    match stored.get("items") {
        Some(AttributeValue::L(items)) => assert_eq!(items.len(), 2),
        other => panic!("items: {other:?}"),
    }
    assert_eq!(
        (basic, caching),
        (7, 1),
        "the refused write is sent by BasicTable only"
    );
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Versioned {
    id: String,
    title: Option<String>,
    #[structnosql(version)]
    version: Option<i64>,
}

/// Reads of a versioned record with pending writes show the version their commit stores; a write
/// queued while a commit is in flight goes with the next commit, and its reads show one more.
#[tokio::test]
async fn pending_writes_show_the_version_their_commit_stores() {
    use structnosql::table::CachingTable;
    let caching = CachingTable::<Versioned>::builder()
        .table_name(harness::unique_table_name("versioned"))
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let f = Versioned::fields();
    caching
        .put_record(&Versioned {
            id: "v".into(),
            title: None,
            version: None,
        })
        .await
        .unwrap();
    assert_eq!(caching.get_field("v", f.version()).await.unwrap(), Some(1));
    caching
        .update_field("v", f.title(), "a".to_owned())
        .await
        .unwrap();
    caching
        .update_field("v", f.title(), "b".to_owned())
        .await
        .unwrap();
    let shown = caching.get_record("v").await.unwrap().unwrap();
    assert_eq!(shown.version, Some(2));
    assert!(caching.commit_operations().await.is_success());
    caching.clear_cached_data();
    assert_eq!(caching.get_record("v").await.unwrap(), Some(shown));
}

/// A BasicTable and a CachingTable of `M`, each on a table of its own with hash key `hash_key`.
async fn pair<M: TableDataModel>(
    hash_key: &str,
) -> (
    structnosql::table::BasicTable<M>,
    structnosql::table::CachingTable<M>,
    [String; 2],
) {
    let names = [
        harness::unique_table_name("pair-basic"),
        harness::unique_table_name("pair-caching"),
    ];
    let basic = structnosql::table::BasicTable::<M>::builder()
        .table_name(&names[0])
        .client(harness::client())
        .primary_index(PrimaryIndex::hash(hash_key))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let caching = structnosql::table::CachingTable::<M>::builder()
        .table_name(&names[1])
        .client(harness::client())
        .primary_index(PrimaryIndex::hash(hash_key))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    (basic, caching, names)
}

/// Maps created by pending writes hold their defaults, in what the cache shows (also when a read
/// learns only that the map is missing) and in what the commit stores, as on a BasicTable.
#[tokio::test]
async fn maps_created_by_pending_writes_hold_their_defaults() {
    use crate::parity::Player as Gamer;
    let (basic, caching, names) = pair::<Gamer>("playerId").await;
    let f = Gamer::fields();
    for_both(&basic, &caching, "p").await;
    // Cold: the record's maps are not known when the write is queued.
    let notes = f.games().key("g1").notes();
    basic
        .update_field("p", notes.clone(), "n".to_owned())
        .await
        .unwrap();
    caching
        .update_field("p", notes, "n".to_owned())
        .await
        .unwrap();
    let game = f.games().key("g1");
    assert_eq!(
        basic.get_field("p", game.clone()).await.unwrap(),
        caching.get_field("p", game).await.unwrap(),
    );
    // Warm: a map removed (queued), then written inside.
    caching.get_record("p").await.unwrap();
    let muted = f.settings().audio().muted();
    for table_is_basic in [true, false] {
        if table_is_basic {
            basic.remove_field("p", f.settings()).await.unwrap();
            basic.update_field("p", muted.clone(), true).await.unwrap();
        } else {
            caching.remove_field("p", f.settings()).await.unwrap();
            caching
                .update_field("p", muted.clone(), true)
                .await
                .unwrap();
        }
    }
    assert_eq!(
        basic.get_field("p", f.settings()).await.unwrap(),
        caching.get_field("p", f.settings()).await.unwrap(),
    );
    assert!(caching.commit_operations().await.is_success());
    let stored_basic = harness::stored_item(&names[0], "playerId", "p").await;
    let stored_caching = harness::stored_item(&names[1], "playerId", "p").await;
    assert_eq!(stored_basic, stored_caching);
    assert_eq!(
        caching.get_record("p").await.unwrap(),
        basic.get_record("p").await.unwrap()
    );
}

/// The record `id` with a `settings` map, on both tables; the caching table's cache is cold.
async fn for_both(
    basic: &structnosql::table::BasicTable<crate::parity::Player>,
    caching: &structnosql::table::CachingTable<crate::parity::Player>,
    id: &str,
) {
    let theme = crate::parity::Player::fields().settings().theme();
    basic
        .update_field(id, theme.clone(), "light".to_owned())
        .await
        .unwrap();
    caching
        .update_field(id, theme, "light".to_owned())
        .await
        .unwrap();
    assert!(caching.commit_operations().await.is_success());
    caching.clear_cached_data();
}

/// A record created by field writes holds the record's defaults after an atomic commit too.
#[tokio::test]
async fn an_atomic_commit_of_a_record_created_by_field_writes_stores_its_defaults() {
    use crate::parity::Subscriber;
    for warm in [false, true] {
        let (basic, caching, names) = pair::<Subscriber>("subscriberId").await;
        if warm {
            assert_eq!(caching.get_record("s").await.unwrap(), None);
        }
        let f = Subscriber::fields();
        basic
            .update_field("s", f.nickname(), "n".to_owned())
            .await
            .unwrap();
        caching
            .update_field("s", f.nickname(), "n".to_owned())
            .await
            .unwrap();
        caching.commit_operations_atomically().await.unwrap();
        let stored_basic = harness::stored_item(&names[0], "subscriberId", "s").await;
        let stored_caching = harness::stored_item(&names[1], "subscriberId", "s").await;
        assert_eq!(stored_basic, stored_caching, "warm: {warm}");
        assert_eq!(
            caching.get_record("s").await.unwrap(),
            basic.get_record("s").await.unwrap()
        );
    }
}

#[derive(structnosql::MapModel, Debug, Clone, PartialEq)]
pub struct NullProfile {
    pub name: Option<String>,
}

#[derive(structnosql::TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct NullHolder {
    pub holder_id: String,
    #[structnosql(none_as_null)]
    pub profile: Option<NullProfile>,
}

/// A field write below a map stored as `NULL` (`none_as_null`, or data written by StructNoSQL)
/// creates the map, as below an absent one, on both tables, cold and warm, and the caching table
/// shows what DynamoDB then holds.
#[tokio::test]
async fn a_write_below_a_null_map_creates_it_on_both_tables() {
    for warm in [false, true] {
        let (basic, caching, names) = pair::<NullHolder>("holderId").await;
        let record = NullHolder {
            holder_id: "h".into(),
            profile: None,
        };
        basic.put_record(&record).await.unwrap();
        caching.put_record(&record).await.unwrap();
        if warm {
            caching.get_record("h").await.unwrap();
        }
        let f = NullHolder::fields();
        basic
            .update_field("h", f.profile().name(), "ada".to_owned())
            .await
            .unwrap();
        caching
            .update_field("h", f.profile().name(), "ada".to_owned())
            .await
            .unwrap();
        assert!(
            caching.commit_operations().await.is_success(),
            "warm: {warm}"
        );
        let expected = Some(NullHolder {
            holder_id: "h".into(),
            profile: Some(NullProfile {
                name: Some("ada".into()),
            }),
        });
        assert_eq!(basic.get_record("h").await.unwrap(), expected);
        assert_eq!(caching.get_record("h").await.unwrap(), expected);
        assert_eq!(
            harness::stored_item(&names[0], "holderId", "h").await,
            harness::stored_item(&names[1], "holderId", "h").await
        );
    }
}
