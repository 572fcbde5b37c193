//! One `CachingTable` shared by several tasks: DynamoDB applies one record's writes in the order the
//! caller made them, also when a request is delayed or retried while a later commit starts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use structnosql::aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use structnosql::aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::aws_sdk_dynamodb::Client;
use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};
use structnosql::TableDataModel;

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Counter {
    pub counter_id: String,
    pub x: Option<i64>,
    pub by_task: Option<HashMap<String, i64>>,
}

/// Holds back UpdateItem requests before they are sent: the `first`-th one by `delay`, and then
/// every `every`-th (0: none), as a slow network or an SDK retry after a time-out would. It blocks
/// the runtime thread that sends, so tests run on a multi-threaded runtime.
#[derive(Debug, Clone)]
struct SlowUpdates {
    updates: Arc<AtomicU64>,
    first: u64,
    every: u64,
    delay: Duration,
}

impl Intercept for SlowUpdates {
    fn name(&self) -> &'static str {
        "SlowUpdates"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        let is_update = context
            .request()
            .headers()
            .get("x-amz-target")
            .is_some_and(|target| target.ends_with(".UpdateItem"));
        if is_update {
            let n = self.updates.fetch_add(1, Ordering::SeqCst) + 1;
            if n == self.first || (self.every != 0 && n.is_multiple_of(self.every)) {
                std::thread::sleep(self.delay);
            }
        }
        Ok(())
    }
}

async fn tables(slow: SlowUpdates) -> (Arc<CachingTable<Counter>>, BasicTable<Counter>, String) {
    let config = harness::client()
        .config()
        .to_builder()
        .interceptor(slow)
        .build();
    let name = harness::unique_table_name("order");
    let basic = BasicTable::<Counter>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("counterId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let caching = CachingTable::<Counter>::builder()
        .table_name(&name)
        .client(Client::from_conf(config))
        .primary_index(PrimaryIndex::hash("counterId"))
        .build()
        .await
        .unwrap();
    (Arc::new(caching), basic, name)
}

/// The issue's case: commit A's UpdateItem is held back 800 ms; meanwhile a later write and commit
/// B. Both succeed, and DynamoDB and the cache hold B's value.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_delayed_commit_never_lands_after_a_later_one() {
    let slow = SlowUpdates {
        updates: Arc::default(),
        first: 1,
        every: 0,
        delay: Duration::from_millis(800),
    };
    let (caching, basic, name) = tables(slow).await;
    let f = Counter::fields();
    basic
        .put_record(&Counter {
            counter_id: "r".into(),
            x: Some(0),
            by_task: None,
        })
        .await
        .unwrap();
    caching.update_field("r", f.x(), 1).await.unwrap();
    let first = tokio::spawn({
        let caching = Arc::clone(&caching);
        async move { caching.commit_operations().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    caching.update_field("r", f.x(), 2).await.unwrap();
    let second = caching.commit_operations().await;
    let first = first.await.unwrap();
    assert!(first.is_success(), "{first:?}");
    assert!(second.is_success(), "{second:?}");
    let stored = harness::stored_item(&name, "counterId", "r").await;
    assert_eq!(stored.get("x"), Some(&AttributeValue::N("2".into())));
    assert_eq!(caching.get_field("r", f.x()).await.unwrap(), Some(2));
}

/// Eight tasks write to three records, each its own entry and a shared one, and commit at random
/// points while some requests are held back. At the end DynamoDB holds what the cache shows, and
/// each task's entry holds its last write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_commits_of_shared_records_leave_what_the_cache_shows() {
    let slow = SlowUpdates {
        updates: Arc::default(),
        first: 0,
        every: 4,
        delay: Duration::from_millis(30),
    };
    let (caching, basic, _) = tables(slow).await;
    let tasks: Vec<_> = (0..8u64)
        .map(|task| {
            let caching = Arc::clone(&caching);
            tokio::spawn(async move {
                let f = Counter::fields();
                for step in 0..12i64 {
                    let record = ["r0", "r1", "r2"][((task + step as u64) % 3) as usize];
                    let entry = format!("t{task}");
                    caching
                        .update_field(record, f.by_task().key(entry), step)
                        .await
                        .unwrap();
                    caching.update_field(record, f.x(), step).await.unwrap();
                    if (task + step as u64).is_multiple_of(3) {
                        let report = caching.commit_operations().await;
                        assert!(report.is_success(), "{report:?}");
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert!(caching.commit_operations().await.is_success());
    for record in ["r0", "r1", "r2"] {
        let shown = caching.get_record(record).await.unwrap();
        let stored = basic.get_record(record).await.unwrap();
        assert_eq!(shown, stored, "{record}");
        let by_task = stored.and_then(|r| r.by_task).unwrap_or_default();
        for task in 0..8u64 {
            // The last step of this task that wrote to this record.
            let last = (0..12i64)
                .rev()
                .find(|step| ["r0", "r1", "r2"][((task + *step as u64) % 3) as usize] == record);
            assert_eq!(
                by_task.get(&format!("t{task}")).copied(),
                last,
                "{record} t{task}"
            );
        }
    }
}

/// Eight tasks write to and read 24 records, which the cache spreads over its shards, and commit at
/// random points, some of them atomically (every record with pending writes in one transaction,
/// taking turns on records of every shard while other commits run). At the end DynamoDB holds
/// what the cache shows, and each task's entry in each record holds its last write there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn commits_across_the_caches_shards_leave_what_the_cache_shows() {
    const RECORDS: u64 = 24;
    const STEPS: u64 = 30;
    let slow = SlowUpdates {
        updates: Arc::default(),
        first: 0,
        every: 16,
        delay: Duration::from_millis(10),
    };
    let (caching, basic, _) = tables(slow).await;
    let record_of = |task: u64, step: u64| format!("r{}", (task * 7 + step * 5) % RECORDS);
    let tasks: Vec<_> = (0..8u64)
        .map(|task| {
            let caching = Arc::clone(&caching);
            tokio::spawn(async move {
                let f = Counter::fields();
                for step in 0..STEPS {
                    let record = record_of(task, step);
                    caching
                        .update_field(
                            record.as_str(),
                            f.by_task().key(format!("t{task}")),
                            step as i64,
                        )
                        .await
                        .unwrap();
                    // A read of another record: a cache hit, or a fetch in that record's turn.
                    caching
                        .get_field(record_of(task + 1, step).as_str(), f.x())
                        .await
                        .unwrap();
                    match (task + step) % 7 {
                        0 => {
                            let report = caching.commit_operations().await;
                            assert!(report.is_success(), "{report:?}");
                        }
                        3 => {
                            caching.commit_operations_atomically().await.unwrap();
                        }
                        _ => {}
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert!(caching.commit_operations().await.is_success());
    assert!(!caching.has_pending_operations());
    for index in 0..RECORDS {
        let record = format!("r{index}");
        let shown = caching.get_record(record.as_str()).await.unwrap();
        let stored = basic.get_record(record.as_str()).await.unwrap();
        assert_eq!(shown, stored, "{record}");
        let by_task = stored.and_then(|r| r.by_task).unwrap_or_default();
        for task in 0..8u64 {
            let last = (0..STEPS)
                .rev()
                .find(|step| record_of(task, *step) == record);
            assert_eq!(
                by_task.get(&format!("t{task}")).copied(),
                last.map(|step| step as i64),
                "{record} t{task}"
            );
        }
    }
}
