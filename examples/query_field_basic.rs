//! StructNoSQL sample `query_field/basic`: query one field of the record whose primary key is `x42`.
//!
//! Run it with `cargo run --example query_field_basic`.
//!
//! How the output differs from the docs: the docs' output ("Removed item : …") is left over from
//! another sample, and the sample's code labels the query result "Deletion success result". What
//! StructNoSQL 2.6.7 returns is `({'x42': {'productName': 'Soluble coffee jar', 'quantity': 8}},
//! QueryMetadata(count=1, has_reached_end=True, last_evaluated_key=None))`; this prints the same
//! result, the item as its Rust type.

#[path = "common/mod.rs"]
mod common;

use common::Account;
use structnosql::table::Query;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        shopping_cart_items: common::one("i42", common::soluble_coffee_jar()),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    let item = Account::fields().shopping_cart_items().key("i42");
    let page = table.query_field(&Query::primary("x42")?, item).await?;
    for (user_id, item) in &page.records {
        println!("Query result : {user_id} => {}", common::or_none(item));
    }
    println!("{}", common::render_metadata(&page.metadata));
    Ok(())
}
