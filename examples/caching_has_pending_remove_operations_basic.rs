//! StructNoSQL sample `caching_table/has_pending_remove_operations/basic`: deleting a cached field
//! waits for the commit, and `has_pending_remove_operations` tells whether a delete is waiting.
//!
//! Run it with `cargo run --example caching_has_pending_remove_operations_basic`.
//!
//! The docs' page embeds the code of the `clear_pending_remove_operations/basic` sample (this one)
//! and shows the output of the `has_pending_operations` sample; StructNoSQL 2.6.7 prints the five
//! lines below with `True`/`False`.
//!
//! How this differs from StructNoSQL: `delete_field` returns whether the field was there rather than
//! `True` whatever happened. It is deferred only because `put_record` cached the record, so the
//! cache knows the mail is there (a delete whose old value is not cached is sent at once, to answer
//! exactly). The commit returns a report rather than `True`. The `requests sent` lines and the last
//! line (read back from DynamoDB with a basic table) are not in the sample.

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
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
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
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    println!(
        "Third has_pending_remove_operations after commit : {}",
        table.has_pending_remove_operations()
    );

    let stored: Option<Mail> = database
        .get_field("x42", Account::fields().mails().key("m42"))
        .await?;
    println!("Mail m42 in database : {}", common::render_value(&stored));
    Ok(())
}
