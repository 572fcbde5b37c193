//! StructNoSQL sample `caching_table/has_pending_update_operations/basic`: a field update waits for
//! `commit_update_operations`, and `has_pending_update_operations` tells whether one is waiting.
//!
//! Run it with `cargo run --example caching_has_pending_update_operations_basic`.
//!
//! How the output differs from the docs: the sample labels its last line "Third
//! has_pending_operations" although it calls `has_pending_update_operations`; the label here names
//! the call.
//!
//! How this differs from StructNoSQL: `update_field` returns a `Result` rather than `True`, and the
//! commit returns a report of the records written and of those that failed (whose writes stay
//! pending) rather than `True` whatever happened. The `requests sent` lines (not in the sample) show
//! that the update sends nothing and the commit one UpdateItem; the last line reads the record back
//! from DynamoDB with a basic table.

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
        "First has_pending_update_operations : {}",
        table.has_pending_update_operations()
    );

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
        "Second has_pending_update_operations : {}",
        table.has_pending_update_operations()
    );

    let report = table.commit_update_operations().await;
    println!("Commit success : {}", common::render_commit(&report));
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    println!(
        "Third has_pending_update_operations : {}",
        table.has_pending_update_operations()
    );

    let stored = database
        .get_field("x42", Account::fields().username())
        .await?;
    println!("Username in database : {}", common::render_value(&stored));
    Ok(())
}
