//! Throughput and client CPU time per operation with 1, 16, 64 and 256 tasks at once, on a
//! multi-threaded tokio runtime with one worker thread per core:
//!
//! 1. `BasicTable` get_record and update_field of one nested field, and a `CachingTable`'s first
//!    get_field of a record (cold cache: one GetItem of the whole record), each against hand-written
//!    `aws-sdk-dynamodb` calls that send the same requests (checked request by request before
//!    measuring, and counted during every measurement); and a `CachingTable`'s cache-hit
//!    get_field (records read once beforehand), which sends nothing.
//! 2. Cache hits from many tasks at once: one `CachingTable` shared by every task (its cache is
//!    split into shards, each behind a lock of its own) against a table of each task's own (no
//!    lock shared), so that what sharing the table costs shows as the difference.
//!
//! The client's CPU time is this process's own (`CLOCK_PROCESS_CPUTIME_ID`): the embedded server
//! runs in a child process (this program again, started with `STRUCTNOSQL_BENCH_SERVE=1`, which
//! prints the server's endpoint and serves until its standard input closes). With
//! `STRUCTNOSQL_BENCH_ENDPOINT` set, that server is used instead. Each measurement is a fixed number
//! of operations spread evenly over the tasks, after a short warm-up, repeated 3 times (structnosql
//! and raw alternating); the median is kept. The ratios are structnosql's cost over raw's: time per
//! operation (raw ops/s ÷ structnosql ops/s) and CPU time per operation.
//!
//! With 16 tasks or more, the embedded server (one thread) is the bottleneck and shares the cores
//! with the client, so the client's CPU time per operation also depends on how many answers each
//! wake-up finds: on 2 cores, those rows vary from run to run by more than the difference between
//! the two sides. The cache hits need no server: the table per task shows what the cores allow, and
//! the shared table what its lock leaves of it.
//!
//! Run with `cargo bench --bench concurrency` (2 to 3 minutes on 2 cores); `scripts/bench` prints
//! the results (target/bench-results/concurrency.json) as Markdown. `-- --test` runs each
//! measurement once with a few operations and writes nothing. `STRUCTNOSQL_CONCURRENCY_ONLY=<part>`
//! runs only the operations whose name contains `<part>` (`get_record`, `update_field`, `cold`,
//! `hit`), for a profiler.

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::StreamExt;
use serde_json::{json, Value};
use structnosql::aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use structnosql::aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use structnosql::aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure,
};
use structnosql::aws_sdk_dynamodb::Client;
use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};
use structnosql::{client_for_local_endpoint, EmbeddedDynamoDb};
use support::players::{key, names, sample, wins, wins_of, Player};

/// Started with this variable set to `1`, the program hosts the embedded server instead.
const SERVE_VARIABLE: &str = "STRUCTNOSQL_BENCH_SERVE";
/// Runs only the operations whose name contains its value.
const ONLY_VARIABLE: &str = "STRUCTNOSQL_CONCURRENCY_ONLY";

const TASKS: [usize; 4] = [1, 16, 64, 256];
/// The records read and written by get_record, update_field and the cache hits.
const HOT_RECORDS: usize = 256;

// ---- The model and the hand-written side ------------------------------------------------------

/// The whole record, as `get_record` and a cold cache read it: one consistent GetItem.
async fn raw_get_item(
    client: &Client,
    table: &str,
    id: &str,
) -> Option<HashMap<String, AttributeValue>> {
    client
        .get_item()
        .table_name(table)
        .set_key(Some(key(id)))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item
}

/// One nested field written, as `update_field` writes it (the overhead benchmark's request).
async fn raw_update_one(client: &Client, table: &str, id: &str, value: i64) {
    client
        .update_item()
        .table_name(table)
        .set_key(Some(key(id)))
        .update_expression("SET #n0.#n1.#n2 = :v0")
        // The parent map exists and is not NULL (a NULL parent is written over, not into).
        .condition_expression("attribute_exists(#n0.#n1) AND NOT attribute_type(#n0.#n1, :v1)")
        .set_expression_attribute_names(Some(names(&["profile", "stats", "wins"])))
        .expression_attribute_values(":v0", AttributeValue::N(value.to_string()))
        .expression_attribute_values(":v1", AttributeValue::S("NULL".into()))
        .return_values(ReturnValue::None)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await
        .expect("UpdateItem");
}

