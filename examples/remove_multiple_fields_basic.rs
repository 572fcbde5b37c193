//! StructNoSQL sample `remove_multiple_fields/basic`: remove a shopping-cart item and every token, and
//! get them back.
//!
//! Run it with `cargo run --example remove_multiple_fields_basic`.
//!
//! How the output differs from the docs: the docs' output has typos (a stray quote, a missing brace,
//! "Removed item"). StructNoSQL 2.6.7 prints `Removed items : {'shoppingCartItem': {'productName':
//! 'Soluble coffee jar', 'quantity': 8}, 'removedTokens': {'t32': {'expirationTimestamp':
//! '1618322249'}}}`: the sample's record stores the timestamp as a string, which survives because
//! StructNoSQL does not check the items of a whole map. This record stores it as the `i64` the model
//! declares, so it comes back as a number. StructNoSQL sends one request per remover; here both are
//! removed in one UpdateItem.

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
    let removed = table.remove_multiple_fields("x42", &removers).await?;
    println!("Removed items : {}", common::render_fields(&removed));

    // The same values, typed.
    let tokens = removed.get::<std::collections::BTreeMap<String, AuthToken>>("removedTokens")?;
    println!("Removed tokens : {}", common::or_none(&tokens));
    Ok(())
}
