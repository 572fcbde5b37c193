//! StructNoSQL sample `paginated_query_multiple_fields/basic`: the name and IMDb rating of every
//! thriller, three at a time, as a lazy stream of pages.
//!
//! Run it with `cargo run --example paginated_query_multiple_fields_basic`.
//!
//! As on real DynamoDB (and as in the docs' output), the stream ends with an empty page. The records
//! of each page are sorted by id: DynamoDB does not define their order, so which movies fall on which
//! page differs from the docs' output.

#[path = "common/mod.rs"]
mod common;

use futures::StreamExt;
use structnosql::table::{Getters, Query};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let table = common::movies_table(&server, true).await?;

    let getters = Getters::new()
        .path("name", "name", &())
        .path("imdb_rating", "ratings.imdb", &());
    let query = Query::index("primaryType", "Thriller")?.limit(3);
    let mut pages = Box::pin(table.paginated_query_multiple_fields(query, &getters)?);
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
            for (id, values) in common::by_id(page.records) {
                println!("{} (id: {id})", common::render_fields(&values));
            }
        }
        separator = "\n";
    }
    println!("{separator}All tv shows have been retrieved.");
    Ok(())
}
