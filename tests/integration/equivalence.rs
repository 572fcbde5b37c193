//! Model-based equivalence: random sequences of operations run on a BasicTable, on a CachingTable
//! (committing at random points) and on a small in-memory reference of DynamoDB's document semantics
//! must return the same values and leave the same items.
//!
//! Two models: `Player` (scalars, a map of maps, free-form data) and `Board` (lists of strings, of
//! maps and of lists, the three set types), whose calls cover index paths, multi-field calls,
//! record-level and conditional writes, batches, transactions, partial commits and cache control.
//! The `Board` reference follows DynamoDB's rules on its own; the proptest against the basic table
//! alone checks it, the one with the caching table is ignored while the divergences kept in
//! `regressions` are open.
//!
//! CI runs 256 cases; `PROPTEST_CASES=10000 cargo test --test integration equivalence` runs more.
//! Failing cases are shrunk and saved under `proptest-regressions/`, and replayed first on every run.

use std::collections::{BTreeSet, HashMap, HashSet};

use proptest::prelude::*;
use serde_json::json;
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::expr::Condition;
use structnosql::internals::document;
use structnosql::path::TypedPath;
use structnosql::table::{
    Backend, BasicTable, BatchGetReport, BatchRetry, BatchWriteReport, CachingTable, NamedValues,
    PrimaryIndex, Query, QueryPage, ReadTransaction, Removers, Scan, Setters, Table,
    WriteTransaction,
};
use structnosql::{Attribute, EpochSeconds, Error, MapModel, TableDataModel};

use crate::caching_table::{Item as InventoryItem, Player};
use crate::harness;

const KEYS: [&str; 2] = ["a", "b"];
const NAMES: [&str; 3] = ["x", "y", "z"];

#[derive(Debug, Clone)]
enum Op {
    SetScore(usize, i64),
    SetUsername(usize, String),
    DeleteTeam(usize),
    SetData(usize, Vec<usize>, i64),
    RemoveData(usize, Vec<usize>),
    SetInventory(usize, usize, i64),
    RemoveInventory(usize, usize),
    /// A score written as JSON through a string path (`ModelPath<serde_json::Value>`).
    SetScoreByString(usize, i64),
    /// An inventory item removed through a string path, traced.
    RemoveInventoryTraced(usize, usize),
    GetData(usize, Vec<usize>),
    GetScore(usize),
    GetRecord(usize),
    Put(usize, i64),
    DeleteRecord(usize),
    Commit,
    ClearCache,
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    let names = || proptest::collection::vec(0..NAMES.len(), 1..4);
    prop_oneof![
        (key.clone(), -5i64..5).prop_map(|(k, v)| Op::SetScore(k, v)),
        (key.clone(), "[a-c]{0,2}").prop_map(|(k, v)| Op::SetUsername(k, v)),
        key.clone().prop_map(Op::DeleteTeam),
        (key.clone(), names(), -5i64..5).prop_map(|(k, p, v)| Op::SetData(k, p, v)),
        (key.clone(), names()).prop_map(|(k, p)| Op::RemoveData(k, p)),
        (key.clone(), 0..NAMES.len(), 0i64..3).prop_map(|(k, n, c)| Op::SetInventory(k, n, c)),
        (key.clone(), 0..NAMES.len()).prop_map(|(k, n)| Op::RemoveInventory(k, n)),
        (key.clone(), -5i64..5).prop_map(|(k, v)| Op::SetScoreByString(k, v)),
        (key.clone(), 0..NAMES.len()).prop_map(|(k, n)| Op::RemoveInventoryTraced(k, n)),
        (key.clone(), names()).prop_map(|(k, p)| Op::GetData(k, p)),
        key.clone().prop_map(Op::GetScore),
        key.clone().prop_map(Op::GetRecord),
        (key.clone(), -5i64..5).prop_map(|(k, v)| Op::Put(k, v)),
        key.prop_map(Op::DeleteRecord),
        Just(Op::Commit),
        Just(Op::ClearCache),
    ]
}

/// DynamoDB's document semantics, as structnosql promises them, over plain items.
#[derive(Debug, Default)]
struct Reference {
    items: HashMap<String, structnosql::Item>,
}

impl Reference {
    fn set(&mut self, key: &str, path: &structnosql::DocumentPath, value: AttributeValue) {
        let item = self.items.entry(key.to_owned()).or_insert_with(|| {
            HashMap::from([("playerId".to_owned(), AttributeValue::S(key.into()))])
        });
        let mut whole = AttributeValue::M(std::mem::take(item));
        document::set_within(&mut whole, path.segments(), value);
        if let AttributeValue::M(updated) = whole {
            *item = updated;
        }
    }

    /// Removes and returns what was there; an absent record stays absent.
    fn remove(&mut self, key: &str, path: &structnosql::DocumentPath) -> Option<AttributeValue> {
        let item = self.items.get_mut(key)?;
        document::take(item, path)
    }

    fn get(&self, key: &str, path: &structnosql::DocumentPath) -> Option<AttributeValue> {
        self.items
            .get(key)
            .and_then(|item| document::get(item, path).cloned())
    }
}

fn data_path(names: &[usize]) -> structnosql::path::AnyPath {
    names
        .iter()
        .fold(Player::fields().data(), |path, &n| path.key(NAMES[n]))
}

fn fresh_player(key: &str, score: i64) -> Player {
    let mut player = crate::caching_table::player(key);
    player.score = Some(score);
    player.data = Some(json!({"x": {"y": 1}}));
    player
}

/// Runs `ops` on all three and compares every result and the final items.
async fn run(ops: Vec<Op>) {
    let basic = BasicTable::<Player>::builder()
        .table_name(harness::unique_table_name("eq-basic"))
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let caching_name = harness::unique_table_name("eq-caching");
    let caching = CachingTable::<Player>::builder()
        .table_name(&caching_name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let mut reference = Reference::default();
    let f = Player::fields();

    // Compares the two tables' results and the reference's; `$reference` is the reference's value.
    macro_rules! same {
        ($step:expr, $call:ident ( $($arg:expr),* ), $reference:expr) => {{
            let from_basic = basic.$call($($arg),*).await;
            let from_caching = caching.$call($($arg),*).await;
            let expected = $reference;
            match (&from_basic, &from_caching) {
                (Ok(b), Ok(c)) => {
                    assert_eq!(b, c, "step {}: basic vs caching", $step);
                    assert_eq!(b, &expected, "step {}: basic vs reference", $step);
                }
                _ => panic!("step {}: {from_basic:?} / {from_caching:?}", $step),
            }
        }};
    }

    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::SetScore(k, v) => {
                reference.set(
                    KEYS[k],
                    f.score().document_path(),
                    v.to_attribute().unwrap(),
                );
                same!(step, update_field(KEYS[k], f.score(), v), ());
            }
            Op::SetUsername(k, v) => {
                reference.set(
                    KEYS[k],
                    f.username().document_path(),
                    AttributeValue::S(v.clone()),
                );
                same!(step, update_field(KEYS[k], f.username(), v.clone()), ());
            }
            Op::DeleteTeam(k) => {
                let was = reference
                    .remove(KEYS[k], f.team().document_path())
                    .is_some();
                same!(step, delete_field(KEYS[k], f.team()), was);
            }
            Op::SetData(k, names, v) => {
                let path = data_path(&names);
                // Writing inside a plain value is refused by DynamoDB; keep the sequences valid.
                let parent_is_plain = path
                    .document_path()
                    .parent()
                    .and_then(|parent| reference.get(KEYS[k], &parent))
                    .is_some_and(|value| !matches!(value, AttributeValue::M(_)));
                let crosses_plain = (1..path.document_path().depth()).any(|depth| {
                    reference
                        .get(KEYS[k], &path.document_path().prefix(depth))
                        .is_some_and(|value| !matches!(value, AttributeValue::M(_)))
                });
                if parent_is_plain || crosses_plain {
                    continue;
                }
                reference.set(
                    KEYS[k],
                    path.document_path(),
                    AttributeValue::N(v.to_string()),
                );
                same!(step, update_field(KEYS[k], path.clone(), json!(v)), ());
            }
            Op::RemoveData(k, names) => {
                let path = data_path(&names);
                let was = reference
                    .remove(KEYS[k], path.document_path())
                    .map(|value| {
                        serde_dynamo::from_attribute_value::<_, serde_json::Value>(value).unwrap()
                    });
                same!(step, remove_field(KEYS[k], path.clone()), was);
            }
            Op::SetInventory(k, n, count) => {
                let item = InventoryItem {
                    name: NAMES[n].into(),
                    count,
                };
                let path = f.inventory().key(NAMES[n]);
                reference.set(KEYS[k], path.document_path(), item.to_attribute().unwrap());
                same!(step, update_field(KEYS[k], path.clone(), item.clone()), ());
            }
            Op::RemoveInventory(k, n) => {
                let path = f.inventory().key(NAMES[n]);
                let was = reference
                    .remove(KEYS[k], path.document_path())
                    .map(|value| InventoryItem::from_attribute(value).unwrap());
                same!(step, remove_field(KEYS[k], path.clone()), was);
            }
            Op::SetScoreByString(k, v) => {
                let path =
                    structnosql::path::ModelPath::<serde_json::Value>::new::<Player>("score", &())
                        .unwrap();
                reference.set(KEYS[k], path.document_path(), v.to_attribute().unwrap());
                same!(step, update_field(KEYS[k], path.clone(), json!(v)), ());
            }
            Op::RemoveInventoryTraced(k, n) => {
                let path = structnosql::path::ModelPath::<InventoryItem>::new::<Player>(
                    "inventory.{{itemId}}",
                    &[("itemId", NAMES[n])],
                )
                .unwrap();
                let was = reference
                    .remove(KEYS[k], path.document_path())
                    .map(|value| InventoryItem::from_attribute(value).unwrap());
                let from_basic = basic.remove_field_traced(KEYS[k], path.clone()).await;
                let from_caching = caching.remove_field_traced(KEYS[k], path).await;
                match (from_basic, from_caching) {
                    (Ok(b), Ok(c)) => {
                        assert!(!b.from_cache, "step {step}: a basic table always sends");
                        assert_eq!(b.value, c.value, "step {step}: basic vs caching");
                        assert_eq!(b.value, was, "step {step}: basic vs reference");
                    }
                    (b, c) => panic!("step {step}: {b:?} / {c:?}"),
                }
            }
            Op::GetData(k, names) => {
                let path = data_path(&names);
                let expected = reference.get(KEYS[k], path.document_path()).map(|value| {
                    serde_dynamo::from_attribute_value::<_, serde_json::Value>(value).unwrap()
                });
                same!(step, get_field(KEYS[k], path.clone()), expected);
            }
            Op::GetScore(k) => {
                let expected = reference
                    .get(KEYS[k], f.score().document_path())
                    .map(|value| i64::from_attribute(value).unwrap());
                same!(step, get_field(KEYS[k], f.score()), expected);
            }
            Op::GetRecord(k) => {
                let expected = reference
                    .items
                    .get(KEYS[k])
                    .cloned()
                    .map(|item| Player::from_item(item).unwrap());
                same!(step, get_record(KEYS[k]), expected);
            }
            Op::Put(k, score) => {
                let player = fresh_player(KEYS[k], score);
                reference
                    .items
                    .insert(KEYS[k].to_owned(), player.to_item().unwrap());
                same!(step, put_record(&player), ());
            }
            Op::DeleteRecord(k) => {
                let existed = reference.items.remove(KEYS[k]).is_some();
                same!(step, delete_record(KEYS[k]), existed);
            }
            Op::Commit => {
                let report = caching.commit_operations().await;
                assert!(report.is_success(), "step {step}: {report:?}");
            }
            Op::ClearCache => caching.clear_cached_data(),
        }
    }
    assert!(caching.commit_operations().await.is_success());
    let caching_db = BasicTable::<Player>::builder()
        .table_name(&caching_name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .build()
        .await
        .unwrap();
    for key in KEYS {
        let expected = reference
            .items
            .get(key)
            .cloned()
            .map(|item| Player::from_item(item).unwrap());
        assert_eq!(
            basic.get_record(key).await.unwrap(),
            expected,
            "final {key} (basic)"
        );
        assert_eq!(
            caching_db.get_record(key).await.unwrap(),
            expected,
            "final {key} (caching)"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn basic_caching_and_reference_agree(ops in proptest::collection::vec(op(), 1..30)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops));
    }
}

