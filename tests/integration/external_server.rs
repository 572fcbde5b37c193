//! The external tables' server side: an `Executor` over a real table, answering requests in the
//! wire format. Its own callers get what a `BasicTable` gives them; a hostile caller's requests are
//! each refused with their kind, and none of them reaches DynamoDB.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value as Json};
use structnosql::external::policy::Caller;
use structnosql::external::policy::{self, OwnRecords, ReadOnlyPaths};
use structnosql::external::{axum, Executor};
use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::{MapModel, TableDataModel};

use crate::harness::{self, RequestCounter};

#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Account {
    user_id: String,
    name: Option<String>,
    balance: Option<i64>,
    profile: Option<Profile>,
    tags: Option<HashSet<String>>,
    #[structnosql(read_only)]
    created: Option<i64>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Profile {
    city: Option<String>,
    visits: Option<i64>,
}

fn account(user_id: &str) -> Account {
    Account {
        user_id: user_id.into(),
        name: Some("Ada".into()),
        balance: Some(100),
        profile: Some(Profile {
            city: Some("Paris".into()),
            visits: Some(1),
        }),
        tags: Some(HashSet::from(["a".to_owned(), "b".to_owned()])),
        created: Some(1_700_000_000),
    }
}

struct Server {
    executor: Executor,
    /// A table on the same DynamoDB table, for setting up and checking stored records.
    direct: BasicTable<Account>,
    /// The requests the executor's table sent.
    sent: RequestCounter,
}

/// An executor serving `accounts` to each caller for their own record, `balance` read-only, and
/// the same table as `own` with each caller's record wholly theirs.
async fn server() -> Server {
    let name = harness::unique_table_name("external");
    let direct = BasicTable::<Account>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("user_id"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let (client, sent) = harness::counted_client();
    let served = BasicTable::<Account>::builder()
        .table_name(&name)
        .client(client)
        .primary_index(PrimaryIndex::hash("user_id"))
        .build()
        .await
        .unwrap();
    sent.take();
    let executor = Executor::new()
        .serve("own", served.clone(), OwnRecords::by("user_id"))
        .serve(
            "accounts",
            served,
            policy::all(vec![
                Arc::new(OwnRecords::by("user_id")),
                Arc::new(ReadOnlyPaths::new([["balance"]])),
            ]),
        )
        .refuse_replays(Duration::from_secs(60));
    Server {
        executor,
        direct,
        sent,
    }
}

/// Sends `operation` to `accounts` as `caller`; the HTTP status and the answer.
async fn send(server: &Server, caller: &str, operation: Json) -> (u16, Json) {
    send_to(server, "accounts", caller, operation).await
}

async fn send_to(server: &Server, table: &str, caller: &str, operation: Json) -> (u16, Json) {
    let body = json!({
        "version": 1,
        "table": table,
        "request_id": unique_id(),
        "operation": operation,
    });
    raw(server, caller, body.to_string().as_bytes()).await
}

async fn raw(server: &Server, caller: &str, body: &[u8]) -> (u16, Json) {
    let (status, answer) = server.executor.execute(&Caller::new(caller), body).await;
    (status, serde_json::from_slice(&answer).unwrap())
}

fn unique_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("request-{}", NEXT.fetch_add(1, Ordering::SeqCst))
}

fn key(user_id: &str) -> Json {
    json!({ "user_id": { "S": user_id } })
}

fn data(answer: &(u16, Json)) -> &Json {
    assert_eq!(answer.0, 200, "{}", answer.1);
    &answer.1["data"]
}

