//! Injected faults: the N-th request fails, either before it reaches DynamoDB or after DynamoDB applied
//! it (the answer is lost). For every N, the caller gets an error, nothing pending is lost, and a retry
//! reaches exactly the fault-free final state. Every write structnosql sends is idempotent (SET and
//! REMOVE of absolute values; no ADD or list_append), so applying a write again after a lost answer
//! is safe; parent creation is conditioned on the parent being absent, so it is never applied twice.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::json;
use structnosql::aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeDeserializationInterceptorContextRef,
    BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use structnosql::aws_sdk_dynamodb::config::retry::RetryConfig;
use structnosql::aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::aws_sdk_dynamodb::Client;
use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};

use crate::caching_table::Player;
use crate::harness;

/// Where the injected fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The request never reaches DynamoDB (connection refused or reset before sending).
    BeforeSending,
    /// DynamoDB applies the request, and its answer is lost (reset or time-out while waiting).
    AnswerLost,
    /// DynamoDB applies the request, and the answer is replaced by an HTTP 500.
    ServerError,
    /// DynamoDB applies the request, and the answer is replaced by a throttling error.
    Throttled,
}

const EVERY_FAULT: [Fault; 4] = [
    Fault::BeforeSending,
    Fault::AnswerLost,
    Fault::ServerError,
    Fault::Throttled,
];

/// Fails the N-th request of a client (requests counted from 1; 0: no fault).
#[derive(Debug, Clone)]
struct FaultInjector {
    sent: Arc<AtomicU64>,
    fail_at: Arc<AtomicU64>,
    fault: Fault,
}

impl FaultInjector {
    fn new(fault: Fault) -> Self {
        Self {
            sent: Arc::default(),
            fail_at: Arc::default(),
            fault,
        }
    }

    /// Fails the `n`-th request from now on (0: none).
    fn arm(&self, n: u64) {
        self.sent.store(0, Ordering::SeqCst);
        self.fail_at.store(n, Ordering::SeqCst);
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    fn strikes_now(&self) -> bool {
        let fail_at = self.fail_at.load(Ordering::SeqCst);
        fail_at != 0 && self.sent() == fail_at
    }
}

impl Intercept for FaultInjector {
    fn name(&self) -> &'static str {
        "FaultInjector"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        if self.fault == Fault::BeforeSending && self.strikes_now() {
            return Err("injected fault: connection reset before sending".into());
        }
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        let (status, body) = match self.fault {
            Fault::ServerError => (
                500,
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected fault"}"#,
            ),
            Fault::Throttled => (
                400,
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"injected fault: rate exceeded"}"#,
            ),
            Fault::BeforeSending | Fault::AnswerLost => return Ok(()),
        };
        if self.strikes_now() {
            let response = context.response_mut();
            *response.status_mut() = aws_smithy_runtime_api::http::StatusCode::try_from(status)?;
            *response.body_mut() = aws_smithy_types::body::SdkBody::from(body);
        }
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        if self.fault == Fault::AnswerLost && self.strikes_now() {
            return Err(
                "injected fault: connection reset after DynamoDB applied the request".into(),
            );
        }
        Ok(())
    }
}

/// Gives every attempt of a TransactWriteItems its own ClientRequestToken, so that DynamoDB does
/// not recognise a retry (as after the token's 10 minutes) and evaluates its conditions again.
#[derive(Debug, Clone, Default)]
struct FreshTokenPerAttempt(Arc<AtomicU64>);

impl Intercept for FreshTokenPerAttempt {
    fn name(&self) -> &'static str {
        "FreshTokenPerAttempt"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        const FIELD: &str = "\"ClientRequestToken\":\"";
        let request = context.request_mut();
        let Some(body) = request.body().bytes() else {
            return Ok(());
        };
        let mut text = String::from_utf8(body.to_vec())?;
        if let Some(at) = text.find(FIELD) {
            let attempt = self.0.fetch_add(1, Ordering::SeqCst);
            text.insert_str(at + FIELD.len(), &format!("attempt{attempt}-"));
            let length = text.len();
            *request.body_mut() = aws_smithy_types::body::SdkBody::from(text);
            request
                .headers_mut()
                .insert("content-length", length.to_string());
        }
        Ok(())
    }
}

fn faulty_client(fault: Fault) -> (Client, FaultInjector) {
    let injector = FaultInjector::new(fault);
    let config = harness::client()
        .config()
        .to_builder()
        .interceptor(injector.clone())
        .build();
    (Client::from_conf(config), injector)
}

