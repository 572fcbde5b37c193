//! structnosql against StructNoSQL 2.6.7 on the same workload: operations per second and client CPU
//! per operation for each step, side by side.
//!
//! Run the whole comparison with `benches/python_original/run.sh`: it installs StructNoSQL, starts
//! DynamoDB Local, runs `benches/python_original/workload.py` (which writes
//! `target/bench-results/original-python.json`) and then this program against the same server. On its
//! own: `STRUCTNOSQL_BENCH_ENDPOINT=<url> cargo bench --bench original`.
//!
//! The workload, identical on both sides: N records (the N the Python run used, else 500), and for
//! each step every record in order, one operation at a time on one task: `put_record`, `get_field` of
//! a nested field, `get_multiple_fields` of 3 fields, `update_field` of a nested field,
//! `update_multiple_fields` of 3 fields, `remove_field`; then the same steps on a caching table
//! followed by `commit_operations` (counted as one operation per record committed). Each pass uses
//! fresh tables; a short warm-up pass comes first, and the median of the passes (as many as the Python
//! run made, at least 3; else 5) is kept. structnosql uses typed paths, StructNoSQL its string paths.
//!
//! Client CPU only: the server runs in another process. So this refuses the embedded server (it would
//! add the server's CPU to ours) and needs `STRUCTNOSQL_BENCH_ENDPOINT`.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use serde_json::{json, Value};
use structnosql::table::{
    Backend, BasicTable, CachingTable, Getters, PrimaryIndex, Setters, Table,
};
use structnosql::{MapModel, TableDataModel};
use support::RequestCounter;

