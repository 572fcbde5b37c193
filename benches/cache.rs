//! The caching table's hot paths — a cache hit, queuing a write, resolving a string path — and a
//! commit of 1,000 records against the same writes sent by hand. Run with `cargo bench --bench cache`.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use structnosql::aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure,
};
use structnosql::aws_sdk_dynamodb::Client;

use criterion::{criterion_group, criterion_main, Criterion};
use structnosql::table::{CachingTable, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, MapModel, TableDataModel};

#[derive(TableDataModel, Debug, Clone)]
#[structnosql(rename_all = "camelCase")]
struct User {
    user_id: String,
    username: Option<String>,
    #[structnosql(key_name = "tokenId")]
    tokens: Option<HashMap<String, Token>>,
}

#[derive(MapModel, Debug, Clone)]
#[structnosql(rename_all = "camelCase")]
struct Token {
    expiration_timestamp: i64,
}

fn cache(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = EmbeddedDynamoDb::start().expect("embedded DynamoDB");
    let table = runtime.block_on(async {
        let table = CachingTable::<User>::builder()
            .table_name("bench-users")
            .client(server.client())
            .primary_index(PrimaryIndex::hash("userId"))
            .auto_create_table(true)
            .build()
            .await
            .expect("table");
        let user = User {
            user_id: "x42".into(),
            username: Some("Paul".into()),
            tokens: Some(HashMap::from([(
                "t32".to_owned(),
                Token {
                    expiration_timestamp: 1618322249,
                },
            )])),
        };
        table.put_record(&user).await.expect("put");
        table
    });
    let path = User::fields().tokens().key("t32").expiration_timestamp();
    let before = table.stats().requests_sent;

    c.bench_function("cache-hit get_field (nested)", |b| {
        b.to_async(&runtime)
            .iter(|| async { table.get_field("x42", path.clone()).await.expect("hit") })
    });
    assert_eq!(
        table.stats().requests_sent,
        before,
        "every read was a cache hit"
    );

    c.bench_function("queue a pending update (nested)", |b| {
        b.to_async(&runtime).iter(|| async {
            table
                .update_field("x42", path.clone(), 1618322250)
                .await
                .expect("queued")
        })
    });
    assert_eq!(
        table.stats().requests_sent,
        before,
        "updates were only queued"
    );
    table.clear_pending_operations();

    c.bench_function("resolve a string path", |b| {
        b.iter(|| {
            structnosql::path::resolve(
                User::model_schema(),
                "tokens.{{tokenId}}.expirationTimestamp",
                &[("tokenId", "t32")],
            )
            .expect("known path")
        })
    });
}

/// Ten top-level counters per record: a commit writes each record in one UpdateItem.
#[derive(TableDataModel, Debug, Clone)]
struct Tally {
    id: String,
    c0: Option<i64>,
    c1: Option<i64>,
    c2: Option<i64>,
    c3: Option<i64>,
    c4: Option<i64>,
    c5: Option<i64>,
    c6: Option<i64>,
    c7: Option<i64>,
    c8: Option<i64>,
    c9: Option<i64>,
}

const RECORDS: usize = 1000;
const CONCURRENCY: usize = 16;

/// One record's ten writes as hand-written SDK code would send them.
async fn raw_update(client: &Client, table: &str, id: String, value: i64) {
    let names = (0..10)
        .map(|i| (format!("#n{i}"), format!("c{i}")))
        .collect();
    let values = (0..10)
        .map(|i| (format!(":v{i}"), AttributeValue::N((value + i).to_string())))
        .collect();
    let expression = (0..10)
        .map(|i| format!("#n{i} = :v{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    client
        .update_item()
        .table_name(table)
        .key("id", AttributeValue::S(id))
        .update_expression(format!("SET {expression}"))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .return_values(ReturnValue::None)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await
        .expect("UpdateItem");
}

/// A commit of 1,000 records × 10 queued writes against 1,000 hand-written UpdateItem calls sent with
/// the same concurrency, on the embedded server.
fn commit(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (client, counter) = support::counted_client();
    let name = support::unique_table_name("tallies");
    let table = runtime.block_on(async {
        CachingTable::<Tally>::builder()
            .table_name(&name)
            .client(client.clone())
            .primary_index(PrimaryIndex::hash("id"))
            .commit_concurrency(CONCURRENCY)
            .auto_create_table(true)
            .build()
            .await
            .expect("table")
    });
    counter.take(); // the table's creation
    let mut group = c.benchmark_group("commit 1,000 records x 10 writes");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut round = 0;
    group.bench_function("structnosql", |b| {
        b.to_async(&runtime).iter(|| {
            round += 1;
            let table = &table;
            let value = round * 100;
            async move {
                let f = Tally::fields();
                for record in 0..RECORDS {
                    let id = format!("r{record}");
                    for (i, path) in [
                        f.c0(),
                        f.c1(),
                        f.c2(),
                        f.c3(),
                        f.c4(),
                        f.c5(),
                        f.c6(),
                        f.c7(),
                        f.c8(),
                        f.c9(),
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        table
                            .update_field(id.as_str(), path, value + i as i64)
                            .await
                            .expect("queued");
                    }
                }
                let report = table.commit_operations().await;
                assert!(report.is_success(), "{report:?}");
            }
        })
    });
    let sent = counter.take();
    let commits = sent / RECORDS as u64;
    assert_eq!(
        sent % RECORDS as u64,
        0,
        "one request per record per commit"
    );
    assert!(commits > 0);
    group.bench_function("raw", |b| {
        b.to_async(&runtime).iter(|| {
            round += 1;
            let (client, name) = (&client, name.as_str());
            let value = round * 100;
            async move {
                futures::stream::iter(0..RECORDS)
                    .map(|record| raw_update(client, name, format!("r{record}"), value))
                    .buffer_unordered(CONCURRENCY)
                    .collect::<Vec<()>>()
                    .await;
            }
        })
    });
    group.finish();
}

criterion_group!(benches, cache, commit);
criterion_main!(benches);
