//! StructNoSQL sample `update_field_return_old/basic`: set `username` and get what it held before, in
//! one request.
//!
//! Run it with `cargo run --example update_field_return_old_basic`.

#[path = "common/mod.rs"]
mod common;

use common::Account;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        username: Some("Robinson".into()),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;
    let username = Account::fields().username();

    let update = table
        .update_field_return_old("x42", username.clone(), "Paul")
        .await;
    println!("Update success : {}", update.is_ok());
    let old_value = update?;
    println!(
        "Retrieved old value : {}",
        old_value.as_deref().unwrap_or("None")
    );

    let new_username = table.get_field("x42", username).await?;
    println!(
        "New username in database : {}",
        new_username.as_deref().unwrap_or("None")
    );
    Ok(())
}
