//! StructNoSQL sample `update_field/basic`: set `username`, then read it back.
//!
//! Run it with `cargo run --example update_field_basic`.
//!
//! StructNoSQL returns `True` or `False`; here `update_field` returns a `Result`, and the example
//! prints whether it succeeded.

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

    let update = table
        .update_field_path("x42", "username", &(), "Paul".to_owned())
        .await;
    println!("Update success : {}", update.is_ok());
    update?;

    let new_name: Option<String> = table.get_field("x42", Account::fields().username()).await?;
    println!(
        "Retrieved new name : {}",
        new_name.as_deref().unwrap_or("None")
    );
    Ok(())
}
