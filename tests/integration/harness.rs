//! What every integration test needs: a DynamoDB-compatible server and a table name of its own.
//!
//! By default the tests share one embedded server per test binary (it runs on its own thread, so it
//! outlives each test's runtime). With `STRUCTNOSQL_TEST_ENDPOINT=http://host:port` they run against that
//! server instead (DynamoDB Local in CI), with no code change. Every test gets fresh table names, so
//! tests run in parallel safely on either.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use structnosql::aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use structnosql::aws_sdk_dynamodb::Client;
use structnosql::{client_for_local_endpoint, EmbeddedDynamoDb};

/// The environment variable that points the tests at an external server.
pub const ENDPOINT_VARIABLE: &str = "STRUCTNOSQL_TEST_ENDPOINT";

/// The endpoint the tests talk to: the external one if configured, else the shared embedded server.
pub fn endpoint_url() -> String {
    match std::env::var(ENDPOINT_VARIABLE) {
        Ok(url) if !url.is_empty() => url,
        _ => {
            static SERVER: OnceLock<EmbeddedDynamoDb> = OnceLock::new();
            SERVER
                .get_or_init(|| EmbeddedDynamoDb::start().expect("start the embedded DynamoDB"))
                .endpoint_url()
                .to_owned()
        }
    }
}

/// Whether the suite runs through external tables (`STRUCTNOSQL_INTERNALS_THROUGH_API=1`: every
/// table is served by an in-process executor and goes through it). A test of something only a direct
/// table has calls this, saying what, and ends when it answers `true`.
pub fn through_api(direct_only: &str) -> bool {
    let through = routed_through_api();
    if through {
        eprintln!("direct tables only: {direct_only}");
    }
    through
}

/// Whether tables go through an in-process executor in this run (see [`through_api`]).
pub fn routed_through_api() -> bool {
    std::env::var("STRUCTNOSQL_INTERNALS_THROUGH_API").is_ok_and(|value| value == "1")
}

/// A client for the test server. One per test: SDK connections belong to the runtime that opened them.
pub fn client() -> Client {
    client_for_local_endpoint(&endpoint_url())
}

/// A table name no other test (in this or another process) uses.
pub fn unique_table_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates an on-demand table with a string hash key and waits until it is ACTIVE.
pub async fn create_hash_table(client: &Client, table_name: &str, hash_key: &str) {
    client
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(hash_key)
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(hash_key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition"),
        )
        .send()
        .await
        .expect("create table");
    structnosql::table::wait_until_active(client, table_name, std::time::Duration::from_secs(30))
        .await
        .expect("table becomes ACTIVE");
}

/// Counts the requests a client sends (every attempt, retries included).
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(std::sync::Arc<AtomicU64>);

impl RequestCounter {
    /// The requests sent so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// The requests sent since the last call.
    #[allow(dead_code)]
    pub fn take(&self) -> u64 {
        self.0.swap(0, Ordering::SeqCst)
    }
}

impl structnosql::aws_sdk_dynamodb::config::Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &structnosql::aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &structnosql::aws_sdk_dynamodb::config::RuntimeComponents,
        _config: &mut structnosql::aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A client for the test server and the counter of the requests it sends.
#[allow(dead_code)]
pub fn counted_client() -> (Client, RequestCounter) {
    counting(client())
}

/// `client`, counting the requests it sends.
pub fn counting(client: Client) -> (Client, RequestCounter) {
    let counter = RequestCounter::default();
    let config = client
        .config()
        .to_builder()
        .interceptor(counter.clone())
        .build();
    (Client::from_conf(config), counter)
}

/// Records the expressions of every request a client sends, to check that no input text appears in
/// them outside placeholders.
#[derive(Debug, Clone, Default)]
pub struct ExpressionRecorder(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl ExpressionRecorder {
    /// Every expression sent so far (Update, Condition, Projection, KeyCondition, Filter).
    #[allow(dead_code)]
    pub fn expressions(&self) -> Vec<String> {
        self.0.lock().map(|list| list.clone()).unwrap_or_default()
    }
}

impl structnosql::aws_sdk_dynamodb::config::Intercept for ExpressionRecorder {
    fn name(&self) -> &'static str {
        "ExpressionRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &structnosql::aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &structnosql::aws_sdk_dynamodb::config::RuntimeComponents,
        _config: &mut structnosql::aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        let Some(body) = context.request().body().bytes() else {
            return Ok(());
        };
        let json: serde_json::Value = serde_json::from_slice(body)?;
        let mut found = Vec::new();
        collect_expressions(&json, &mut found);
        self.0.lock().map_err(|_| "poisoned")?.extend(found);
        Ok(())
    }
}