/// A caller's own record: every operation answers what a BasicTable answers, and stores the same.
#[tokio::test]
async fn a_caller_reads_and_writes_their_own_record_as_a_basic_table_would() {
    let server = server().await;
    let record = account("u1").to_item().unwrap();
    let put = send_to(
        &server,
        "own",
        "u1",
        json!({ "put_record": { "record": structnosql_json(&record) } }),
    )
    .await;
    assert_eq!(data(&put), &json!({ "written": true }));
    assert_eq!(
        server.direct.get_record("u1").await.unwrap(),
        Some(account("u1"))
    );

    let update = send_to(
        &server,
        "own",
        "u1",
        json!({ "update": {
            "key": key("u1"),
            "writes": [
                { "set": { "path": ["profile", "city"], "value": { "S": "Lyon" } } },
                { "remove": { "path": ["name"] } },
                { "set": { "path": ["tags"], "value": { "SS": ["x"] } } }
            ],
            "return_old": true
        } }),
    )
    .await;
    // What the written paths held (a server may answer more of their maps: only the paths count).
    let old = normalize_sets(data(&update)["old"].clone());
    assert_eq!(
        old["profile"]["M"]["city"],
        json!({ "S": "Paris" }),
        "{old}"
    );
    assert_eq!(old["name"], json!({ "S": "Ada" }), "{old}");
    assert_eq!(old["tags"], json!({ "SS": ["a", "b"] }), "{old}");
    let stored = server.direct.get_record("u1").await.unwrap().unwrap();
    assert_eq!(stored.profile.unwrap().city.as_deref(), Some("Lyon"));
    assert_eq!(stored.name, None);
    assert_eq!(stored.tags, Some(HashSet::from(["x".to_owned()])));

    let fields = send_to(
        &server,
        "own",
        "u1",
        json!({ "get_fields": { "key": key("u1"), "paths": [["profile", "city"], ["name"], ["balance"]] } }),
    )
    .await;
    // What the record holds at the paths; nothing at `name`.
    let fragment = &data(&fields)["record"];
    assert_eq!(fragment["profile"]["M"]["city"], json!({ "S": "Lyon" }));
    assert_eq!(fragment["balance"], json!({ "N": "100" }));
    assert_eq!(fragment.get("name"), None);
    assert_eq!(fragment.get("tags"), None, "only the paths asked for");

    let removed = send_to(
        &server,
        "own",
        "u1",
        json!({ "remove_record": { "key": key("u1") } }),
    )
    .await;
    assert_eq!(data(&removed)["record"]["balance"], json!({ "N": "100" }));
    assert_eq!(server.direct.get_record("u1").await.unwrap(), None);
    let again = send_to(
        &server,
        "own",
        "u1",
        json!({ "get_record": { "key": key("u1") } }),
    )
    .await;
    assert_eq!(data(&again), &json!({ "record": null }));
    let deleted = send_to(
        &server,
        "own",
        "u1",
        json!({ "delete_record": { "key": key("u1") } }),
    )
    .await;
    assert_eq!(data(&deleted), &json!({ "existed": false }));
}

/// The JSON form of an item, through the wire format's own encoding.
fn structnosql_json(item: &structnosql::Item) -> Json {
    structnosql::external::wire::item_to_json(item)
}

/// Sets compared whatever their order.
fn normalize_sets(value: Json) -> Json {
    match value {
        Json::Object(entries) => Json::Object(
            entries
                .into_iter()
                .map(|(name, inner)| match (name.as_str(), inner) {
                    ("SS" | "NS" | "BS", Json::Array(mut members)) => {
                        members.sort_by_key(|member| member.to_string());
                        (name, Json::Array(members))
                    }
                    (_, inner) => (name, normalize_sets(inner)),
                })
                .collect(),
        ),
        other => other,
    }
}

/// One hostile request: what it tries, the body, and the refusal kind it must get.
struct Hostile {
    tries: &'static str,
    body: Vec<u8>,
    kind: &'static str,
}

fn request(operation: Json) -> Vec<u8> {
    json!({ "version": 1, "table": "accounts", "request_id": unique_id(), "operation": operation })
        .to_string()
        .into_bytes()
}