// ---- Lists, sets, records and cache control ------------------------------------------------------
//
// A second model whose fields cover every kind of document DynamoDB stores: lists of strings, of
// maps and of lists, the three set types. Its reference (`Doc`) is written from DynamoDB's rules, not
// from structnosql's code: one call is one UpdateItem evaluated against the item as it was before the
// request.

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Board {
    pub board_id: String,
    pub title: Option<String>,
    #[structnosql(key_name = "itemIndex")]
    pub items: Option<Vec<String>>,
    pub cards: Option<Vec<Card>>,
    pub grid: Option<Vec<Vec<i64>>>,
    pub tags: Option<HashSet<String>>,
    pub numbers: Option<BTreeSet<i64>>,
    pub blobs: Option<HashSet<Vec<u8>>>,
    pub status: Option<Status>,
    pub owner: Option<Owner>,
    pub labels: Option<Labels>,
    pub due: Option<chrono::DateTime<chrono::Utc>>,
    pub seen: Option<EpochSeconds<time::OffsetDateTime>>,
    pub price: Option<rust_decimal::Decimal>,
    pub span: Option<[i64; 2]>,
    pub pair: Option<(String, i64)>,
    pub uid: Option<uuid::Uuid>,
    pub link: Option<url::Url>,
}

/// An enum with data (a tagged map); its serde form is the same, for writes by string path.
#[derive(Attribute, Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Status {
    Open {
        by: String,
    },
    Moved {
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<i64>,
    },
    Closed,
}

/// A newtype, stored as its string.
#[derive(Attribute, Debug, Clone, PartialEq)]
pub struct Owner(pub String);

/// A transparent newtype: typed paths reach its items.
#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(transparent)]
pub struct Labels(pub Vec<String>);

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Card {
    pub title: String,
    pub n: Option<i64>,
}

/// A field of a `Board`, list items included.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Title,
    Items,
    Item(usize),
    Cards,
    Card(usize),
    CardTitle(usize),
    CardN(usize),
    Grid,
    Row(usize),
    Cell(usize, usize),
    Tags,
    Numbers,
    Blobs,
    Status,
    Owner,
    Labels,
    Label(usize),
    Due,
    Seen,
    Price,
    Span,
    Pair,
    Uid,
    Link,
}

/// A value to write, of the type of the field it goes with.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String),
    Strs(Vec<String>),
    Card(Card),
    Cards(Vec<Card>),
    Int(i64),
    Ints(Vec<i64>),
    Grid(Vec<Vec<i64>>),
    Tags(HashSet<String>),
    Numbers(BTreeSet<i64>),
    Blobs(HashSet<Vec<u8>>),
    Status(Status),
    Owner(Owner),
    Time(chrono::DateTime<chrono::Utc>),
    Seen(EpochSeconds<time::OffsetDateTime>),
    Decimal(rust_decimal::Decimal),
    Span([i64; 2]),
    Pair((String, i64)),
    Uid(uuid::Uuid),
    Link(url::Url),
}

/// Which kind of pending operations a caching table drops.
#[derive(Debug, Clone, Copy)]
pub enum Pending {
    All,
    Updates,
    Removes,
}

#[derive(Debug, Clone)]
pub enum BoardOp {
    /// `update_field`; `update_field_path` by string path when the flag is set (list items only).
    Set(usize, Field, Val, bool),
    SetReturnOld(usize, Field, Val),
    SetMany(usize, Vec<(Field, Val)>),
    Get(usize, Field),
    /// `query_field` of the primary index (one record at most), with a limit when given, read
    /// eventually consistently when the flag is set (every server measured is strongly consistent,
    /// so the answers agree either way).
    Query(usize, Field, Option<i32>, bool),
    /// `scan_field` of the whole table (one page: the sequences hold a few records).
    Scan(Field),
    Remove(usize, Field),
    Delete(usize, Field),
    RemoveTwo(usize, Field, Field),
    DeleteTwo(usize, Field, Field),
    /// `update_field_if`, conditioned on the title being the string.
    SetIf(usize, Field, Val, String),
    /// `update_multiple_fields_return_old`.
    SetManyReturnOld(usize, Vec<(Field, Val)>),
    /// `remove_multiple_fields_if`, conditioned on the title being the string.
    RemoveTwoIf(usize, Field, Field, String),
    /// `put_record_if`, conditioned on the title being the string.
    PutIf(usize, Board, String),
    /// `delete_record_if`, conditioned on the title being the string.
    DeleteRecordIf(usize, String),
    BatchGet,
    BatchPut(Vec<(usize, Board)>),
    BatchDelete(Vec<usize>),
    /// One `WriteTransaction` of actions on distinct records.
    WriteTransaction(Vec<TxAction>),
    /// One `ReadTransaction` of every record.
    ReadTransaction,
    GetRecord(usize),
    Put(usize, Board),
    PutIfAbsent(usize, Board),
    DeleteRecord(usize),
    RemoveRecord(usize),
    Commit,
    /// `commit_operations_atomically` (a plain commit when the writes need two requests).
    CommitAtomically,
    CommitUpdates,
    CommitRemoves,
    ClearPending(Pending),
    ClearCache(Option<usize>),
}

/// An action of a write transaction.
// Generated test input, a few dozen per run: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum TxAction {
    Put(usize, Board),
    /// A write of a top-level field, if the title is the string (always when `None`).
    Update(usize, Field, Val, Option<String>),
    Delete(usize),
}

