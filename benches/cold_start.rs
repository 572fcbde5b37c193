//! Cold start and binary size: the quickstart as a deployed program (a Lambda function, say), with
//! structnosql and with `aws-sdk-dynamodb` alone (`benches/cold-start/`).
//!
//! Build the two programs first, then run this:
//!
//! ```text
//! cargo build --release -p structnosql-cold-start
//! cargo bench --bench cold_start              # 100 starts of each
//! cargo bench --bench cold_start -- --test    # one start of each, as a check
//! ```
//!
//! The table and its record `x42` are created here, on the embedded server (or
//! `STRUCTNOSQL_BENCH_ENDPOINT`). Each program is then started again and again, the two alternating,
//! with the endpoint, region and credentials in its environment and no AWS configuration files. For
//! each start: the time from spawning the process to its `first answer` line (printed as soon as its
//! first GetItem is answered: process start, configuration, client, table handle, one request) and to
//! its exit (the quickstart's four other requests too), and the CPU time it used. Both programs must
//! print the same lines. Sizes are the files cargo built (its release profile keeps the symbols, not
//! the debug information) and copies of them run through `strip` (in `target/bench-results/`).
//!
//! Build the programs with `-p structnosql-cold-start` alone: a build of the whole workspace gives
//! structnosql the features the suite enables (the embedded server among them), which users do not
//! get by default.
//!
//! `STRUCTNOSQL_COLD_START_RUNS` sets the number of starts of each program (default 100). A `--test`
//! run writes no results.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use structnosql::aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use structnosql::aws_sdk_dynamodb::Client;

/// The target both ratios (structnosql / raw) are held to.
const TARGET_RATIO: f64 = 1.10;

/// The two programs, as `cargo build --release -p structnosql-cold-start` names them.
const PROGRAMS: [&str; 2] = ["quickstart-structnosql", "quickstart-raw"];

/// What one start of a program measured.
struct Start {
    first_answer: Duration,
    exit: Duration,
    /// User + system CPU time, where the platform reports it.
    cpu: Option<Duration>,
    output: Vec<String>,
}

/// Where cargo puts release binaries.
fn release_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("release")
}

async fn create_table(client: &Client, table_name: &str) {
    client
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("userId")
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("userId")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition"),
        )
        .send()
        .await
        .expect("create the table");
    structnosql::table::wait_until_active(client, table_name, Duration::from_secs(30))
        .await
        .expect("the table becomes ACTIVE");
    client
        .put_item()
        .table_name(table_name)
        .item("userId", AttributeValue::S("x42".into()))
        .item("username", AttributeValue::S("Paul".into()))
        .send()
        .await
        .expect("write the first record");
}

/// Starts `program` once and measures it.
fn start(program: &Path, endpoint: &str, table_name: &str, missing: &Path) -> Start {
    let mut command = Command::new(program);
    for variable in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_DEFAULT_REGION",
    ] {
        command.env_remove(variable);
    }
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        // As in Lambda: no configuration files, no instance metadata.
        .env("AWS_CONFIG_FILE", missing)
        .env("AWS_SHARED_CREDENTIALS_FILE", missing)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("COLD_START_TABLE", table_name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let started = Instant::now();
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("start {}: {error}", program.display()));
    let stdout = child.stdout.take().expect("the program's output");
    let mut first_answer = None;
    let mut output = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read the program's output");
        if first_answer.is_none() && line == "first answer" {
            first_answer = Some(started.elapsed());
        }
        output.push(line);
    }
    let (success, cpu) = wait(child);
    let exit = started.elapsed();
    assert!(
        success,
        "{} failed; its output: {output:?}",
        program.display()
    );
    let first_answer = first_answer
        .unwrap_or_else(|| panic!("{} printed no `first answer` line", program.display()));
    Start {
        first_answer,
        exit,
        cpu,
        output,
    }
}