async fn setup(fault: Fault) -> (CachingTable<Player>, BasicTable<Player>, FaultInjector) {
    let (client, injector) = faulty_client(fault);
    let name = harness::unique_table_name("faults");
    let table = CachingTable::<Player>::builder()
        .table_name(&name)
        .client(client)
        .primary_index(PrimaryIndex::hash("playerId"))
        .auto_create_table(true)
        // One record at a time, so that "the N-th request" is well defined, and no SDK retry, so
        // that the fault reaches the table.
        .commit_concurrency(1)
        .retry_config(RetryConfig::standard().with_max_attempts(1))
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
    let existing = crate::caching_table::player("existing");
    db.put_record(&existing).await.unwrap();
    (table, db, injector)
}

/// Queues writes on three records: parents missing and unknown (two requests), an absent record, and
/// removes.
async fn queue_writes(table: &CachingTable<Player>) {
    let f = Player::fields();
    table.update_field("existing", f.score(), 42).await.unwrap();
    table
        .update_field("existing", f.data().key("a").key("b"), json!([1, 2]))
        .await
        .unwrap();
    table.delete_field("existing", f.team()).await.unwrap();
    table
        .update_field("absent", f.username(), "new")
        .await
        .unwrap();
    table
        .update_field("absent", f.data().key("x"), json!({"y": true}))
        .await
        .unwrap();
    table.update_field("third", f.score(), 7).await.unwrap();
}

async fn final_state(db: &BasicTable<Player>) -> Vec<Option<Player>> {
    let mut state = Vec::new();
    for key in ["existing", "absent", "third"] {
        state.push(db.get_record(key).await.unwrap());
    }
    state
}

#[tokio::test]
async fn a_fault_at_any_request_of_a_commit_loses_nothing_and_a_retry_converges() {
    if harness::through_api("injects faults under the table's own SDK client (a request lost between client and API is tested in external_tables)") {
        return;
    }
    // The fault-free run: its final state and how many requests the commit takes.
    let (table, db, injector) = setup(Fault::BeforeSending).await;
    queue_writes(&table).await;
    injector.arm(0);
    assert!(table.commit_operations().await.is_success());
    let requests = injector.sent();
    let expected = final_state(&db).await;
    assert!(requests >= 3, "{requests} requests");

    for fault in EVERY_FAULT {
        for n in 1..=requests {
            let (table, db, injector) = setup(fault).await;
            queue_writes(&table).await;
            injector.arm(n);
            let report = table.commit_operations().await;
            assert_eq!(
                report.failed.len(),
                1,
                "{fault:?} at request {n}: {report:?}"
            );
            let message = format!("{:?}", report.failed[0].1);
            assert!(
                message.contains("injected fault"),
                "{fault:?} at {n}: {message}"
            );
            assert!(
                table.has_pending_operations(),
                "{fault:?} at {n}: the failed writes stay"
            );
            injector.arm(0);
            let retry = table.commit_operations().await;
            assert!(retry.is_success(), "{fault:?} at {n}: retry {retry:?}");
            assert!(!table.has_pending_operations());
            assert_eq!(final_state(&db).await, expected, "{fault:?} at request {n}");
        }
    }
}

#[tokio::test]
async fn a_fault_during_parent_creation_is_reported_and_a_retry_converges() {
    let f = Player::fields();
    for fault in EVERY_FAULT {
        for n in 1..=2 {
            let (client, injector) = faulty_client(fault);
            let table = BasicTable::<Player>::builder()
                .table_name(harness::unique_table_name("faults-basic"))
                .client(client)
                .retry_config(RetryConfig::standard().with_max_attempts(1))
                .primary_index(PrimaryIndex::hash("playerId"))
                .auto_create_table(true)
                .build()
                .await
                .unwrap();
            let path = f.data().key("a").key("b").key("c");
            injector.arm(n);
            let first = table.update_field("p", path.clone(), json!(1)).await;
            assert!(first.is_err(), "{fault:?} at {n}");
            injector.arm(0);
            table
                .update_field("p", path.clone(), json!(1))
                .await
                .unwrap();
            assert_eq!(
                table.get_field("p", f.data()).await.unwrap(),
                Some(json!({"a": {"b": {"c": 1}}})),
                "{fault:?} at {n}"
            );
        }
    }
}