/// Passes over the workload when no Python results say otherwise; the median is reported.
const DEFAULT_REPETITIONS: usize = 5;
/// The fewest passes a median is taken of.
const MIN_REPETITIONS: usize = 3;
/// Records per step when no Python results say otherwise.
const DEFAULT_RECORDS: usize = 500;
/// Records of the warm-up pass (connections, first-table costs).
const WARM_UP_RECORDS: usize = 20;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Profile {
    user_id: String,
    username: Option<String>,
    level: Option<i64>,
    #[structnosql(key_name = "tokenId")]
    tokens: Option<BTreeMap<String, ProfileToken>>,
    settings: Option<ProfileSettings>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct ProfileToken {
    expiration_timestamp: i64,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct ProfileSettings {
    theme: Option<String>,
    volume: Option<i64>,
    language: Option<String>,
}

/// Record `index` as `put_record` writes it.
fn profile(index: usize) -> Profile {
    Profile {
        user_id: format!("u{index}"),
        username: Some(format!("user{index}")),
        level: Some(1),
        tokens: Some(BTreeMap::from([(
            "t1".to_owned(),
            ProfileToken {
                expiration_timestamp: 1618322249 + index as i64,
            },
        )])),
        settings: Some(ProfileSettings {
            theme: Some("light".into()),
            volume: Some(5),
            language: Some("en".into()),
        }),
    }
}

/// Record `index` after every step.
fn expected_profile(index: usize) -> Profile {
    Profile {
        username: Some(format!("renamed{index}")),
        level: Some(2),
        tokens: Some(BTreeMap::from([(
            "t1".to_owned(),
            ProfileToken {
                expiration_timestamp: 1700000000 + index as i64,
            },
        )])),
        settings: Some(ProfileSettings {
            theme: Some("light".into()),
            volume: Some(7),
            language: None,
        }),
        ..profile(index)
    }
}

/// The steps, in order; the caching table adds `commit_operations`.
const STEPS: [&str; 6] = [
    "put_record",
    "get_field_nested",
    "get_multiple_fields_3",
    "update_field_nested",
    "update_multiple_fields_3",
    "remove_field",
];

/// One operation of step `step` on record `index`.
async fn operation<B: Backend>(table: &Table<Profile, String, B>, step: usize, index: usize) {
    let key = format!("u{index}");
    let f = Profile::fields();
    match step {
        0 => table.put_record(&profile(index)).await.expect("put_record"),
        1 => {
            table
                .get_field(key, f.tokens().key("t1").expiration_timestamp())
                .await
                .expect("get_field");
        }
        2 => {
            let getters = Getters::new()
                .field("username", f.username())
                .field("level", f.level())
                .field("theme", f.settings().theme());
            table
                .get_multiple_fields(key, &getters)
                .await
                .expect("get_multiple_fields");
        }
        3 => table
            .update_field(
                key,
                f.tokens().key("t1").expiration_timestamp(),
                1700000000 + index as i64,
            )
            .await
            .expect("update_field"),
        4 => {
            let setters = Setters::new()
                .set(f.username(), format!("renamed{index}"))
                .set(f.level(), 2)
                .set(f.settings().volume(), 7);
            table
                .update_multiple_fields(key, &setters)
                .await
                .expect("update_multiple_fields");
        }
        _ => {
            table
                .remove_field(key, f.settings().language())
                .await
                .expect("remove_field");
        }
    }
}

/// Time, CPU and requests of one step of one pass.
#[derive(Debug, Clone, Copy)]
struct Measured {
    wall_s: f64,
    cpu_s: f64,
    requests: u64,
}

/// Runs `body` and measures it.
async fn measured(
    counter: &RequestCounter,
    body: impl std::future::Future<Output = ()>,
) -> Measured {
    counter.take();
    let cpu_start = support::process_cpu_seconds();
    let wall_start = Instant::now();
    body.await;
    let wall_s = wall_start.elapsed().as_secs_f64();
    let cpu_s = support::process_cpu_seconds() - cpu_start;
    Measured {
        wall_s,
        cpu_s,
        requests: counter.take(),
    }
}

async fn run_steps<B: Backend>(
    table: &Table<Profile, String, B>,
    counter: &RequestCounter,
    kind: &str,
    records: usize,
    results: &mut Vec<(String, Measured)>,
) {
    for (step, name) in STEPS.iter().enumerate() {
        let result = measured(counter, async {
            for index in 0..records {
                operation(table, step, index).await;
            }
        })
        .await;
        results.push((format!("{kind}/{name}"), result));
    }
}

/// Checks the first and last records hold what the steps wrote.
async fn check_records(name: &str, records: usize) {
    let plain = BasicTable::<Profile>::builder()
        .table_name(name)
        .client(support::client())
        .primary_index(PrimaryIndex::hash("userId"))
        .build()
        .await
        .expect("table for checks");
    for index in [0, records - 1] {
        let stored = plain
            .get_record(format!("u{index}"))
            .await
            .expect("read back");
        assert_eq!(stored, Some(expected_profile(index)), "{name}: u{index}");
    }
}

/// One pass on fresh tables: every step over every record, basic then caching.
async fn run_pass(records: usize) -> Vec<(String, Measured)> {
    let (client, counter) = support::counted_client();
    let mut results = Vec::new();

    let name = support::unique_table_name("original-basic");
    let basic = BasicTable::<Profile>::builder()
        .table_name(&name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("userId"))
        .auto_create_table(true)
        .build()
        .await
        .expect("basic table");
    run_steps(&basic, &counter, "basic", records, &mut results).await;
    check_records(&name, records).await;

    let name = support::unique_table_name("original-caching");
    let caching = CachingTable::<Profile>::builder()
        .table_name(&name)
        .client(client)
        .primary_index(PrimaryIndex::hash("userId"))
        .auto_create_table(true)
        // One record at a time, like StructNoSQL's commit.
        .commit_concurrency(1)
        .build()
        .await
        .expect("caching table");
    run_steps(&caching, &counter, "caching", records, &mut results).await;
    let commit = measured(&counter, async {
        let report = caching.commit_operations().await;
        assert!(report.is_success(), "commit failed: {:?}", report.failed);
    })
    .await;
    results.push(("caching/commit_operations".into(), commit));
    check_records(&name, records).await;
    results
}

/// One step's medians over the passes.
struct Summary {
    step: String,
    ops_per_second: f64,
    cpu_us_per_op: f64,
    requests_per_op: f64,
    runs: Vec<Measured>,
}

fn summarize(passes: &[Vec<(String, Measured)>], records: usize) -> Vec<Summary> {
    let per_op = records as f64;
    passes[0]
        .iter()
        .enumerate()
        .map(|(position, (step, _))| {
            let runs: Vec<Measured> = passes.iter().map(|pass| pass[position].1).collect();
            Summary {
                step: step.clone(),
                ops_per_second: support::median(
                    runs.iter().map(|run| per_op / run.wall_s).collect(),
                ),
                cpu_us_per_op: support::median(
                    runs.iter().map(|run| run.cpu_s / per_op * 1e6).collect(),
                ),
                requests_per_op: runs[0].requests as f64 / per_op,
                runs,
            }
        })
        .collect()
}

/// StructNoSQL's results from `benches/python_original/workload.py`.
fn read_original() -> Option<Value> {
    let path = support::results_dir().join("original-python.json");
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).expect("original-python.json"))
}

fn original_step<'a>(original: Option<&'a Value>, step: &str) -> Option<&'a Value> {
    original?
        .get("steps")?
        .as_array()?
        .iter()
        .find(|entry| entry.get("step").and_then(Value::as_str) == Some(step))
}