/// Waits for `child` to exit: whether it succeeded, and the CPU time (user + system) the kernel
/// accounted to it (`wait4`) where available.
///
/// Peak resident memory is not taken from there: the process starts as a `vfork` of this one, and
/// Linux carries this process's peak into the program's across `exec`.
fn wait(child: Child) -> (bool, Option<Duration>) {
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        #[repr(C)]
        struct Timeval {
            seconds: i64,
            microseconds: i64,
        }
        /// Linux's `struct rusage` on 64-bit targets: two `timeval`s, then 14 `long`s.
        #[repr(C)]
        struct Rusage {
            user: Timeval,
            system: Timeval,
            /// `ru_maxrss` and the other counters, which this program does not read.
            longs: [i64; 14],
        }
        extern "C" {
            fn wait4(pid: i32, status: *mut i32, options: i32, usage: *mut Rusage) -> i32;
        }
        let pid = i32::try_from(child.id()).expect("process id");
        let mut status = 0;
        let mut usage = Rusage {
            user: Timeval {
                seconds: 0,
                microseconds: 0,
            },
            system: Timeval {
                seconds: 0,
                microseconds: 0,
            },
            longs: [0; 14],
        };
        // SAFETY: `wait4` writes one `int` and one `struct rusage` (the layout above on 64-bit
        // Linux) through pointers to live, writable values, and keeps no reference to them. It reaps
        // the child, which `Child` (never waited on here) does not do again when dropped.
        let reaped = loop {
            let reaped = unsafe { wait4(pid, &mut status, 0, &mut usage) };
            if reaped != -1
                || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
            {
                break reaped;
            }
        };
        assert_eq!(
            reaped,
            pid,
            "wait for the program: {}",
            std::io::Error::last_os_error()
        );
        // WIFEXITED(status) && WEXITSTATUS(status) == 0
        let success = status & 0x7f == 0 && (status >> 8) & 0xff == 0;
        let micros = |time: &Timeval| time.seconds * 1_000_000 + time.microseconds;
        let cpu = Duration::from_micros(
            u64::try_from(micros(&usage.user) + micros(&usage.system)).unwrap_or(0),
        );
        (success, Some(cpu))
    }
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    {
        let mut child = child;
        let status = child.wait().expect("wait for the program");
        (status.success(), None)
    }
}

/// The size of `program` as built, and of a stripped copy of it in `target/bench-results/` (`None`
/// when `strip` cannot be run).
fn sizes(program: &Path) -> (u64, Option<u64>) {
    let built = std::fs::metadata(program)
        .expect("the program's size")
        .len();
    let dir = support::results_dir();
    std::fs::create_dir_all(&dir).expect("create the results directory");
    let copy = dir.join(program.file_name().expect("a file name"));
    std::fs::copy(program, &copy).expect("copy the program");
    let stripped = match Command::new("strip").arg(&copy).status() {
        Ok(status) if status.success() => Some(std::fs::metadata(&copy).expect("size").len()),
        Ok(status) => {
            eprintln!(
                "strip {} failed ({status}): no stripped size",
                copy.display()
            );
            None
        }
        Err(error) => {
            eprintln!("strip could not be run ({error}): no stripped size");
            None
        }
    };
    (built, stripped)
}

/// One line of the results: a measurement of both programs.
struct Row {
    name: &'static str,
    /// structnosql's, then raw's.
    values: [Option<f64>; 2],
    /// `ns` or `bytes`.
    unit: &'static str,
    /// The largest ratio (structnosql / raw) the measurement is held to, if any.
    target: Option<f64>,
}

fn median_of(values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.collect();
    (!values.is_empty()).then(|| support::median(values))
}

