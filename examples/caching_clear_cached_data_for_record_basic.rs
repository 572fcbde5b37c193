//! StructNoSQL sample `caching_table/clear_cached_data_for_record/basic`: a query on a global
//! secondary index caches what it returns under each record's primary key; clearing one record's
//! cache makes its next read go to DynamoDB, while another record's read is served from the cache.
//!
//! Run it with `cargo run --example caching_clear_cached_data_for_record_basic`.
//!
//! How the output differs from the docs: the docs' output leaves out `'rottentomatoes': None` and
//! has a stray `)`; StructNoSQL 2.6.7 prints each queried value as `{'value': …, 'fromCache': False}`.
//!
//! How this differs from StructNoSQL:
//! - A query on a global secondary index is always sent; its values are not wrapped with their
//!   provenance (none of them comes from the cache: `requests sent : 1`).
//! - An absent optional field is not stored, so the ratings print without `rottentomatoes` rather
//!   than with `'rottentomatoes': None`.
//! - The records are sorted by id: DynamoDB does not define the order of the records of one
//!   secondary-index key.
//! - `get_field_traced` returns the value with `from_cache`, like the `debug` mode's `fromCache`.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use common::{Movie, Ratings};
use structnosql::table::{Getters, Query};

/// The sample's `record.json`: (id, name, primaryType, IMDb rating).
const SHOWS: [(&str, &str, &str, f64); 3] = [
    ("b12", "Breaking Bad", "Thriller", 9.4),
    ("c30", "Game of Thrones", "Fantasy", 9.2),
    ("d52", "Hannibal", "Thriller", 8.5),
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let table = common::caching_movies_table(&server).await?;
    for (id, name, primary_type, imdb) in SHOWS {
        let show = Movie {
            id: id.into(),
            primary_type: primary_type.into(),
            name: name.into(),
            ratings: Some(Ratings {
                imdb: Some(imdb),
                rottentomatoes: None,
            }),
        };
        table.put_record(&show).await?;
    }
    table.clear_cached_data();
    let mut mark = table.stats().requests_sent;

    let getters = Getters::new()
        .path("name", "name", &())
        .path("ratings", "ratings", &());
    let query = Query::index("primaryType", "Thriller")?;
    let page = table.query_multiple_fields(&query, &getters).await?;
    let shows = common::by_id(page.records);
    let rendered: Vec<String> = shows
        .iter()
        .map(|(id, fields)| format!("{id:?}: {}", common::render_fields(fields)))
        .collect();
    println!("Retrieved tv shows : {{{}}}", rendered.join(", "));
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );

    let mut names_to_keys = BTreeMap::new();
    for (id, fields) in &shows {
        if let Some(name) = fields.get::<String>("name")? {
            names_to_keys.insert(name, id.clone());
        }
    }
    println!("TV shows names to keys : {names_to_keys:?}");

    let breaking_bad = names_to_keys
        .get("Breaking Bad")
        .ok_or("Did not find the 'Breaking Bad' tv show")?;
    let hannibal = names_to_keys
        .get("Hannibal")
        .ok_or("Did not find the 'Hannibal' tv show")?;

    // Clear all cached data of 'Breaking Bad'.
    table.clear_cached_data_for_record(breaking_bad.as_str())?;

    let imdb = || Movie::fields().ratings().imdb();
    let rating = table
        .get_field_traced(breaking_bad.as_str(), imdb())
        .await?;
    println!(
        "Breaking bad imdb rating : {}",
        common::render_traced(&rating)
    );
    let rating = table.get_field_traced(hannibal.as_str(), imdb()).await?;
    println!("Hannibal imdb rating : {}", common::render_traced(&rating));
    println!(
        "requests sent : {}",
        common::requests_since(&table, &mut mark)
    );
    Ok(())
}