fn hostile_requests() -> Vec<Hostile> {
    let victim = || key("victim");
    let mine = || key("mallory");
    let update = |writes: Json| request(json!({ "update": { "key": mine(), "writes": writes } }));
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_value = (0..40).fold(json!({ "S": "x" }), |inner, _| json!({ "L": [inner] }));
    let mut cases = vec![
        // Other callers' records, on every operation.
        Hostile { tries: "read another caller's fields", body: request(json!({ "get_fields": { "key": victim(), "paths": [["balance"]] } })), kind: "denied" },
        Hostile { tries: "read another caller's record", body: request(json!({ "get_record": { "key": victim() } })), kind: "denied" },
        Hostile { tries: "write another caller's field", body: request(json!({ "update": { "key": victim(), "writes": [{ "set": { "path": ["name"], "value": { "S": "pwned" } } }] } })), kind: "denied" },
        Hostile { tries: "overwrite another caller's record", body: request(json!({ "put_record": { "record": { "user_id": { "S": "victim" }, "name": { "S": "pwned" } } } })), kind: "denied" },
        Hostile { tries: "create a record for another caller", body: request(json!({ "put_record": { "record": { "user_id": { "S": "nobody-yet" } }, "if_absent": true } })), kind: "denied" },
        Hostile { tries: "delete another caller's record", body: request(json!({ "delete_record": { "key": victim() } })), kind: "denied" },
        Hostile { tries: "remove another caller's record", body: request(json!({ "remove_record": { "key": victim() } })), kind: "denied" },
        Hostile { tries: "a key whose value is a number", body: request(json!({ "get_record": { "key": { "user_id": { "N": "1" } } } })), kind: "invalid_key" },
        Hostile { tries: "a key with another attribute", body: request(json!({ "get_record": { "key": { "user_id": { "S": "mallory" }, "role": { "S": "admin" } } } })), kind: "invalid_key" },
        Hostile { tries: "a key without the key attribute", body: request(json!({ "get_record": { "key": { "name": { "S": "mallory" } } } })), kind: "invalid_key" },
        Hostile { tries: "an empty key value", body: request(json!({ "get_record": { "key": { "user_id": { "S": "" } } } })), kind: "invalid_key" },
        // The policy's read-only path, and the model's.
        Hostile { tries: "raise one's own balance", body: update(json!([{ "set": { "path": ["balance"], "value": { "N": "1000000" } } }])), kind: "denied" },
        Hostile { tries: "remove one's own balance", body: update(json!([{ "remove": { "path": ["balance"] } }])), kind: "denied" },
        Hostile { tries: "put one's own record with a new balance", body: request(json!({ "put_record": { "record": { "user_id": { "S": "mallory" }, "balance": { "N": "1000000" } } } })), kind: "denied" },
        Hostile { tries: "write a read-only field", body: update(json!([{ "set": { "path": ["created"], "value": { "N": "1" } } }])), kind: "read_only" },
        Hostile { tries: "rewrite the key attribute", body: update(json!([{ "set": { "path": ["user_id"], "value": { "S": "victim" } } }])), kind: "read_only" },
        // Paths outside the model, and expression text where names belong.
        Hostile { tries: "a field the model does not have", body: update(json!([{ "set": { "path": ["is_admin"], "value": { "BOOL": true } } }])), kind: "unknown_path" },
        Hostile { tries: "read a field the model does not have", body: request(json!({ "get_fields": { "key": mine(), "paths": [["password_hash"]] } })), kind: "unknown_path" },
        Hostile { tries: "a dotted path as one name", body: update(json!([{ "set": { "path": ["profile.city"], "value": { "S": "x" } } }])), kind: "unknown_path" },
        Hostile { tries: "a placeholder as a name", body: update(json!([{ "set": { "path": ["#balance"], "value": { "N": "1" } } }])), kind: "unknown_path" },
        Hostile { tries: "a value placeholder as a name", body: request(json!({ "get_fields": { "key": mine(), "paths": [[":v"]] } })), kind: "unknown_path" },
        Hostile { tries: "expression text as a name", body: update(json!([{ "set": { "path": ["name = :v, balance"], "value": { "S": "x" } } }])), kind: "unknown_path" },
        Hostile { tries: "a path inside the key attribute", body: request(json!({ "get_fields": { "key": mine(), "paths": [["user_id", "x"]] } })), kind: "unknown_path" },
        Hostile { tries: "a list position in a map", body: update(json!([{ "set": { "path": ["profile", 0], "value": { "S": "x" } } }])), kind: "unknown_path" },
        Hostile { tries: "a field below a number", body: update(json!([{ "set": { "path": ["balance", "x"], "value": { "S": "x" } } }])), kind: "unknown_path" },
        Hostile { tries: "an extra field carrying an expression", body: request(json!({ "update": { "key": mine(), "writes": [], "update_expression": "SET balance = :b" } })), kind: "bad_request" },
        // Values of the wrong type or form.
        Hostile { tries: "a number where text belongs", body: update(json!([{ "set": { "path": ["name"], "value": { "N": "1" } } }])), kind: "validation" },
        Hostile { tries: "a map with a field the model does not have", body: update(json!([{ "set": { "path": ["profile"], "value": { "M": { "admin": { "BOOL": true } } } } }])), kind: "validation" },
        Hostile { tries: "a record with a field the model does not have", body: request(json!({ "put_record": { "record": { "user_id": { "S": "mallory" }, "is_admin": { "BOOL": true } } } })), kind: "validation" },
        Hostile { tries: "a number DynamoDB cannot store", body: update(json!([{ "set": { "path": ["profile", "visits"], "value": { "N": "1e999" } } }])), kind: "bad_request" },
        Hostile { tries: "a number that is not one", body: update(json!([{ "set": { "path": ["profile", "visits"], "value": { "N": "NaN" } } }])), kind: "bad_request" },
        Hostile { tries: "a value 41 levels deep", body: update(json!([{ "set": { "path": ["name"], "value": deep_value } }])), kind: "bad_request" },
        Hostile { tries: "a value with two types", body: update(json!([{ "set": { "path": ["name"], "value": { "S": "a", "N": "1" } } }])), kind: "bad_request" },
        // Malformed and oversized bodies.
        Hostile { tries: "an operation the server does not know", body: request(json!({ "drop_table": {} })), kind: "unknown_operation" },
        Hostile { tries: "another version", body: json!({ "version": 2, "table": "accounts", "request_id": unique_id(), "operation": { "get_record": { "key": mine() } } }).to_string().into_bytes(), kind: "unsupported_version" },
        Hostile { tries: "a table the server does not serve", body: json!({ "version": 1, "table": "admins", "request_id": unique_id(), "operation": { "get_record": { "key": mine() } } }).to_string().into_bytes(), kind: "unknown_table" },
        Hostile { tries: "no request id", body: json!({ "version": 1, "table": "accounts", "operation": { "get_record": { "key": mine() } } }).to_string().into_bytes(), kind: "bad_request" },
        Hostile { tries: "an empty body", body: Vec::new(), kind: "bad_request" },
        Hostile { tries: "a body that is not JSON", body: b"\xff\xfe<xml/>".to_vec(), kind: "bad_request" },
        Hostile { tries: "JSON nested 100,000 levels", body: deep_json.into_bytes(), kind: "bad_request" },
        Hostile { tries: "a 2 MiB body", body: request(json!({ "get_fields": { "key": mine(), "paths": [["x".repeat(2 * 1024 * 1024)]] } })), kind: "too_large" },
        Hostile { tries: "1,001 paths", body: request(json!({ "get_fields": { "key": mine(), "paths": vec![json!(["name"]); 1001] } })), kind: "too_large" },
        Hostile { tries: "a path 40 steps deep", body: request(json!({ "get_fields": { "key": mine(), "paths": [vec![json!("profile"); 40]] } })), kind: "bad_request" },
        Hostile { tries: "a path step that is negative", body: request(json!({ "get_fields": { "key": mine(), "paths": [["tags", -1]] } })), kind: "bad_request" },
        Hostile { tries: "an empty name", body: request(json!({ "get_fields": { "key": mine(), "paths": [[""]] } })), kind: "bad_request" },
        Hostile { tries: "an update of nothing", body: update(json!([])), kind: "bad_request" },
        // Batches: every record checked and allowed, or none is read or written.
        Hostile { tries: "a batch get with another caller's record", body: request(json!({ "batch_get": { "keys": [mine(), victim()] } })), kind: "denied" },
        Hostile { tries: "a batch delete of another caller's record", body: request(json!({ "batch_write": { "writes": [{ "delete": mine() }, { "delete": victim() }] } })), kind: "denied" },
        Hostile { tries: "a batch put of a record with a field the model does not have", body: request(json!({ "batch_write": { "writes": [{ "put": { "user_id": { "S": "mallory" }, "is_admin": { "BOOL": true } } }] } })), kind: "validation" },
        Hostile { tries: "a batch get of 101 records", body: request(json!({ "batch_get": { "keys": vec![mine(); 101] } })), kind: "too_large" },
        // Conditions: only paths of the model, only known comparisons, only the caller's records.
        Hostile { tries: "a condition on a field the model does not have", body: request(json!({ "update": { "key": mine(), "writes": [{ "set": { "path": ["name"], "value": { "S": "x" } } }], "condition": { "exists": { "path": ["password_hash"] } } } })), kind: "unknown_path" },
        Hostile { tries: "a condition with expression text as a comparison", body: request(json!({ "delete_record": { "key": mine(), "condition": { "compare": { "path": ["name"], "op": "= :v OR 1", "value": { "S": "x" } } } } })), kind: "validation" },
        Hostile { tries: "probing another caller's record with a condition", body: request(json!({ "delete_record": { "key": victim(), "condition": { "begins_with": { "path": ["name"], "value": { "S": "A" } } } } })), kind: "denied" },
        // Transactions and atomic commits: every action checked and allowed, or nothing is sent.
        Hostile { tries: "a transaction writing another caller's record after one's own", body: request(json!({ "transact_write": { "actions": [{ "table": "accounts", "action": { "update": { "key": mine(), "writes": [{ "set": { "path": ["name"], "value": { "S": "x" } } }] } } }, { "table": "accounts", "action": { "delete": { "key": victim() } } }] } })), kind: "denied" },
        Hostile { tries: "a transaction probing another caller's record with a check", body: request(json!({ "transact_write": { "actions": [{ "table": "accounts", "action": { "check": { "key": victim(), "condition": { "exists": { "path": ["name"] } } } } }] } })), kind: "denied" },
        Hostile { tries: "a transaction raising one's own balance", body: request(json!({ "transact_write": { "actions": [{ "table": "accounts", "action": { "update": { "key": mine(), "writes": [{ "set": { "path": ["balance"], "value": { "N": "1000000" } } }] } } }] } })), kind: "denied" },
        Hostile { tries: "a transaction putting a record with a field the model does not have", body: request(json!({ "transact_write": { "actions": [{ "table": "own", "action": { "put": { "record": { "user_id": { "S": "mallory" }, "is_admin": { "BOOL": true } } } } }] } })), kind: "validation" },
        Hostile { tries: "a transaction on a table the server does not serve", body: request(json!({ "transact_write": { "actions": [{ "table": "admins", "action": { "delete": { "key": mine() } } }] } })), kind: "unknown_table" },
        Hostile { tries: "a transaction of 101 actions", body: request(json!({ "transact_write": { "actions": vec![json!({ "table": "own", "action": { "delete": { "key": mine() } } }); 101] } })), kind: "bad_request" },
        Hostile { tries: "a transaction token of 37 characters", body: request(json!({ "transact_write": { "actions": [{ "table": "own", "action": { "delete": { "key": mine() } } }], "token": "x".repeat(37) } })), kind: "bad_request" },
        Hostile { tries: "a read transaction of another caller's record", body: request(json!({ "transact_get": { "reads": [{ "table": "own", "key": mine() }, { "table": "own", "key": victim() }] } })), kind: "denied" },
        Hostile { tries: "an atomic commit writing another caller's record", body: request(json!({ "atomic_commit": { "records": [{ "key": mine(), "writes": [{ "set": { "path": ["name"], "value": { "S": "x" } } }] }, { "key": victim(), "writes": [{ "set": { "path": ["name"], "value": { "S": "pwned" } } }] }] } })), kind: "denied" },
        Hostile { tries: "an atomic commit creating a path it does not write", body: request(json!({ "atomic_commit": { "records": [{ "key": mine(), "writes": [{ "set": { "path": ["name"], "value": { "S": "x" } } }], "created": [["profile"]] }] } })), kind: "bad_request" },
        Hostile { tries: "a condition nested 200 levels", body: request(json!({ "delete_record": { "key": mine(), "condition": (0..200).fold(json!({ "exists": { "path": ["name"] } }), |inner, _| json!({ "not": inner })) } })), kind: "bad_request" },
    ];
    // Every kind of request once more with the wrong types in each field.
    for operation in [
        "get_fields",
        "get_record",
        "update",
        "put_record",
        "delete_record",
        "remove_record",
        "transact_write",
        "transact_get",
        "atomic_commit",
    ] {
        cases.push(Hostile {
            tries: "an operation whose arguments are a string",
            body: request(json!({ operation: "everything" })),
            kind: "bad_request",
        });
    }
    cases
}

