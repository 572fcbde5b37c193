//! StructNoSQL sample `caching_table/clear_pending_remove_operations/discrepancy`: what discarding a
//! pending remove does to the cache, and how removes of cached and uncached values are carried out.
//!
//! Run it with `cargo run --example caching_clear_pending_remove_operations_discrepancy`.
//!
//! How the output differs from the docs: the docs' output is a stale copy of another sample's. In
//! StructNoSQL 2.6.7 the cached remove discards the mail from the cache, `clear_pending_remove_operations`
//! drops the pending remove (the cache says the mail is gone, the database still holds it: the
//! discrepancy of the sample's name), the delete queues a new remove, and after `clear_cached_data`
//! the two `remove_field` calls are sent at once: the first cancels the pending remove and returns
//! the mail (`fromCache: False`), the second returns `None`.
//!
//! How this differs from StructNoSQL, on purpose:
//! - No discrepancy: the cache keeps what DynamoDB holds apart from the pending writes, so after
//!   `clear_pending_remove_operations` reads show what DynamoDB holds again: the mail, from the
//!   cache (the line "Mail after clear", not in the sample).
//! - `delete_field` returns whether the field was there (it was, as far as the cache knows, so it is
//!   queued; a delete or remove whose old value is not cached is sent at once, after the record's
//!   pending writes, to answer exactly).
//! - `clear_cached_data` forgets what was read but keeps the pending writes, and reads see them. The
//!   pending delete says the mail is gone, so the next `remove_field` answers `null` from the cache
//!   and queues its remove, with no request, instead of sending it and returning the mail: that mail
//!   was deleted by the caller's own pending delete.
//! - `remove_field` does not say where its answer came from; the `requests sent` lines (not in the
//!   sample) show it: 0 when the cache answered, 1 or more when it was sent.
//! - The sample never commits; here (the last lines) a commit sends the pending remove, and the
//!   mail is gone from DynamoDB, read back with a basic table.

#[path = "common/mod.rs"]
mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    // put_record caches the whole record, the mail included.
    let (table, database) =
        common::caching_accounts_table_with(&server, common::robinson_with_mail()).await?;
    common::mail_discrepancy(&table, &database, |table| {
        table.clear_pending_remove_operations()
    })
    .await?;
    Ok(())
}
