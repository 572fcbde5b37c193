//! Queries on the primary index and on global secondary indexes, page by page and as streams.

use futures::StreamExt;
use structnosql::expr::Condition;
use structnosql::table::Scan;
use structnosql::table::{
    BasicTable, Getters, GlobalSecondaryIndex, PrimaryIndex, Query, SortCondition,
};
use structnosql::{Error, MapModel, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Movie {
    id: String,
    name: String,
    primary_type: String,
    year: i64,
    ratings: Option<Ratings>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Ratings {
    imdb: f64,
}

const MOVIES: [(&str, &str, &str, i64, f64); 9] = [
    ("h57", "Narcos", "Thriller", 2015, 8.8),
    ("n96", "The Walking Dead", "Thriller", 2010, 8.1),
    ("b45", "Dark", "Thriller", 2017, 8.7),
    ("b12", "Breaking Bad", "Thriller", 2008, 9.5),
    ("d52", "Hannibal", "Thriller", 2013, 8.5),
    ("p05", "Chernobyl", "Thriller", 2019, 9.4),
    ("f22", "Friends", "Comedy", 1994, 8.9),
    ("o01", "The Office", "Comedy", 2005, 9.0),
    ("s77", "Seinfeld", "Comedy", 1989, 8.9),
];

async fn movies() -> (BasicTable<Movie>, harness::RequestCounter) {
    movies_through(harness::client()).await
}

/// [`movies`] with the requests sent through `client`.
async fn movies_through(
    client: structnosql::aws_sdk_dynamodb::Client,
) -> (BasicTable<Movie>, harness::RequestCounter) {
    let (client, counter) = harness::counting(client);
    let table = BasicTable::<Movie>::builder()
        .table_name(harness::unique_table_name("movies"))
        .client(client)
        .primary_index(PrimaryIndex::hash("id"))
        .global_secondary_index(GlobalSecondaryIndex::hash("primaryType"))
        .global_secondary_index(
            GlobalSecondaryIndex::hash("primaryType")
                .sort_key("year")
                .index_name("byTypeAndYear"),
        )
        .auto_create_table(true)
        .build()
        .await
        .expect("table");
    for (id, name, kind, year, imdb) in MOVIES {
        let movie = Movie {
            id: id.into(),
            name: name.into(),
            primary_type: kind.into(),
            year,
            ratings: Some(Ratings { imdb }),
        };
        table.put_record(&movie).await.unwrap();
    }
    counter.take();
    (table, counter)
}

#[tokio::test]
async fn gsi_pages_follow_last_evaluated_keys_to_an_empty_final_page() {
    let (table, _) = movies().await;
    let name = Movie::fields().name();
    let mut query = Query::index("primaryType", "Thriller").unwrap().limit(3);
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    loop {
        let page = table.query_field(&query, name.clone()).await.unwrap();
        pages.push(page.records.len());
        seen.extend(
            page.records
                .iter()
                .map(|(id, name)| (id.clone(), name.clone().unwrap())),
        );
        if page.metadata.has_reached_end {
            break;
        }
        assert_eq!(page.metadata.count, 3);
        query = query.start_after(page.metadata.last_evaluated_key);
    }
    // The second page ends exactly on the last thriller; DynamoDB still returns a key, and the
    // third page is empty.
    assert_eq!(pages, [3, 3, 0]);
    seen.sort();
    let mut expected: Vec<(String, String)> = MOVIES
        .iter()
        .filter(|m| m.2 == "Thriller")
        .map(|m| (m.0.to_owned(), m.1.to_owned()))
        .collect();
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn the_paginated_stream_sends_a_request_only_when_polled() {
    let (table, requests) = movies().await;
    let query = Query::index("primaryType", "Thriller").unwrap().limit(3);
    let mut stream =
        Box::pin(table.paginated_query_field(query.clone(), Movie::fields().ratings().imdb()));
    assert_eq!(requests.take(), 0, "nothing sent before the first poll");
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.records.len(), 3);
    assert_eq!(requests.take(), 1);
    drop(stream);
    assert_eq!(requests.take(), 0, "no page fetched ahead");

    let getters = Getters::new().field("name", Movie::fields().name()).path(
        "imdb_rating",
        "ratings.imdb",
        &(),
    );
    let pages: Vec<_> = table
        .paginated_query_multiple_fields(query, &getters)
        .unwrap()
        .collect()
        .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().unwrap().records.len())
        .collect();
    assert_eq!(sizes, [3, 3, 0]);
    let (id, fields) = &pages[0].as_ref().unwrap().records[0];
    let movie = MOVIES.iter().find(|m| m.0 == id).unwrap();
    assert_eq!(
        fields.get::<String>("name").unwrap().as_deref(),
        Some(movie.1)
    );
    assert_eq!(fields.get::<f64>("imdb_rating").unwrap(), Some(movie.4));
}

#[tokio::test]
async fn sort_conditions_filters_and_order_apply() {
    let (table, _) = movies().await;
    let f = Movie::fields();
    let query = Query::index("byTypeAndYear", "Thriller")
        .unwrap()
        .sort(SortCondition::between(2010_i64, 2017_i64).unwrap())
        .descending();
    let page = table
        .query_fields(&query, (f.name(), f.year()))
        .await
        .unwrap();
    let years: Vec<i64> = page
        .records
        .iter()
        .map(|(_, (_, year))| year.unwrap())
        .collect();
    assert_eq!(years, [2017, 2015, 2013, 2010]);

    let filtered = query.filter(Condition::gt(f.ratings().imdb(), 8.6));
    let page = table.query_field(&filtered, f.name()).await.unwrap();
    let names: Vec<String> = page
        .records
        .into_iter()
        .map(|(_, name)| name.unwrap())
        .collect();
    assert_eq!(names, ["Dark", "Narcos"]);
}

#[tokio::test]
async fn a_primary_index_query_returns_the_record_keyed_by_its_key() {
    let (table, _) = movies().await;
    let page = table
        .query_field(&Query::primary("b12").unwrap(), Movie::fields().name())
        .await
        .unwrap();
    assert_eq!(
        page.records,
        [("b12".to_owned(), Some("Breaking Bad".to_owned()))]
    );
    assert!(page.metadata.has_reached_end);
    let none = table
        .query_field(&Query::primary("zzz").unwrap(), Movie::fields().name())
        .await
        .unwrap();
    assert!(none.records.is_empty());
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Event {
    stream: String,
    sequence: i64,
    kind: String,
}

#[tokio::test]
async fn composite_primary_keys_are_queried_with_sort_conditions() {
    let table = BasicTable::<Event, (String, i64)>::builder()
        .table_name(harness::unique_table_name("events"))
        .client(harness::client())
        .primary_index(PrimaryIndex::hash_and_sort("stream", "sequence"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    for sequence in 1..=10 {
        let kind = if sequence % 2 == 0 { "even" } else { "odd" };
        table
            .put_record(&Event {
                stream: "s".into(),
                sequence,
                kind: kind.into(),
            })
            .await
            .unwrap();
    }
    let query = Query::primary("s")
        .unwrap()
        .sort(SortCondition::ge(8_i64).unwrap());
    let page = table
        .query_field(&query, Event::fields().kind())
        .await
        .unwrap();
    let keys: Vec<(String, i64)> = page.records.into_iter().map(|(key, _)| key).collect();
    assert_eq!(keys, [("s".into(), 8), ("s".into(), 9), ("s".into(), 10)]);
}

/// Queries and scans read their pages the same way: a filter past DynamoDB's 4 KB and an index the
/// table does not have are refused before anything is sent, with the same errors.
#[tokio::test]
async fn queries_and_scans_refuse_long_filters_and_unknown_indexes_alike() {
    let (table, counter) = movies().await;
    counter.take();
    let f = Movie::fields();
    let long = (0..400).fold(Condition::gt(f.year(), 0_i64), |condition, year| {
        condition.and(Condition::ne(f.year(), year))
    });
    let query = Query::index("byTypeAndYear", "Thriller")
        .unwrap()
        .filter(long.clone());
    let error = table.query_field(&query, f.name()).await.unwrap_err();
    assert!(matches!(error, Error::TooLarge { .. }), "{error}");
    let error = table
        .scan_field(&Scan::table().filter(long), f.name())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::TooLarge { .. }), "{error}");

    let error = table
        .query_field(&Query::index("noSuchIndex", "x").unwrap(), f.name())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::UnknownIndex { ref index, .. } if index == "noSuchIndex"),
        "{error}"
    );
    let error = table
        .scan_field(&Scan::index("noSuchIndex"), f.name())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::UnknownIndex { ref index, .. } if index == "noSuchIndex"),
        "{error}"
    );
    assert_eq!(counter.take(), 0, "nothing sent");
}