impl TxAction {
    fn key(&self) -> usize {
        match self {
            TxAction::Put(k, _) | TxAction::Update(k, ..) | TxAction::Delete(k) => *k,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    Key(String),
    Index(usize),
}

impl Field {
    fn segs(&self) -> Vec<Seg> {
        let key = |name: &str| Seg::Key(name.to_owned());
        match *self {
            Field::Title => vec![key("title")],
            Field::Items => vec![key("items")],
            Field::Item(i) => vec![key("items"), Seg::Index(i)],
            Field::Cards => vec![key("cards")],
            Field::Card(i) => vec![key("cards"), Seg::Index(i)],
            Field::CardTitle(i) => vec![key("cards"), Seg::Index(i), key("title")],
            Field::CardN(i) => vec![key("cards"), Seg::Index(i), key("n")],
            Field::Grid => vec![key("grid")],
            Field::Row(i) => vec![key("grid"), Seg::Index(i)],
            Field::Cell(i, j) => vec![key("grid"), Seg::Index(i), Seg::Index(j)],
            Field::Tags => vec![key("tags")],
            Field::Numbers => vec![key("numbers")],
            Field::Blobs => vec![key("blobs")],
            Field::Status => vec![key("status")],
            Field::Owner => vec![key("owner")],
            Field::Labels => vec![key("labels")],
            Field::Label(i) => vec![key("labels"), Seg::Index(i)],
            Field::Due => vec![key("due")],
            Field::Seen => vec![key("seen")],
            Field::Price => vec![key("price")],
            Field::Span => vec![key("span")],
            Field::Pair => vec![key("pair")],
            Field::Uid => vec![key("uid")],
            Field::Link => vec![key("link")],
        }
    }

    fn overlaps(&self, other: &Field) -> bool {
        let (a, b) = (self.segs(), other.segs());
        a.starts_with(&b) || b.starts_with(&a)
    }
}

impl Val {
    /// The stored form; `None` when structnosql must refuse the value (an empty set).
    fn attribute(&self) -> Option<AttributeValue> {
        match self {
            Val::Str(v) => v.to_attribute().ok(),
            Val::Strs(v) => v.to_attribute().ok(),
            Val::Card(v) => v.to_attribute().ok(),
            Val::Cards(v) => v.to_attribute().ok(),
            Val::Int(v) => v.to_attribute().ok(),
            Val::Ints(v) => v.to_attribute().ok(),
            Val::Grid(v) => v.to_attribute().ok(),
            Val::Tags(v) => v.to_attribute().ok(),
            Val::Numbers(v) => v.to_attribute().ok(),
            Val::Blobs(v) => v.to_attribute().ok(),
            Val::Status(v) => v.to_attribute().ok(),
            Val::Owner(v) => v.to_attribute().ok(),
            Val::Time(v) => v.to_attribute().ok(),
            Val::Seen(v) => v.to_attribute().ok(),
            Val::Decimal(v) => v.to_attribute().ok(),
            Val::Span(v) => v.to_attribute().ok(),
            Val::Pair(v) => v.to_attribute().ok(),
            Val::Uid(v) => v.to_attribute().ok(),
            Val::Link(v) => v.to_attribute().ok(),
        }
    }
}

/// Runs `$body` with `$p` bound to the typed path of a `Field`.
macro_rules! with_path {
    ($field:expr, |$p:ident| $body:expr) => {{
        let f = Board::fields();
        match *$field {
            Field::Title => {
                let $p = f.title();
                $body
            }
            Field::Items => {
                let $p = f.items();
                $body
            }
            Field::Item(i) => {
                let $p = f.items().index(i);
                $body
            }
            Field::Cards => {
                let $p = f.cards();
                $body
            }
            Field::Card(i) => {
                let $p = f.cards().index(i);
                $body
            }
            Field::CardTitle(i) => {
                let $p = f.cards().index(i).title();
                $body
            }
            Field::CardN(i) => {
                let $p = f.cards().index(i).n();
                $body
            }
            Field::Grid => {
                let $p = f.grid();
                $body
            }
            Field::Row(i) => {
                let $p = f.grid().index(i);
                $body
            }
            Field::Cell(i, j) => {
                let $p = f.grid().index(i).index(j);
                $body
            }
            Field::Tags => {
                let $p = f.tags();
                $body
            }
            Field::Numbers => {
                let $p = f.numbers();
                $body
            }
            Field::Blobs => {
                let $p = f.blobs();
                $body
            }
            Field::Status => {
                let $p = f.status();
                $body
            }
            Field::Owner => {
                let $p = f.owner();
                $body
            }
            Field::Labels => {
                let $p = f.labels();
                $body
            }
            Field::Label(i) => {
                let $p = f.labels().index(i);
                $body
            }
            Field::Due => {
                let $p = f.due();
                $body
            }
            Field::Seen => {
                let $p = f.seen();
                $body
            }
            Field::Price => {
                let $p = f.price();
                $body
            }
            Field::Span => {
                let $p = f.span();
                $body
            }
            Field::Pair => {
                let $p = f.pair();
                $body
            }
            Field::Uid => {
                let $p = f.uid();
                $body
            }
            Field::Link => {
                let $p = f.link();
                $body
            }
        }
    }};
}

/// Runs `$body` with `$p` bound to the typed path of a `Field` and `$v` to the value written there.
macro_rules! with_write {
    ($field:expr, $val:expr, |$p:ident, $v:ident| $body:expr) => {{
        let f = Board::fields();
        match ($field, $val) {
            (Field::Title, Val::Str($v)) => {
                let $p = f.title();
                $body
            }
            (Field::Items, Val::Strs($v)) => {
                let $p = f.items();
                $body
            }
            (Field::Item(i), Val::Str($v)) => {
                let $p = f.items().index(*i);
                $body
            }
            (Field::Cards, Val::Cards($v)) => {
                let $p = f.cards();
                $body
            }
            (Field::Card(i), Val::Card($v)) => {
                let $p = f.cards().index(*i);
                $body
            }
            (Field::CardTitle(i), Val::Str($v)) => {
                let $p = f.cards().index(*i).title();
                $body
            }
            (Field::CardN(i), Val::Int($v)) => {
                let $p = f.cards().index(*i).n();
                $body
            }
            (Field::Grid, Val::Grid($v)) => {
                let $p = f.grid();
                $body
            }
            (Field::Row(i), Val::Ints($v)) => {
                let $p = f.grid().index(*i);
                $body
            }
            (Field::Cell(i, j), Val::Int($v)) => {
                let $p = f.grid().index(*i).index(*j);
                $body
            }
            (Field::Tags, Val::Tags($v)) => {
                let $p = f.tags();
                $body
            }
            (Field::Numbers, Val::Numbers($v)) => {
                let $p = f.numbers();
                $body
            }
            (Field::Blobs, Val::Blobs($v)) => {
                let $p = f.blobs();
                $body
            }
            (Field::Status, Val::Status($v)) => {
                let $p = f.status();
                $body
            }
            (Field::Owner, Val::Owner($v)) => {
                let $p = f.owner();
                $body
            }
            (Field::Labels, Val::Strs($v)) => {
                let $p = f.labels();
                $body
            }
            (Field::Label(i), Val::Str($v)) => {
                let $p = f.labels().index(*i);
                $body
            }
            (Field::Due, Val::Time($v)) => {
                let $p = f.due();
                $body
            }
            (Field::Seen, Val::Seen($v)) => {
                let $p = f.seen();
                $body
            }
            (Field::Price, Val::Decimal($v)) => {
                let $p = f.price();
                $body
            }
            (Field::Span, Val::Span($v)) => {
                let $p = f.span();
                $body
            }
            (Field::Pair, Val::Pair($v)) => {
                let $p = f.pair();
                $body
            }
            (Field::Uid, Val::Uid($v)) => {
                let $p = f.uid();
                $body
            }
            (Field::Link, Val::Link($v)) => {
                let $p = f.link();
                $body
            }
            (field, val) => unreachable!("{field:?} cannot hold {val:?}"),
        }
    }};
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", ""]).prop_map(str::to_owned)
}

fn position() -> impl Strategy<Value = usize> {
    0usize..4
}

fn card() -> impl Strategy<Value = Card> {
    (word(), proptest::option::of(-3i64..3)).prop_map(|(title, n)| Card { title, n })
}

fn write() -> impl Strategy<Value = (Field, Val)> {
    let ints = || proptest::collection::vec(-3i64..3, 0..3);
    prop_oneof![
        1 => word().prop_map(|v| (Field::Title, Val::Str(v))),
        1 => proptest::collection::vec(word(), 0..4).prop_map(|v| (Field::Items, Val::Strs(v))),
        3 => (position(), word()).prop_map(|(i, v)| (Field::Item(i), Val::Str(v))),
        1 => proptest::collection::vec(card(), 0..3).prop_map(|v| (Field::Cards, Val::Cards(v))),
        2 => (position(), card()).prop_map(|(i, v)| (Field::Card(i), Val::Card(v))),
        2 => (position(), word()).prop_map(|(i, v)| (Field::CardTitle(i), Val::Str(v))),
        1 => (position(), -3i64..3).prop_map(|(i, v)| (Field::CardN(i), Val::Int(v))),
        1 => proptest::collection::vec(ints(), 0..3).prop_map(|v| (Field::Grid, Val::Grid(v))),
        1 => (position(), ints()).prop_map(|(i, v)| (Field::Row(i), Val::Ints(v))),
        2 => (position(), position(), -3i64..3).prop_map(|(i, j, v)| (Field::Cell(i, j), Val::Int(v))),
        1 => proptest::collection::hash_set(word(), 0..3).prop_map(|v| (Field::Tags, Val::Tags(v))),
        1 => proptest::collection::btree_set(-3i64..3, 0..3)
            .prop_map(|v| (Field::Numbers, Val::Numbers(v))),
        1 => proptest::collection::hash_set(proptest::collection::vec(0u8..3, 1..3), 0..3)
            .prop_map(|v| (Field::Blobs, Val::Blobs(v))),
        1 => status().prop_map(|v| (Field::Status, Val::Status(v))),
        1 => word().prop_map(|v| (Field::Owner, Val::Owner(Owner(v)))),
        1 => proptest::collection::vec(word(), 0..3).prop_map(|v| (Field::Labels, Val::Strs(v))),
        1 => (position(), word()).prop_map(|(i, v)| (Field::Label(i), Val::Str(v))),
        1 => instant().prop_map(|v| (Field::Due, Val::Time(v))),
        1 => instant().prop_map(|v| (Field::Seen, Val::Seen(EpochSeconds(offset_time(v))))),
        1 => decimal().prop_map(|v| (Field::Price, Val::Decimal(v))),
        1 => (-3i64..3, -3i64..3).prop_map(|(a, b)| (Field::Span, Val::Span([a, b]))),
        1 => (word(), -3i64..3).prop_map(|v| (Field::Pair, Val::Pair(v))),
        1 => uid().prop_map(|v| (Field::Uid, Val::Uid(v))),
        1 => link().prop_map(|v| (Field::Link, Val::Link(v))),
    ]
}

/// Every field but a card's title, which a card cannot lose.
fn removable() -> impl Strategy<Value = Field> {
    prop_oneof![
        1 => Just(Field::Title),
        1 => Just(Field::Items),
        3 => position().prop_map(Field::Item),
        1 => Just(Field::Cards),
        2 => position().prop_map(Field::Card),
        1 => position().prop_map(Field::CardN),
        1 => Just(Field::Grid),
        1 => position().prop_map(Field::Row),
        2 => (position(), position()).prop_map(|(i, j)| Field::Cell(i, j)),
        1 => Just(Field::Tags),
        1 => Just(Field::Numbers),
        1 => Just(Field::Blobs),
        1 => Just(Field::Status),
        1 => Just(Field::Owner),
        1 => Just(Field::Labels),
        1 => position().prop_map(Field::Label),
        1 => Just(Field::Due),
        1 => Just(Field::Seen),
        1 => Just(Field::Price),
        1 => Just(Field::Span),
        1 => Just(Field::Pair),
        1 => Just(Field::Uid),
        1 => Just(Field::Link),
    ]
}

/// Two fields removed in one call, mostly two items of the same list.
fn removable_pair() -> impl Strategy<Value = (Field, Field)> {
    let same_list = (0..4usize, position(), position(), position()).prop_map(|(list, r, i, j)| {
        let at = |i| match list {
            0 => Field::Item(i),
            1 => Field::Card(i),
            2 => Field::Row(i),
            _ => Field::Cell(r, i),
        };
        (at(i), at(if i == j { i + 1 } else { j }))
    });
    prop_oneof![3 => same_list, 1 => (removable(), removable())]
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        word().prop_map(|by| Status::Open { by }),
        proptest::option::of(-3i64..3).prop_map(|to| Status::Moved { to }),
        Just(Status::Closed),
    ]
}

/// Instants around the epoch and far from it, with and without fractions of a second.
fn instant() -> impl Strategy<Value = chrono::DateTime<chrono::Utc>> {
    let seconds = prop::sample::select(vec![
        -62_135_596_800i64,
        -1,
        0,
        1_700_000_000,
        253_402_300_799,
    ]);
    let nanos = prop::sample::select(vec![0u32, 1, 500_000_000, 999_999_999]);
    (seconds, nanos).prop_map(|(seconds, nanos)| {
        chrono::DateTime::from_timestamp(seconds, nanos).expect("an instant chrono holds")
    })
}

fn offset_time(instant: chrono::DateTime<chrono::Utc>) -> time::OffsetDateTime {
    let nanos = instant.timestamp_nanos_opt().map(i128::from);
    let nanos = nanos.unwrap_or(i128::from(instant.timestamp()) * 1_000_000_000);
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos).expect("an instant time holds")
}

fn uid() -> impl Strategy<Value = uuid::Uuid> {
    prop::sample::select(vec![
        0u128,
        1,
        u128::MAX,
        0x0193_8a4e_2f00_7c3a_9d1e_5b6a_7c8d_9e0f,
    ])
    .prop_map(uuid::Uuid::from_u128)
}

/// URLs whose stored text differs from how they were written (host case, a missing `/`).
fn link() -> impl Strategy<Value = url::Url> {
    prop::sample::select(vec![
        "https://example.com",
        "HTTPS://Example.COM/a b?q=ä",
        "mailto:ada@example.com",
    ])
    .prop_map(|text| url::Url::parse(text).expect("a URL"))
}

/// Decimals with up to 28 places, negative, zero and the largest.
fn decimal() -> impl Strategy<Value = rust_decimal::Decimal> {
    let mantissa = prop::sample::select(vec![
        0i128,
        1,
        -15,
        123_456_789,
        79_228_162_514_264_337_593_543_950_335,
    ]);
    (mantissa, 0u32..=28).prop_map(|(mantissa, scale)| {
        rust_decimal::Decimal::try_from_i128_with_scale(mantissa, scale).expect("a decimal")
    })
}

fn board() -> impl Strategy<Value = Board> {
    (
        proptest::option::of(word()),
        proptest::option::of(proptest::collection::vec(word(), 0..3)),
        proptest::option::of(proptest::collection::vec(card(), 0..3)),
        proptest::option::of(proptest::collection::vec(
            proptest::collection::vec(-3i64..3, 0..3),
            0..3,
        )),
        proptest::collection::hash_set(word(), 0..3),
        proptest::collection::btree_set(-3i64..3, 0..3),
        proptest::option::of(status()),
        proptest::option::of(word()),
        proptest::option::of(proptest::collection::vec(word(), 0..3)),
        (
            proptest::option::of(instant()),
            proptest::option::of(decimal()),
            proptest::option::of((-3i64..3, -3i64..3).prop_map(|(a, b)| [a, b])),
            proptest::option::of((word(), -3i64..3)),
            proptest::option::of(uid()),
            proptest::option::of(link()),
        ),
    )
        .prop_map(
            |(
                title,
                items,
                cards,
                grid,
                tags,
                numbers,
                status,
                owner,
                labels,
                (due, price, span, pair, uid, link),
            )| Board {
                board_id: String::new(),
                title,
                items,
                cards,
                grid,
                tags: (!tags.is_empty()).then_some(tags),
                numbers: (!numbers.is_empty()).then_some(numbers),
                blobs: None,
                status,
                owner: owner.map(Owner),
                labels: labels.map(Labels),
                seen: due.map(|due| EpochSeconds(offset_time(due))),
                due,
                price,
                span,
                pair,
                uid,
                link,
            },
        )
}

