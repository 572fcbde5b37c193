//! StructNoSQL sample `delete_field/basic`: delete one item of the shopping cart.
//!
//! Run it with `cargo run --example delete_field_basic`.
//!
//! How the output differs from the docs: the docs' output ("Removed item : …") is left over from the
//! `remove_field` sample; StructNoSQL 2.6.7 prints `Deletion success result : True`.
//!
//! How this differs from StructNoSQL: there `delete_field` returns `True` whenever the request did not
//! fail, even when nothing was there to delete (the docs disagree with each other on this). Here it
//! returns whether the field was there, so deleting it a second time returns `false`.

#[path = "common/mod.rs"]
mod common;

use common::Account;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        shopping_cart_items: common::one("i42", common::soluble_coffee_jar()),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    let deleted = table
        .delete_field_path("x42", "shoppingCartItems.{{itemId}}", &[("itemId", "i42")])
        .await?;
    println!("Deletion success result : {deleted}");

    let deleted_again = table
        .delete_field("x42", Account::fields().shopping_cart_items().key("i42"))
        .await?;
    println!("Deleting it again : {deleted_again}");
    Ok(())
}