/// Records the `ConsistentRead` of every Query sent (`None` when the request leaves it out).
#[derive(Debug, Clone, Default)]
struct ConsistencyRecorder(std::sync::Arc<std::sync::Mutex<Vec<Option<bool>>>>);

impl structnosql::aws_sdk_dynamodb::config::Intercept for ConsistencyRecorder {
    fn name(&self) -> &'static str {
        "ConsistencyRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &structnosql::aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &structnosql::aws_sdk_dynamodb::config::RuntimeComponents,
        _config: &mut structnosql::aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        let request = context.request();
        let is_query = request
            .headers()
            .get("x-amz-target")
            .is_some_and(|target| target.ends_with(".Query"));
        if let (true, Some(body)) = (is_query, request.body().bytes()) {
            let json: serde_json::Value = serde_json::from_slice(body)?;
            let consistent = json
                .get("ConsistentRead")
                .and_then(serde_json::Value::as_bool);
            self.0.lock().map_err(|_| "poisoned")?.push(consistent);
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_query_of_the_table_reads_consistently_unless_asked_not_to() {
    let recorder = ConsistencyRecorder::default();
    let client = harness::client();
    let client = structnosql::aws_sdk_dynamodb::Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(recorder.clone())
            .build(),
    );
    let (table, counter) = movies_through(client).await;
    let (id, _, kind, _, _) = MOVIES[0];
    let taken = |recorder: &ConsistencyRecorder| std::mem::take(&mut *recorder.0.lock().unwrap());
    taken(&recorder);
    let names = Movie::fields().name();

    let consistent = table
        .query_field(&Query::primary(id).unwrap(), names.clone())
        .await
        .unwrap();
    let eventual = table
        .query_field(
            &Query::primary(id).unwrap().consistent_read(false),
            names.clone(),
        )
        .await
        .unwrap();
    assert_eq!(consistent.records, eventual.records);
    assert_eq!(eventual.records.len(), 1);
    // Left out, a read is eventually consistent, which DynamoDB bills half.
    assert_eq!(taken(&recorder), [Some(true), None]);

    // An index is read eventually consistently, and cannot be read otherwise.
    let by_kind = Query::index("primaryType", kind).unwrap();
    let page = table.query_field(&by_kind, names.clone()).await.unwrap();
    let of_kind = MOVIES.iter().filter(|movie| movie.2 == kind).count();
    assert_eq!(page.records.len(), of_kind);
    assert_eq!(taken(&recorder), [None]);
    counter.take();
    let error = table
        .query_field(&by_kind.consistent_read(true), names)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error}");
    assert_eq!(counter.count(), 0, "refused before sending");
}