/// A hostile caller's requests: each refused with its kind and the right HTTP status, none sending
/// a request to DynamoDB, none answered with what a record holds.
#[tokio::test]
async fn a_hostile_callers_requests_are_refused_and_none_reaches_dynamodb() {
    let server = server().await;
    server.direct.put_record(&account("victim")).await.unwrap();
    let cases = hostile_requests();
    let mut refused = 0;
    for case in &cases {
        let (status, answer) = raw(&server, "mallory", &case.body).await;
        assert_eq!(answer["success"], json!(false), "{}: {answer}", case.tries);
        assert_eq!(
            answer["error"]["kind"],
            json!(case.kind),
            "{}: {answer}",
            case.tries
        );
        assert!(answer.get("data").is_none(), "{}: {answer}", case.tries);
        let expected_status = match case.kind {
            "denied" | "read_only" => 403,
            "unknown_table" => 404,
            "too_large" => 413,
            _ => 400,
        };
        assert_eq!(status, expected_status, "{}: {answer}", case.tries);
        assert!(
            !answer.to_string().contains("Ada") && !answer.to_string().contains("Paris"),
            "{}: the answer shows the victim's data: {answer}",
            case.tries
        );
        assert_eq!(server.sent.take(), 0, "{}: DynamoDB requests", case.tries);
        refused += 1;
    }
    assert_eq!(refused, cases.len());
    assert!(cases.len() >= 50, "{} cases", cases.len());
    // Nothing changed.
    assert_eq!(
        server.direct.get_record("victim").await.unwrap(),
        Some(account("victim"))
    );
}