fn collect_expressions(json: &serde_json::Value, found: &mut Vec<String>) {
    match json {
        serde_json::Value::Object(entries) => {
            for (name, value) in entries {
                match value {
                    serde_json::Value::String(text) if name.ends_with("Expression") => {
                        found.push(text.clone())
                    }
                    other => collect_expressions(other, found),
                }
            }
        }
        serde_json::Value::Array(items) => items
            .iter()
            .for_each(|item| collect_expressions(item, found)),
        _ => {}
    }
}

/// A client for the test server that records the expressions it sends, and the recorder.
#[allow(dead_code)]
pub fn recording_client() -> (Client, ExpressionRecorder, RequestCounter) {
    let recorder = ExpressionRecorder::default();
    let counter = RequestCounter::default();
    let config = client()
        .config()
        .to_builder()
        .interceptor(recorder.clone())
        .interceptor(counter.clone())
        .build();
    (Client::from_conf(config), recorder, counter)
}

/// A `BasicTable` (which creates the table, hash key `hash_key`) and a `CachingTable` on one new
/// table, both using `client`; returns them and the table's name.
#[allow(dead_code)]
pub async fn basic_and_caching<M: structnosql::TableDataModel>(
    client: &Client,
    prefix: &str,
    hash_key: &str,
) -> (
    structnosql::table::BasicTable<M>,
    structnosql::table::CachingTable<M>,
    String,
) {
    basic_and_caching_keyed(client, prefix, hash_key).await
}

/// [`basic_and_caching`] with keys of type `K`.
#[allow(dead_code)]
pub async fn basic_and_caching_keyed<
    M: structnosql::TableDataModel,
    K: structnosql::table::RecordKey,
>(
    client: &Client,
    prefix: &str,
    hash_key: &str,
) -> (
    structnosql::table::BasicTable<M, K>,
    structnosql::table::CachingTable<M, K>,
    String,
) {
    use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};
    let name = unique_table_name(prefix);
    let basic = BasicTable::<M, K>::builder()
        .table_name(&name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash(hash_key))
        .auto_create_table(true)
        .build()
        .await
        .expect("basic table");
    let caching = CachingTable::<M, K>::builder()
        .table_name(&name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash(hash_key))
        .build()
        .await
        .expect("caching table");
    (basic, caching, name)
}

/// The item of `table_name` whose hash key `hash_key` is the string `id`, as DynamoDB stores it
/// (empty when there is none).
#[allow(dead_code)]
pub async fn stored_item(
    table_name: &str,
    hash_key: &str,
    id: &str,
) -> std::collections::HashMap<String, structnosql::aws_sdk_dynamodb::types::AttributeValue> {
    stored_item_by(
        table_name,
        hash_key,
        structnosql::aws_sdk_dynamodb::types::AttributeValue::S(id.into()),
    )
    .await
}

/// The item of `table_name` whose hash key `hash_key` is `key`, as DynamoDB stores it (empty when
/// there is none).
#[allow(dead_code)]
pub async fn stored_item_by(
    table_name: &str,
    hash_key: &str,
    key: structnosql::aws_sdk_dynamodb::types::AttributeValue,
) -> std::collections::HashMap<String, structnosql::aws_sdk_dynamodb::types::AttributeValue> {
    stored_item_at(table_name, [(hash_key, key)]).await
}

/// The item of `table_name` whose key attributes hold `key`, as DynamoDB stores it (empty when
/// there is none).
#[allow(dead_code)]
pub async fn stored_item_at<'a>(
    table_name: &str,
    key: impl IntoIterator<
        Item = (
            &'a str,
            structnosql::aws_sdk_dynamodb::types::AttributeValue,
        ),
    >,
) -> std::collections::HashMap<String, structnosql::aws_sdk_dynamodb::types::AttributeValue> {
    let key = key
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    client()
        .get_item()
        .table_name(table_name)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item
        .unwrap_or_default()
}

/// Runs `future` to its end on a runtime of its own, on a thread whose stack holds it (large, in
/// debug builds); a panic in it is this call's.
#[allow(dead_code)]
pub fn block_on_large_stack(future: impl std::future::Future<Output = ()> + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(Box::pin(future));
        })
        .unwrap()
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

/// Asserts that `error` is `InvalidStoredData` with exactly one violation, at `path`, whose message
/// contains `message`.
#[allow(dead_code)]
pub fn assert_one_stored_violation(error: &structnosql::Error, path: &str, message: &str) {
    let structnosql::Error::InvalidStoredData { violations } = error else {
        panic!("expected invalid stored data at {path}, got {error}");
    };
    assert_eq!(violations.len(), 1, "{error}");
    assert_eq!(violations[0].path.to_string(), path, "{error}");
    assert!(violations[0].message.contains(message), "{error}");
}
