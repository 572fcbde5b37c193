//! Runs every program of `examples/` and compares what it prints with its snapshot,
//! `tests/examples/<name>.stdout`. `SNAPSHOTS=overwrite cargo test --test examples` rewrites the
//! snapshots from what the examples print, and writes one for a new example.
//!
//! The example binaries are not built by this test: `cargo test` builds them along with the tests, and
//! `cargo test --test examples` alone does not, so run `cargo build --examples` first. The binaries are
//! found next to this test's own: `<target>/<profile>/deps/examples-<hash>` →
//! `<target>/<profile>/examples/<name>`.
//!
//! Each example starts its own embedded DynamoDB, whose port the system picks: it reads `[PORT]` in
//! the snapshots.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use regex::Regex;
use snapbox::{Assert, Data, Redactions};

fn in_package(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `<target>/<profile>/examples`, found from this test binary's path.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the path of the test binary");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("{} is not in <target>/<profile>/deps", exe.display()));
    profile_dir.join("examples")
}

/// The names of the files of `dir` ending in `.extension`, without it.
fn names_in(dir: &Path, extension: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|found| found == extension))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Runs the built example `name` and returns its standard output, or why it could not.
fn run_example(name: &str) -> Result<String, String> {
    let binary = examples_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !binary.is_file() {
        return Err(format!(
            "the example binary {} is missing: run `cargo build --examples` first",
            binary.display()
        ));
    }
    // A binary older than its sources would test stale code. An example that does not include the
    // shared module is not rebuilt when it changes, so only its own file counts for it.
    let source = in_package(&format!("examples/{name}.rs"));
    let mut sources = vec![source.clone()];
    if std::fs::read_to_string(&source).is_ok_and(|text| text.contains("mod common;")) {
        sources.push(in_package("examples/common/mod.rs"));
    }
    let built = modified(&binary);
    for source in sources {
        if let (Some(built), Some(edited)) = (built, modified(&source)) {
            if edited > built {
                return Err(format!(
                    "the example binary {} is older than {}: run `cargo build --examples` first",
                    binary.display(),
                    source.display()
                ));
            }
        }
    }
    let output = Command::new(&binary)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
    let stdout = String::from_utf8(output.stdout)
        .map_err(|error| format!("{name} printed invalid UTF-8: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{name} exited with {}\n--- stdout\n{stdout}--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(stdout)
}

/// Compares with the snapshots, or rewrites them under `SNAPSHOTS=overwrite`.
fn snapshots() -> Assert {
    let mut redactions = Redactions::new();
    let port = Regex::new(r"127\.0\.0\.1:(?<redacted>\d+)").expect("the port pattern");
    redactions
        .insert("[PORT]", port)
        .expect("a valid placeholder");
    Assert::new()
        .action_env("SNAPSHOTS")
        .redact_with(redactions)
}

/// Runs the example `name` and compares its standard output with its snapshot.
fn check(name: &str, snapshots: &Assert) -> Result<(), String> {
    let stdout = run_example(name)?;
    let snapshot = in_package(&format!("tests/examples/{name}.stdout"));
    snapshots
        .try_eq(
            Some(&name),
            Data::text(stdout),
            Data::read_from(&snapshot, None),
        )
        .map_err(|error| error.to_string())
}

#[test]
fn every_example_prints_its_snapshot() {
    let examples = names_in(&in_package("examples"), "rs");
    let mut run = examples.clone();
    // Through external tables (`STRUCTNOSQL_INTERNALS_THROUGH_API=1`, every table served by an
    // in-process executor), the one example of what only a direct table does is left out: an
    // unvalidated put skips the client's checks, and the API's server checks every record.
    if std::env::var("STRUCTNOSQL_INTERNALS_THROUGH_API").is_ok_and(|value| value == "1") {
        run.remove("migration");
    }
    let snapshots = snapshots();
    // Each example starts its own server, so they can all run at once.
    let mut failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = run
            .iter()
            .map(|name| scope.spawn(|| check(name, &snapshots)))
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().expect("the runner thread panicked").err())
            .collect()
    });
    for orphan in names_in(&in_package("tests/examples"), "stdout").difference(&examples) {
        failures.push(format!(
            "tests/examples/{orphan}.stdout is the snapshot of no example"
        ));
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) with the examples and their snapshots:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
