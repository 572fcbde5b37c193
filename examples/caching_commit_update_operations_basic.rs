//! StructNoSQL sample `caching_table/commit_update_operations/basic`: an update waits in memory and
//! reaches DynamoDB at `commit_update_operations`.
//!
//! Run it with `cargo run --example caching_commit_update_operations_basic`.
//!
//! The sample imports `CachingTable`, which StructNoSQL does not export (ImportError in every
//! version); with `DynamoDBCachingTable` it prints its two lines with `True`. It puts no record: the
//! update creates `x42`.
//!
//! How this differs from StructNoSQL: `update_field` returns a `Result` rather than `True`, and the
//! commit returns a report of the records written and of those that failed (whose writes stay
//! pending) rather than `True`. The `requests sent` lines and the last line (read back from DynamoDB
//! with a basic table) are not in the sample.

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
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );

    let report = table.commit_update_operations().await;
    println!("Commit success : {}", common::render_commit(&report));
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );

    let stored = database.get_field("x42", username).await?;
    println!("Username in database : {}", common::render_value(&stored));
    Ok(())
}
