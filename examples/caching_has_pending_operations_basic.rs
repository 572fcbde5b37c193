//! StructNoSQL sample `caching_table/has_pending_operations/basic`: a field update waits for the
//! commit, and `has_pending_operations` tells whether something is waiting.
//!
//! Run it with `cargo run --example caching_has_pending_operations_basic`.
//!
//! How this differs from StructNoSQL: `update_field` returns a `Result` rather than `True`, and the
//! commit returns a report of the records written and of those that failed (whose writes stay
//! pending, to be retried by another commit) rather than `True` whatever happened. The
//! `requests sent` lines (not in the sample) show that the update sends nothing and the commit one
//! UpdateItem; the last line reads the record back with a basic table, from DynamoDB.

#[path = "common/mod.rs"]
mod common;

use common::Account;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    // The record is put at once: a put is never a pending operation.
    let (table, database) =
        common::caching_accounts_table_with(&server, common::robinson()).await?;
    let mut mark = table.stats().requests_sent;

    println!(
        "First has_pending_operations : {}",
        table.has_pending_operations()
    );

    // update_field is not needed at once, so it is queued instead of sent.
    let update = table
        .update_field("x42", Account::fields().username(), "Paul")
        .await;
    println!("Username update expected success : {}", update.is_ok());
    update?;
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    println!(
        "Second has_pending_operations : {}",
        table.has_pending_operations()
    );

    let report = table.commit_operations().await;
    println!(
        "Operations commit success : {}",
        common::render_commit(&report)
    );
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    // After a successful commit, nothing is left to send.
    println!(
        "Third has_pending_operations : {}",
        table.has_pending_operations()
    );

    let stored = database
        .get_field("x42", Account::fields().username())
        .await?;
    println!("Username in database : {}", common::render_value(&stored));
    Ok(())
}
