//! Runs every program of `examples/` and checks what it prints.
//!
//! The example binaries are not built by this test: `cargo test` builds them along with the tests, and
//! `cargo test --test examples` alone does not, so run `cargo build --examples` first. The binaries are
//! found next to this test's own: `<target>/<profile>/deps/examples-<hash>` →
//! `<target>/<profile>/examples/<name>`.
//!
//! Each sample example starts its own embedded DynamoDB and must print exactly the text below. The
//! quickstart is maintained with the README, so only its last line is checked.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// Every sample example and its complete standard output.
const EXPECTED: &[(&str, &str)] = &[
    (
        "leading_key",
        "\
acme c1: Some(\"Ada\")
globex c1: Some(\"Grace\")
acme scan sees keys [\"c1\"]
stored keys [\"acme#c1\", \"globex#c1\"]
",
    ),
    (
        "migration",
        "\
put_record refuses it: invalid value: nickname: longer than 8 characters
put_record_unvalidated wrote Some(Some(\"from the old days\"))
get_record refuses it: stored data does not match the model: age: expected an integer (i64), found a string
get_record_lenient: age None, dropped [\"age\"]
",
    ),
    (
        "transformers",
        "\
stored: email=Some(\"ada.l@example.com\") greeting=Some(\"Hello\")
read 1: Some(\"Hello!\") (from cache: false)
read 2: Some(\"Hello!\") (from cache: true)
record: Some(\"ada.l@example.com\") Some(\"Hello!\")
",
    ),
    (
        "read_only_fields",
        "\
created at Some(1700000000)
refused: limits.daily is read-only
refused: createdAt is read-only
refused: limits is read-only
stored: created_at=1700000000 limits=Some({\"daily\": 500}) note=Some(\"VIP\")
",
    ),
    (
        "default_values",
        "\
created: Some(GameStats { wins: 0, rank: \"bronze\", active: false, notes: None })
created: Some(GameStats { wins: 0, rank: \"gold\", active: false, notes: None })
",
    ),
    (
        "flattened_structs",
        "\
stored attributes: [\"articleId\", \"revision\", \"title\", \"updatedBy\"]
revision = Some(2)
refused: revision: must be positive
record: Audit { updated_by: \"grace\", revision: 2 }
",
    ),
    (
        "transactions",
        "\
t1: moved 70 from a to b
t2 cancelled: Update accounts[a] -> ConditionalCheckFailed
t2 cancelled: Update accounts[b] -> -
t2 cancelled: Put transfers[t2] -> -
balances a=Some(30) b=Some(70)
transfers t1=Some(70) t2=None
",
    ),
    (
        "conditional_writes",
        "\
spend 1: done, balance 20
spend 2: refused, balance stays 20
both copies read version Some(1)
they saved: version is now 2
my save conflicts: expected version Some(\"1\"), found Some(\"2\")
stored: Some(\"Their title\") at version Some(2)
",
    ),
    (
        "get_field_single_selection",
        "\
Relationship status with b112 is businessPartner
",
    ),
    (
        "get_field_multi_selectors",
        r#"{"friend.name": "Malo", "friend.profession": "electrical engineer", "friend.score": 100}
Typed : name = "Malo", score = 100
"#,
    ),
    (
        "get_multiple_fields_basic",
        r#"{"name": "Robinson", "tokenExpiration": null, "lastConnectionTimestamp": 1607220132}
"#,
    ),
    (
        "query_field_basic",
        r#"Query result : x42 => ShoppingCartItem { product_name: "Soluble coffee jar", quantity: 8, max_discount_percent: None }
QueryMetadata(count=1, has_reached_end=true, last_evaluated_key=None)
"#,
    ),
    (
        "query_field_pagination",
        "\
Here is 3 thriller tv shows you might enjoy :
Breaking Bad (id: b12)
Dark (id: b45)
Hannibal (id: d52)

Here is 3 other thriller tv shows :
Narcos (id: h57)
The Walking Dead (id: n96)
Chernobyl (id: p05)

There might be some remaining movies to show
Now i'm really done, here all the remaining tv shows : []
",
    ),
    (
        "query_multiple_fields_basic",
        r#"Here is some thriller tv shows you might enjoy :
{"name": "Breaking Bad", "imdb_rating": 9.4} (id: b12)
{"name": "Dark", "imdb_rating": 8.8} (id: b45)
{"name": "Hannibal", "imdb_rating": 8.5} (id: d52)
QueryMetadata(count=3, has_reached_end=false, last_evaluated_key={"id": "d52", "primaryType": "Thriller"})
"#,
    ),
    (
        "paginated_query_field_basic",
        "\
Here is some thriller tv shows you might enjoy :
Breaking Bad (id: b12)
Dark (id: b45)
Hannibal (id: d52)

Here is some thriller tv shows you might enjoy :
Narcos (id: h57)
The Walking Dead (id: n96)
Chernobyl (id: p05)

No tv shows found in response, you might have hit the end of records.

All tv shows have been retrieved.
",
    ),
    (
        "paginated_query_multiple_fields_basic",
        r#"Here is some thriller tv shows you might enjoy :
{"name": "Breaking Bad", "imdb_rating": 9.4} (id: b12)
{"name": "Dark", "imdb_rating": 8.8} (id: b45)
{"name": "Hannibal", "imdb_rating": 8.5} (id: d52)

Here is some thriller tv shows you might enjoy :
{"name": "Narcos", "imdb_rating": 8.8} (id: h57)
{"name": "The Walking Dead", "imdb_rating": 8.2} (id: n96)
{"name": "Chernobyl", "imdb_rating": 9.4} (id: p05)

No tv shows found in response, you might have hit the end of records.

All tv shows have been retrieved.
"#,
    ),
    (
        "update_field_basic",
        "\
Update success : true
Retrieved new name : Paul
",
    ),
    (
        "update_field_return_old_basic",
        "\
Update success : true
Retrieved old value : Robinson
New username in database : Paul
",
    ),
    (
        "update_multiple_fields_basic",
        "\
Multi update success : false
Rejected, nothing written; invalid values at : tokens.t42.expirationTimestamp, lastConnectionTimestamp
Username in database : Robinson
Multi update with valid values success : true
Username in database : Paul
tokens.t42.expirationTimestamp : 1618324660
lastConnectionTimestamp : 1606714120
",
    ),
    (
        "update_multiple_fields_return_old_basic",
        r#"Multi update success : true
Retrieved old values : {"name": "Robinson", "old_mail_status": {"status": "not-read"}}
"#,
    ),
    (
        "delete_field_basic",
        "\
Deletion success result : true
Deleting it again : false
",
    ),
    (
        "delete_multiple_fields_basic",
        r#"Removed items status : {"shoppingCartItem": true, "removedTokens": true}
"#,
    ),
    (
        "remove_field_basic",
        r#"Removed item : ShoppingCartItem { product_name: "Soluble coffee jar", quantity: 8, max_discount_percent: Some(33) }
"#,
    ),
    (
        "remove_field_multi_fields_selector",
        r#"Removed mail attributes : {"mail.timestampForAutoAnswer": 1627252059, "mail.isNotRead": true}
Mail left in database : Mail { status: None, received_timestamp: Some(1627134011), timestamp_for_auto_answer: None, is_not_read: None }
"#,
    ),
    (
        "remove_multiple_fields_basic",
        r#"Removed items : {"shoppingCartItem": {"productName": "Soluble coffee jar", "quantity": 8}, "removedTokens": {"t32": {"expirationTimestamp": 1618322249}}}
Removed tokens : {"t32": AuthToken { expiration_timestamp: 1618322249 }}
"#,
    ),
    (
        "caching_has_pending_operations_basic",
        r#"First has_pending_operations : false
Username update expected success : true
requests sent : 0
Second has_pending_operations : true
Operations commit success : true (committed: ["x42"], failed: [])
requests sent : 1
Third has_pending_operations : false
Username in database : "Paul"
"#,
    ),
    (
        "caching_has_pending_update_operations_basic",
        r#"First has_pending_update_operations : false
Username update expected success : true
requests sent : 0
Second has_pending_update_operations : true
Commit success : true (committed: ["x42"], failed: [])
requests sent : 1
Third has_pending_update_operations : false
Username in database : "Paul"
"#,
    ),
    (
        "caching_has_pending_remove_operations_basic",
        r#"First has_pending_update_operations before deletion : false
Deletion expected success : true
requests sent : 0
Second has_pending_remove_operations before commit : true
Operations commit success : true (committed: ["x42"], failed: [])
requests sent : 1
Third has_pending_remove_operations after commit : false
Mail m42 in database : null
"#,
    ),
    (
        "caching_clear_pending_remove_operations_basic",
        r#"First has_pending_update_operations before deletion : false
Deletion expected success : true
Second has_pending_remove_operations before commit : true
Operations commit success : true (committed: ["x42"], failed: [])
Third has_pending_remove_operations after commit : false
Mail m42 in database : null
Username deletion expected success : true
Fourth has_pending_remove_operations before clear : true
Fifth has_pending_remove_operations after clear : false
Username after clear : {value: "Robinson", from_cache: true}
requests sent : 0
Username in database : "Robinson"
"#,
    ),
    (
        "caching_clear_pending_operations_basic",
        r#"First has_pending_operations before update : false
Update expected success : true
Second has_pending_operations before clear : true
Third has_pending_operations after clear : false
Username after clear : {value: "Robinson", from_cache: true}
requests sent : 0
Username in database : "Robinson"
"#,
    ),
    (
        "caching_clear_pending_update_operations_basic",
        r#"First has_pending_update_operations before update : false
Update expected success : true
Second has_pending_update_operations before clear : true
Third has_pending_update_operations after clear : false
Username after clear : {value: "Robinson", from_cache: true}
requests sent : 0
Username in database : "Robinson"
"#,
    ),
    (
        "caching_clear_pending_operations_discrepancy",
        r#"First has_pending_update_operations before remove : false
Removed mail item value expected to be from cache : {"status": "not-read"}
requests sent : 0
Second has_pending_remove_operations after removal from cache : true
Mail after clear : {value: {"status": "not-read"}, from_cache: true}
mail_item_expected_deletion_success : true
Third has_pending_remove_operations : true
requests sent : 0
Removed mail from in-memory cache : null
requests sent : 0
Fourth has_pending_remove_operations : true
Removed mail from database : null
requests sent : 0
Operations commit success : true (committed: ["x42"], failed: [])
Mail m42 in database : null
requests sent : 0
Removed username, not cached : "Robinson"
requests sent : 2
Fifth has_pending_operations : false
Mail m43 in database : {"status": "read"}
"#,
    ),
    (
        "caching_clear_pending_remove_operations_discrepancy",
        r#"First has_pending_update_operations before remove : false
Removed mail item value expected to be from cache : {"status": "not-read"}
requests sent : 0
Second has_pending_remove_operations after removal from cache : true
Mail after clear : {value: {"status": "not-read"}, from_cache: true}
mail_item_expected_deletion_success : true
Third has_pending_remove_operations : true
requests sent : 0
Removed mail from in-memory cache : null
requests sent : 0
Fourth has_pending_remove_operations : true
Removed mail from database : null
requests sent : 0
Operations commit success : true (committed: ["x42"], failed: [])
Mail m42 in database : null
"#,
    ),
    (
        "caching_clear_pending_update_operations_discrepancy",
        r#"First has_pending_update_operations before remove : false
Removed mail item value expected to be from cache : {"status": "not-read"}
Second has_pending_remove_operations after removal from cache : true
Mail after clear : {value: {"status": "not-read"}, from_cache: true}
mail_item_expected_deletion_success : true
Third has_pending_remove_operations : true
removed_value : null
requests sent : 0
Fourth has_pending_update_operations : false
Fifth has_pending_update_operations before clear : true
Sixth has_pending_update_operations after clear : false
Sixth has_pending_remove_operations after clear : true
Username after clear : {value: "Robinson", from_cache: false}
requests sent : 1
Operations commit success : true (committed: ["x42"], failed: [])
requests sent : 1
Mail m42 in database : null
Username in database : "Robinson"
"#,
    ),
    (
        "caching_clear_cached_data_basic",
        r#"First retrieval username value : {value: "Robinson", from_cache: false}
Second retrieval username value : {value: "Robinson", from_cache: true}
Third retrieval username value : {value: "Robinson", from_cache: false}
"#,
    ),
    (
        "caching_clear_cached_data_for_record_basic",
        r#"Retrieved tv shows : {"b12": {"name": "Breaking Bad", "ratings": {"imdb": 9.4}}, "d52": {"name": "Hannibal", "ratings": {"imdb": 8.5}}}
requests sent : 1
TV shows names to keys : {"Breaking Bad": "b12", "Hannibal": "d52"}
Breaking bad imdb rating : {value: 9.4, from_cache: false}
Hannibal imdb rating : {value: 8.5, from_cache: true}
requests sent : 1
"#,
    ),
    (
        "caching_commit_operations_basic",
        r#"Username update expected success : true
Token deletion expected success : true
requests sent : 0
Commit success : true (committed: ["x42"], failed: [])
Record in database : {"userId": "x42"}
"#,
    ),
    (
        "caching_commit_remove_operations_basic",
        r#"Token deletion expected success : false
requests sent : 1
Commit success : true (committed: [], failed: [])
requests sent : 0
Record in database : null
Cached username deletion expected success : true
requests sent : 0
Commit success : true (committed: ["x42"], failed: [])
requests sent : 1
Username in database : null
"#,
    ),
    (
        "caching_commit_update_operations_basic",
        r#"Username update expected success : true
requests sent : 0
Commit success : true (committed: ["x42"], failed: [])
requests sent : 1
Username in database : "Paul"
"#,
    ),
    (
        "batch_basic",
        r#"Written : 60 players, left unprocessed : []
Found p07 : Player { player_id: "p07", name: "Player 7", score: 70 }
Found p42 : Player { player_id: "p42", name: "Player 42", score: 420 }
Missing : ["p99"]
Score of p01 : 10
Score of p02 : 20
Score of p03 : 30
Deleted : 60 players, complete : true
Still there : 0, missing : 60
"#,
    ),
    (
        "scan_basic",
        r#"Rated 9 or more :
  Breaking Bad (id: b12)
  Game of Thrones (id: c30)
  Chernobyl (id: p05)
Pages of at most 4 records : [4, 4, 1]
Thrillers, from 3 parallel segments : ["Breaking Bad", "Chernobyl", "Dark", "Hannibal", "Narcos", "The Walking Dead"]
"#,
    ),
];

/// The last line the quickstart prints (its other lines belong to the README's maintainers).
const QUICKSTART_LAST_LINE: &str = "read back tokens.t32.expirationTimestamp = 1618322249";

/// `<target>/<profile>/examples`, found from this test binary's path.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the path of the test binary");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("{} is not in <target>/<profile>/deps", exe.display()));
    profile_dir.join("examples")
}

fn source_of(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.rs"))
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
    let source = source_of(name);
    let mut sources = vec![source.clone()];
    if std::fs::read_to_string(&source).is_ok_and(|text| text.contains("mod common;")) {
        sources.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/common/mod.rs"));
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

#[test]
fn every_sample_example_prints_exactly_the_expected_output() {
    // Each example starts its own server, so they can all run at once.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = EXPECTED
            .iter()
            .map(|&(name, expected)| (name, expected, scope.spawn(move || run_example(name))))
            .collect();
        runs.into_iter()
            .filter_map(|(name, expected, run)| {
                match run.join().expect("the runner thread panicked") {
                    Ok(stdout) if stdout == expected => None,
                    Ok(stdout) => Some(format!(
                        "{name} printed something else.\n--- expected\n{expected}--- printed\n{stdout}---"
                    )),
                    Err(problem) => Some(problem),
                }
            })
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n\n{}",
        failures.len(),
        EXPECTED.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_quickstart_reads_the_token_back() {
    let stdout = run_example("quickstart").unwrap_or_else(|problem| panic!("{problem}"));
    assert_eq!(
        stdout.lines().last(),
        Some(QUICKSTART_LAST_LINE),
        "the quickstart printed:\n{stdout}"
    );
}

#[test]
fn every_example_is_checked() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut unchecked = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the examples directory") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|extension| extension == "rs") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if name != "quickstart" && !EXPECTED.iter().any(|(checked, _)| *checked == name) {
                unchecked.push(name);
            }
        }
    }
    unchecked.sort();
    assert!(
        unchecked.is_empty(),
        "examples with no expected output in tests/examples.rs: {unchecked:?}"
    );
}