#[tokio::test]
async fn retry_and_timeout_settings_are_set_through_the_builder() {
    if harness::through_api("inspects the table's own SDK client") {
        return;
    }
    use std::time::Duration;
    use structnosql::aws_sdk_dynamodb::config::retry::RetryConfig;
    use structnosql::aws_sdk_dynamodb::config::timeout::TimeoutConfig;
    let table = BasicTable::<Player>::builder()
        .table_name(harness::unique_table_name("settings"))
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .retry_config(RetryConfig::standard().with_max_attempts(5))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(7))
                .build(),
        )
        .build()
        .await
        .unwrap();
    let config = table.client().expect("a DynamoDB table").config();
    assert_eq!(config.retry_config().map(|r| r.max_attempts()), Some(5));
    assert_eq!(
        config.timeout_config().and_then(|t| t.operation_timeout()),
        Some(Duration::from_secs(7))
    );
}

#[tokio::test]
async fn the_sdk_retries_a_passing_server_error_or_throttle() {
    for fault in [Fault::ServerError, Fault::Throttled] {
        let (client, injector) = faulty_client(fault);
        let table = BasicTable::<Player>::builder()
            .table_name(harness::unique_table_name("faults-retry"))
            .client(client)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(std::time::Duration::from_millis(1)),
            )
            .primary_index(PrimaryIndex::hash("playerId"))
            .auto_create_table(true)
            .build()
            .await
            .unwrap();
        injector.arm(1);
        table
            .update_field("p", Player::fields().score(), 3)
            .await
            .unwrap();
        assert_eq!(
            injector.sent(),
            2,
            "{fault:?}: one failed attempt, one retry"
        );
        assert_eq!(
            table
                .get_field("p", Player::fields().score())
                .await
                .unwrap(),
            Some(3)
        );
    }
}

// ---- A write applied before its answer was lost is reported as applied -----------------------
//
// The SDK retries an HTTP 500 (retries on, as by default). When DynamoDB had applied the first
// attempt, a conditioned retry (a version check, "absent", the caller's condition) fails against
// the write's own result; the write must still be reported as applied.

#[derive(structnosql::TableDataModel, Debug, Clone, PartialEq)]
pub struct Note {
    id: String,
    title: Option<String>,
    body: Option<String>,
    #[structnosql(version)]
    version: Option<i64>,
}

fn note(id: &str, title: &str, version: Option<i64>) -> Note {
    Note {
        id: id.into(),
        title: Some(title.into()),
        body: None,
        version,
    }
}

/// Retries on (the standard policy), with a short back-off so that the tests stay fast.
fn retrying() -> RetryConfig {
    RetryConfig::standard().with_initial_backoff(std::time::Duration::from_millis(1))
}

/// A basic table and a caching table of notes on one new table, both through a client whose
/// answers the injector replaces by HTTP 500; returns them, the injector and the table's name.
async fn notes() -> (BasicTable<Note>, CachingTable<Note>, FaultInjector, String) {
    let (client, injector) = faulty_client(Fault::ServerError);
    let (basic, caching, name) = notes_through(client).await;
    (basic, caching, injector, name)
}

