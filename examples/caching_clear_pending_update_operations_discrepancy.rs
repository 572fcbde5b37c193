//! StructNoSQL sample `caching_table/clear_pending_update_operations/discrepancy`: what discarding
//! pending operations does to the cache.
//!
//! Run it with `cargo run --example caching_clear_pending_update_operations_discrepancy`.
//!
//! The sample's code is the `clear_pending_remove_operations` page's "details" example: it removes the
//! cached mail, discards that remove with `clear_pending_remove_operations`, deletes the mail, clears
//! the cache and removes the mail again, then prints "Fourth has_pending_remove_operations" from a
//! call to `has_pending_update_operations` (the label here names the call). It never calls
//! `clear_pending_update_operations`; the lines after "Fourth" do (not in the sample).
//!
//! How the output differs from the docs: the docs' output is a stale copy of another sample's.
//! StructNoSQL 2.6.7 prints `removed_value : {'value': {'status': 'not-read'}, 'fromCache': False}`:
//! after `clear_cached_data` its `remove_field` misses the cache, cancels the pending remove, and is
//! sent at once, returning the mail that its discarded remove had left in the database.
//!
//! How this differs from StructNoSQL, on purpose:
//! - No discrepancy: the cache keeps what DynamoDB holds apart from the pending writes, so after a
//!   clear of pending operations reads show what DynamoDB holds again: "Mail after clear" from the
//!   cache, and "Username after clear" fetched (the cache was cleared before the update, so the
//!   username is not known without the discarded update). StructNoSQL's cache would say the mail is
//!   gone, and the username is `Paul`, while the database holds the mail and `Robinson`.
//! - `delete_field` returns whether the field was there; `remove_field` does not say where its
//!   answer came from, and the `requests sent` lines (not in the sample) show it.
//! - `clear_cached_data` keeps the pending writes, and reads see them: the pending delete says the
//!   mail is gone, so `remove_field` answers `null` from the cache and queues its remove, instead of
//!   being sent at once and returning the mail (a remove whose value is not cached is sent at once,
//!   after the record's pending writes).
//! - The sample never commits; here a commit sends the pending remove (and no update, since it was
//!   discarded), as the basic table's reads of DynamoDB show.

#[path = "common/mod.rs"]
mod common;

use common::{Account, Mail};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    // put_record caches the whole record, the mail included.
    let (table, database) =
        common::caching_accounts_table_with(&server, common::robinson_with_mail()).await?;
    let mut mark = table.stats().requests_sent;
    let mail_m42 = || Account::fields().mails().key("m42");
    let username = Account::fields().username();

    println!(
        "First has_pending_update_operations before remove : {}",
        table.has_pending_update_operations()
    );
    let removed: Option<Mail> = table
        .remove_field_path("x42", "mails.{{mailId}}", &[("mailId", "m42")])
        .await?;
    println!(
        "Removed mail item value expected to be from cache : {}",
        common::render_value(&removed)
    );
    println!(
        "Second has_pending_remove_operations after removal from cache : {}",
        table.has_pending_remove_operations()
    );

    table.clear_pending_remove_operations();
    let read = table.get_field_traced("x42", mail_m42()).await?;
    println!("Mail after clear : {}", common::render_traced(&read));

    let deleted = table
        .delete_field_path("x42", "mails.{{mailId}}", &[("mailId", "m42")])
        .await?;
    println!("mail_item_expected_deletion_success : {deleted}");
    println!(
        "Third has_pending_remove_operations : {}",
        table.has_pending_remove_operations()
    );

    table.clear_cached_data();
    let removed: Option<Mail> = table
        .remove_field_path("x42", "mails.{{mailId}}", &[("mailId", "m42")])
        .await?;
    println!("removed_value : {}", common::render_value(&removed));
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    println!(
        "Fourth has_pending_update_operations : {}",
        table.has_pending_update_operations()
    );

    // Not in the sample: an update discarded with clear_pending_update_operations.
    table.update_field("x42", username.clone(), "Paul").await?;
    println!(
        "Fifth has_pending_update_operations before clear : {}",
        table.has_pending_update_operations()
    );
    table.clear_pending_update_operations();
    println!(
        "Sixth has_pending_update_operations after clear : {}",
        table.has_pending_update_operations()
    );
    println!(
        "Sixth has_pending_remove_operations after clear : {}",
        table.has_pending_remove_operations()
    );
    let read = table.get_field_traced("x42", username.clone()).await?;
    println!("Username after clear : {}", common::render_traced(&read));
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
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
    let stored: Option<Mail> = database.get_field("x42", mail_m42()).await?;
    println!("Mail m42 in database : {}", common::render_value(&stored));
    let stored = database.get_field("x42", username).await?;
    println!("Username in database : {}", common::render_value(&stored));
    Ok(())
}
