//! StructNoSQL sample `caching_table/clear_pending_operations/discrepancy`: what discarding the
//! pending operations does to the cache, and how removes of cached and uncached values are carried
//! out.
//!
//! Run it with `cargo run --example caching_clear_pending_operations_discrepancy`.
//!
//! The sample's code is the same as `clear_pending_remove_operations/discrepancy` and calls
//! `clear_pending_remove_operations`; this calls `clear_pending_operations`, which does the same here
//! since the only pending operation is a remove.
//!
//! How the output differs from the docs: the docs' output is a stale copy of another sample's. In
//! StructNoSQL 2.6.7 the cached remove discards the mail from the cache, the clear drops the pending
//! remove (the cache says the mail is gone, the database still holds it: the
//! discrepancy of the sample's name), the delete queues a new remove, and after `clear_cached_data`
//! the two `remove_field` calls are sent at once: the first cancels the pending remove and returns
//! the mail (`fromCache: False`), the second returns `None`.
//!
//! How this differs from StructNoSQL, on purpose:
//! - No discrepancy: the cache keeps what DynamoDB holds apart from the pending writes, so after
//!   `clear_pending_remove_operations` reads show what DynamoDB holds again: the mail, from the
//!   cache (the line "Mail after clear", not in the sample).
//! - `delete_field` returns whether the field was there (it was, as far as the cache knows, so it is
//!   queued; on a record the cache does not know, the first such call reads the whole record, once,
//!   to answer exactly, and is queued too; the last lines, not in the sample, show one).
//! - `clear_cached_data` forgets what was read but keeps the pending writes, and reads see them. The
//!   pending delete says the mail is gone, so the next `remove_field` answers `null` from the cache
//!   and queues its remove, with no request, instead of sending it and returning the mail: that mail
//!   was deleted by the caller's own pending delete.
//! - `remove_field` does not say where its answer came from; the `requests sent` lines (not in the
//!   sample) show it: 0 when the cache answered, 1 or more when it was sent.
//! - The sample never commits; here a commit sends the pending remove, and the mail is gone from
//!   DynamoDB, read back with a basic table.
//! - Not in the sample: after `clear_cached_data_and_pending_operations` (the docs' only safe reset)
//!   nothing is known of the record. An update of another mail is queued; removing the username,
//!   which is not cached, reads the record whole (1 request), returns what DynamoDB held, and queues
//!   the remove beside the update: both stay pending, and DynamoDB has neither until a commit.

#[path = "common/mod.rs"]
mod common;

use common::{Account, Mail};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    // put_record caches the whole record, the mail included.
    let (table, database) =
        common::caching_accounts_table_with(&server, common::robinson_with_mail()).await?;
    let mut mark =
        common::mail_discrepancy(&table, &database, |table| table.clear_pending_operations())
            .await?;

    // Not in the sample: a remove whose value is not cached reads the record once, then is queued.
    table.clear_cached_data_and_pending_operations();
    common::requests_since(&table, &mut mark);
    let read_mail = Mail {
        status: Some("read".into()),
        ..Mail::default()
    };
    table
        .update_field("x42", Account::fields().mails().key("m43"), read_mail)
        .await?;
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    let removed = table
        .remove_field("x42", Account::fields().username())
        .await?;
    println!(
        "Removed username, not cached : {}",
        common::render_value(&removed)
    );
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    println!(
        "Fifth has_pending_operations : {}",
        table.has_pending_operations()
    );
    let stored: Option<Mail> = database
        .get_field("x42", Account::fields().mails().key("m43"))
        .await?;
    println!("Mail m43 in database : {}", common::render_value(&stored));
    Ok(())
}