/// A denied request reads the same whether or not the record exists.
#[tokio::test]
async fn a_denial_does_not_tell_whether_the_record_exists() {
    let server = server().await;
    server.direct.put_record(&account("victim")).await.unwrap();
    let existing = send(
        &server,
        "mallory",
        json!({ "get_record": { "key": key("victim") } }),
    )
    .await;
    let missing = send(
        &server,
        "mallory",
        json!({ "get_record": { "key": key("ghost") } }),
    )
    .await;
    assert_eq!(existing, missing);
    assert_eq!(existing.0, 403);
    assert_eq!(server.sent.take(), 0);
}

/// A request sent twice is carried out once: the second is refused as a replay, sending nothing.
#[tokio::test]
async fn a_replayed_request_is_refused() {
    let server = server().await;
    let body = request(
        json!({ "update": { "key": key("mallory"), "writes": [{ "set": { "path": ["name"], "value": { "S": "M" } } }] } }),
    );
    let (first, _) = raw(&server, "mallory", &body).await;
    assert_eq!(first, 200);
    assert!(server.sent.take() > 0);
    let (second, answer) = raw(&server, "mallory", &body).await;
    assert_eq!(
        (second, answer["error"]["kind"].clone()),
        (409, json!("replayed"))
    );
    assert_eq!(server.sent.take(), 0);
    // The same name from another caller is that caller's own.
    let (other, _) = raw(&server, "u2", &body).await;
    assert_eq!(
        other, 403,
        "u2 may not write mallory's record, but it is not a replay"
    );
}

