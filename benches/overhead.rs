//! What structnosql costs on top of hand-written `aws-sdk-dynamodb` calls that send the same
//! requests: each operation both ways, in the same run, (a) with no network at all — a client that
//! answers every request from memory, so only client CPU is measured — and (b) against the embedded
//! server. Before measuring, each pair is checked to send identical requests.
//!
//! Run with `cargo bench --bench overhead`; `scripts/bench` turns the results into ratios.

mod support;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use structnosql::aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use structnosql::aws_sdk_dynamodb::Client;
use structnosql::table::{
    BasicTable, BatchRetry, CachingTable, GlobalSecondaryIndex, PrimaryIndex, Query, Removers,
    Setters, WriteTransaction,
};
use support::players::{key, names, sample, wins, wins_of, Player};

use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnector, HttpConnectorFuture, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// The group of `support::players::sample`.
const GROUP: &str = "g1";
const PAGE: usize = 100;

/// The record the removes empty, in a group of its own: the other operations read whole records
/// (against a server, what one operation removes stays removed).
const EMPTIED: &str = "emptied";

/// Player `p<index>` of the benchmark's group.
fn player(index: usize) -> Player {
    sample(&format!("p{index}"))
}

// ---- The hand-written side ------------------------------------------------------------------

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A player as an item, written by hand the way an SDK user would.
fn raw_item(player: &Player) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::from([
        ("id".to_owned(), s(&player.id)),
        ("group".to_owned(), s(&player.group)),
        ("name".to_owned(), s(&player.name)),
        ("level".to_owned(), n(player.level)),
        // Written in exponent form, as structnosql does; DynamoDB stores numbers canonically anyway.
        ("score".to_owned(), n(format!("{:e}", player.score))),
        ("active".to_owned(), AttributeValue::Bool(player.active)),
        ("city".to_owned(), s(&player.city)),
        ("country".to_owned(), s(&player.country)),
        ("email".to_owned(), s(&player.email)),
        ("visits".to_owned(), n(player.visits)),
        (
            "tags".to_owned(),
            AttributeValue::L(player.tags.iter().map(|tag| s(tag)).collect()),
        ),
    ]);
    if let Some(profile) = &player.profile {
        let mut profile_map = HashMap::new();
        if let Some(stats) = &profile.stats {
            profile_map.insert(
                "stats".to_owned(),
                AttributeValue::M(HashMap::from([
                    ("wins".to_owned(), n(stats.wins)),
                    ("losses".to_owned(), n(stats.losses)),
                ])),
            );
        }
        item.insert("profile".to_owned(), AttributeValue::M(profile_map));
    }
    item
}

fn string_of(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name)?.as_s().ok().cloned()
}

fn number_of<T: std::str::FromStr>(
    item: &HashMap<String, AttributeValue>,
    name: &str,
) -> Option<T> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

type TenFields = (
    Option<String>,
    Option<i64>,
    Option<f64>,
    Option<bool>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<Vec<String>>,
    Option<i64>,
);

async fn raw_put(client: &Client, table: &str, player: &Player) {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(raw_item(player)))
        .send()
        .await
        .expect("PutItem");
}

async fn raw_get_one(client: &Client, table: &str) -> Option<i64> {
    let output = client
        .get_item()
        .table_name(table)
        .set_key(Some(key("p1")))
        .consistent_read(true)
        .projection_expression("#n0.#n1.#n2")
        .set_expression_attribute_names(Some(names(&["profile", "stats", "wins"])))
        .send()
        .await
        .expect("GetItem");
    output.item().and_then(wins_of)
}

/// The record a cold cache read reads: the records of the page in turn, as each side counts its
/// reads (so that both sides read the same records in the same order).
fn cold_record(reads: &AtomicUsize) -> (usize, String) {
    let read = reads.fetch_add(1, Ordering::Relaxed);
    (read, format!("p{}", read % PAGE))
}

