//! StructNoSQL sample `caching_table/commit_operations/basic`: an update and a delete wait in memory
//! and reach DynamoDB only at `commit_operations`.
//!
//! Run it with `cargo run --example caching_commit_operations_basic`.
//!
//! The sample imports `CachingTable`, which StructNoSQL does not export (ImportError in every
//! version); with `DynamoDBCachingTable` it prints its three lines with `True`. It puts no record:
//! the update creates `x42`.
//!
//! How this differs from StructNoSQL:
//! - `update_field` returns a `Result` rather than `True`; `delete_field` returns whether the field
//!   was there: it was, as the pending update wrote it, so the delete is queued too (no request).
//! - The commit sends the record's pending writes together, in as few UpdateItems as keep the
//!   caller's order (StructNoSQL sends every SET, then every REMOVE, in separate requests), and
//!   returns a report of the records written and of those that failed rather than `True`. The
//!   delete supersedes the update's value, not the record the update created.
//! - The `requests sent` line and the last line (read back from DynamoDB with a basic table) are not
//!   in the sample: nothing is sent before the commit; after it, the record exists without a
//!   username, as a basic table doing the same two writes leaves it.

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

    let update = table.update_field("x42", username.clone(), "Paul").await;
    println!("Username update expected success : {}", update.is_ok());
    update?;

    let deleted = table.delete_field("x42", username.clone()).await?;
    println!("Token deletion expected success : {deleted}");
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );

    // update_field and delete_field do not need anything from the database at once: they are sent
    // only now.
    let report = table.commit_operations().await;
    println!("Commit success : {}", common::render_commit(&report));

    let record = database.get_record("x42").await?;
    println!("Record in database : {}", common::render_value(&record));
    Ok(())
}