/// Over HTTP: the router answers on a real socket, and a request without a caller is refused with
/// 401 before anything else.
#[tokio::test]
async fn the_router_answers_over_http_and_refuses_requests_without_a_caller() {
    let server = server().await;
    let sent = server.sent.clone();
    let direct = server.direct.clone();
    direct.put_record(&account("u1")).await.unwrap();
    let router = server.executor.router(|headers: &axum::http::HeaderMap| {
        let token = headers.get("authorization")?.to_str().ok()?;
        token.strip_prefix("Bearer user:").map(Caller::new)
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let body =
        request(json!({ "get_fields": { "key": key("u1"), "paths": [["profile", "city"]] } }));
    let (status, answer) = http_post(address, Some("Bearer user:u1"), &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["data"]["record"]["profile"]["M"]["city"],
        json!({ "S": "Paris" })
    );

    let (status, answer) = http_post(address, None, &body).await;
    assert_eq!(
        (status, answer["error"]["kind"].clone()),
        (401, json!("unauthenticated"))
    );
    let (status, _) = http_post(
        address,
        Some("Bearer user:u2"),
        &request(json!({ "get_record": { "key": key("u1") } })),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(sent.take(), 1, "only the allowed read reached DynamoDB");
    assert_eq!(
        direct
            .get_field("u1", Account::fields().name())
            .await
            .unwrap()
            .as_deref(),
        Some("Ada")
    );
}

/// A minimal HTTP/1.1 POST: the status and the JSON answer.
async fn http_post(
    address: std::net::SocketAddr,
    authorization: Option<&str>,
    body: &[u8],
) -> (u16, Json) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut head = format!(
        "POST / HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    if let Some(authorization) = authorization {
        head.push_str(&format!("authorization: {authorization}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8(response).unwrap();
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(body).unwrap_or(Json::Null))
}

/// A commit names many records: each is checked and allowed on its own, so another caller's record
/// is denied (sending nothing for it) while the caller's own is written; a commit of more records
/// than the server takes is refused whole.
#[tokio::test]
async fn a_commit_is_allowed_record_by_record() {
    let server = server().await;
    server.direct.put_record(&account("victim")).await.unwrap();
    server.sent.take();
    let write = |user: &str, name: &str| json!({ "key": key(user), "groups": [{ "writes": [{ "set": { "path": ["name"], "value": { "S": name } } }] }] });
    let answer = send(
        &server,
        "mallory",
        json!({ "commit": { "records": [
            write("victim", "pwned"),
            write("mallory", "M"),
            { "key": key("mallory"), "groups": [{ "writes": [{ "set": { "path": ["balance"], "value": { "N": "1" } } }] }] },
            { "key": key("mallory"), "groups": [{ "writes": [{ "set": { "path": ["is_admin"], "value": { "BOOL": true } } }] }] }
        ] } }),
    )
    .await;
    let results = &data(&answer)["results"];
    assert_eq!(results[0]["error"]["kind"], json!("denied"));
    assert_eq!(results[1], json!({ "ok": true }));
    assert_eq!(
        results[2]["error"]["kind"],
        json!("denied"),
        "balance is read-only"
    );
    assert_eq!(results[3]["error"]["kind"], json!("unknown_path"));
    assert_eq!(server.sent.take(), 1, "only mallory's name was written");
    assert_eq!(
        server.direct.get_record("victim").await.unwrap(),
        Some(account("victim"))
    );

    let too_many: Vec<Json> = (0..1001).map(|_| write("mallory", "M")).collect();
    let answer = send(
        &server,
        "mallory",
        json!({ "commit": { "records": too_many } }),
    )
    .await;
    assert_eq!(
        (answer.0, answer.1["error"]["kind"].clone()),
        (413, json!("too_large"))
    );
    assert_eq!(server.sent.take(), 0);
}

/// A policy sees what a request reads: the paths asked for, those its condition tests, and the
/// written paths when their old values are answered; a policy that keeps `balance` unreadable (but
/// writable) therefore denies each of those, and allows the blind write.
#[tokio::test]
async fn a_policy_sees_every_path_a_request_reads() {
    use structnosql::external::policy::{Access, Denied};
    let server = server().await;
    server.direct.put_record(&account("u1")).await.unwrap();
    let balance = structnosql::DocumentPath::from_segments(vec![structnosql::path::Segment::Key(
        "balance".into(),
    )]);
    let executor = Executor::new().serve(
        "accounts",
        server.direct.clone(),
        move |access: &Access<'_>| {
            if access.reads.contains(&balance) || access.whole_record {
                Err(Denied::new("balance is not readable"))
            } else {
                Ok(())
            }
        },
    );
    let ask = |operation: Json| {
        let body = json!({ "version": 1, "table": "accounts", "operation": operation });
        let executor = &executor;
        async move {
            let (status, _) = executor
                .execute(&Caller::new("u1"), body.to_string().as_bytes())
                .await;
            status
        }
    };
    let set = json!([{ "set": { "path": ["balance"], "value": { "N": "5" } } }]);
    assert_eq!(
        ask(json!({ "get_fields": { "key": key("u1"), "paths": [["balance"]] } })).await,
        403
    );
    assert_eq!(
        ask(json!({ "update": { "key": key("u1"), "writes": set, "return_old": true } })).await,
        403
    );
    assert_eq!(
        ask(json!({ "update": { "key": key("u1"), "writes": [{ "set": { "path": ["name"], "value": { "S": "x" } } }],
            "condition": { "compare": { "path": ["balance"], "op": "gt", "value": { "N": "1" } } } } }))
        .await,
        403
    );
    assert_eq!(
        ask(json!({ "get_record": { "key": key("u1") } })).await,
        403
    );
    assert_eq!(
        ask(json!({ "update": { "key": key("u1"), "writes": set } })).await,
        200
    );
    assert_eq!(
        server
            .direct
            .get_field("u1", Account::fields().balance())
            .await
            .unwrap(),
        Some(5)
    );
}