/// One nested field of a record not read before, as a cold cache reads it: the whole record.
async fn raw_cold_read(client: &Client, table: &str) -> Option<i64> {
    static READS: AtomicUsize = AtomicUsize::new(0);
    let (_, id) = cold_record(&READS);
    let output = client
        .get_item()
        .table_name(table)
        .set_key(Some(key(&id)))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem");
    output.item().and_then(wins_of)
}

async fn raw_get_ten(client: &Client, table: &str) -> TenFields {
    let output = client
        .get_item()
        .table_name(table)
        .set_key(Some(key("p1")))
        .consistent_read(true)
        .projection_expression("#n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9.#n10.#n11")
        .set_expression_attribute_names(Some(names(&[
            "name", "level", "score", "active", "city", "country", "email", "visits", "tags",
            "profile", "stats", "wins",
        ])))
        .send()
        .await
        .expect("GetItem");
    let Some(item) = output.item() else {
        return Default::default();
    };
    (
        string_of(item, "name"),
        number_of(item, "level"),
        number_of(item, "score"),
        item.get("active").and_then(|v| v.as_bool().ok()).copied(),
        string_of(item, "city"),
        string_of(item, "country"),
        string_of(item, "email"),
        number_of(item, "visits"),
        item.get("tags").and_then(|v| v.as_l().ok()).map(|list| {
            list.iter()
                .filter_map(|tag| tag.as_s().ok().cloned())
                .collect()
        }),
        wins_of(item),
    )
}