// ---- Recording what is sent ---------------------------------------------------------------------

/// Records the operation and JSON body of every request while switched on, so that both sides'
/// requests can be compared.
#[derive(Debug, Clone, Default)]
struct Recorder {
    on: Arc<AtomicBool>,
    sent: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Recorder {
    fn record<T>(&self, run: impl FnOnce() -> T) -> (T, Vec<(String, Value)>) {
        self.sent.lock().expect("sent").clear();
        self.on.store(true, Ordering::SeqCst);
        let result = run();
        self.on.store(false, Ordering::SeqCst);
        (
            result,
            std::mem::take(&mut *self.sent.lock().expect("sent")),
        )
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        if !self.on.load(Ordering::SeqCst) {
            return Ok(());
        }
        let request = context.request();
        let operation = request
            .headers()
            .get("x-amz-target")
            .unwrap_or_default()
            .to_owned();
        let body = request
            .body()
            .bytes()
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
            .unwrap_or(Value::Null);
        self.sent.lock().expect("sent").push((operation, body));
        Ok(())
    }
}

/// A client of `endpoint` that counts and can record its requests.
fn instrumented_client(endpoint: &str) -> (Client, support::RequestCounter, Recorder) {
    let counter = support::RequestCounter::default();
    let recorder = Recorder::default();
    let config = client_for_local_endpoint(endpoint)
        .config()
        .to_builder()
        .interceptor(counter.clone())
        .interceptor(recorder.clone())
        .build();
    (Client::from_conf(config), counter, recorder)
}

// ---- The server in a child process --------------------------------------------------------------

/// Hosts the embedded server: prints its endpoint on one line, then serves until standard input
/// closes (the parent ended or dropped it).
fn serve() {
    let server = EmbeddedDynamoDb::start().expect("start the embedded DynamoDB");
    println!("{}", server.endpoint_url());
    let mut ignored = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut ignored);
}

/// The embedded server running in a child process; dropping this ends it.
struct ChildServer {
    child: Child,
    stdin: Option<ChildStdin>,
    endpoint: String,
}

