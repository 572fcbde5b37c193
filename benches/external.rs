//! What going through an external API costs: each operation on a direct table and on the same
//! table through an `Executor` served over HTTP on 127.0.0.1 (axum, reqwest), both on the embedded
//! server, measured in the same run. Run with `cargo bench --bench external`.

mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use structnosql::external::policy::{Access, Caller, Denied};
use structnosql::external::{axum, Executor, ExternalApi};
use structnosql::table::{Backend, BasicTable, CachingTable, PrimaryIndex, Setters, Table};
use structnosql::TableDataModel;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
struct Reading {
    id: String,
    f0: Option<i64>,
    f1: Option<i64>,
    f2: Option<i64>,
    f3: Option<i64>,
    f4: Option<i64>,
    f5: Option<i64>,
    f6: Option<i64>,
    f7: Option<i64>,
    f8: Option<i64>,
    f9: Option<i64>,
}

fn reading(id: &str) -> Reading {
    Reading {
        id: id.into(),
        f0: Some(0),
        f1: Some(1),
        f2: Some(2),
        f3: Some(3),
        f4: Some(4),
        f5: Some(5),
        f6: Some(6),
        f7: Some(7),
        f8: Some(8),
        f9: Some(9),
    }
}

fn ten_setters(value: i64) -> Setters {
    let f = Reading::fields();
    Setters::new()
        .set(f.f0(), value)
        .set(f.f1(), value)
        .set(f.f2(), value)
        .set(f.f3(), value)
        .set(f.f4(), value)
        .set(f.f5(), value)
        .set(f.f6(), value)
        .set(f.f7(), value)
        .set(f.f8(), value)
        .set(f.f9(), value)
}

/// A table of kind `B` on the DynamoDB table `name`: direct, or through `api`.
async fn table<B: Backend>(name: &str, api: Option<&str>) -> Table<Reading, String, B> {
    let builder = Table::<Reading, String, B>::builder()
        .table_name(name)
        .primary_index(PrimaryIndex::hash("id"));
    match api {
        Some(url) => builder.external_api(ExternalApi::new(url)).build().await,
        None => builder.client(support::client()).build().await,
    }
    .expect("table")
}

/// Serves the DynamoDB table `name` as `name` to any caller over HTTP on 127.0.0.1; its URL.
async fn serve(name: &str) -> String {
    let served = table::<structnosql::table::Direct>(name, None).await;
    let router = Executor::new()
        .serve(name, served, |_: &Access<'_>| Ok::<(), Denied>(()))
        .router(|_: &axum::http::HeaderMap| Some(Caller::new("bench")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let url = format!("http://{}/", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

fn external(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let name = support::unique_table_name("bench-external");
    let (url, direct, through) = runtime.block_on(async {
        BasicTable::<Reading>::builder()
            .table_name(&name)
            .client(support::client())
            .primary_index(PrimaryIndex::hash("id"))
            .auto_create_table(true)
            .build()
            .await
            .expect("create");
        let url = serve(&name).await;
        let direct: BasicTable<Reading> = table(&name, None).await;
        let through: BasicTable<Reading> = table(&name, Some(&url)).await;
        direct.put_record(&reading("r")).await.expect("put");
        (url, direct, through)
    });

    let tables = [("direct", &direct), ("through API", &through)];
    let mut group = c.benchmark_group("external/get_record");
    for (label, table) in tables {
        group.bench_function(label, |b| {
            b.to_async(&runtime)
                .iter(|| async { table.get_record("r").await.expect("get") })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("external/update 10 fields");
    for (label, table) in tables {
        group.bench_function(label, |b| {
            b.to_async(&runtime).iter(|| async {
                table
                    .update_multiple_fields("r", &ten_setters(7))
                    .await
                    .expect("update")
            })
        });
    }
    group.finish();

    // A caching table's commit of 100 records (one write each): 100 UpdateItems sent 16 at a time
    // directly, one HTTP request whose server sends them through the API.
    let caching_direct: CachingTable<Reading> = runtime.block_on(table(&name, None));
    let caching_through: CachingTable<Reading> = runtime.block_on(table(&name, Some(&url)));
    let keys: Vec<String> = (0..100).map(|n| format!("c{n}")).collect();
    let f0 = Reading::fields().f0();
    let mut group = c.benchmark_group("external/commit 100 records");
    group.measurement_time(Duration::from_secs(10));
    for (label, caching) in [
        ("direct", &caching_direct),
        ("through API", &caching_through),
    ] {
        group.bench_function(label, |b| {
            b.to_async(&runtime).iter(|| async {
                for key in &keys {
                    caching
                        .update_field(key.as_str(), f0.clone(), 1)
                        .await
                        .expect("queued");
                }
                let report = caching.commit_operations().await;
                assert!(report.is_success(), "{report:?}");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, external);
criterion_main!(benches);