async fn raw_update_one(client: &Client, table: &str) {
    client
        .update_item()
        .table_name(table)
        .set_key(Some(key("p1")))
        .update_expression("SET #n0.#n1.#n2 = :v0")
        // The parent map exists and is not NULL (a NULL parent is written over, not into).
        .condition_expression("attribute_exists(#n0.#n1) AND NOT attribute_type(#n0.#n1, :v1)")
        .set_expression_attribute_names(Some(names(&["profile", "stats", "wins"])))
        .expression_attribute_values(":v0", n(11))
        .expression_attribute_values(":v1", s("NULL"))
        .return_values(ReturnValue::None)
        .return_values_on_condition_check_failure(
            structnosql::aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .send()
        .await
        .expect("UpdateItem");
}

async fn raw_update_ten(client: &Client, table: &str) {
    client
        .update_item()
        .table_name(table)
        .set_key(Some(key("p1")))
        .update_expression(
            "SET #n0 = :v0, #n1 = :v1, #n2 = :v2, #n3 = :v3, #n4 = :v4, #n5 = :v5, #n6 = :v6, \
             #n7 = :v7, #n8 = :v8, #n9.#n10.#n11 = :v9",
        )
        .condition_expression("attribute_exists(#n9.#n10) AND NOT attribute_type(#n9.#n10, :v10)")
        .set_expression_attribute_names(Some(names(&[
            "name", "level", "score", "active", "city", "country", "email", "visits", "tags",
            "profile", "stats", "wins",
        ])))
        .set_expression_attribute_values(Some(HashMap::from([
            (":v0".to_owned(), s("Renamed")),
            (":v1".to_owned(), n(13)),
            (":v2".to_owned(), n(format!("{:e}", 99.5))),
            (":v3".to_owned(), AttributeValue::Bool(false)),
            (":v4".to_owned(), s("Paris")),
            (":v5".to_owned(), s("France")),
            (":v6".to_owned(), s("new@example.com")),
            (":v7".to_owned(), n(43)),
            (":v8".to_owned(), AttributeValue::L(vec![s("blue")])),
            (":v9".to_owned(), n(11)),
            (":v10".to_owned(), s("NULL")),
        ])))
        .return_values(ReturnValue::None)
        .return_values_on_condition_check_failure(
            structnosql::aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .send()
        .await
        .expect("UpdateItem");
}

async fn raw_remove(client: &Client, table: &str) -> Option<i64> {
    let output = client
        .update_item()
        .table_name(table)
        .set_key(Some(key(EMPTIED)))
        .update_expression("REMOVE #n0.#n1.#n2")
        // Never create the record, and find nothing (rather than fail) inside a non-map.
        .condition_expression("attribute_exists(#n3) AND attribute_type(#n0.#n1, :v0)")
        .set_expression_attribute_names(Some(names(&["profile", "stats", "wins", "id"])))
        .expression_attribute_values(":v0", s("M"))
        .return_values(ReturnValue::UpdatedOld)
        .return_values_on_condition_check_failure(
            structnosql::aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .send()
        .await
        .expect("UpdateItem");
    output.attributes().and_then(wins_of)
}

async fn raw_remove_ten(client: &Client, table: &str) -> usize {
    let output = client
        .update_item()
        .table_name(table)
        .set_key(Some(key(EMPTIED)))
        .update_expression("REMOVE #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9.#n10.#n11")
        // Never create the record, and find nothing (rather than fail) inside a non-map.
        .condition_expression("attribute_exists(#n12) AND attribute_type(#n9.#n10, :v0)")
        .set_expression_attribute_names(Some(names(&[
            "name", "level", "score", "active", "city", "country", "email", "visits", "tags",
            "profile", "stats", "wins", "id",
        ])))
        .expression_attribute_values(":v0", s("M"))
        .return_values(ReturnValue::UpdatedOld)
        .return_values_on_condition_check_failure(
            structnosql::aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .send()
        .await
        .expect("UpdateItem");
    let old = output.attributes().cloned().unwrap_or_default();
    let top = [
        "name", "level", "score", "active", "city", "country", "email", "visits", "tags",
    ];
    top.iter().filter(|name| old.contains_key(**name)).count()
        + usize::from(wins_of(&old).is_some())
}

async fn raw_query(client: &Client, table: &str) -> Vec<(String, String)> {
    let output = client
        .query()
        .table_name(table)
        .index_name("group")
        .key_condition_expression("#n0 = :v0")
        .projection_expression("#n1, #n2")
        .set_expression_attribute_names(Some(names(&["group", "name", "id"])))
        .expression_attribute_values(":v0", s(GROUP))
        .limit(PAGE as i32)
        .scan_index_forward(true)
        .send()
        .await
        .expect("Query");
    output
        .items()
        .iter()
        .filter_map(|item| Some((string_of(item, "id")?, string_of(item, "name")?)))
        .collect()
}

/// The ids of the records a batch get reads.
fn batch_ids() -> Vec<String> {
    (0..PAGE).map(|index| format!("p{index}")).collect()
}

async fn raw_batch_get(client: &Client, table: &str) -> Vec<Player> {
    let keys = structnosql::aws_sdk_dynamodb::types::KeysAndAttributes::builder()
        .set_keys(Some(batch_ids().iter().map(|id| key(id)).collect()))
        .consistent_read(true)
        .build()
        .expect("keys");
    let output = client
        .batch_get_item()
        .request_items(table, keys)
        .send()
        .await
        .expect("BatchGetItem");
    let mut players: Vec<Player> = output
        .responses()
        .and_then(|responses| responses.get(table))
        .map(|items| {
            items
                .iter()
                .map(|item| serde_dynamo::from_item(item.clone()).expect("a player"))
                .collect()
        })
        .unwrap_or_default();
    players.sort_by(|a, b| a.id.cmp(&b.id));
    players
}

/// Ten updates of one field each, in one transaction.
async fn raw_transaction(client: &Client, table: &str) {
    use structnosql::aws_sdk_dynamodb::types::{TransactWriteItem, Update};
    let items = (0..10)
        .map(|index| {
            let update = Update::builder()
                .table_name(table)
                .set_key(Some(key(&format!("p{index}"))))
                .update_expression("SET #n0 = :v0")
                .set_expression_attribute_names(Some(names(&["visits"])))
                .expression_attribute_values(":v0", n(index))
                .return_values_on_condition_check_failure(
                    structnosql::aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build()
                .expect("update");
            TransactWriteItem::builder().update(update).build()
        })
        .collect();
    client
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await
        .expect("TransactWriteItems");
}

// ---- The structnosql side -------------------------------------------------------------------

async fn lib_batch_get(table: &BasicTable<Player>) -> Vec<Player> {
    let report = table
        .batch_get_records(batch_ids(), BatchRetry::default())
        .await
        .expect("batch get");
    let mut players: Vec<Player> = report
        .records
        .into_iter()
        .map(|(_, player)| player)
        .collect();
    players.sort_by(|a, b| a.id.cmp(&b.id));
    players
}

async fn lib_transaction(table: &BasicTable<Player>) {
    let visits = Player::fields().visits();
    let mut transaction = WriteTransaction::new();
    for index in 0..10 {
        let setters = Setters::new().set(visits.clone(), index);
        transaction = transaction
            .update(table, format!("p{index}"), &setters)
            .expect("update");
    }
    transaction.commit().await.expect("transaction");
}

fn ten_setters() -> Setters {
    let fields = Player::fields();
    Setters::new()
        .set(fields.name(), "Renamed")
        .set(fields.level(), 13)
        .set(fields.score(), 99.5)
        .set(fields.active(), false)
        .set(fields.city(), "Paris")
        .set(fields.country(), "France")
        .set(fields.email(), "new@example.com")
        .set(fields.visits(), 43)
        .set(fields.tags(), vec!["blue".to_owned()])
        .set(wins(), 11)
}

/// Removes the ten fields `ten_setters` writes and returns how many of them held a value.
async fn lib_remove_ten(table: &BasicTable<Player>) -> usize {
    let fields = Player::fields();
    let removers = Removers::new()
        .field("name", fields.name())
        .field("level", fields.level())
        .field("score", fields.score())
        .field("active", fields.active())
        .field("city", fields.city())
        .field("country", fields.country())
        .field("email", fields.email())
        .field("visits", fields.visits())
        .field("tags", fields.tags())
        .field("wins", wins());
    let removed = table
        .remove_multiple_fields(EMPTIED, &removers)
        .await
        .expect("remove_multiple_fields");
    removed
        .names()
        .filter(|name| removed.is_present(name))
        .count()
}

/// A caching table's first read of a record. Once every record of the page has been read, the
/// cache forgets them (each cached record is freed once, as the hand-written side frees each item).
async fn lib_cold_read(table: &CachingTable<Player>) -> Option<i64> {
    static READS: AtomicUsize = AtomicUsize::new(0);
    let (read, id) = cold_record(&READS);
    if read % PAGE == 0 {
        table.clear_cached_data();
    }
    table.get_field(id.as_str(), wins()).await.expect("get")
}

async fn lib_get_ten(table: &BasicTable<Player>) -> TenFields {
    let fields = Player::fields();
    table
        .get_fields(
            "p1",
            (
                fields.name(),
                fields.level(),
                fields.score(),
                fields.active(),
                fields.city(),
                fields.country(),
                fields.email(),
                fields.visits(),
                fields.tags(),
                wins(),
            ),
        )
        .await
        .expect("get_fields")
}

async fn lib_query(table: &BasicTable<Player>) -> Vec<(String, String)> {
    let query = Query::index("group", GROUP)
        .expect("query")
        .limit(PAGE as i32);
    let page = table
        .query_field(&query, Player::fields().name())
        .await
        .expect("query_field");
    page.records
        .into_iter()
        .filter_map(|(key, name)| Some((key.to_string(), name?)))
        .collect()
}

// ---- No network: canned answers ------------------------------------------------------------

/// Answers every request from memory with the body registered for its operation, and records what
/// was sent (operation and JSON body) so both sides can be compared.
#[derive(Debug, Clone, Default)]
struct CannedConnector {
    scenarios: Arc<HashMap<&'static str, (&'static str, String)>>,
    answers: Arc<Mutex<HashMap<String, String>>>,
    sent: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    recording: Arc<std::sync::atomic::AtomicBool>,
}

impl CannedConnector {
    fn new() -> Self {
        Self {
            scenarios: Arc::new(canned_answers()),
            ..Self::default()
        }
    }

    /// Answers the operation of benchmark `op` as DynamoDB would for it.
    fn prepare(&self, op: &str) {
        let (operation, body) = self.scenarios.get(op).expect("a canned answer");
        self.answers
            .lock()
            .expect("answers")
            .insert((*operation).to_owned(), body.clone());
    }

    fn record<T>(&self, run: impl FnOnce() -> T) -> (T, Vec<(String, serde_json::Value)>) {
        self.sent.lock().expect("sent").clear();
        self.recording
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let result = run();
        self.recording
            .store(false, std::sync::atomic::Ordering::SeqCst);
        (
            result,
            std::mem::take(&mut *self.sent.lock().expect("sent")),
        )
    }
}

impl HttpConnector for CannedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let operation = request
            .headers()
            .get("x-amz-target")
            .and_then(|target| target.rsplit('.').next())
            .unwrap_or_default()
            .to_owned();
        if self.recording.load(std::sync::atomic::Ordering::SeqCst) {
            let mut body = request
                .body()
                .bytes()
                .and_then(|bytes| serde_json::from_slice(bytes).ok())
                .unwrap_or(serde_json::Value::Null);
            // Each transaction has its own idempotency token: compared as present, not by value.
            if let Some(token) = body.get_mut("ClientRequestToken") {
                *token = serde_json::Value::String("<token>".into());
            }
            self.sent
                .lock()
                .expect("sent")
                .push((operation.clone(), body));
        }
        let body = self
            .answers
            .lock()
            .expect("answers")
            .get(&operation)
            .cloned()
            .unwrap_or_else(|| "{}".to_owned());
        let status = StatusCode::try_from(200).expect("status");
        HttpConnectorFuture::ready(Ok(HttpResponse::new(status, SdkBody::from(body))))
    }
}

fn canned_client(connector: &CannedConnector) -> Client {
    let connector = connector.clone();
    let config = structnosql::client_for_local_endpoint("http://canned.invalid")
        .config()
        .to_builder()
        .http_client(http_client_fn(move |_, _| {
            SharedHttpConnector::new(connector.clone())
        }))
        .build();
    Client::from_conf(config)
}

fn item_json(player: &Player) -> serde_json::Value {
    let item: HashMap<String, serde_dynamo::AttributeValue> = raw_item(player)
        .into_iter()
        .map(|(name, value)| (name, value.into()))
        .collect();
    serde_json::to_value(item).expect("item as JSON")
}

/// What DynamoDB would answer to each benchmarked operation for this benchmark's records: the
/// operation name (`x-amz-target`) and the body, by benchmark name.
fn canned_answers() -> HashMap<&'static str, (&'static str, String)> {
    let full = item_json(&player(1));
    let wins_only = serde_json::json!({"profile": {"M": {"stats": {"M": {"wins": {"N": "10"}}}}}});
    let mut ten = serde_json::Map::new();
    for name in [
        "name", "level", "score", "active", "city", "country", "email", "visits", "tags",
    ] {
        if let Some(value) = full.get(name) {
            ten.insert(name.to_owned(), value.clone());
        }
    }
    ten.insert("profile".into(), wins_only["profile"].clone());
    let records: Vec<serde_json::Value> =
        (0..PAGE).map(|index| item_json(&player(index))).collect();
    let page: Vec<serde_json::Value> = (0..PAGE)
        .map(|index| {
            let item = item_json(&player(index));
            serde_json::json!({"id": item["id"], "name": item["name"]})
        })
        .collect();
    HashMap::from([
        (
            "batch get of 100 records",
            (
                "BatchGetItem",
                serde_json::json!({ "Responses": { "players": records }, "UnprocessedKeys": {} })
                    .to_string(),
            ),
        ),
        (
            "transaction of 10 updates",
            ("TransactWriteItems", "{}".to_owned()),
        ),
        ("put", ("PutItem", "{}".to_owned())),
        (
            "get one nested field",
            (
                "GetItem",
                serde_json::json!({ "Item": wins_only }).to_string(),
            ),
        ),
        (
            "get 10 fields",
            ("GetItem", serde_json::json!({ "Item": ten }).to_string()),
        ),
        (
            "cold cache read of one field",
            ("GetItem", serde_json::json!({ "Item": full }).to_string()),
        ),
        ("update one nested field", ("UpdateItem", "{}".to_owned())),
        ("update 10 fields", ("UpdateItem", "{}".to_owned())),
        (
            "remove 10 fields",
            (
                "UpdateItem",
                serde_json::json!({ "Attributes": ten }).to_string(),
            ),
        ),
        (
            "remove one nested field",
            (
                "UpdateItem",
                serde_json::json!({ "Attributes": wins_only }).to_string(),
            ),
        ),
        (
            "query a page of 100",
            (
                "Query",
                serde_json::json!({"Items": page, "Count": PAGE, "ScannedCount": PAGE}).to_string(),
            ),
        ),
    ])
}

// ---- The benchmarks ------------------------------------------------------------------------

/// Runs `future` to completion on `runtime`.
fn block<T>(runtime: &tokio::runtime::Runtime, future: impl Future<Output = T>) -> T {
    runtime.block_on(future)
}

struct Sides {
    /// Called before each operation's pair is measured (sets the canned answer).
    prepare: Box<dyn Fn(&str)>,
    runtime: tokio::runtime::Runtime,
    client: Client,
    table: Tables,
    name: String,
}

/// The structnosql side's tables, on one DynamoDB table; most operations use the basic one.
struct Tables {
    basic: BasicTable<Player>,
    caching: CachingTable<Player>,
}

impl std::ops::Deref for Tables {
    type Target = BasicTable<Player>;

    fn deref(&self) -> &BasicTable<Player> {
        &self.basic
    }
}

async fn lib_table(client: Client, name: &str, create: bool) -> Tables {
    let basic = BasicTable::<Player>::builder()
        .table_name(name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("id"))
        .global_secondary_index(GlobalSecondaryIndex::hash("group"))
        .auto_create_table(create)
        .build()
        .await
        .expect("table");
    let caching = CachingTable::<Player>::builder()
        .table_name(name)
        .client(client)
        .primary_index(PrimaryIndex::hash("id"))
        .global_secondary_index(GlobalSecondaryIndex::hash("group"))
        .build()
        .await
        .expect("table");
    Tables { basic, caching }
}

/// Every operation measured: its name, the structnosql call (on table `t`) and the hand-written
/// one (on client `c` and table name `n`), each a future of values both sides must agree on. Calls
/// `$apply!($context; <operation>)` once per operation.
macro_rules! for_each_operation {
    ($apply:ident!($($context:expr),*)) => {
        $apply!($($context),*; "put",
            lib: |t| async { t.put_record(&player(1)).await.expect("put") },
            raw: |c, n| async { raw_put(c, n, &player(1)).await });
        $apply!($($context),*; "get one nested field",
            lib: |t| async { t.get_field("p1", wins()).await.expect("get") },
            raw: |c, n| raw_get_one(c, n));
        $apply!($($context),*; "cold cache read of one field",
            lib: |t| lib_cold_read(&t.caching),
            raw: |c, n| raw_cold_read(c, n));
        $apply!($($context),*; "get 10 fields",
            lib: |t| lib_get_ten(t),
            raw: |c, n| raw_get_ten(c, n));
        $apply!($($context),*; "update one nested field",
            lib: |t| async { t.update_field("p1", wins(), 11).await.expect("update") },
            raw: |c, n| raw_update_one(c, n));
        $apply!($($context),*; "update 10 fields",
            lib: |t| async { t.update_multiple_fields("p1", &ten_setters()).await.expect("update") },
            raw: |c, n| raw_update_ten(c, n));
        $apply!($($context),*; "remove one nested field",
            lib: |t| async { t.remove_field(EMPTIED, wins()).await.expect("remove") },
            raw: |c, n| raw_remove(c, n));
        $apply!($($context),*; "remove 10 fields",
            lib: |t| lib_remove_ten(t),
            raw: |c, n| raw_remove_ten(c, n));
        $apply!($($context),*; "query a page of 100",
            lib: |t| lib_query(t),
            raw: |c, n| raw_query(c, n));
        $apply!($($context),*; "batch get of 100 records",
            lib: |t| lib_batch_get(t),
            raw: |c, n| raw_batch_get(c, n));
        $apply!($($context),*; "transaction of 10 updates",
            lib: |t| lib_transaction(t),
            raw: |c, n| raw_transaction(c, n));
    };
}

/// Measures one operation both ways in a benchmark group named `<mode>/<operation>`.
macro_rules! measure {
    ($c:expr, $mode:expr, $sides:expr; $op:literal,
     lib: |$t:ident| $lib:expr,
     raw: |$client:ident, $name:ident| $raw:expr) => {{
        let sides: &Sides = $sides;
        (sides.prepare)($op);
        let mut group = $c.benchmark_group(format!("{}/{}", $mode, $op));
        group.bench_function("structnosql", |b| {
            b.to_async(&sides.runtime).iter(|| async {
                let $t = &sides.table;
                $lib.await
            })
        });
        group.bench_function("raw", |b| {
            b.to_async(&sides.runtime).iter(|| async {
                let ($client, $name) = (&sides.client, sides.name.as_str());
                $raw.await
            })
        });
        group.finish();
    }};
}

/// Both sides of every operation, in one benchmark group each.
fn operations(c: &mut Criterion, mode: &str, sides: &Sides) {
    for_each_operation!(measure!(c, mode, sides));
}

fn no_network(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let connector = CannedConnector::new();
    let client = canned_client(&connector);
    let name = "players".to_owned();
    let table = block(&runtime, lib_table(client.clone(), &name, false));
    let answers = connector.clone();
    let sides = Sides {
        prepare: Box::new(move |op| answers.prepare(op)),
        runtime,
        client,
        table,
        name,
    };
    check_same_requests(&sides, &connector);
    if let Ok(op) = std::env::var(LOOP_VARIABLE) {
        repeat_for_profiler(&sides, &op);
        std::process::exit(0);
    }
    operations(c, "no network", &sides);
}

/// With `$wanted` naming this operation, runs its calls one side after the other.
macro_rules! repeat {
    ($sides:expr, $wanted:expr; $op:literal,
     lib: |$t:ident| $lib:expr,
     raw: |$client:ident, $name:ident| $raw:expr) => {{
        let sides: &Sides = $sides;
        if $wanted == $op {
            (sides.prepare)($op);
            let calls = profiled_calls();
            let ($t, $client, $name) = (&sides.table, &sides.client, sides.name.as_str());
            profiled_structnosql(|| {
                block(&sides.runtime, async {
                    for _ in 0..calls {
                        $lib.await;
                    }
                })
            });
            profiled_raw(|| {
                block(&sides.runtime, async {
                    for _ in 0..calls {
                        $raw.await;
                    }
                })
            });
            return;
        }
    }};
}

/// Sends one operation both ways with no network and checks that they send the same requests and
/// read the same values.
macro_rules! check {
    ($sides:expr, $connector:expr; $op:literal,
     lib: |$t:ident| $lib:expr,
     raw: |$client:ident, $name:ident| $raw:expr) => {{
        let (sides, connector): (&Sides, &CannedConnector) = ($sides, $connector);
        connector.prepare($op);
        let (lib_value, lib) = connector.record(|| {
            block(&sides.runtime, async {
                let $t = &sides.table;
                $lib.await
            })
        });
        let (raw_value, raw) = connector.record(|| {
            block(&sides.runtime, async {
                let ($client, $name) = (&sides.client, sides.name.as_str());
                $raw.await
            })
        });
        assert_eq!(
            lib_value, raw_value,
            "{}: both sides must read the same values",
            $op
        );
        assert_eq!(
            lib, raw,
            "{}: structnosql and the hand-written calls must send the same requests",
            $op
        );
    }};
}

/// `STRUCTNOSQL_OVERHEAD_LOOP=<operation>` runs the calls of that operation with no network, first
/// structnosql's inside `profiled_structnosql`, then the hand-written ones inside `profiled_raw`, and
/// exits: a fixed workload for `valgrind --tool=callgrind`, whose instruction counts do not depend on
/// what else the machine is doing. The inclusive cost of each of the two functions is one side's
/// (`scripts/overhead-instructions` runs it for every operation). `STRUCTNOSQL_OVERHEAD_CALLS` sets
/// the number of calls (default 1,000); `STRUCTNOSQL_OVERHEAD_LOOP=list` prints the operations' names.
const LOOP_VARIABLE: &str = "STRUCTNOSQL_OVERHEAD_LOOP";

/// The number of calls each side makes in the profiler's loop.
fn profiled_calls() -> usize {
    std::env::var("STRUCTNOSQL_OVERHEAD_CALLS")
        .ok()
        .and_then(|calls| calls.parse().ok())
        .unwrap_or(1000)
}

/// Runs structnosql's side of the profiler's loop; never inlined, so that callgrind names it.
#[inline(never)]
fn profiled_structnosql(work: impl FnOnce()) {
    work()
}

/// Runs the hand-written side of the profiler's loop; never inlined, so that callgrind names it.
#[inline(never)]
fn profiled_raw(work: impl FnOnce()) {
    work()
}

/// Prints an operation's name on a line.
macro_rules! print_name {
    (; $op:literal, lib: |$t:ident| $lib:expr, raw: |$client:ident, $name:ident| $raw:expr) => {
        println!("{}", $op)
    };
}

fn repeat_for_profiler(sides: &Sides, op: &str) {
    if op == "list" {
        for_each_operation!(print_name!());
        return;
    }
    for_each_operation!(repeat!(sides, op));
    panic!("no operation named {op:?}");
}

fn embedded(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = support::client();
    let name = support::unique_table_name("players");
    let table = block(&runtime, async {
        let table = lib_table(client.clone(), &name, true).await;
        for index in 0..PAGE {
            table.put_record(&player(index)).await.expect("put");
        }
        let emptied = Player {
            id: EMPTIED.into(),
            group: "emptied".into(),
            ..player(0)
        };
        table.put_record(&emptied).await.expect("put");
        table
    });
    let sides = Sides {
        prepare: Box::new(|_| {}),
        runtime,
        client,
        table,
        name,
    };
    operations(c, "embedded server", &sides);
}

/// Checks that each operation sends the same requests both ways and that both read the same values,
/// so the comparison is between equals.
fn check_same_requests(sides: &Sides, connector: &CannedConnector) {
    for_each_operation!(check!(sides, connector));
    // Equal values prove little if the canned page were empty.
    connector.prepare("query a page of 100");
    let page = block(&sides.runtime, raw_query(&sides.client, &sides.name));
    assert_eq!(page.len(), PAGE);
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .configure_from_args()
}

criterion_group! {
    name = overhead;
    config = config();
    targets = no_network, embedded
}
criterion_main!(overhead);
