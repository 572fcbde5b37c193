//! StructNoSQL sample `paginated_query_field/basic`: every page of thrillers, three at a time, as a
//! lazy stream that sends the next query only when the next page is asked for.
//!
//! Run it with `cargo run --example paginated_query_field_basic`.
//!
//! As on real DynamoDB (and as in the docs' output), the second page ends exactly on the last thriller
//! and still carries a last evaluated key, so the stream yields a third, empty, page. The records of
//! each page are sorted by id: DynamoDB does not define their order, so which movies fall on which
//! page differs from the docs' output.

#[path = "common/mod.rs"]
mod common;

use common::Movie;
use futures::StreamExt;
use structnosql::table::Query;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let table = common::movies_table(&server, false).await?;

    let query = Query::index("primaryType", "Thriller")?.limit(3);
    let mut pages = Box::pin(table.paginated_query_field(query, Movie::fields().name()));
    // A blank line between the blocks, as in the docs' output.
    let mut separator = "";
    while let Some(page) = pages.next().await {
        let page = page?;
        if page.records.is_empty() {
            println!(
                "{separator}No tv shows found in response, you might have hit the end of records."
            );
        } else {
            println!("{separator}Here is some thriller tv shows you might enjoy :");
            for (id, name) in common::by_id(page.records) {
                println!("{} (id: {id})", name.unwrap_or_default());
            }
        }
        separator = "\n";
    }
    println!("{separator}All tv shows have been retrieved.");
    Ok(())
}
