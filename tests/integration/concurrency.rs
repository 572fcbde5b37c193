//! Several clients on the same record, as separate processes would be: each task has its own client
//! and table instance (basic and caching), and increments a counter by read, modify, write, retrying
//! on a version conflict. Optimistic locking must lose no increment and apply none twice.

use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};
use structnosql::{Error, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Tally {
    id: String,
    count: Option<i64>,
    #[structnosql(version)]
    version: Option<i64>,
}

const TASKS: usize = 8;
const INCREMENTS: i64 = 5;
const KEY: &str = "shared";

/// How a task writes its increment.
#[derive(Debug, Clone, Copy)]
enum Writer {
    /// `BasicTable::put_record` of the record read (checked against the version read).
    BasicPut,
    /// `CachingTable::update_field` then `commit_operations` (checked against the version cached).
    CachingCommit,
    /// The same, committed with `commit_operations_atomically`.
    CachingAtomicCommit,
    /// `CachingTable::put_record` of the record read.
    CachingPut,
}

async fn basic(name: &str) -> BasicTable<Tally> {
    BasicTable::<Tally>::builder()
        .table_name(name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("id"))
        .build()
        .await
        .unwrap()
}

async fn caching(name: &str) -> CachingTable<Tally> {
    CachingTable::<Tally>::builder()
        .table_name(name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("id"))
        .build()
        .await
        .unwrap()
}

/// Increments the counter `INCREMENTS` times; returns how many conflicts it retried.
async fn run(name: String, writer: Writer) -> u64 {
    let mut conflicts = 0;
    match writer {
        Writer::BasicPut => {
            let table = basic(&name).await;
            let mut done = 0;
            while done < INCREMENTS {
                let mut tally = table.get_record(KEY).await.unwrap().unwrap();
                tally.count = Some(tally.count.unwrap_or(0) + 1);
                match table.put_record(&tally).await {
                    Ok(()) => done += 1,
                    Err(Error::VersionConflict { .. }) => conflicts += 1,
                    Err(other) => panic!("{writer:?}: {other}"),
                }
            }
        }
        Writer::CachingCommit | Writer::CachingAtomicCommit | Writer::CachingPut => {
            let table = caching(&name).await;
            let f = Tally::fields();
            let mut done = 0;
            while done < INCREMENTS {
                // The whole record, so that the cache knows the version the write is checked on.
                let tally = table.get_record(KEY).await.unwrap().unwrap();
                let next = tally.count.unwrap_or(0) + 1;
                let outcome = match writer {
                    Writer::CachingPut => {
                        let mut edited = tally.clone();
                        edited.count = Some(next);
                        table.put_record(&edited).await
                    }
                    Writer::CachingCommit => {
                        table.update_field(KEY, f.count(), next).await.unwrap();
                        let mut report = table.commit_operations().await;
                        match report.failed.pop() {
                            None => Ok(()),
                            Some((_, error)) => Err(error),
                        }
                    }
                    _ => {
                        table.update_field(KEY, f.count(), next).await.unwrap();
                        table.commit_operations_atomically().await.map(drop)
                    }
                };
                match outcome {
                    Ok(()) => {
                        done += 1;
                        assert!(!table.has_pending_operations(), "{writer:?}");
                    }
                    Err(Error::VersionConflict { .. }) => {
                        conflicts += 1;
                        // Forget the stale copy and the write made on it, then read again.
                        table.clear_cached_data_for_record(KEY).unwrap();
                        table.clear_pending_operations();
                    }
                    Err(other) => panic!("{writer:?}: {other}"),
                }
            }
        }
    }
    conflicts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_no_increment_and_apply_none_twice() {
    let name = harness::unique_table_name("concurrency");
    let seed = BasicTable::<Tally>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    seed.put_record(&Tally {
        id: KEY.into(),
        count: Some(0),
        version: None,
    })
    .await
    .unwrap();

    let writers = [
        Writer::BasicPut,
        Writer::CachingCommit,
        Writer::CachingAtomicCommit,
        Writer::CachingPut,
    ];
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| tokio::spawn(run(name.clone(), writers[task % writers.len()])))
        .collect();
    let mut conflicts = 0;
    for task in tasks {
        conflicts += task.await.unwrap();
    }

    let commits = TASKS as i64 * INCREMENTS;
    let stored = harness::stored_item(&name, "id", KEY).await;
    let number = |field: &str| {
        stored
            .get(field)
            .and_then(|value| value.as_n().ok())
            .and_then(|text| text.parse::<i64>().ok())
    };
    assert_eq!(
        number("count"),
        Some(commits),
        "{conflicts} conflicts retried"
    );
    // The seed wrote version 1; every successful write incremented it once.
    assert_eq!(number("version"), Some(1 + commits));
    assert_eq!(
        seed.get_record(KEY).await.unwrap(),
        Some(Tally {
            id: KEY.into(),
            count: Some(commits),
            version: Some(1 + commits),
        })
    );
}
