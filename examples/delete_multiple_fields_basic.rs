//! StructNoSQL sample `delete_multiple_fields/basic`: delete a shopping-cart item and every token.
//!
//! Run it with `cargo run --example delete_multiple_fields_basic`.
//!
//! StructNoSQL sends one request per remover; here both are deleted in one UpdateItem, and each
//! result says whether the field was there.

#[path = "common/mod.rs"]
mod common;

use common::{Account, AuthToken};
use structnosql::table::Removers;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        shopping_cart_items: common::one("i42", common::soluble_coffee_jar()),
        // The sample stored "1618322249", a string, although the model declares an int.
        tokens: common::one(
            "t32",
            AuthToken {
                expiration_timestamp: 1618322249,
            },
        ),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    let removers = Removers::new()
        .path(
            "shoppingCartItem",
            "shoppingCartItems.{{itemId}}",
            &[("itemId", "i42")],
        )
        .path("removedTokens", "tokens", &());
    let statuses = table.delete_multiple_fields("x42", &removers).await?;
    let statuses: Vec<String> = statuses
        .iter()
        .map(|(name, deleted)| format!("{name:?}: {deleted}"))
        .collect();
    println!("Removed items status : {{{}}}", statuses.join(", "));
    Ok(())
}