fn format_value(value: Option<f64>, unit: &str) -> String {
    let Some(value) = value else {
        return "–".to_owned();
    };
    match unit {
        "ns" if value >= 1e6 => format!("{:.1} ms", value / 1e6),
        "ns" => format!("{:.0} µs", value / 1e3),
        "bytes" => format!("{:.2} MiB", value / (1024.0 * 1024.0)),
        _ => format!("{value}"),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `--test` starts each program once, as a check.
    let test = std::env::args().any(|argument| argument == "--test");
    let runs = if test {
        1
    } else {
        std::env::var("STRUCTNOSQL_COLD_START_RUNS")
            .ok()
            .and_then(|runs| runs.parse::<usize>().ok())
            .filter(|runs| *runs > 0)
            .unwrap_or(100)
    };

    let release = release_dir();
    let programs = PROGRAMS.map(|name| release.join(name));
    if let Some(missing) = programs.iter().find(|program| !program.is_file()) {
        eprintln!(
            "{} is missing: build the programs first with\n    \
             cargo build --release -p structnosql-cold-start",
            missing.display()
        );
        std::process::exit(1);
    }

    let endpoint = support::endpoint_url();
    let server = match std::env::var(support::ENDPOINT_VARIABLE) {
        Ok(url) if !url.is_empty() => url,
        _ => "the embedded server".to_owned(),
    };
    let table_name = support::unique_table_name("cold-start");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(create_table(&support::client(), &table_name));
    let missing = support::results_dir().join("no-aws-config");

    // One start of each that is not measured: the binaries in the page cache, the server warm.
    if !test {
        for program in &programs {
            start(program, &endpoint, &table_name, &missing);
        }
    }
    let mut starts: [Vec<Start>; 2] = [Vec::new(), Vec::new()];
    for run in 0..runs {
        // Alternating which goes first, so that neither always follows the other.
        let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for index in order {
            starts[index].push(start(&programs[index], &endpoint, &table_name, &missing));
        }
    }

    let expected = &starts[0][0].output;
    for (name, program_starts) in PROGRAMS.iter().zip(&starts) {
        for program_start in program_starts {
            assert_eq!(
                &program_start.output, expected,
                "{name} printed other lines than {}",
                PROGRAMS[0]
            );
        }
    }

    let sizes = programs.each_ref().map(|program| sizes(program));
    let timing = |select: fn(&Start) -> Option<f64>| {
        starts
            .each_ref()
            .map(|s| median_of(s.iter().filter_map(select)))
    };
    let rows = [
        Row {
            name: "spawn to first answer",
            values: timing(|s| Some(s.first_answer.as_nanos() as f64)),
            unit: "ns",
            target: Some(TARGET_RATIO),
        },
        Row {
            name: "spawn to exit",
            values: timing(|s| Some(s.exit.as_nanos() as f64)),
            unit: "ns",
            target: Some(TARGET_RATIO),
        },
        Row {
            name: "CPU time (user + system)",
            values: timing(|s| s.cpu.map(|cpu| cpu.as_nanos() as f64)),
            unit: "ns",
            target: None,
        },
        Row {
            name: "binary size, stripped",
            values: sizes.map(|(_, stripped)| stripped.map(|bytes| bytes as f64)),
            unit: "bytes",
            target: Some(TARGET_RATIO),
        },
        Row {
            name: "binary size, as built",
            values: sizes.map(|(built, _)| Some(built as f64)),
            unit: "bytes",
            target: None,
        },
    ];

    println!(
        "\nCold start and size: {runs} start(s) of each program, alternating (medians), \
         against {endpoint}\n"
    );
    println!(
        "{:<26} {:>12} {:>12} {:>7} {:>8}",
        "measurement", "structnosql", "raw", "ratio", "target"
    );
    let mut measurements = Vec::new();
    for Row {
        name,
        values: [ours, raw],
        unit,
        target,
    } in rows
    {
        let ratio = ours.zip(raw).map(|(ours, raw)| ours / raw);
        println!(
            "{:<26} {:>12} {:>12} {:>7} {:>8}",
            name,
            format_value(ours, unit),
            format_value(raw, unit),
            ratio.map_or("–".to_owned(), |ratio| format!("{ratio:.2}")),
            target.map_or("–".to_owned(), |target| format!("≤ {target:.2}")),
        );
        measurements.push(json!({
            "measurement": name,
            "unit": unit,
            "structnosql": ours,
            "raw": raw,
            "ratio": ratio,
            "target": target,
        }));
    }
    println!("\noutput of both programs: {expected:?}");

    let results: Value = json!({
        "runs": runs,
        "test": test,
        "server": server,
        "programs": PROGRAMS,
        "output": expected,
        "measurements": measurements,
    });
    // A check's single start says little: its results do not replace a full run's.
    if !test {
        support::write_results("cold_start", &results);
    }
}
