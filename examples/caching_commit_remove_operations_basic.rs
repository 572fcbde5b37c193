//! StructNoSQL sample `caching_table/commit_remove_operations/basic`: a delete reaches DynamoDB at
//! `commit_remove_operations`.
//!
//! Run it with `cargo run --example caching_commit_remove_operations_basic`.
//!
//! The sample imports `CachingTable`, which StructNoSQL does not export (ImportError in every
//! version); with `DynamoDBCachingTable` it prints its two lines with `True`, whatever the table
//! holds: StructNoSQL always queues a delete, and a commit always returns `True`.
//!
//! How this differs from StructNoSQL:
//! - `delete_field` returns whether the field was there, so a delete is queued only when the cache
//!   knows the old value; otherwise it is sent at once. The sample puts no record and reads nothing,
//!   so its delete (the first lines) is sent at once and finds nothing (`false`, and no record is
//!   created), and the commit has nothing to send: it succeeds with no record committed.
//! - The commit returns a report of the records written and of those that failed rather than `True`.
//! - Not in the sample: the second part puts `x42` through the caching table first, which caches it;
//!   the delete is then queued (no request) and sent by `commit_remove_operations` (one request),
//!   and the username is gone from DynamoDB, read back with a basic table.

#[path = "common/mod.rs"]
mod common;

use common::Account;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let table = common::caching_accounts_table(&server).await?;
    let database = common::accounts_table(&server).await?;
    let mut mark = table.stats().requests_sent;
    let username = Account::fields().username();

    // The sample: nothing is cached, so the delete is sent at once.
    let deleted = table.delete_field("x42", username.clone()).await?;
    println!("Token deletion expected success : {deleted}");
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    let report = table.commit_remove_operations().await;
    println!("Commit success : {}", common::render_commit(&report));
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    let record = database.get_record("x42").await?;
    println!("Record in database : {}", common::render_value(&record));

    // With the record cached, the delete waits for the commit.
    table.put_record(&common::robinson()).await?;
    common::requests_since(&table, &mut mark);
    let deleted = table.delete_field("x42", username.clone()).await?;
    println!("Cached username deletion expected success : {deleted}");
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    let report = table.commit_remove_operations().await;
    println!("Commit success : {}", common::render_commit(&report));
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    let stored = database.get_field("x42", username).await?;
    println!("Username in database : {}", common::render_value(&stored));
    Ok(())
}
