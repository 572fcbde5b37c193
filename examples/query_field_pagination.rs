//! StructNoSQL sample `query_field/pagination` (the example of the `query_field` API page): three
//! pages of three thrillers, read from the global secondary index on `primaryType`, each query
//! starting after the previous page's last evaluated key.
//!
//! Run it with `cargo run --example query_field_pagination`.
//!
//! As on real DynamoDB, the second page ends exactly on the last thriller and still carries a last
//! evaluated key, so a third, empty, page is needed to reach the end. (Under moto, which sends no key
//! there, the Python sample printed "All the movies have been showed" instead.) The docs' output uses
//! other wording than the sample's code, and stops before the third query's line; this prints what the
//! code prints. The records of each page are sorted by id: DynamoDB does not define their order.

#[path = "common/mod.rs"]
mod common;

use common::Movie;
use structnosql::table::Query;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let table = common::movies_table(&server, false).await?;
    let name = Movie::fields().name();
    let thrillers = Query::index("primaryType", "Thriller")?.limit(3);

    let first = table.query_field(&thrillers, name.clone()).await?;
    println!("Here is 3 thriller tv shows you might enjoy :");
    for (id, movie_name) in common::by_id(first.records) {
        println!("{} (id: {id})", movie_name.unwrap_or_default());
    }

    if !first.metadata.has_reached_end {
        let second = table
            .query_field(
                &thrillers
                    .clone()
                    .start_after(first.metadata.last_evaluated_key),
                name.clone(),
            )
            .await?;
        println!("\nHere is 3 other thriller tv shows :");
        for (id, movie_name) in common::by_id(second.records) {
            println!("{} (id: {id})", movie_name.unwrap_or_default());
        }

        // Only 6 records have the type Thriller, but a query that stops right at the last record does
        // not reach the end: one more query has to go past it.
        if second.metadata.has_reached_end {
            println!("\nAll the movies have been showed");
        } else {
            println!("\nThere might be some remaining movies to show");
            let third = table
                .query_field(
                    &thrillers.start_after(second.metadata.last_evaluated_key),
                    name,
                )
                .await?;
            if third.metadata.has_reached_end {
                println!(
                    "Now i'm really done, here all the remaining tv shows : {:?}",
                    third.records
                );
            }
        }
    }
    Ok(())
}