/// A basic table and a caching table of notes on one new table, both through `client`.
async fn notes_through(client: Client) -> (BasicTable<Note>, CachingTable<Note>, String) {
    let name = harness::unique_table_name("faults-notes");
    let basic = BasicTable::<Note>::builder()
        .table_name(&name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("id"))
        .retry_config(retrying())
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let caching = CachingTable::<Note>::builder()
        .table_name(&name)
        .client(client)
        .primary_index(PrimaryIndex::hash("id"))
        .retry_config(retrying())
        .build()
        .await
        .unwrap();
    (basic, caching, name)
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn stored(entries: &[(&str, AttributeValue)]) -> HashMap<String, AttributeValue> {
    entries
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect()
}

#[tokio::test]
async fn a_versioned_put_whose_answer_was_lost_after_it_was_applied_succeeds() {
    let (basic, caching, injector, name) = notes().await;
    // A new record (no version: expected absent).
    injector.arm(1);
    let result = basic.put_record(&note("n1", "first", None)).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        injector.sent(),
        2,
        "the answer was replaced, and the SDK retried"
    );
    assert_eq!(
        harness::stored_item(&name, "id", "n1").await,
        stored(&[("id", s("n1")), ("title", s("first")), ("version", n(1))])
    );
    // An existing record (version 1 expected, 2 written).
    injector.arm(1);
    let result = basic.put_record(&note("n1", "second", Some(1))).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(injector.sent(), 2);
    assert_eq!(
        harness::stored_item(&name, "id", "n1").await,
        stored(&[("id", s("n1")), ("title", s("second")), ("version", n(2))])
    );
    // Through a caching table, which keeps what it wrote, the next version included.
    injector.arm(1);
    let result = caching.put_record(&note("n1", "third", Some(2))).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(injector.sent(), 2);
    assert_eq!(
        caching.get_record("n1").await.unwrap(),
        Some(note("n1", "third", Some(3)))
    );
    assert_eq!(
        harness::stored_item(&name, "id", "n1").await,
        stored(&[("id", s("n1")), ("title", s("third")), ("version", n(3))])
    );
    // A real conflict is still one.
    injector.arm(0);
    let error = basic
        .put_record(&note("n1", "stale", Some(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(error, structnosql::Error::VersionConflict { .. }),
        "{error}"
    );
}

/// A basic table of players on a new table (its name starts with `prefix`), through a client whose
/// answers the injector replaces by HTTP 500, with the SDK's retries on; returns it, the injector and
/// the table's name.
async fn retrying_players(prefix: &str) -> (BasicTable<Player>, FaultInjector, String) {
    let (client, injector) = faulty_client(Fault::ServerError);
    let name = harness::unique_table_name(prefix);
    let table = BasicTable::<Player>::builder()
        .table_name(&name)
        .client(client)
        .primary_index(PrimaryIndex::hash("playerId"))
        .retry_config(retrying())
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    (table, injector, name)
}

#[tokio::test]
async fn a_conditional_put_whose_answer_was_lost_after_it_was_applied_succeeds() {
    let (table, injector, name) = retrying_players("faults-put-if").await;
    let record = crate::caching_table::player("p1");
    injector.arm(1);
    let written = table.put_record_if_absent(&record).await;
    assert!(matches!(written, Ok(true)), "{written:?}");
    assert_eq!(injector.sent(), 2);
    assert_eq!(table.get_record("p1").await.unwrap(), Some(record.clone()));
    // The same record again: it exists, nothing is written.
    injector.arm(0);
    assert!(!table.put_record_if_absent(&record).await.unwrap());

    // The caller's condition, which the write's own result no longer meets.
    let mut edited = record.clone();
    edited.score = Some(11);
    let condition = structnosql::expr::Condition::eq(Player::fields().score(), 10);
    injector.arm(1);
    let result = table.put_record_if(&edited, &condition).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(injector.sent(), 2);
    assert_eq!(table.get_record("p1").await.unwrap(), Some(edited.clone()));
    let stored_item = harness::stored_item(&name, "playerId", "p1").await;
    assert_eq!(stored_item.get("score"), Some(&n(11)));
    // A condition that really fails still does.
    injector.arm(0);
    let error = table.put_record_if(&record, &condition).await.unwrap_err();
    assert!(
        matches!(error, structnosql::Error::ConditionFailed { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_conditional_field_update_whose_answer_was_lost_after_it_was_applied_succeeds() {
    let (table, injector, name) = retrying_players("faults-update-if").await;
    table
        .put_record(&crate::caching_table::player("p1"))
        .await
        .unwrap();
    let f = Player::fields();
    // The retry finds the score already 11, so the condition no longer holds: the write's own.
    let condition = structnosql::expr::Condition::eq(f.score(), 10);
    injector.arm(1);
    let result = table.update_field_if("p1", f.score(), 11, &condition).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(injector.sent(), 2);
    let stored_item = harness::stored_item(&name, "playerId", "p1").await;
    assert_eq!(stored_item.get("score"), Some(&n(11)));
    // A condition that really fails still does.
    injector.arm(0);
    let error = table
        .update_field_if("p1", f.score(), 12, &condition)
        .await
        .unwrap_err();
    assert!(
        matches!(error, structnosql::Error::ConditionFailed { .. }),
        "{error}"
    );
    assert_eq!(table.get_field("p1", f.score()).await.unwrap(), Some(11));
}

#[tokio::test]
async fn a_versioned_commit_whose_answer_was_lost_after_it_was_applied_succeeds() {
    let (basic, caching, injector, name) = notes().await;
    let f = Note::fields();
    basic.put_record(&note("n1", "first", None)).await.unwrap();
    // The cache reads the version (1): the commit checks it and writes 2.
    assert_eq!(caching.get_field("n1", f.version()).await.unwrap(), Some(1));
    caching
        .update_field("n1", f.title(), "second")
        .await
        .unwrap();
    caching.update_field("n1", f.body(), "text").await.unwrap();
    injector.arm(1);
    let report = caching.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(injector.sent(), 2);
    assert!(!caching.has_pending_operations());
    let expected = stored(&[
        ("id", s("n1")),
        ("title", s("second")),
        ("body", s("text")),
        ("version", n(2)),
    ]);
    assert_eq!(harness::stored_item(&name, "id", "n1").await, expected);
    assert_eq!(caching.get_field("n1", f.version()).await.unwrap(), Some(2));

    // A remove and a new record (version expected absent) in one commit.
    caching.delete_field("n1", f.body()).await.unwrap();
    caching.update_field("n2", f.title(), "new").await.unwrap();
    injector.arm(1);
    let report = caching.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(
        harness::stored_item(&name, "id", "n1").await,
        stored(&[("id", s("n1")), ("title", s("second")), ("version", n(3))])
    );
    let n2 = harness::stored_item(&name, "id", "n2").await;
    assert_eq!(n2.get("title"), Some(&s("new")));
    assert_eq!(n2.get("version"), Some(&n(1)));
}

#[tokio::test]
async fn an_atomic_versioned_commit_whose_answer_was_lost_after_it_was_applied_succeeds() {
    // DynamoDB recognises the retry by its ClientRequestToken.
    let (basic, caching, injector, name) = notes().await;
    atomic_commit_with_a_lost_answer(basic, caching, injector, name).await;
    // A retry it does not recognise fails every record's version check against the transaction's
    // own result, which shows that it was applied.
    let (client, injector) = faulty_client(Fault::ServerError);
    let client = Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(FreshTokenPerAttempt::default())
            .build(),
    );
    let (basic, caching, name) = notes_through(client).await;
    atomic_commit_with_a_lost_answer(basic, caching, injector, name).await;
}

async fn atomic_commit_with_a_lost_answer(
    basic: BasicTable<Note>,
    caching: CachingTable<Note>,
    injector: FaultInjector,
    name: String,
) {
    let f = Note::fields();
    basic.put_record(&note("n1", "first", None)).await.unwrap();
    basic.put_record(&note("n2", "first", None)).await.unwrap();
    assert_eq!(caching.get_field("n1", f.version()).await.unwrap(), Some(1));
    assert_eq!(caching.get_field("n2", f.version()).await.unwrap(), Some(1));
    caching
        .update_field("n1", f.title(), "second")
        .await
        .unwrap();
    caching.update_field("n2", f.body(), "text").await.unwrap();
    injector.arm(1);
    let committed = caching.commit_operations_atomically().await;
    assert!(committed.is_ok(), "{committed:?}");
    assert_eq!(committed.unwrap().len(), 2);
    assert_eq!(injector.sent(), 2);
    assert!(!caching.has_pending_operations());
    assert_eq!(
        harness::stored_item(&name, "id", "n1").await,
        stored(&[("id", s("n1")), ("title", s("second")), ("version", n(2))])
    );
    assert_eq!(
        harness::stored_item(&name, "id", "n2").await,
        stored(&[
            ("id", s("n2")),
            ("title", s("first")),
            ("body", s("text")),
            ("version", n(2))
        ])
    );
    assert_eq!(caching.get_field("n2", f.version()).await.unwrap(), Some(2));
}

/// A basic table's field write does not know the stored version: it increments it unchecked
/// (`if_not_exists(version, 0) + 1`), so a retry of an applied write increments it again. Knowing
/// it would take a read before every write.
#[tokio::test]
#[ignore = "known limitation: an unchecked version increment is applied again by an SDK retry"]
async fn a_field_update_of_a_versioned_record_whose_answer_was_lost_increments_once() {
    let (basic, _, injector, name) = notes().await;
    let f = Note::fields();
    basic.put_record(&note("n1", "first", None)).await.unwrap();
    injector.arm(1);
    let result = basic.update_field("n1", f.body(), "text").await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(injector.sent(), 2);
    assert_eq!(
        harness::stored_item(&name, "id", "n1").await,
        stored(&[
            ("id", s("n1")),
            ("title", s("first")),
            ("body", s("text")),
            ("version", n(2))
        ])
    );
    injector.arm(1);
    let result = basic
        .update_multiple_fields(
            "n1",
            &structnosql::table::Setters::new()
                .set(f.title(), "second")
                .set(f.body(), "more"),
        )
        .await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        harness::stored_item(&name, "id", "n1").await,
        stored(&[
            ("id", s("n1")),
            ("title", s("second")),
            ("body", s("more")),
            ("version", n(3))
        ])
    );
}
