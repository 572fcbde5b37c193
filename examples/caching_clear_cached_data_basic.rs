//! StructNoSQL sample `caching_table/clear_cached_data/basic`: a second read is served from the
//! cache, and a read after `clear_cached_data` is fetched again.
//!
//! Run it with `cargo run --example caching_clear_cached_data_basic`.
//!
//! How this differs from StructNoSQL: StructNoSQL's `debug` mode wraps every value as
//! `{'value': …, 'fromCache': …}`; here `get_field_traced` returns the value with `from_cache`. The
//! sample commits after its put (a put is sent at once, so there is nothing to commit either way);
//! the commit is kept, and its report is not printed, as in the sample.

#[path = "common/mod.rs"]
mod common;

use common::Account;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let table = common::caching_accounts_table(&server).await?;
    table.put_record(&common::robinson()).await?;
    // put_record caches the record: commit, then clear the cache a first time.
    table.commit_operations().await;
    table.clear_cached_data();
    let username = Account::fields().username();

    let first = table.get_field_traced("x42", username.clone()).await?;
    println!(
        "First retrieval username value : {}",
        common::render_traced(&first)
    );

    let second = table.get_field_traced("x42", username.clone()).await?;
    println!(
        "Second retrieval username value : {}",
        common::render_traced(&second)
    );

    table.clear_cached_data(); // <-- the cache is cleared

    let third = table.get_field_traced("x42", username).await?;
    println!(
        "Third retrieval username value : {}",
        common::render_traced(&third)
    );
    Ok(())
}
