//! Client-side cost of the caching table's hot paths: a cache hit, queuing a write, resolving a
//! string path. Run with `cargo bench --bench cache`.

use std::collections::HashMap;

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

criterion_group!(benches, cache);
criterion_main!(benches);