impl ChildServer {
    fn start() -> Self {
        let program = std::env::current_exe().expect("the benchmark's own path");
        let mut child = Command::new(program)
            .env(SERVE_VARIABLE, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server process");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("the server's output");
        let mut endpoint = String::new();
        BufReader::new(stdout)
            .read_line(&mut endpoint)
            .expect("the server's endpoint");
        let endpoint = endpoint.trim().to_owned();
        assert!(
            endpoint.starts_with("http://"),
            "the server process printed {endpoint:?}, not its endpoint"
        );
        Self {
            child,
            stdin,
            endpoint,
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        // Closing its standard input ends the server process.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

// ---- The operations measured ------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    GetRecord,
    UpdateField,
    ColdGet,
    CacheHit,
    /// A cache hit on a caching table of the task's own.
    CacheHitOwnTable,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::GetRecord => "BasicTable get_record",
            Operation::UpdateField => "BasicTable update_field (nested)",
            Operation::ColdGet => "CachingTable get_field, cold cache",
            Operation::CacheHit => "CachingTable get_field, cache hit",
            Operation::CacheHitOwnTable => "CachingTable get_field, cache hit, a table per task",
        }
    }

    fn sends_requests(self) -> bool {
        matches!(
            self,
            Operation::GetRecord | Operation::UpdateField | Operation::ColdGet
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Structnosql,
    Raw,
}

/// What an operation read, so that both sides can be checked to agree.
#[derive(Debug, PartialEq)]
enum Outcome {
    Record(Option<Box<Player>>),
    Field(Option<i64>),
    Written,
}

/// Everything the operations work on.
struct Subject {
    basic: BasicTable<Player>,
    /// Read cold: its cache is emptied before each measurement.
    cold: CachingTable<Player>,
    /// Knows every hot record.
    hits: CachingTable<Player>,
    /// One per task, each knowing its task's record.
    own: Vec<CachingTable<Player>>,
    /// The hand-written side's client (the tables share another, configured the same).
    raw: Client,
    name: String,
    hot_keys: Vec<String>,
    cold_keys: Vec<String>,
    lib_requests: support::RequestCounter,
    raw_requests: support::RequestCounter,
}

impl Subject {
    /// Operation number `index` (of task `task`). get_record and update_field go round the hot
    /// records; each cold read reads a record of its own; each task's cache hits read one record.
    async fn run(&self, operation: Operation, side: Side, task: usize, index: usize) -> Outcome {
        let hot = self.hot_keys[index % HOT_RECORDS].as_str();
        let task_record = self.hot_keys[task % HOT_RECORDS].as_str();
        match (operation, side) {
            (Operation::GetRecord, Side::Structnosql) => Outcome::Record(
                self.basic
                    .get_record(hot)
                    .await
                    .expect("get_record")
                    .map(Box::new),
            ),
            (Operation::GetRecord, Side::Raw) => Outcome::Record(
                raw_get_item(&self.raw, &self.name, hot)
                    .await
                    .map(|item| Box::new(serde_dynamo::from_item(item).expect("a player"))),
            ),
            (Operation::UpdateField, Side::Structnosql) => {
                self.basic
                    .update_field(hot, wins(), index as i64)
                    .await
                    .expect("update_field");
                Outcome::Written
            }
            (Operation::UpdateField, Side::Raw) => {
                raw_update_one(&self.raw, &self.name, hot, index as i64).await;
                Outcome::Written
            }
            (Operation::ColdGet, Side::Structnosql) => Outcome::Field(
                self.cold
                    .get_field(self.cold_keys[index].as_str(), wins())
                    .await
                    .expect("get_field"),
            ),
            (Operation::ColdGet, Side::Raw) => Outcome::Field(
                raw_get_item(&self.raw, &self.name, &self.cold_keys[index])
                    .await
                    .as_ref()
                    .and_then(wins_of),
            ),
            (Operation::CacheHit, _) => Outcome::Field(
                self.hits
                    .get_field(task_record, wins())
                    .await
                    .expect("get_field"),
            ),
            (Operation::CacheHitOwnTable, _) => Outcome::Field(
                self.own[task]
                    .get_field(task_record, wins())
                    .await
                    .expect("get_field"),
            ),
        }
    }

    fn requests(&self, side: Side) -> u64 {
        match side {
            Side::Structnosql => self.lib_requests.count(),
            Side::Raw => self.raw_requests.count(),
        }
    }

    /// The requests the tables of each task's own have sent.
    fn own_requests(&self) -> u64 {
        self.own
            .iter()
            .map(|table| table.stats().requests_sent)
            .sum()
    }
}

/// What one measured stretch of operations cost.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall_seconds: f64,
    cpu_seconds: f64,
    requests: u64,
    /// Times a thread of this process gave up the CPU waiting (for a lock, a socket, or idle).
    waits: u64,
}

/// Voluntary context switches of this process's threads so far (`/proc/self/task/*/status`): a
/// thread that blocks on a contended lock counts one each time it sleeps.
fn voluntary_switches() -> u64 {
    let Ok(threads) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    threads
        .filter_map(|thread| std::fs::read_to_string(thread.ok()?.path().join("status")).ok())
        .filter_map(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("voluntary_ctxt_switches:"))
                .and_then(|count| count.trim().parse::<u64>().ok())
        })
        .sum()
}

