//! StructNoSQL sample `caching_table/clear_pending_remove_operations/basic`: a delete of a cached
//! field waits for the commit; then (not in the sample) a pending delete is discarded with
//! `clear_pending_remove_operations`.
//!
//! Run it with `cargo run --example caching_clear_pending_remove_operations_basic`.
//!
//! The sample's code is the same as `has_pending_remove_operations/basic` and never calls
//! `clear_pending_remove_operations`; its five lines come first here. The lines after them delete
//! the username, discard that delete, and read the username again.
//!
//! How this differs from StructNoSQL:
//! - `delete_field` returns whether the field was there rather than `True` whatever happened; it is
//!   deferred because `put_record` cached the record (a delete whose old value is not cached is sent
//!   at once). The commit returns a report rather than `True`.
//! - After `clear_pending_remove_operations`, reads show what DynamoDB holds again: the username is
//!   `Robinson`, from the cache, with no request. StructNoSQL keeps the `None` the delete wrote into
//!   its cache, so its cache and the database disagree (its docs warn of this discrepancy).

#[path = "common/mod.rs"]
mod common;

use common::{Account, Mail};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let (table, database) =
        common::caching_accounts_table_with(&server, common::robinson_with_mail()).await?;
    let mut mark = table.stats().requests_sent;

    println!(
        "First has_pending_update_operations before deletion : {}",
        table.has_pending_update_operations()
    );
    let deleted = table
        .delete_field_path("x42", "mails.{{mailId}}", &[("mailId", "m42")])
        .await?;
    println!("Deletion expected success : {deleted}");
    println!(
        "Second has_pending_remove_operations before commit : {}",
        table.has_pending_remove_operations()
    );
    let report = table.commit_operations().await;
    println!(
        "Operations commit success : {}",
        common::render_commit(&report)
    );
    println!(
        "Third has_pending_remove_operations after commit : {}",
        table.has_pending_remove_operations()
    );
    let stored: Option<Mail> = database
        .get_field("x42", Account::fields().mails().key("m42"))
        .await?;
    println!("Mail m42 in database : {}", common::render_value(&stored));

    // Not in the sample: a delete discarded before it is sent.
    let username = Account::fields().username();
    common::requests_since(&table, &mut mark);
    let deleted = table.delete_field("x42", username.clone()).await?;
    println!("Username deletion expected success : {deleted}");
    println!(
        "Fourth has_pending_remove_operations before clear : {}",
        table.has_pending_remove_operations()
    );
    table.clear_pending_remove_operations();
    println!(
        "Fifth has_pending_remove_operations after clear : {}",
        table.has_pending_remove_operations()
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
