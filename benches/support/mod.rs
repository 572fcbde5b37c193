//! What every benchmark program shares: a server, counted clients, fresh tables, medians and the
//! results file the summary (`scripts/bench`) reads.
// Each benchmark uses a different part of this module.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use structnosql::aws_sdk_dynamodb::Client;
use structnosql::{client_for_local_endpoint, EmbeddedDynamoDb};

/// Request counting and fresh table names, as the integration tests have them.
#[path = "../../tests/integration/harness.rs"]
mod harness;

pub use harness::{unique_table_name, RequestCounter};

/// Points the benchmarks at a standalone server instead of the embedded one.
pub const ENDPOINT_VARIABLE: &str = "STRUCTNOSQL_BENCH_ENDPOINT";

/// The endpoint to measure against: `STRUCTNOSQL_BENCH_ENDPOINT`, else an embedded server that lives
/// as long as the process.
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

/// A client for the benchmark server.
pub fn client() -> Client {
    client_for_local_endpoint(&endpoint_url())
}

/// A client for the benchmark server and the counter of the requests it sends.
pub fn counted_client() -> (Client, RequestCounter) {
    harness::counting(client())
}

/// The median of some measurements (the upper one of the middle two for an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Where benchmark programs leave their results for `scripts/bench`: `target/bench-results/`.
pub fn results_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-results")
}

/// Writes one benchmark's results as `target/bench-results/<name>.json`.
pub fn write_results(name: &str, results: &serde_json::Value) {
    let dir = results_dir();
    std::fs::create_dir_all(&dir).expect("create the results directory");
    let text = serde_json::to_string_pretty(results).expect("results as JSON");
    std::fs::write(dir.join(format!("{name}.json")), text).expect("write the results");
}

/// CPU time this process has used (every thread, user + system), in seconds, from
/// `CLOCK_PROCESS_CPUTIME_ID`: the clock behind Python's `time.process_time`, with nanosecond
/// resolution. `/proc/self/stat`, in 10 ms ticks, is the fallback
/// where this clock is not available.
pub fn process_cpu_seconds() -> f64 {
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        #[repr(C)]
        struct Timespec {
            seconds: i64,
            nanoseconds: i64,
        }
        extern "C" {
            fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
        }
        const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
        let mut time = Timespec {
            seconds: 0,
            nanoseconds: 0,
        };
        // SAFETY: `clock_gettime` writes one `struct timespec` (two 64-bit fields on 64-bit Linux)
        // through a pointer to a live, writable value of that layout, and keeps no reference to it.
        if unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut time) } == 0 {
            return time.seconds as f64 + time.nanoseconds as f64 * 1e-9;
        }
    }
    stat_cpu_seconds()
}

/// CPU time this process has used so far (user + system), in seconds, in 10 ms ticks.
fn stat_cpu_seconds() -> f64 {
    // /proc/self/stat fields 14 and 15 are utime and stime in clock ticks (100 per second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|field| field.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
    (ticks(11) + ticks(12)) / 100.0
}
