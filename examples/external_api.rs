//! A table through your own HTTP API, for programs that hold no AWS credentials: the server serves
//! a `BasicTable` with an `Executor` (here an axum route on 127.0.0.1, and a request handed to it
//! directly as any framework would), whose policy lets each user reach only their own profile and
//! never change its `plan`; the client builds the same `BasicTable` and `CachingTable` with
//! `external_api` instead of a DynamoDB client.
//!
//! Run it with `cargo run --example external_api`.

use structnosql::external::policy::{self, Caller, OwnRecords, ReadOnlyPaths};
use structnosql::external::{axum, Executor, ExternalApi};
use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, Error, MapModel, TableDataModel};

#[derive(TableDataModel, Debug, Clone, PartialEq)]
struct Profile {
    user_id: String,
    name: Option<String>,
    plan: Option<String>,
    settings: Option<Settings>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
struct Settings {
    theme: Option<String>,
    language: Option<String>,
}

/// The server side: an executor over a DynamoDB table, on an axum route (its URL), and the same
/// executor for any other framework. A real application verifies a session or a token here; this
/// one trusts an `x-user` header.
async fn start_api(
    server: &EmbeddedDynamoDb,
) -> Result<(String, Executor), Box<dyn std::error::Error>> {
    let profiles = BasicTable::<Profile>::builder()
        .table_name("profiles")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("user_id"))
        .auto_create_table(true)
        .build()
        .await?;
    profiles
        .put_record(&Profile {
            user_id: "ada".into(),
            name: Some("Ada".into()),
            plan: Some("free".into()),
            settings: None,
        })
        .await?;
    let policy = policy::all(vec![
        std::sync::Arc::new(OwnRecords::by("user_id")),
        std::sync::Arc::new(ReadOnlyPaths::new([["plan"]])),
    ]);
    let executor = Executor::new().serve("profiles", profiles, policy);
    let router = executor.clone().router(|headers: &axum::http::HeaderMap| {
        Some(Caller::new(headers.get("x-user")?.to_str().ok()?))
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/db", listener.local_addr()?);
    let app = axum::Router::new().nest("/db", router);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, executor))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let (url, executor) = start_api(&server).await?;

    // The client side: no AWS client, only the API and who is asking.
    let api = ExternalApi::new(&url).header("x-user", "ada");
    let profiles = BasicTable::<Profile>::builder()
        .table_name("profiles")
        .external_api(api.clone())
        .primary_index(PrimaryIndex::hash("user_id"))
        .build()
        .await?;
    let f = Profile::fields();
    println!("name: {:?}", profiles.get_field("ada", f.name()).await?);
    profiles
        .update_field("ada", f.settings().theme(), "dark".to_owned())
        .await?;
    println!(
        "theme: {:?}",
        profiles.get_field("ada", f.settings().theme()).await?
    );

    // What the policy does not allow is denied, whether or not the record exists.
    match profiles
        .update_field("ada", f.plan(), "pro".to_owned())
        .await
    {
        Err(Error::Denied { operation, .. }) => println!("changing the plan: denied ({operation})"),
        other => println!("changing the plan: {other:?}"),
    }
    match profiles.get_record("grace").await {
        Err(Error::Denied { .. }) => println!("reading grace's profile: denied"),
        other => println!("reading grace's profile: {other:?}"),
    }

    // A caching table through the same API: one read, writes queued, one request at commit.
    let cached = CachingTable::<Profile>::builder()
        .table_name("profiles")
        .external_api(api)
        .primary_index(PrimaryIndex::hash("user_id"))
        .build()
        .await?;
    println!(
        "cached name: {:?}",
        cached.get_field("ada", f.name()).await?
    );
    cached
        .update_field("ada", f.name(), "Ada Lovelace".to_owned())
        .await?;
    cached
        .update_field("ada", f.settings().language(), "en".to_owned())
        .await?;
    let report = cached.commit_operations().await;
    println!(
        "committed {:?}; HTTP requests sent: {}",
        report.committed,
        cached.stats().requests_sent
    );
    println!("stored: {:?}", profiles.get_record("ada").await?);

    // Any other framework (or a serverless function): hand the executor each request body with the
    // caller you authenticated, and send back the status and body it answers. Here, the request a
    // client in another language would send.
    let body = br#"{"version": 1, "table": "profiles", "request_id": "r1", "operation":
        {"get_fields": {"key": {"user_id": {"S": "ada"}}, "paths": [["settings", "theme"]]}}}"#;
    let (status, answer) = executor.execute(&Caller::new("ada"), body).await;
    println!(
        "any framework: HTTP {status} {}",
        String::from_utf8(answer)?
    );
    Ok(())
}