/// A write of a top-level field (transactions write no nested paths).
fn top_level_write() -> impl Strategy<Value = (Field, Val)> {
    write().prop_filter("a top-level field", |(field, _)| field.segs().len() == 1)
}

fn tx_action() -> impl Strategy<Value = TxAction> {
    let key = || 0..KEYS.len();
    prop_oneof![
        (key(), board()).prop_map(|(k, b)| TxAction::Put(k, b)),
        (key(), top_level_write(), proptest::option::of(word()))
            .prop_map(|(k, (field, val), title)| TxAction::Update(k, field, val, title)),
        key().prop_map(TxAction::Delete),
    ]
}

fn board_op() -> impl Strategy<Value = BoardOp> {
    let key = || 0..KEYS.len();
    prop_oneof![
        1 => (key(), proptest::collection::vec(write(), 1..4))
            .prop_map(|(k, writes)| BoardOp::SetManyReturnOld(k, writes)),
        1 => (key(), removable_pair(), word())
            .prop_map(|(k, (a, b), title)| BoardOp::RemoveTwoIf(k, a, b, title)),
        1 => (key(), board(), word()).prop_map(|(k, b, title)| BoardOp::PutIf(k, b, title)),
        1 => (key(), word()).prop_map(|(k, title)| BoardOp::DeleteRecordIf(k, title)),
        1 => Just(BoardOp::BatchGet),
        1 => proptest::collection::vec((key(), board()), 1..3).prop_map(BoardOp::BatchPut),
        1 => proptest::collection::vec(key(), 1..3).prop_map(BoardOp::BatchDelete),
        1 => proptest::collection::vec(tx_action(), 1..3).prop_map(BoardOp::WriteTransaction),
        1 => Just(BoardOp::ReadTransaction),
        6 => (key(), write(), any::<bool>())
            .prop_map(|(k, (field, val), by_string)| BoardOp::Set(k, field, val, by_string)),
        2 => (key(), write()).prop_map(|(k, (field, val))| BoardOp::SetReturnOld(k, field, val)),
        2 => (key(), proptest::collection::vec(write(), 2..4))
            .prop_map(|(k, writes)| BoardOp::SetMany(k, writes)),
        2 => (key(), removable()).prop_map(|(k, field)| BoardOp::Get(k, field)),
        1 => (key(), removable(), proptest::option::of(1i32..3), any::<bool>())
            .prop_map(|(k, field, limit, eventual)| BoardOp::Query(k, field, limit, eventual)),
        1 => removable().prop_map(BoardOp::Scan),
        2 => (key(), removable()).prop_map(|(k, field)| BoardOp::Remove(k, field)),
        2 => (key(), removable()).prop_map(|(k, field)| BoardOp::Delete(k, field)),
        2 => (key(), removable_pair()).prop_map(|(k, (a, b))| BoardOp::RemoveTwo(k, a, b)),
        2 => (key(), removable_pair()).prop_map(|(k, (a, b))| BoardOp::DeleteTwo(k, a, b)),
        1 => (key(), write(), word())
            .prop_map(|(k, (field, val), title)| BoardOp::SetIf(k, field, val, title)),
        1 => key().prop_map(BoardOp::GetRecord),
        1 => (key(), board()).prop_map(|(k, b)| BoardOp::Put(k, b)),
        1 => (key(), board()).prop_map(|(k, b)| BoardOp::PutIfAbsent(k, b)),
        1 => key().prop_map(BoardOp::DeleteRecord),
        1 => key().prop_map(BoardOp::RemoveRecord),
        2 => Just(BoardOp::Commit),
        1 => Just(BoardOp::CommitAtomically),
        1 => Just(BoardOp::CommitUpdates),
        1 => Just(BoardOp::CommitRemoves),
        1 => prop_oneof![
            Just(Pending::All),
            Just(Pending::Updates),
            Just(Pending::Removes)
        ]
        .prop_map(BoardOp::ClearPending),
        1 => proptest::option::of(key()).prop_map(BoardOp::ClearCache),
    ]
}

// -- The reference -----------------------------------------------------------------------------

fn get_in<'a>(value: &'a AttributeValue, segs: &[Seg]) -> Option<&'a AttributeValue> {
    let Some((first, rest)) = segs.split_first() else {
        return Some(value);
    };
    let child = match (value, first) {
        (AttributeValue::M(map), Seg::Key(key)) => map.get(key)?,
        (AttributeValue::L(list), Seg::Index(i)) => list.get(*i)?,
        _ => return None,
    };
    get_in(child, rest)
}

/// The value that holds `leaf` at `segs`: maps for names, a one-item list for an index.
fn subtree(segs: &[Seg], leaf: AttributeValue) -> AttributeValue {
    segs.iter().rev().fold(leaf, |inner, seg| match seg {
        Seg::Key(key) => AttributeValue::M(HashMap::from([(key.clone(), inner)])),
        Seg::Index(_) => AttributeValue::L(vec![inner]),
    })
}

/// DynamoDB's SET (with structnosql's creation of missing parents): a name is inserted or replaced,
/// an index in range is replaced, an index past the end appends; what is missing on the way is
/// created whole. `false` when the path goes through a value of another kind.
fn set_in(value: &mut AttributeValue, segs: &[Seg], new: AttributeValue) -> bool {
    let Some((first, rest)) = segs.split_first() else {
        *value = new;
        return true;
    };
    match (value, first) {
        (AttributeValue::M(map), Seg::Key(key)) => match map.get_mut(key) {
            Some(child) if !rest.is_empty() => set_in(child, rest, new),
            _ => {
                map.insert(key.clone(), subtree(rest, new));
                true
            }
        },
        (AttributeValue::L(list), Seg::Index(i)) => match list.get_mut(*i) {
            Some(child) => set_in(child, rest, new),
            None => {
                list.push(subtree(rest, new));
                true
            }
        },
        _ => false,
    }
}

/// DynamoDB's REMOVE: a name or an index that is not there is a no-op.
fn remove_in(value: &mut AttributeValue, segs: &[Seg]) {
    let Some((last, parent)) = segs.split_last() else {
        return;
    };
    let mut at = value;
    for seg in parent {
        let next = match (at, seg) {
            (AttributeValue::M(map), Seg::Key(key)) => map.get_mut(key),
            (AttributeValue::L(list), Seg::Index(i)) => list.get_mut(*i),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return,
        }
    }
    match (at, last) {
        (AttributeValue::M(map), Seg::Key(key)) => {
            map.remove(key);
        }
        (AttributeValue::L(list), Seg::Index(i)) if *i < list.len() => {
            list.remove(*i);
        }
        _ => {}
    }
}

/// Why the reference declines a call: DynamoDB or structnosql would refuse it, or the caller's
/// intent is ambiguous; the call is not made.
#[derive(Debug)]
struct Declined;

#[derive(Debug, Default, Clone)]
struct Doc {
    items: HashMap<String, AttributeValue>,
}

impl Doc {
    fn record(&self, key: &str) -> Option<Board> {
        self.items.get(key).map(|value| {
            let AttributeValue::M(item) = value.clone() else {
                unreachable!()
            };
            Board::from_item(item).unwrap()
        })
    }

    /// Whether the record exists and its title is `title`.
    fn title_is(&self, key: &str, title: &str) -> bool {
        self.record(key).and_then(|b| b.title).as_deref() == Some(title)
    }

    fn put(&mut self, key: &str, board: &Board) {
        self.items
            .insert(key.to_owned(), AttributeValue::M(board.to_item().unwrap()));
    }

    fn get(&self, key: &str, field: &Field) -> Option<AttributeValue> {
        self.items
            .get(key)
            .and_then(|item| get_in(item, &field.segs()))
            .cloned()
    }

    /// One UpdateItem of SETs. Overlapping writes are merged in the caller's order first (a later
    /// write of a path, or of one of its parents, replaces the earlier and takes its place in the
    /// order; a write inside an earlier one goes into its value); the SETs then apply to the item as
    /// it was before the request, except that the missing lists and maps they create are built in
    /// that order. Returns the values the written paths held.
    fn update(
        &mut self,
        key: &str,
        writes: &[(Field, Val)],
    ) -> Result<Vec<Option<AttributeValue>>, Declined> {
        let mut merged: Vec<(Vec<Seg>, AttributeValue)> = Vec::new();
        for (field, val) in writes {
            let segs = field.segs();
            let value = val.attribute().ok_or(Declined)?;
            if let Some((outer, whole)) = merged
                .iter_mut()
                .find(|(outer, _)| segs.starts_with(outer) && segs != *outer)
            {
                let inner = &segs[outer.len()..];
                if !set_in(whole, inner, value) {
                    return Err(Declined);
                }
                continue;
            }
            merged.retain(|(inner, _)| !inner.starts_with(&segs));
            merged.push((segs, value));
        }
        let original = self
            .items
            .get(key)
            .cloned()
            .unwrap_or_else(|| AttributeValue::M(HashMap::new()));
        // Two SETs past the end of the same existing list: DynamoDB's order of the appends is not
        // the caller's business; not generated.
        let mut appended_to: Vec<Vec<Seg>> = Vec::new();
        for (segs, _) in &merged {
            let missing =
                (0..segs.len()).find(|&depth| get_in(&original, &segs[..=depth]).is_none());
            if let Some(depth) = missing.filter(|&depth| depth > 0) {
                if matches!(segs[depth], Seg::Index(_)) {
                    let list = segs[..depth].to_vec();
                    if appended_to.contains(&list) {
                        return Err(Declined);
                    }
                    appended_to.push(list);
                }
            }
        }
        let old = writes
            .iter()
            .map(|(field, _)| get_in(&original, &field.segs()).cloned())
            .collect();
        let mut updated = original;
        if let AttributeValue::M(map) = &mut updated {
            map.insert("boardId".to_owned(), AttributeValue::S(key.to_owned()));
        }
        for (segs, value) in merged {
            if !set_in(&mut updated, &segs, value) {
                return Err(Declined);
            }
        }
        self.accept(key, updated)?;
        Ok(old)
    }

    /// One UpdateItem of REMOVEs: every path refers to the item before the request (so removing
    /// items 0 and 1 of `[a, b, c]` leaves `[c]`). Returns what each path held. A record that does
    /// not exist is not created.
    fn remove(
        &mut self,
        key: &str,
        fields: &[Field],
    ) -> Result<Vec<Option<AttributeValue>>, Declined> {
        let Some(original) = self.items.get(key).cloned() else {
            return Ok(vec![None; fields.len()]);
        };
        let old = fields
            .iter()
            .map(|field| get_in(&original, &field.segs()).cloned())
            .collect();
        let mut paths: Vec<Vec<Seg>> = fields.iter().map(Field::segs).collect();
        // Removing the later positions first leaves the earlier ones where they were.
        paths.sort();
        let mut updated = original;
        for segs in paths.iter().rev() {
            remove_in(&mut updated, segs);
        }
        self.accept(key, updated)?;
        Ok(old)
    }

