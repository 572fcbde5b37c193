//! The external tables' server on any request body: decoding, the checks against the model and the
//! policy. The policy denies everything, so no body reaches DynamoDB; every answer must be a
//! refusal in the wire format, with the status of its kind, and nothing may panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use structnosql::external::policy::{Access, Caller, Denied};
use structnosql::external::wire::Answer;
use structnosql::external::Executor;
use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::{MapModel, TableDataModel};

#[derive(TableDataModel)]
struct Account {
    user_id: String,
    name: Option<String>,
    balance: Option<i64>,
    profile: Option<Profile>,
    tags: Option<std::collections::HashSet<String>>,
    items: Option<Vec<Profile>>,
}

#[derive(MapModel)]
struct Profile {
    city: Option<String>,
    visits: Option<i64>,
}

struct Server {
    runtime: tokio::runtime::Runtime,
    executor: Executor,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        // A client that is never used: the policy denies every request before it would be.
        let client = structnosql::client_for_local_endpoint("http://127.0.0.1:9");
        let table = runtime
            .block_on(
                BasicTable::<Account>::builder()
                    .table_name("accounts")
                    .client(client)
                    .primary_index(PrimaryIndex::hash("user_id"))
                    .build(),
            )
            .expect("table");
        let executor = Executor::new()
            .serve("accounts", table, |_: &Access<'_>| Err(Denied::new("fuzzing")))
            .max_body_bytes(64 * 1024);
        Server { runtime, executor }
    })
}

fuzz_target!(|body: &[u8]| {
    let server = server();
    let (status, answer) = server
        .runtime
        .block_on(server.executor.execute(&Caller::new("fuzzer"), body));
    let answer: Answer = serde_json::from_slice(&answer).expect("an answer in the wire format");
    assert!(!answer.success);
    let refusal = answer.error.expect("a refusal");
    assert_eq!(status, refusal.kind.status());
});