fn number(entry: Option<&Value>, field: &str) -> Option<f64> {
    entry?.get(field)?.as_f64()
}

fn cell(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_owned(), |value| format!("{value:.decimals$}"))
}

fn main() {
    // `cargo bench` passes `--bench`; there are no options.
    if std::env::var(support::ENDPOINT_VARIABLE).map_or(true, |url| url.is_empty()) {
        eprintln!(
            "original: skipped. This comparison measures client CPU only, so it needs a server in another \
             process: set {} to its URL, or run benches/python_original/run.sh, which starts DynamoDB \
             Local and runs StructNoSQL on it first.",
            support::ENDPOINT_VARIABLE
        );
        return;
    }
    let original = read_original();
    let records = original
        .as_ref()
        .and_then(|original| original.get("records"))
        .and_then(Value::as_u64)
        .map_or(DEFAULT_RECORDS, |records| records as usize);
    let repetitions = original
        .as_ref()
        .and_then(|original| original.get("repetitions"))
        .and_then(Value::as_u64)
        .map_or(DEFAULT_REPETITIONS, |repetitions| repetitions as usize)
        .max(MIN_REPETITIONS);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let passes: Vec<Vec<(String, Measured)>> = runtime.block_on(async {
        run_pass(WARM_UP_RECORDS).await;
        let mut passes = Vec::new();
        for _ in 0..repetitions {
            passes.push(run_pass(records).await);
        }
        passes
    });
    let summaries = summarize(&passes, records);

    let mut table = String::new();
    writeln!(
        table,
        "{records} records, median of {repetitions} passes, endpoint {}",
        support::endpoint_url()
    )
    .expect("write");
    writeln!(
        table,
        "{:<32} {:>12} {:>12} {:>7} | {:>11} {:>11} {:>7} | {:>9} {:>9}",
        "step",
        "ops/s ours",
        "ops/s orig",
        "ratio",
        "CPU µs ours",
        "CPU µs orig",
        "ratio",
        "req ours",
        "req orig"
    )
    .expect("write");
    let mut rows = Vec::new();
    for summary in &summaries {
        let theirs = original_step(original.as_ref(), &summary.step);
        let their_ops = number(theirs, "ops_per_second");
        let their_cpu = number(theirs, "cpu_us_per_op");
        let their_requests = number(theirs, "requests_per_op");
        let ops_ratio = their_ops.map(|theirs| summary.ops_per_second / theirs);
        let cpu_ratio = their_cpu.map(|theirs| summary.cpu_us_per_op / theirs);
        writeln!(
            table,
            "{:<32} {:>12.0} {:>12} {:>7} | {:>11.1} {:>11} {:>7} | {:>9.2} {:>9}",
            summary.step,
            summary.ops_per_second,
            cell(their_ops, 0),
            cell(ops_ratio, 2),
            summary.cpu_us_per_op,
            cell(their_cpu, 1),
            cell(cpu_ratio, 3),
            summary.requests_per_op,
            cell(their_requests, 2),
        )
        .expect("write");
        rows.push(json!({
            "step": summary.step,
            "ops": records,
            "structnosql": {
                "ops_per_second": summary.ops_per_second,
                "cpu_us_per_op": summary.cpu_us_per_op,
                "requests_per_op": summary.requests_per_op,
                "runs": summary.runs.iter().map(|run| json!({
                    "wall_s": run.wall_s,
                    "cpu_s": run.cpu_s,
                    "requests": run.requests,
                })).collect::<Vec<_>>(),
            },
            "original": {
                "ops_per_second": their_ops,
                "cpu_us_per_op": their_cpu,
                "requests_per_op": their_requests,
            },
            "ratio_ops_per_second": ops_ratio,
            "ratio_cpu_per_op": cpu_ratio,
        }));
    }
    print!("{table}");
    if original.is_none() {
        println!(
            "StructNoSQL: not measured (no target/bench-results/original-python.json; \
             benches/python_original/run.sh writes it)"
        );
    }
    println!(
        "ratio: structnosql / StructNoSQL (ops/s: above 1 is faster; CPU: below 1 is cheaper). \
         CPU: user + system time of this process (CLOCK_PROCESS_CPUTIME_ID) and of the Python one \
         (time.process_time), the server excluded."
    );

    support::write_results(
        "original",
        &json!({
            "endpoint": support::endpoint_url(),
            "records": records,
            "repetitions": repetitions,
            "original": original.as_ref().map(|original| {
                json!({
                    "version": original.get("version"),
                    "python": original.get("python"),
                    "boto3": original.get("boto3"),
                    "records": original.get("records"),
                    "repetitions": original.get("repetitions"),
                })
            }),
            "steps": rows,
        }),
    );
}