    /// Whether the record exists and the parent of each field is a map or a list.
    fn parents_hold(&self, key: &str, fields: &[&Field]) -> bool {
        let Some(item) = self.items.get(key) else {
            return false;
        };
        fields.iter().all(|field| {
            let segs = field.segs();
            segs.len() < 2
                || matches!(
                    get_in(item, &segs[..segs.len() - 1]),
                    Some(AttributeValue::M(_) | AttributeValue::L(_))
                )
        })
    }

    /// Keeps `updated` if it is a valid `Board`.
    fn accept(&mut self, key: &str, updated: AttributeValue) -> Result<(), Declined> {
        let AttributeValue::M(item) = &updated else {
            return Err(Declined);
        };
        Board::from_item(item.clone()).map_err(|_| Declined)?;
        self.items.insert(key.to_owned(), updated);
        Ok(())
    }
}

// -- Comparison ----------------------------------------------------------------------------------

/// A value in a form that compares equal whatever the order of set members and map entries.
fn canonical(value: &AttributeValue) -> serde_json::Value {
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n.parse::<f64>().unwrap() }),
        AttributeValue::Bool(b) => json!(b),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::B(b) => json!({ "B": b.as_ref() }),
        AttributeValue::L(list) => serde_json::Value::Array(list.iter().map(canonical).collect()),
        AttributeValue::M(map) => serde_json::Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), canonical(value)))
                .collect(),
        ),
        AttributeValue::Ss(members) => {
            let mut members = members.clone();
            members.sort();
            json!({ "SS": members })
        }
        AttributeValue::Ns(members) => {
            let mut members: Vec<f64> = members.iter().map(|n| n.parse().unwrap()).collect();
            members.sort_by(f64::total_cmp);
            json!({ "NS": members })
        }
        AttributeValue::Bs(members) => {
            let mut members: Vec<&[u8]> = members.iter().map(|b| b.as_ref()).collect();
            members.sort();
            json!({ "BS": members })
        }
        other => json!(format!("{other:?}")),
    }
}

fn canonical_opt(value: Option<&AttributeValue>) -> serde_json::Value {
    value.map_or(serde_json::Value::Null, canonical)
}

fn canonical_attr<T: Attribute>(value: Option<T>) -> serde_json::Value {
    canonical_opt(value.map(|v| v.to_attribute().unwrap()).as_ref())
}

fn canonical_board(board: Option<Board>) -> serde_json::Value {
    canonical_opt(
        board
            .map(|b| AttributeValue::M(b.to_item().unwrap()))
            .as_ref(),
    )
}

fn canonical_fields(fields: &NamedValues) -> serde_json::Value {
    serde_json::Value::Array(
        fields
            .names()
            .map(|name| canonical_opt(fields.raw(name)))
            .collect(),
    )
}

/// The outcome of a call: a value, or the kind of error.
type Outcome = Result<serde_json::Value, String>;

fn error_kind(error: &structnosql::Error) -> String {
    let debug = format!("{error:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn outcome<T>(
    result: structnosql::Result<T>,
    canon: impl FnOnce(T) -> serde_json::Value,
) -> Outcome {
    result.map(canon).map_err(|e| error_kind(&e))
}

/// What a run compares the basic table and the reference with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum With {
    /// The basic table and the reference only (checks the reference against DynamoDB).
    Basic,
    /// The caching table too.
    Caching,
    /// The caching table too, reading only the paths asked for (`whole_record_reads(false)`),
    /// holding one record at most (`cache_capacity(1)`) and trusting what it read within one call
    /// only (`cache_max_age(ZERO)`).
    ProjectedCaching,
    /// A caching table through an external API (an `Executor` over HTTP on 127.0.0.1) in the
    /// caching table's place, on the operations the API carries (see [`carried_by_external_api`]).
    ExternalCaching,
    /// The same, reading only the paths asked for, as `ProjectedCaching` does.
    ExternalProjectedCaching,
    /// A basic table through an external API in the basic table's place (no caching table).
    ExternalBasic,
}

impl With {
    fn through_api(self) -> bool {
        matches!(
            self,
            With::ExternalCaching | With::ExternalProjectedCaching | With::ExternalBasic
        )
    }

    fn projected(self) -> bool {
        matches!(
            self,
            With::ProjectedCaching | With::ExternalProjectedCaching
        )
    }
}

/// Whether the external API carries `op`: every operation but queries with a limit below 1, which
/// DynamoDB and the API's server refuse with different errors.
fn carried_by_external_api(op: &BoardOp) -> bool {
    !matches!(op, BoardOp::Query(_, _, Some(..=0), _))
}

