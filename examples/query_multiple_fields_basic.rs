//! StructNoSQL sample `query_multiple_fields/basic`: the name and IMDb rating of the first page of
//! thrillers, read from the global secondary index on `primaryType`.
//!
//! Run it with `cargo run --example query_multiple_fields_basic`.
//!
//! How the output differs from the docs: the Python sample is broken (it loops over the returned
//! `(records, metadata)` tuple as if it were the paginated generator, and raises), and its output is a
//! copy of the `paginated_query_multiple_fields` sample's. This prints what the query returns: one
//! page of three records and its metadata. The records are sorted by id: DynamoDB does not define
//! their order.

#[path = "common/mod.rs"]
mod common;

use structnosql::table::{Getters, Query};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let table = common::movies_table(&server, true).await?;

    let getters = Getters::new()
        .path("name", "name", &())
        .path("imdb_rating", "ratings.imdb", &());
    let query = Query::index("primaryType", "Thriller")?.limit(3);
    let page = table.query_multiple_fields(&query, &getters).await?;
    println!("Here is some thriller tv shows you might enjoy :");
    for (id, values) in common::by_id(page.records) {
        println!("{} (id: {id})", common::render_fields(&values));
    }
    println!("{}", common::render_metadata(&page.metadata));
    Ok(())
}
