//! Scans: every record of a table, filtered and projected, page by page as a lazy stream, and in
//! parallel segments merged into one stream.
//!
//! Run it with `cargo run --example scan_basic`; no AWS account is needed. DynamoDB does not define
//! the order of a scan, so the records are sorted before they are printed.

use futures::TryStreamExt;
use structnosql::expr::Condition;
use structnosql::table::{BasicTable, BatchRetry, PrimaryIndex, Scan};
use structnosql::{EmbeddedDynamoDb, TableDataModel};

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Movie {
    id: String,
    name: String,
    primary_type: String,
    rating: f64,
}

const MOVIES: [(&str, &str, &str, f64); 9] = [
    ("c30", "Game of Thrones", "Fantasy", 9.2),
    ("d52", "Hannibal", "Thriller", 8.5),
    ("b12", "Breaking Bad", "Thriller", 9.4),
    ("n96", "The Walking Dead", "Thriller", 8.2),
    ("o28", "Amazon Lord of the Rings", "Fantasy", 6.9),
    ("h57", "Narcos", "Thriller", 8.8),
    ("p05", "Chernobyl", "Thriller", 9.4),
    ("m19", "The Witcher", "Fantasy", 8.2),
    ("b45", "Dark", "Thriller", 8.8),
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let movies = BasicTable::<Movie>::builder()
        .table_name("movies-table")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await?;
    let records: Vec<Movie> = MOVIES
        .iter()
        .map(|&(id, name, primary_type, rating)| Movie {
            id: id.into(),
            name: name.into(),
            primary_type: primary_type.into(),
            rating,
        })
        .collect();
    let written = movies
        .batch_put_records(&records, BatchRetry::default())
        .await?;
    assert!(written.is_complete());

    // One page: the names of the movies rated 9 or more (the filter runs in DynamoDB).
    let f = Movie::fields();
    let best = Scan::table().filter(Condition::ge(f.rating(), 9.0));
    let mut page = movies.scan_field(&best, f.name()).await?;
    page.records.sort();
    println!("Rated 9 or more :");
    for (id, name) in &page.records {
        println!("  {} (id: {id})", name.as_deref().unwrap_or_default());
    }

    // Every record, four per page, as a stream that sends a request per page it yields.
    let pages: Vec<_> = movies
        .paginated_scan_records(Scan::table().limit(4))
        .try_collect()
        .await?;
    let sizes: Vec<usize> = pages.iter().map(|page| page.records.len()).collect();
    println!("Pages of at most 4 records : {sizes:?}");

    // Three segments scanned in parallel, merged; every record comes exactly once.
    let thrillers = Scan::table().filter(Condition::eq(f.primary_type(), "Thriller"));
    let pages: Vec<_> = movies
        .parallel_scan_field(thrillers, 3, f.name())
        .try_collect()
        .await?;
    let mut names: Vec<String> = pages
        .into_iter()
        .flat_map(|page| page.records)
        .filter_map(|(_, name)| name)
        .collect();
    names.sort();
    println!("Thrillers, from 3 parallel segments : {names:?}");
    Ok(())
}
