//! StructNoSQL sample `caching_table/clear_pending_operations/basic`: a pending update is discarded
//! with `clear_pending_operations` and never sent.
//!
//! Run it with `cargo run --example caching_clear_pending_operations_basic`.
//!
//! How this differs from StructNoSQL:
//! - `update_field` returns a `Result` rather than `True`.
//! - After `clear_pending_operations`, reads show what DynamoDB holds again: the username read after
//!   the clear (a line not in the sample) is `Robinson`, from the cache, with no request. StructNoSQL
//!   keeps `Paul` in its cache while the database holds `Robinson`, unless the cache is cleared too
//!   (its docs warn of this discrepancy).
//! - The `requests sent` line and the last line (read back from DynamoDB with a basic table) are not
//!   in the sample: nothing was sent, and DynamoDB still holds `Robinson`.

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
    let username = Account::fields().username();

    println!(
        "First has_pending_operations before update : {}",
        table.has_pending_operations()
    );
    let update = table.update_field("x42", username.clone(), "Paul").await;
    println!("Update expected success : {}", update.is_ok());
    update?;
    println!(
        "Second has_pending_operations before clear : {}",
        table.has_pending_operations()
    );
    table.clear_pending_operations();
    println!(
        "Third has_pending_operations after clear : {}",
        table.has_pending_operations()
    );

    let read = table.get_field_traced("x42", username.clone()).await?;
    println!("Username after clear : {}", common::render_traced(&read));
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    let stored = database.get_field("x42", username).await?;
    println!("Username in database : {}", common::render_value(&stored));
    Ok(())
}