/// A table of `Board`s through an external API serving the DynamoDB table `name` to any caller,
/// over HTTP on 127.0.0.1; `projected` as `With::ProjectedCaching`.
async fn external_board_table<B: Backend>(name: &str, projected: bool) -> Table<Board, String, B> {
    use structnosql::external::policy::{Access, Caller, Denied};
    use structnosql::external::{axum, Executor, ExternalApi};
    let served = BasicTable::<Board>::builder()
        .table_name(name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("boardId"))
        .build()
        .await
        .unwrap();
    let router = Executor::new()
        .serve("boards", served, |_: &Access<'_>| Ok::<(), Denied>(()))
        .router(|_: &axum::http::HeaderMap| Some(Caller::new("tester")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let builder = Table::<Board, String, B>::builder()
        .table_name("boards")
        .external_api(ExternalApi::new(url))
        .primary_index(PrimaryIndex::hash("boardId"));
    let builder = match projected {
        true => builder
            .whole_record_reads(false)
            .cache_capacity(1)
            .cache_max_age(std::time::Duration::ZERO),
        false => builder,
    };
    builder.build().await.unwrap()
}

async fn board_tables(prefix: &str) -> (BasicTable<Board>, String) {
    let name = harness::unique_table_name(prefix);
    let table = BasicTable::<Board>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("boardId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    (table, name)
}

/// Runs `ops` on the basic table, the reference and (with `With::Caching`) the caching table, and
/// compares every result and the final items.
// The typed-path macros clone values of every field type, integers included.
#[allow(clippy::clone_on_copy)]
pub async fn run_board(mut ops: Vec<BoardOp>, with: With) {
    if with.through_api() {
        ops.retain(carried_by_external_api);
    }
    let (basic, basic_name) = board_tables("eqb-basic").await;
    let basic = match with {
        With::ExternalBasic => external_board_table(&basic_name, false).await,
        _ => basic,
    };
    let caching = match with {
        With::Basic | With::ExternalBasic => None,
        With::Caching
        | With::ProjectedCaching
        | With::ExternalCaching
        | With::ExternalProjectedCaching => {
            let (_, name) = board_tables("eqb-caching").await;
            let builder = CachingTable::<Board>::builder()
                .table_name(&name)
                .client(harness::client())
                .primary_index(PrimaryIndex::hash("boardId"));
            let caching = match with {
                _ if with.through_api() => external_board_table(&name, with.projected()).await,
                With::ProjectedCaching => builder
                    .whole_record_reads(false)
                    // Fewer records than the sequences use: records without pending writes
                    // are forgotten and read again along the way; and what was read is
                    // trusted within one call only.
                    .cache_capacity(1)
                    .cache_max_age(std::time::Duration::ZERO)
                    .build()
                    .await
                    .unwrap(),
                _ => builder.build().await.unwrap(),
            };
            let stored = BasicTable::<Board>::builder()
                .table_name(&name)
                .client(harness::client())
                .primary_index(PrimaryIndex::hash("boardId"))
                .build()
                .await
                .unwrap();
            Some((caching, stored))
        }
    };
    let mut reference = Doc::default();

    // Calls `$call` on both tables and turns each result into an `Outcome` with `$canon`.
    macro_rules! both {
        ($call:ident ( $($arg:expr),* ), $canon:expr) => {{
            let from_basic = outcome(basic.$call($($arg),*).await, $canon);
            let from_caching = match &caching {
                Some((caching, _)) => Some(outcome(caching.$call($($arg),*).await, $canon)),
                None => None,
            };
            (from_basic, from_caching)
        }};
    }
    let check = |step: usize,
                 op: &BoardOp,
                 (from_basic, from_caching): (Outcome, Option<Outcome>),
                 expected: Outcome| {
        assert_eq!(
            from_basic, expected,
            "step {step} {op:?}: basic vs reference"
        );
        if let Some(from_caching) = from_caching {
            assert_eq!(
                from_caching, from_basic,
                "step {step} {op:?}: caching vs basic"
            );
        }
    };

    for (step, op) in ops.iter().enumerate() {
        match op {
            BoardOp::Set(k, field, val, by_string) => {
                let key = KEYS[*k];
                let mut after = reference.clone();
                let expected = match after.update(key, &[(field.clone(), val.clone())]) {
                    Ok(_) => Ok(json!(null)),
                    Err(Declined) if val.attribute().is_none() => Err("Validation".to_owned()),
                    Err(Declined) => continue,
                };
                let results = match (field, val, by_string) {
                    (Field::Item(i), Val::Str(v), true) => {
                        let index = [("itemIndex", *i)];
                        both!(
                            update_field_path(key, "items.{{itemIndex}}", &index[..], v.clone()),
                            |()| json!(null)
                        )
                    }
                    (Field::Status, Val::Status(v), true) => {
                        let value = serde_json::to_value(v).expect("a status as JSON");
                        both!(
                            update_field_path(key, "status", &(), value.clone()),
                            |()| json!(null)
                        )
                    }
                    (Field::Uid | Field::Link, v, true) => {
                        // The stored text as JSON, which a string-path write must accept.
                        let stored = v.attribute().expect("a UUID or a URL");
                        let path = if matches!(field, Field::Uid) {
                            "uid"
                        } else {
                            "link"
                        };
                        let value = json!(stored.as_s().expect("stored as text"));
                        both!(
                            update_field_path(key, path, &(), value.clone()),
                            |()| json!(null)
                        )
                    }
                    (Field::Span, Val::Span(v), true) => {
                        both!(update_field_path(key, "span", &(), json!(v)), |()| json!(
                            null
                        ))
                    }
                    (Field::Pair, Val::Pair(v), true) => {
                        both!(
                            update_field_path(key, "pair", &(), json!([v.0, v.1])),
                            |()| json!(null)
                        )
                    }
                    (Field::Due, Val::Time(v), true) => {
                        // The stored text, which a string-path write of JSON must accept.
                        let stored = v.to_attribute().expect("a time");
                        let value = json!(stored.as_s().expect("a time stored as text"));
                        both!(
                            update_field_path(key, "due", &(), value.clone()),
                            |()| json!(null)
                        )
                    }
                    (Field::Label(i), Val::Str(v), true) => {
                        let index = [("labelsIndex", *i)];
                        both!(
                            update_field_path(key, "labels.{{labelsIndex}}", &index[..], v.clone()),
                            |()| json!(null)
                        )
                    }
                    _ => with_write!(field, val, |p, v| both!(
                        update_field(key, p.clone(), v.clone()),
                        |()| json!(null)
                    )),
                };
                check(step, op, results, expected);
                reference = after;
            }
            BoardOp::SetReturnOld(k, field, val) => {
                let key = KEYS[*k];
                let mut after = reference.clone();
                let expected = match after.update(key, &[(field.clone(), val.clone())]) {
                    Ok(old) => Ok(canonical_opt(old[0].as_ref())),
                    Err(Declined) if val.attribute().is_none() => Err("Validation".to_owned()),
                    Err(Declined) => continue,
                };
                let results = with_write!(field, val, |p, v| both!(
                    update_field_return_old(key, p.clone(), v.clone()),
                    canonical_attr
                ));
                check(step, op, results, expected);
                reference = after;
            }
            BoardOp::SetMany(k, writes) => {
                let key = KEYS[*k];
                let mut after = reference.clone();
                let expected = match after.update(key, writes) {
                    Ok(_) => Ok(json!(null)),
                    Err(Declined) if writes.iter().any(|(_, v)| v.attribute().is_none()) => {
                        Err("Validation".to_owned())
                    }
                    Err(Declined) => continue,
                };
                let setters = writes.iter().fold(Setters::new(), |setters, (field, val)| {
                    with_write!(field, val, |p, v| setters.set(p, v.clone()))
                });
                let results = both!(update_multiple_fields(key, &setters), |()| json!(null));
                check(step, op, results, expected);
                reference = after;
            }
            BoardOp::Get(k, field) => {
                let key = KEYS[*k];
                let expected = Ok(canonical_opt(reference.get(key, field).as_ref()));
                let results =
                    with_path!(field, |p| both!(get_field(key, p.clone()), canonical_attr));
                check(step, op, results, expected);
            }
            BoardOp::Query(k, field, limit, eventual) => {
                let key = KEYS[*k];
                let found = reference.record(key).is_some();
                // Whether a page that fills its limit says it is the last differs between
                // DynamoDB and its emulators: only the records and their count are compared.
                let expected = Ok(json!({
                    "records": found
                        .then(|| json!([key, canonical_opt(reference.get(key, field).as_ref())])),
                    "count": i32::from(found),
                }));
                let mut query = Query::primary(key).expect("a string key");
                if *eventual {
                    query = query.consistent_read(false);
                }
                if let Some(limit) = limit {
                    query = query.limit(*limit);
                }
                let results = with_path!(field, |p| both!(
                    query_field(&query, p.clone()),
                    |page: QueryPage<String, _>| {
                        assert_eq!(
                            page.records.len(),
                            usize::try_from(page.metadata.count).unwrap()
                        );
                        json!({
                            "records": page
                                .records
                                .into_iter()
                                .next()
                                .map(|(key, value)| json!([key, canonical_attr(value)])),
                            "count": page.metadata.count,
                        })
                    }
                ));
                check(step, op, results, expected);
            }
            BoardOp::Scan(field) => {
                // Every record with the value at `field`, in key order (a scan's order is
                // DynamoDB's own).
                let expected = Ok(json!(KEYS
                    .iter()
                    .filter(|key| reference.record(key).is_some())
                    .map(|key| json!([key, canonical_opt(reference.get(key, field).as_ref())]))
                    .collect::<Vec<_>>()));
                let scan = Scan::table();
                let results = with_path!(field, |p| both!(
                    scan_field(&scan, p.clone()),
                    |page: QueryPage<String, _>| {
                        let mut records: Vec<(String, serde_json::Value)> = page
                            .records
                            .into_iter()
                            .map(|(key, value)| (key, canonical_attr(value)))
                            .collect();
                        records.sort_by(|a, b| a.0.cmp(&b.0));
                        json!(records
                            .into_iter()
                            .map(|(key, value)| json!([key, value]))
                            .collect::<Vec<_>>())
                    }
                ));
                check(step, op, results, expected);
            }
            BoardOp::Remove(k, field) | BoardOp::Delete(k, field) => {
                let key = KEYS[*k];
                let mut after = reference.clone();
                let Ok(old) = after.remove(key, std::slice::from_ref(field)) else {
                    continue;
                };
                let results = if matches!(op, BoardOp::Remove(..)) {
                    with_path!(field, |p| both!(
                        remove_field(key, p.clone()),
                        canonical_attr
                    ))
                } else {
                    with_path!(field, |p| both!(delete_field(key, p.clone()), |b| json!(b)))
                };
                let expected = if matches!(op, BoardOp::Remove(..)) {
                    Ok(canonical_opt(old[0].as_ref()))
                } else {
                    Ok(json!(old[0].is_some()))
                };
                check(step, op, results, expected);
                reference = after;
            }
            BoardOp::RemoveTwo(k, a, b) | BoardOp::DeleteTwo(k, a, b) => {
                if a.overlaps(b) {
                    continue;
                }
                let key = KEYS[*k];
                let mut after = reference.clone();
                let Ok(old) = after.remove(key, &[a.clone(), b.clone()]) else {
                    continue;
                };
                let removers = Removers::new();
                let removers = with_path!(a, |p| removers.field("a", p));
                let removers = with_path!(b, |p| removers.field("b", p));
                let (results, expected) = if matches!(op, BoardOp::RemoveTwo(..)) {
                    (
                        both!(remove_multiple_fields(key, &removers), |f| {
                            canonical_fields(&f)
                        }),
                        Ok(serde_json::Value::Array(
                            old.iter().map(|v| canonical_opt(v.as_ref())).collect(),
                        )),
                    )
                } else {
                    (
                        both!(delete_multiple_fields(key, &removers), |d| json!(d)),
                        Ok(json!([["a", old[0].is_some()], ["b", old[1].is_some()]])),
                    )
                };
                check(step, op, results, expected);
                reference = after;
            }
            BoardOp::SetIf(k, field, val, title) => {
                let key = KEYS[*k];
                let mut after = reference.clone();
                let expected = match after.update(key, &[(field.clone(), val.clone())]) {
                    Err(Declined) if val.attribute().is_none() => Err("Validation".to_owned()),
                    Err(Declined) => continue,
                    Ok(_) if reference.title_is(key, title) => {
                        reference = after;
                        Ok(json!(null))
                    }
                    Ok(_) => Err("ConditionFailed".to_owned()),
                };
                let condition = Condition::eq(Board::fields().title(), title.clone());
                let results = with_write!(field, val, |p, v| both!(
                    update_field_if(key, p.clone(), v.clone(), &condition),
                    |()| json!(null)
                ));
                check(step, op, results, expected);
            }
            BoardOp::SetManyReturnOld(k, writes) => {
                let key = KEYS[*k];
                let mut after = reference.clone();
                let expected = match after.update(key, writes) {
                    Ok(old) => Ok(serde_json::Value::Array(
                        old.iter().map(|v| canonical_opt(v.as_ref())).collect(),
                    )),
                    Err(Declined) if writes.iter().any(|(_, v)| v.attribute().is_none()) => {
                        Err("Validation".to_owned())
                    }
                    Err(Declined) => continue,
                };
                let setters =
                    writes
                        .iter()
                        .enumerate()
                        .fold(Setters::new(), |setters, (i, (field, val))| {
                            with_write!(field, val, |p, v| setters.set_named(
                                i.to_string(),
                                p,
                                v.clone()
                            ))
                        });
                let results = both!(update_multiple_fields_return_old(key, &setters), |f| {
                    canonical_fields(&f)
                });
                check(step, op, results, expected);
                reference = after;
            }
            BoardOp::RemoveTwoIf(k, a, b, title) => {
                if a.overlaps(b) {
                    continue;
                }
                let key = KEYS[*k];
                let holds = reference.title_is(key, title);
                let mut after = reference.clone();
                let Ok(old) = after.remove(key, &[a.clone(), b.clone()]) else {
                    continue;
                };
                let removers = Removers::new();
                let removers = with_path!(a, |p| removers.field("a", p));
                let removers = with_path!(b, |p| removers.field("b", p));
                let condition = Condition::eq(Board::fields().title(), title.clone());
                let results = both!(remove_multiple_fields_if(key, &removers, &condition), |f| {
                    canonical_fields(&f)
                });
                // When every removed path lies under a missing parent (or the record does not
                // exist), nothing is left to send and the condition is not checked (documented).
                if !holds
                    && old.iter().all(Option::is_none)
                    && !reference.parents_hold(key, &[a, b])
                {
                    continue;
                }
                let expected = if holds {
                    reference = after;
                    Ok(serde_json::Value::Array(
                        old.iter().map(|v| canonical_opt(v.as_ref())).collect(),
                    ))
                } else {
                    Err("ConditionFailed".to_owned())
                };
                check(step, op, results, expected);
            }
            BoardOp::PutIf(k, board, title) => {
                let key = KEYS[*k];
                let board = Board {
                    board_id: key.to_owned(),
                    ..board.clone()
                };
                let expected = if reference.title_is(key, title) {
                    reference.put(key, &board);
                    Ok(json!(null))
                } else {
                    Err("ConditionFailed".to_owned())
                };
                let condition = Condition::eq(Board::fields().title(), title.clone());
                let results = both!(put_record_if(&board, &condition), |()| json!(null));
                check(step, op, results, expected);
            }
            BoardOp::DeleteRecordIf(k, title) => {
                let key = KEYS[*k];
                // On a record that does not exist: `false`, whatever the condition (documented).
                let expected = if !reference.items.contains_key(key) {
                    Ok(json!(false))
                } else if reference.title_is(key, title) {
                    reference.items.remove(key);
                    Ok(json!(true))
                } else {
                    Err("ConditionFailed".to_owned())
                };
                let condition = Condition::eq(Board::fields().title(), title.clone());
                let results = both!(delete_record_if(key, &condition), |b| json!(b));
                check(step, op, results, expected);
            }
            BoardOp::BatchGet => {
                let expected = Ok(json!({
                    "records": KEYS
                        .iter()
                        .filter_map(|key| reference.record(key).map(|b| canonical_board(Some(b))))
                        .collect::<Vec<_>>(),
                    "missing": KEYS
                        .iter()
                        .filter(|key| !reference.items.contains_key(**key))
                        .collect::<Vec<_>>(),
                }));
                let canon = |report: BatchGetReport<String, Board>| {
                    assert!(report.is_complete());
                    json!({
                        "records": report
                            .records
                            .into_iter()
                            .map(|(_, b)| canonical_board(Some(b)))
                            .collect::<Vec<_>>(),
                        "missing": report.missing,
                    })
                };
                let results = both!(batch_get_records(KEYS, BatchRetry::default()), canon);
                check(step, op, results, expected);
            }
            BoardOp::BatchPut(boards) => {
                let mut records: Vec<Board> = Vec::new();
                for (k, board) in boards {
                    let key = KEYS[*k];
                    records.retain(|b| b.board_id != key);
                    records.push(Board {
                        board_id: key.to_owned(),
                        ..board.clone()
                    });
                }
                for record in &records {
                    reference.put(&record.board_id, record);
                }
                let canon = |report: BatchWriteReport<String>| {
                    let mut processed = report.processed;
                    processed.sort();
                    json!({ "processed": processed, "unprocessed": report.unprocessed })
                };
                let mut keys: Vec<&str> = records.iter().map(|b| b.board_id.as_str()).collect();
                keys.sort();
                let expected = Ok(json!({ "processed": keys, "unprocessed": [] }));
                let results = both!(batch_put_records(&records, BatchRetry::default()), canon);
                check(step, op, results, expected);
            }
            BoardOp::BatchDelete(keys) => {
                let mut keys: Vec<&str> = keys.iter().map(|k| KEYS[*k]).collect();
                keys.sort();
                keys.dedup();
                for key in &keys {
                    reference.items.remove(*key);
                }
                let canon = |report: BatchWriteReport<String>| {
                    let mut processed = report.processed;
                    processed.sort();
                    json!({ "processed": processed, "unprocessed": report.unprocessed })
                };
                let expected = Ok(json!({ "processed": keys, "unprocessed": [] }));
                let results = both!(
                    batch_delete_records(keys.clone(), BatchRetry::default()),
                    canon
                );
                check(step, op, results, expected);
            }
            BoardOp::WriteTransaction(actions) => {
                let mut actions = actions.clone();
                let mut seen = Vec::new();
                actions.retain(|action| {
                    let fresh = !seen.contains(&action.key());
                    seen.push(action.key());
                    fresh
                });
                let mut after = reference.clone();
                let mut holds = true;
                let mut valid = true;
                for action in &actions {
                    match action {
                        TxAction::Put(k, board) => after.put(
                            KEYS[*k],
                            &Board {
                                board_id: KEYS[*k].to_owned(),
                                ..board.clone()
                            },
                        ),
                        TxAction::Update(k, field, val, title) => {
                            if let Some(title) = title {
                                holds &= reference.title_is(KEYS[*k], title);
                            }
                            valid &= after
                                .update(KEYS[*k], &[(field.clone(), val.clone())])
                                .is_ok();
                        }
                        TxAction::Delete(k) => {
                            after.items.remove(KEYS[*k]);
                        }
                    }
                }
                if !valid {
                    continue;
                }
                let expected = if holds {
                    reference = after;
                    Ok(json!(null))
                } else {
                    Err("TransactionCanceled".to_owned())
                };
                macro_rules! transaction {
                    ($table:expr) => {{
                        let mut tx = Ok(WriteTransaction::new());
                        for action in &actions {
                            tx = tx.and_then(|tx| match action {
                                TxAction::Put(k, board) => tx.put(
                                    $table,
                                    &Board {
                                        board_id: KEYS[*k].to_owned(),
                                        ..board.clone()
                                    },
                                ),
                                TxAction::Update(k, field, val, title) => {
                                    let setters = with_write!(field, val, |p, v| Setters::new()
                                        .set(p, v.clone()));
                                    match title {
                                        Some(title) => tx.update_if(
                                            $table,
                                            KEYS[*k],
                                            &setters,
                                            &Condition::eq(Board::fields().title(), title.clone()),
                                        ),
                                        None => tx.update($table, KEYS[*k], &setters),
                                    }
                                }
                                TxAction::Delete(k) => tx.delete($table, KEYS[*k]),
                            });
                        }
                        let result = match tx {
                            Ok(tx) => tx.commit().await,
                            Err(error) => Err(error),
                        };
                        outcome(result, |()| json!(null))
                    }};
                }
                let from_basic = transaction!(&basic);
                let from_caching = match &caching {
                    Some((caching, _)) => Some(transaction!(caching)),
                    None => None,
                };
                check(step, op, (from_basic, from_caching), expected);
            }
            BoardOp::ReadTransaction => {
                let expected = Ok(serde_json::Value::Array(
                    KEYS.iter()
                        .map(|key| canonical_board(reference.record(key)))
                        .collect(),
                ));
                macro_rules! read_all {
                    ($table:expr) => {{
                        let mut tx = ReadTransaction::new();
                        let slots: Vec<_> = KEYS
                            .iter()
                            .map(|key| tx.get($table, *key).unwrap())
                            .collect();
                        let result = match tx.commit().await {
                            Ok(mut results) => slots
                                .into_iter()
                                .map(|slot| results.take(slot).map(canonical_board))
                                .collect::<structnosql::Result<Vec<_>>>()
                                .map(serde_json::Value::Array),
                            Err(error) => Err(error),
                        };
                        outcome(result, |v| v)
                    }};
                }
                let from_basic = read_all!(&basic);
                let from_caching = match &caching {
                    Some((caching, _)) => Some(read_all!(caching)),
                    None => None,
                };
                check(step, op, (from_basic, from_caching), expected);
            }
            BoardOp::GetRecord(k) => {
                let key = KEYS[*k];
                let expected = Ok(canonical_board(reference.record(key)));
                check(step, op, both!(get_record(key), canonical_board), expected);
            }
            BoardOp::Put(k, board) | BoardOp::PutIfAbsent(k, board) => {
                let key = KEYS[*k];
                let board = Board {
                    board_id: key.to_owned(),
                    ..board.clone()
                };
                if matches!(op, BoardOp::Put(..)) {
                    reference.put(key, &board);
                    check(
                        step,
                        op,
                        both!(put_record(&board), |()| json!(null)),
                        Ok(json!(null)),
                    );
                } else {
                    let absent = !reference.items.contains_key(key);
                    if absent {
                        reference.put(key, &board);
                    }
                    let results = both!(put_record_if_absent(&board), |b| json!(b));
                    check(step, op, results, Ok(json!(absent)));
                }
            }
            BoardOp::DeleteRecord(k) => {
                let key = KEYS[*k];
                let existed = reference.items.remove(key).is_some();
                check(
                    step,
                    op,
                    both!(delete_record(key), |b| json!(b)),
                    Ok(json!(existed)),
                );
            }
            BoardOp::RemoveRecord(k) => {
                let key = KEYS[*k];
                let expected = Ok(canonical_board(reference.record(key)));
                reference.items.remove(key);
                check(
                    step,
                    op,
                    both!(remove_record(key), canonical_board),
                    expected,
                );
            }
            BoardOp::Commit => {
                if let Some((caching, _)) = &caching {
                    let report = caching.commit_operations().await;
                    assert!(report.is_success(), "step {step}: {report:?}");
                }
            }
            BoardOp::CommitAtomically => {
                let Some((caching, _)) = &caching else {
                    continue;
                };
                let mut before = Vec::new();
                for key in KEYS {
                    before.push(caching.get_record(key).await.unwrap());
                }
                match caching.commit_operations_atomically().await {
                    Ok(_) => assert!(!caching.has_pending_operations(), "step {step}"),
                    // Writes that remove what earlier writes created need two requests in order.
                    Err(Error::Config { .. }) => {
                        assert!(caching.has_pending_operations(), "step {step}");
                        let report = caching.commit_operations().await;
                        assert!(report.is_success(), "step {step}: {report:?}");
                    }
                    Err(error) => panic!("step {step}: {error:?}"),
                }
                for (key, before) in KEYS.iter().zip(before) {
                    let after = caching.get_record(*key).await.unwrap();
                    assert_eq!(
                        after, before,
                        "step {step} {op:?}: the cache's view of {key} changed"
                    );
                }
            }
            BoardOp::CommitUpdates | BoardOp::CommitRemoves => {
                let Some((caching, _)) = &caching else {
                    continue;
                };
                let mut before = Vec::new();
                for key in KEYS {
                    before.push(caching.get_record(key).await.unwrap());
                }
                let report = if matches!(op, BoardOp::CommitUpdates) {
                    caching.commit_update_operations().await
                } else {
                    caching.commit_remove_operations().await
                };
                assert!(report.is_success(), "step {step}: {report:?}");
                for (key, before) in KEYS.iter().zip(before) {
                    let after = caching.get_record(*key).await.unwrap();
                    assert_eq!(
                        after, before,
                        "step {step} {op:?}: the cache's view of {key} changed"
                    );
                }
            }
            BoardOp::ClearPending(kind) => {
                let Some((caching, stored)) = &caching else {
                    continue;
                };
                match kind {
                    Pending::All => caching.clear_pending_operations(),
                    Pending::Updates => caching.clear_pending_update_operations(),
                    Pending::Removes => caching.clear_pending_remove_operations(),
                }
                let report = caching.commit_operations().await;
                assert!(report.is_success(), "step {step}: {report:?}");
                for key in KEYS {
                    let held = stored.get_record(key).await.unwrap();
                    let shown = caching.get_record(key).await.unwrap();
                    assert_eq!(shown, held, "step {step} {op:?}: cache vs stored {key}");
                    // What the dropped writes would have done is gone: continue from what is stored.
                    match &held {
                        Some(board) => {
                            basic.put_record(board).await.unwrap();
                            reference.put(key, board);
                        }
                        None => {
                            basic.delete_record(key).await.unwrap();
                            reference.items.remove(key);
                        }
                    }
                }
            }
            BoardOp::ClearCache(key) => {
                if let Some((caching, _)) = &caching {
                    match key {
                        Some(k) => caching.clear_cached_data_for_record(KEYS[*k]).unwrap(),
                        None => caching.clear_cached_data(),
                    }
                }
            }
        }
    }

    for key in KEYS {
        let expected = reference.record(key);
        assert_eq!(
            basic.get_record(key).await.unwrap(),
            expected,
            "final {key} (basic)"
        );
    }
    if let Some((caching, stored)) = &caching {
        let report = caching.commit_operations().await;
        assert!(report.is_success(), "final commit: {report:?}");
        for key in KEYS {
            let expected = reference.record(key);
            assert_eq!(
                stored.get_record(key).await.unwrap(),
                expected,
                "final {key} (caching)"
            );
        }
    }
}

/// `run_board` on its own runtime, on a thread whose stack holds its (large, in debug builds) future.
pub fn run_board_blocking(ops: Vec<BoardOp>, with: With) {
    crate::harness::block_on_large_stack(run_board(ops, with));
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    /// The reference agrees with DynamoDB (through the basic table) on lists, sets and records.
    #[test]
    fn basic_table_and_reference_agree_on_lists_sets_and_records(ops in proptest::collection::vec(board_op(), 1..30)) {
        run_board_blocking(ops, With::Basic);
    }

    /// The caching table, committing at random points, agrees with both.
    #[test]
    fn caching_table_agrees_on_lists_sets_and_records(ops in proptest::collection::vec(board_op(), 1..30)) {
        run_board_blocking(ops, With::Caching);
    }

    /// So does a caching table that reads only the paths asked for and forgets records as it goes.
    #[test]
    fn projected_caching_table_agrees_on_lists_sets_and_records(ops in proptest::collection::vec(board_op(), 1..30)) {
        run_board_blocking(ops, With::ProjectedCaching);
    }

    /// And a caching table through an external API, on the operations the API carries.
    #[test]
    fn external_caching_table_agrees_on_lists_sets_and_records(ops in proptest::collection::vec(board_op(), 1..30)) {
        run_board_blocking(ops, With::ExternalCaching);
    }

    /// Also reading only the paths asked for and forgetting records as it goes.
    #[test]
    fn external_projected_caching_table_agrees_on_lists_sets_and_records(ops in proptest::collection::vec(board_op(), 1..30)) {
        run_board_blocking(ops, With::ExternalProjectedCaching);
    }

    /// And a basic table through an external API, in the basic table's place.
    #[test]
    fn external_basic_table_agrees_on_lists_sets_and_records(ops in proptest::collection::vec(board_op(), 1..30)) {
        run_board_blocking(ops, With::ExternalBasic);
    }
}

/// Shrunk failures found by the property test, kept as plain tests.
mod regressions {
    use super::{run, Op};

    /// A write that creates a record (and parent maps), then a remove of what it wrote: the record
    /// and the parents remain, as they would after two separate requests.
    #[tokio::test]
    async fn a_remove_after_a_creating_write_keeps_what_the_write_created() {
        run(vec![Op::SetInventory(0, 2, 0), Op::RemoveInventory(0, 2)]).await;
    }

    /// Writes and removes through string paths (JSON values, traced removes), cold and warm.
    #[tokio::test]
    async fn string_path_writes_and_traced_removes_agree() {
        run(vec![
            Op::RemoveInventoryTraced(0, 1),
            Op::SetInventory(0, 1, 2),
            Op::SetScoreByString(0, 3),
            Op::RemoveInventoryTraced(0, 1),
            Op::Commit,
            Op::SetInventory(1, 0, 1),
            Op::Commit,
            Op::GetRecord(1),
            Op::RemoveInventoryTraced(1, 0),
            Op::SetScoreByString(1, -2),
            Op::Commit,
            Op::GetRecord(1),
        ])
        .await;
    }

    /// Removing a path inside a plain value removes nothing, as for any absent path.
    #[tokio::test]
    async fn a_remove_inside_a_plain_value_finds_nothing() {
        run(vec![
            Op::SetData(1, vec![2], 0),
            Op::RemoveData(1, vec![2, 0]),
        ])
        .await;
    }

    use structnosql::expr::Condition;
    use structnosql::table::{Removers, Setters};

    use super::{run_board_blocking, Board, BoardOp, Field, Val, With};

    fn no_board() -> Board {
        Board {
            board_id: String::new(),
            title: None,
            items: None,
            cards: None,
            grid: None,
            tags: None,
            numbers: None,
            blobs: None,
            status: None,
            owner: None,
            labels: None,
            due: None,
            seen: None,
            price: None,
            span: None,
            pair: None,
            uid: None,
            link: None,
        }
    }

    /// A conditional write on a known record whose pending writes touch other paths goes with them
    /// in one request: when its condition holds, and when it fails (the pending writes then go
    /// alone); and a condition on a path a pending write touches waits for it.
    #[test]
    fn a_conditional_write_carries_pending_writes_of_other_paths() {
        let titled = Board {
            title: Some("a".into()),
            ..no_board()
        };
        run_board_blocking(
            vec![
                BoardOp::Put(0, titled),
                BoardOp::ClearCache(None),
                BoardOp::Get(0, Field::Owner),
                BoardOp::Set(0, Field::Items, Val::Strs(vec!["x".into()]), false),
                BoardOp::SetIf(
                    0,
                    Field::Owner,
                    Val::Owner(super::Owner("o".into())),
                    "a".into(),
                ),
                BoardOp::Set(0, Field::Tags, Val::Tags(["t".to_owned()].into()), false),
                BoardOp::SetIf(
                    0,
                    Field::Owner,
                    Val::Owner(super::Owner("p".into())),
                    "b".into(),
                ),
                BoardOp::Set(0, Field::Title, Val::Str("b".into()), false),
                BoardOp::SetIf(0, Field::Labels, Val::Strs(vec!["l".into()]), "b".into()),
                BoardOp::GetRecord(0),
                BoardOp::Commit,
                BoardOp::GetRecord(0),
            ],
            With::Caching,
        );
    }

    #[test]
    fn partial_commit_of_updates_keeps_the_record_a_write_created() {
        run_board_blocking(
            vec![
                BoardOp::Set(0, Field::Items, Val::Strs(vec![]), false),
                BoardOp::Remove(0, Field::Items),
                BoardOp::CommitUpdates,
            ],
            With::Caching,
        );
    }

    #[test]
    fn a_conditional_write_sends_the_record_creation_pending_before_it() {
        run_board_blocking(
            vec![
                BoardOp::Get(0, Field::Title),
                BoardOp::Set(0, Field::Title, Val::Str("a".into()), false),
                BoardOp::Delete(0, Field::Title),
                BoardOp::SetIf(0, Field::Title, Val::Str("a".into()), "a".into()),
                BoardOp::GetRecord(0),
            ],
            With::Caching,
        );
    }

    fn card(title: &str) -> super::Card {
        super::Card {
            title: title.into(),
            n: None,
        }
    }

    /// Through an external API, reading only a position of a list: the API answers the list whole
    /// (as DynamoDB projects it), so the cache does not take a one-element list for the whole.
    #[test]
    fn a_list_position_read_through_an_external_api_keeps_its_position() {
        let board = Board {
            board_id: String::new(),
            title: None,
            items: None,
            cards: Some(vec![
                card("a"),
                super::Card {
                    title: "a".into(),
                    n: Some(0),
                },
            ]),
            grid: None,
            tags: None,
            numbers: None,
            blobs: None,
            status: None,
            owner: None,
            labels: None,
            due: None,
            seen: None,
            price: None,
            span: None,
            pair: None,
            uid: None,
            link: None,
        };
        run_board_blocking(
            vec![BoardOp::Put(0, board), BoardOp::Get(0, Field::CardN(1))],
            With::ExternalProjectedCaching,
        );
    }

    #[test]
    fn two_writes_past_the_end_append_twice() {
        run_board_blocking(
            vec![
                BoardOp::Set(0, Field::Card(2), Val::Card(card("a")), false),
                BoardOp::Set(0, Field::Card(2), Val::Card(card("a")), false),
            ],
            With::Caching,
        );
    }

    #[test]
    fn a_delete_at_a_later_position_reports_what_was_there() {
        let board = Board {
            items: Some(vec!["a".into(), "a".into()]),
            ..no_board()
        };
        run_board_blocking(
            vec![BoardOp::Put(0, board), BoardOp::Delete(0, Field::Item(1))],
            With::Caching,
        );
    }

    #[test]
    fn positions_removed_in_one_call_refer_to_the_list_before_it() {
        let board = Board {
            cards: Some(vec![card("a"), card("a")]),
            ..no_board()
        };
        run_board_blocking(
            vec![
                BoardOp::PutIfAbsent(0, board),
                BoardOp::RemoveTwo(0, Field::Card(0), Field::Card(1)),
                BoardOp::Delete(0, Field::Card(0)),
            ],
            With::Caching,
        );
    }

    #[test]
    fn a_remove_of_a_position_a_pending_write_created_is_committed() {
        run_board_blocking(
            vec![
                BoardOp::Get(0, Field::Title),
                BoardOp::Set(0, Field::Item(1), Val::Str("a".into()), false),
                BoardOp::Remove(0, Field::Item(0)),
                BoardOp::Commit,
            ],
            With::Caching,
        );
    }

    #[tokio::test]
    async fn basic_table_reports_a_removed_later_position_when_another_parent_is_missing() {
        let (basic, _) = super::board_tables("eqb-basic").await;
        let f = Board::fields();
        let board = Board {
            board_id: "a".into(),
            cards: Some(vec![card("a"), card("b")]),
            ..no_board()
        };
        basic.put_record(&board).await.unwrap();
        let removers = Removers::new()
            .field("card", f.cards().index(1))
            .field("item", f.items().index(0));
        let deleted = basic.delete_multiple_fields("a", &removers).await.unwrap();
        assert_eq!(
            basic.get_field("a", f.cards()).await.unwrap(),
            Some(vec![card("a")]),
            "cards[1] was removed"
        );
        assert_eq!(
            deleted,
            vec![("card".to_owned(), true), ("item".to_owned(), false)]
        );
    }

    #[test]
    fn a_return_old_at_a_later_position_returns_what_was_there() {
        run_board_blocking(
            vec![
                BoardOp::Set(
                    0,
                    Field::Items,
                    Val::Strs(vec!["a".into(), "b".into()]),
                    false,
                ),
                BoardOp::SetReturnOld(0, Field::Item(1), Val::Str("c".into())),
            ],
            With::Caching,
        );
    }

    #[test]
    fn a_read_between_a_creating_write_and_its_remove_keeps_the_record() {
        run_board_blocking(
            vec![
                BoardOp::Set(0, Field::Item(1), Val::Str("a".into()), false),
                BoardOp::GetRecord(0),
                BoardOp::Delete(0, Field::Items),
            ],
            With::Caching,
        );
    }

    #[test]
    fn a_write_at_a_position_after_a_remove_there_is_committed_as_shown() {
        let board = Board {
            cards: Some(vec![card("a"), card("b")]),
            ..no_board()
        };
        run_board_blocking(
            vec![
                BoardOp::Put(0, board),
                BoardOp::GetRecord(0),
                BoardOp::Delete(0, Field::Card(0)),
                BoardOp::Set(0, Field::CardTitle(0), Val::Str("c".into()), false),
            ],
            With::Caching,
        );
    }

    #[tokio::test]
    async fn basic_table_returns_the_old_value_at_a_later_position_when_a_parent_is_missing() {
        let (basic, _) = super::board_tables("eqb-basic").await;
        let f = Board::fields();
        let board = Board {
            board_id: "a".into(),
            items: Some(vec!["a".into(), "b".into()]),
            ..no_board()
        };
        basic.put_record(&board).await.unwrap();
        let setters = Setters::new()
            .set_named("item", f.items().index(1), "c".to_owned())
            .set_named("card", f.cards().index(0), card("x"));
        let old = basic
            .update_multiple_fields_return_old("a", &setters)
            .await
            .unwrap();
        assert_eq!(old.get::<String>("item").unwrap(), Some("b".to_owned()));
    }

    /// Called directly: the generated calls leave this case out.
    #[tokio::test]
    async fn a_conditional_remove_of_absent_paths_reports_the_failed_condition() {
        let (basic, _) = super::board_tables("eqb-basic").await;
        let f = Board::fields();
        let board = Board {
            board_id: "a".into(),
            title: Some("t".into()),
            grid: Some(vec![]),
            ..no_board()
        };
        basic.put_record(&board).await.unwrap();
        let removers = Removers::new()
            .field("r0", f.grid().index(0))
            .field("r1", f.grid().index(1));
        let result = basic
            .remove_multiple_fields_if(
                "a",
                &removers,
                &Condition::eq(f.title(), "other".to_owned()),
            )
            .await;
        assert!(
            matches!(result, Err(structnosql::Error::ConditionFailed { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn a_read_transaction_sees_pending_writes() {
        run_board_blocking(
            vec![
                BoardOp::Set(0, Field::Title, Val::Str("a".into()), false),
                BoardOp::ReadTransaction,
            ],
            With::Caching,
        );
    }

    #[test]
    fn a_partial_commit_sends_a_write_inside_a_new_position_into_that_position() {
        run_board_blocking(
            vec![
                BoardOp::SetMany(
                    0,
                    vec![
                        (Field::Card(3), Val::Card(card("a"))),
                        (Field::CardN(3), Val::Int(0)),
                    ],
                ),
                BoardOp::CommitUpdates,
                BoardOp::GetRecord(0),
            ],
            With::Caching,
        );
    }
}