/// Runs `operations` operations spread evenly over `tasks` tasks (numbered from `first`).
async fn run_tasks(
    subject: &Arc<Subject>,
    operation: Operation,
    side: Side,
    tasks: usize,
    operations: usize,
    first: usize,
) -> Sample {
    let per_task = operations / tasks;
    let requests = subject.requests(side);
    let waits = voluntary_switches();
    let cpu = support::process_cpu_seconds();
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let subject = Arc::clone(subject);
            tokio::spawn(async move {
                for i in 0..per_task {
                    let index = first + task * per_task + i;
                    std::hint::black_box(subject.run(operation, side, task, index).await);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("a task failed");
    }
    let wall_seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = support::process_cpu_seconds() - cpu;
    Sample {
        wall_seconds,
        cpu_seconds,
        requests: subject.requests(side) - requests,
        waits: voluntary_switches().saturating_sub(waits),
    }
}

/// One measurement: a warm-up (a few operations per task, so that every task has its connection),
/// then `operations` operations timed.
async fn measure(
    subject: &Arc<Subject>,
    operation: Operation,
    side: Side,
    tasks: usize,
    operations: usize,
) -> Sample {
    if operation == Operation::ColdGet && side == Side::Structnosql {
        subject.cold.clear_cached_data();
    }
    let hits_before = subject.hits.stats().requests_sent + subject.own_requests();
    // The warm-up reads other records than the measurement (which must find them not cached).
    run_tasks(subject, operation, side, tasks, warm_up(tasks), operations).await;
    let sample = run_tasks(subject, operation, side, tasks, operations, 0).await;
    if operation.sends_requests() {
        assert_eq!(
            sample.requests,
            operations as u64,
            "{}: one request per operation",
            operation.name()
        );
    } else {
        assert_eq!(sample.requests, 0, "{}: no request", operation.name());
        assert_eq!(
            subject.hits.stats().requests_sent + subject.own_requests(),
            hits_before,
            "{}: every read was a cache hit",
            operation.name()
        );
    }
    sample
}

fn warm_up(tasks: usize) -> usize {
    tasks * 4
}

/// Runs each side of `operation` once (operation number `index`) and checks that both send the same
/// requests and read the same values.
fn check_same_requests(
    runtime: &tokio::runtime::Runtime,
    subject: &Subject,
    recorders: (&Recorder, &Recorder),
    operation: Operation,
    index: usize,
) {
    subject.cold.clear_cached_data();
    let (lib_value, lib) = recorders
        .0
        .record(|| runtime.block_on(subject.run(operation, Side::Structnosql, 0, index)));
    let (raw_value, raw) = recorders
        .1
        .record(|| runtime.block_on(subject.run(operation, Side::Raw, 0, index)));
    assert_eq!(
        lib_value,
        raw_value,
        "{}: both sides must read the same values",
        operation.name()
    );
    assert_eq!(lib.len(), 1, "{}: one request", operation.name());
    assert_eq!(
        lib,
        raw,
        "{}: structnosql and the hand-written calls must send the same requests",
        operation.name()
    );
    subject.cold.clear_cached_data();
}

// ---- Plan and results ---------------------------------------------------------------------------

/// Operations per measurement: on this project's 2-core machine, each takes 1 to 2 seconds.
struct Plan {
    test: bool,
    repetitions: usize,
}

impl Plan {
    fn operations(&self, operation: Operation, tasks: usize) -> usize {
        let one_task = tasks == 1;
        let wanted: usize = match operation {
            _ if self.test && operation.sends_requests() => 32,
            _ if self.test => 1_024,
            Operation::GetRecord | Operation::ColdGet if one_task => 5_120,
            Operation::GetRecord | Operation::ColdGet => 7_168,
            Operation::UpdateField if one_task => 3_072,
            Operation::UpdateField => 4_096,
            Operation::CacheHit | Operation::CacheHitOwnTable if one_task => 1_572_864,
            Operation::CacheHit | Operation::CacheHitOwnTable => 2_097_152,
        };
        // Every task does the same number.
        wanted.div_ceil(tasks) * tasks
    }

    /// The most operations any cold-cache measurement reads, warm-up included: each reads a
    /// record of its own.
    fn cold_records(&self) -> usize {
        TASKS
            .iter()
            .map(|&tasks| self.operations(Operation::ColdGet, tasks) + warm_up(tasks))
            .max()
            .unwrap_or(0)
    }
}

/// The medians of some samples of `operations` operations each.
struct Summary {
    ops_per_second: f64,
    cpu_us_per_op: f64,
    requests_per_op: f64,
    /// CPU time over wall time: how many threads were busy on average.
    busy_threads: f64,
    /// Voluntary context switches per 1,000 operations.
    waits_per_1000: f64,
    samples: Vec<Sample>,
}

impl Summary {
    fn of(samples: Vec<Sample>, operations: usize) -> Self {
        let count = operations as f64;
        Self {
            ops_per_second: support::median(
                samples.iter().map(|s| count / s.wall_seconds).collect(),
            ),
            cpu_us_per_op: support::median(
                samples
                    .iter()
                    .map(|s| s.cpu_seconds / count * 1e6)
                    .collect(),
            ),
            requests_per_op: support::median(
                samples.iter().map(|s| s.requests as f64 / count).collect(),
            ),
            busy_threads: support::median(
                samples
                    .iter()
                    .map(|s| s.cpu_seconds / s.wall_seconds)
                    .collect(),
            ),
            waits_per_1000: support::median(
                samples
                    .iter()
                    .map(|s| s.waits as f64 / count * 1e3)
                    .collect(),
            ),
            samples,
        }
    }

    fn json(&self) -> Value {
        json!({
            "ops_per_second": self.ops_per_second,
            "cpu_us_per_op": self.cpu_us_per_op,
            "requests_per_op": self.requests_per_op,
            "busy_threads": self.busy_threads,
            "waits_per_1000_ops": self.waits_per_1000,
            "wall_seconds": self.samples.iter().map(|s| s.wall_seconds).collect::<Vec<_>>(),
            "cpu_seconds": self.samples.iter().map(|s| s.cpu_seconds).collect::<Vec<_>>(),
        })
    }
}

/// structnosql's cost over raw's: time per operation, and CPU time per operation.
fn ratios(ours: &Summary, raw: &Summary) -> (f64, f64) {
    (
        raw.ops_per_second / ours.ops_per_second,
        ours.cpu_us_per_op / raw.cpu_us_per_op,
    )
}

fn rate(ops_per_second: f64) -> String {
    if ops_per_second >= 100_000.0 {
        format!("{:.0}k", ops_per_second / 1e3)
    } else {
        format!("{ops_per_second:.0}")
    }
}

fn cpu(us: f64) -> String {
    if us < 10.0 {
        format!("{us:.2}")
    } else {
        format!("{us:.1}")
    }
}

// ---- The benchmark ----------------------------------------------------------------------------

fn main() {
    if std::env::var(SERVE_VARIABLE).is_ok_and(|value| value == "1") {
        serve();
        return;
    }
    let test = std::env::args().any(|argument| argument == "--test");
    let plan = Plan {
        test,
        repetitions: if test { 1 } else { 3 },
    };
    let only = std::env::var(ONLY_VARIABLE).unwrap_or_default();
    let wanted = |operation: Operation| operation.name().contains(only.as_str());

    let (_server, endpoint, server_description) = match std::env::var(support::ENDPOINT_VARIABLE) {
        Ok(url) if !url.is_empty() => {
            let description = format!("server at {url}");
            (None, url, description)
        }
        _ => {
            let server = ChildServer::start();
            let endpoint = server.endpoint.clone();
            let description = "embedded server in a child process".to_owned();
            (Some(server), endpoint, description)
        }
    };
    let workers = std::thread::available_parallelism().map_or(2, |cores| cores.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "concurrency benchmark ({} run) against the {server_description}, {workers} worker threads",
        if test { "test" } else { "full" }
    );
    let started = Instant::now();

    let (subject, recorders) = runtime.block_on(setup(&endpoint, &plan));
    let subject = Arc::new(subject);
    for operation in [
        Operation::GetRecord,
        Operation::UpdateField,
        Operation::ColdGet,
    ] {
        check_same_requests(
            &runtime,
            &subject,
            (&recorders.0, &recorders.1),
            operation,
            0,
        );
    }

    // 1. Each operation both ways.
    println!(
        "\nops/s and client CPU µs per operation; ratio = structnosql's cost over raw's \
         (time per operation, CPU per operation)\n"
    );
    println!(
        "{:<38} {:>5} | {:>9} {:>9} {:>6} | {:>9} {:>9} {:>6}",
        "operation", "tasks", "ops/s", "raw", "ratio", "CPU µs", "raw", "ratio"
    );
    let mut rows = Vec::new();
    for operation in [
        Operation::GetRecord,
        Operation::UpdateField,
        Operation::ColdGet,
    ] {
        if !wanted(operation) {
            continue;
        }
        for tasks in TASKS {
            let operations = plan.operations(operation, tasks);
            let (mut ours, mut raw) = (Vec::new(), Vec::new());
            for repetition in 0..plan.repetitions {
                // Alternating which side goes first, so that neither always follows the other.
                let order = if repetition % 2 == 0 {
                    [Side::Structnosql, Side::Raw]
                } else {
                    [Side::Raw, Side::Structnosql]
                };
                for side in order {
                    let sample =
                        runtime.block_on(measure(&subject, operation, side, tasks, operations));
                    match side {
                        Side::Structnosql => ours.push(sample),
                        Side::Raw => raw.push(sample),
                    }
                }
                assert_eq!(
                    ours.last().map(|s| s.requests),
                    raw.last().map(|s| s.requests),
                    "{}: both sides send as many requests",
                    operation.name()
                );
            }
            let (ours, raw) = (Summary::of(ours, operations), Summary::of(raw, operations));
            let (time_ratio, cpu_ratio) = ratios(&ours, &raw);
            println!(
                "{:<38} {:>5} | {:>9} {:>9} {:>6.2} | {:>9} {:>9} {:>6.2}",
                operation.name(),
                tasks,
                rate(ours.ops_per_second),
                rate(raw.ops_per_second),
                time_ratio,
                cpu(ours.cpu_us_per_op),
                cpu(raw.cpu_us_per_op),
                cpu_ratio
            );
            rows.push(json!({
                "operation": operation.name(),
                "tasks": tasks,
                "operations": operations,
                "structnosql": ours.json(),
                "raw": raw.json(),
                "ratio_time_per_op": time_ratio,
                "ratio_cpu_per_op": cpu_ratio,
            }));
        }
    }

    // 2. Cache hits: one shared table against a table per task.
    let mut hits = Vec::new();
    if wanted(Operation::CacheHit) {
        println!(
            "\ncache-hit get_field: one table shared by every task (sharded locks) against a table \
             per task; scaling = ops/s over the same measurement's ops/s with 1 task, busy = \
             CPU time / wall time (threads busy on average), waits = voluntary context switches \
             per 1,000 operations\n"
        );
        println!(
            "{:>5} | {:>9} {:>7} {:>7} {:>5} {:>6} | {:>9} {:>7} {:>7} {:>5} {:>6} | {:>12}",
            "tasks",
            "shared",
            "CPU µs",
            "scaling",
            "busy",
            "waits",
            "own",
            "CPU µs",
            "scaling",
            "busy",
            "waits",
            "shared / own"
        );
        let mut single: Option<(f64, f64)> = None;
        for tasks in TASKS {
            let operations = plan.operations(Operation::CacheHit, tasks);
            let (mut shared, mut own) = (Vec::new(), Vec::new());
            for repetition in 0..plan.repetitions {
                let order = if repetition % 2 == 0 {
                    [Operation::CacheHit, Operation::CacheHitOwnTable]
                } else {
                    [Operation::CacheHitOwnTable, Operation::CacheHit]
                };
                for operation in order {
                    let sample = runtime.block_on(measure(
                        &subject,
                        operation,
                        Side::Structnosql,
                        tasks,
                        operations,
                    ));
                    match operation {
                        Operation::CacheHit => shared.push(sample),
                        _ => own.push(sample),
                    }
                }
            }
            let (shared, own) = (
                Summary::of(shared, operations),
                Summary::of(own, operations),
            );
            let (base_shared, base_own) =
                *single.get_or_insert((shared.ops_per_second, own.ops_per_second));
            let scaling = (
                shared.ops_per_second / base_shared,
                own.ops_per_second / base_own,
            );
            let shared_over_own = own.ops_per_second / shared.ops_per_second;
            println!(
                "{:>5} | {:>9} {:>7} {:>7.2} {:>5.2} {:>6.1} | {:>9} {:>7} {:>7.2} {:>5.2} {:>6.1} | {:>12.2}",
                tasks,
                rate(shared.ops_per_second),
                cpu(shared.cpu_us_per_op),
                scaling.0,
                shared.busy_threads,
                shared.waits_per_1000,
                rate(own.ops_per_second),
                cpu(own.cpu_us_per_op),
                scaling.1,
                own.busy_threads,
                own.waits_per_1000,
                shared_over_own
            );
            rows.push(json!({
                "operation": Operation::CacheHit.name(),
                "tasks": tasks,
                "operations": operations,
                "structnosql": shared.json(),
                "raw": Value::Null,
            }));
            hits.push(json!({
                "tasks": tasks,
                "operations": operations,
                "shared_table": shared.json(),
                "table_per_task": own.json(),
                "scaling_shared": scaling.0,
                "scaling_table_per_task": scaling.1,
                "time_ratio_shared_over_own": shared_over_own,
            }));
        }
    }

    let total = started.elapsed().as_secs_f64();
    println!("\ntotal time {total:.0} s");
    if test {
        println!("(test run: results not written)");
        return;
    }
    support::write_results(
        "concurrency",
        &json!({
            "server": server_description,
            "worker_threads": workers,
            "repetitions": plan.repetitions,
            "tasks": TASKS,
            "operations": rows,
            "cache_hits": hits,
            "seconds": total,
        }),
    );
}

/// Creates the table, writes the records and fills the caches that the hits read.
async fn setup(endpoint: &str, plan: &Plan) -> (Subject, (Recorder, Recorder)) {
    let (lib, lib_requests, lib_recorder) = instrumented_client(endpoint);
    let (raw, raw_requests, raw_recorder) = instrumented_client(endpoint);
    let name = support::unique_table_name("concurrency");
    let basic = BasicTable::<Player>::builder()
        .table_name(&name)
        .client(lib.clone())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await
        .expect("table");
    let caching = || async {
        CachingTable::<Player>::builder()
            .table_name(&name)
            .client(lib.clone())
            .primary_index(PrimaryIndex::hash("id"))
            .build()
            .await
            .expect("caching table")
    };
    let cold = caching().await;
    let hits = caching().await;
    let mut own = Vec::with_capacity(HOT_RECORDS);
    for _ in 0..TASKS.iter().copied().max().unwrap_or(1) {
        own.push(caching().await);
    }
    let hot_keys: Vec<String> = (0..HOT_RECORDS).map(|index| format!("p{index}")).collect();
    let cold_keys: Vec<String> = (0..plan.cold_records())
        .map(|index| format!("c{index}"))
        .collect();
    futures::stream::iter(hot_keys.iter().chain(&cold_keys))
        .map(|id| {
            let basic = &basic;
            async move { basic.put_record(&sample(id)).await }
        })
        .buffer_unordered(32)
        .for_each(|written| async move { written.expect("put_record") })
        .await;
    // The caches the hits read: every hot record in the shared table, its task's in each other.
    futures::stream::iter(&hot_keys)
        .map(|id| hits.get_field(id.as_str(), wins()))
        .buffer_unordered(32)
        .for_each(|read| async move {
            assert_eq!(read.expect("get_field"), Some(10));
        })
        .await;
    for (task, table) in own.iter().enumerate() {
        let read = table
            .get_field(hot_keys[task % HOT_RECORDS].as_str(), wins())
            .await
            .expect("get_field");
        assert_eq!(read, Some(10));
    }
    let subject = Subject {
        basic,
        cold,
        hits,
        own,
        raw,
        name,
        hot_keys,
        cold_keys,
        lib_requests,
        raw_requests,
    };
    (subject, (lib_recorder, raw_recorder))
}
