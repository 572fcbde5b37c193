//! StructNoSQL sample `remove_field/basic`: remove one item of the shopping cart and get it back.
//!
//! Run it with `cargo run --example remove_field_basic`.
//!
//! How the output differs from the docs: the docs' output leaves out `maxDiscountPercent`, which the
//! record holds and StructNoSQL 2.6.7 returns
//! (`{'productName': 'Soluble coffee jar', 'quantity': 8, 'maxDiscountPercent': 33}`). The removed
//! item is printed as its Rust type.

#[path = "common/mod.rs"]
mod common;

use common::{Account, ShoppingCartItem};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        shopping_cart_items: common::one(
            "i42",
            ShoppingCartItem {
                max_discount_percent: Some(33),
                ..common::soluble_coffee_jar()
            },
        ),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    let removed: Option<ShoppingCartItem> = table
        .remove_field_path("x42", "shoppingCartItems.{{itemId}}", &[("itemId", "i42")])
        .await?;
    println!("Removed item : {}", common::or_none(&removed));
    Ok(())
}
