//! What the examples of StructNoSQL's documented samples share: the models of the docs' two tables,
//! their creation on an embedded server, the records the samples start from, and how results are
//! printed.
//!
//! Included by each example with `#[path = "common/mod.rs"] mod common;` (cargo does not build a
//! subdirectory without `main.rs` as an example of its own). Each example uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::table::{
    BasicTable, CachingTable, CommitReport, FromCache, GlobalSecondaryIndex, NamedValues,
    PrimaryIndex, QueryMetadata,
};
use structnosql::{Attribute, EmbeddedDynamoDb, Item, MapModel, TableDataModel};

// ---- The `accounts-data` table ----------------------------------------------------------------

/// The users of the docs' `accounts-data` table, hash key `userId`.
///
/// Each Python sample declares only the fields it uses, sometimes with different `required` flags
/// (`mails.{{mailId}}.status` is required in one sample, `receivedTimestamp` in another). This one
/// model covers every sample, so a field is required only where every sample agrees.
#[derive(TableDataModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Account {
    pub user_id: String,
    pub username: Option<String>,
    #[structnosql(key_name = "tokenId")]
    pub tokens: Option<BTreeMap<String, AuthToken>>,
    pub last_connection_timestamp: Option<i64>,
    #[structnosql(key_name = "friendId")]
    pub friends: Option<BTreeMap<String, Friend>>,
    #[structnosql(key_name = "itemId")]
    pub shopping_cart_items: Option<BTreeMap<String, ShoppingCartItem>>,
    #[structnosql(key_name = "mailId")]
    pub mails: Option<BTreeMap<String, Mail>>,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct AuthToken {
    pub expiration_timestamp: i64,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Friend {
    pub name: Option<String>,
    pub profession: Option<String>,
    pub score: Option<i64>,
    pub relationship_status: Option<String>,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct ShoppingCartItem {
    pub product_name: String,
    pub quantity: i64,
    pub max_discount_percent: Option<i64>,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Mail {
    pub status: Option<String>,
    pub received_timestamp: Option<i64>,
    pub timestamp_for_auto_answer: Option<i64>,
    pub is_not_read: Option<bool>,
}

/// Creates the `accounts-data` table on `server`.
pub async fn accounts_table(server: &EmbeddedDynamoDb) -> structnosql::Result<BasicTable<Account>> {
    BasicTable::<Account>::builder()
        .table_name("accounts-data")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("userId"))
        .auto_create_table(true)
        .build()
        .await
}

/// Creates the `accounts-data` table on `server` and puts `record` in it, as the docs' harness puts
/// the sample's `record.json` before running the sample.
pub async fn accounts_table_with(
    server: &EmbeddedDynamoDb,
    record: Account,
) -> structnosql::Result<BasicTable<Account>> {
    let table = accounts_table(server).await?;
    table.put_record(&record).await?;
    Ok(table)
}

/// `x42`, with nothing but its key.
pub fn x42() -> Account {
    Account {
        user_id: "x42".into(),
        ..Account::default()
    }
}

/// A map of one entry.
pub fn one<V>(key: &str, value: V) -> Option<BTreeMap<String, V>> {
    Some(BTreeMap::from([(key.to_owned(), value)]))
}

/// The shopping-cart item of the samples.
pub fn soluble_coffee_jar() -> ShoppingCartItem {
    ShoppingCartItem {
        product_name: "Soluble coffee jar".into(),
        quantity: 8,
        max_discount_percent: None,
    }
}

// ---- The `movies-table` table -----------------------------------------------------------------

/// The docs' `movies-table`, hash key `id`, with a global secondary index on `primaryType`.
#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Movie {
    pub id: String,
    pub primary_type: String,
    pub name: String,
    pub ratings: Option<Ratings>,
}

/// StructNoSQL declares the ratings `(int, float)` because its floats read back as ints when whole;
/// an `f64` here reads back as an `f64` either way.
#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Ratings {
    pub imdb: Option<f64>,
    pub rottentomatoes: Option<f64>,
}

/// The samples' `record.json`: (id, name, primaryType, IMDb rating). Six of them are thrillers.
pub const MOVIES: [(&str, &str, &str, Option<f64>); 9] = [
    ("c30", "Game of Thrones", "Fantasy", Some(9.2)),
    ("d52", "Hannibal", "Thriller", Some(8.5)),
    ("b12", "Breaking Bad", "Thriller", Some(9.4)),
    ("n96", "The Walking Dead", "Thriller", Some(8.2)),
    ("o28", "Amazon Lord of the Rings", "Fantasy", None),
    ("h57", "Narcos", "Thriller", Some(8.8)),
    ("p05", "Chernobyl", "Thriller", Some(9.4)),
    ("m19", "The Witcher", "Fantasy", Some(8.2)),
    ("b45", "Dark", "Thriller", Some(8.8)),
];

/// Creates `movies-table` on `server` and puts the nine movies, with their ratings or (as the
/// `query_field` samples' records) without.
pub async fn movies_table(
    server: &EmbeddedDynamoDb,
    with_ratings: bool,
) -> structnosql::Result<BasicTable<Movie>> {
    let table = BasicTable::<Movie>::builder()
        .table_name("movies-table")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("id"))
        .global_secondary_index(GlobalSecondaryIndex::hash("primaryType"))
        .auto_create_table(true)
        .build()
        .await?;
    for (id, name, primary_type, imdb) in MOVIES {
        let movie = Movie {
            id: id.into(),
            primary_type: primary_type.into(),
            name: name.into(),
            ratings: with_ratings.then_some(Ratings {
                imdb,
                rottentomatoes: None,
            }),
        };
        table.put_record(&movie).await?;
    }
    Ok(table)
}

/// Sorts a page's records by id: DynamoDB does not define the order of the records of one
/// secondary-index key, and the examples' output has to be the same on every run.
pub fn by_id<V>(mut records: Vec<(String, V)>) -> Vec<(String, V)> {
    records.sort_by(|a, b| a.0.cmp(&b.0));
    records
}

// ---- Caching tables -------------------------------------------------------------------------

/// A caching table on `accounts-data`, created on `server` if it does not exist yet.
pub async fn caching_accounts_table(
    server: &EmbeddedDynamoDb,
) -> structnosql::Result<CachingTable<Account>> {
    CachingTable::<Account>::builder()
        .table_name("accounts-data")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("userId"))
        .auto_create_table(true)
        .build()
        .await
}

/// A caching table on `accounts-data` with `record` put through it (so the record is cached, as in
/// the samples that put their `record.json` with the caching table itself), and a basic table on the
/// same DynamoDB table, to show what DynamoDB holds.
pub async fn caching_accounts_table_with(
    server: &EmbeddedDynamoDb,
    record: Account,
) -> structnosql::Result<(CachingTable<Account>, BasicTable<Account>)> {
    let table = caching_accounts_table(server).await?;
    table.put_record(&record).await?;
    let database = accounts_table(server).await?;
    Ok((table, database))
}

/// `x42` with `username: Robinson`.
pub fn robinson() -> Account {
    Account {
        username: Some("Robinson".into()),
        ..x42()
    }
}

/// `x42` with `username: Robinson` and the unread mail `m42`, the caching samples' record.
pub fn robinson_with_mail() -> Account {
    Account {
        mails: one(
            "m42",
            Mail {
                status: Some("not-read".into()),
                ..Mail::default()
            },
        ),
        ..robinson()
    }
}

/// A caching table on `movies-table` (hash key `id`, a global secondary index on `primaryType`),
/// created empty on `server`.
pub async fn caching_movies_table(
    server: &EmbeddedDynamoDb,
) -> structnosql::Result<CachingTable<Movie>> {
    CachingTable::<Movie>::builder()
        .table_name("movies-table")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("id"))
        .global_secondary_index(GlobalSecondaryIndex::hash("primaryType"))
        .auto_create_table(true)
        .build()
        .await
}

/// Requests a caching table has sent since `*mark`; moves the mark to now.
pub fn requests_since<M: TableDataModel>(table: &CachingTable<M>, mark: &mut u64) -> u64 {
    let now = table.stats().requests_sent;
    let sent = now - *mark;
    *mark = now;
    sent
}

/// A commit's report, in one line: whether every record was written, and which were.
pub fn render_commit(report: &CommitReport<String>) -> String {
    let failed: Vec<String> = report
        .failed
        .iter()
        .map(|(key, error)| format!("{key}: {error}"))
        .collect();
    format!(
        "{} (committed: {:?}, failed: {:?})",
        report.is_success(),
        report.committed,
        failed
    )
}

/// A value read with its provenance, like StructNoSQL's debug `{'value': …, 'fromCache': …}`.
pub fn render_traced<T: Attribute>(traced: &FromCache<Option<T>>) -> String {
    format!(
        "{{value: {}, from_cache: {}}}",
        render_value(&traced.value),
        traced.from_cache
    )
}

// ---- Printing ---------------------------------------------------------------------------------

/// A JSON value, written like Python prints a dict: `{"a": 1, "b": [true, null]}`.
pub fn render(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(key, value)| {
                    format!(
                        "{}: {}",
                        serde_json::Value::from(key.as_str()),
                        render(value)
                    )
                })
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// Named results, in the order they were asked for (absent values are `null`). Maps inside a value
/// are shown with their keys sorted.
pub fn render_fields(fields: &NamedValues) -> String {
    let json = fields
        .to_json()
        .unwrap_or_else(|error| serde_json::json!({ "error": error.to_string() }));
    let entries: Vec<String> = fields
        .names()
        .map(|name| {
            let value = json.get(name).unwrap_or(&serde_json::Value::Null);
            format!("{}: {}", serde_json::Value::from(name), render(value))
        })
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// A page's metadata, like StructNoSQL's `QueryMetadata(count=…, has_reached_end=…, last_evaluated_key=…)`.
pub fn render_metadata(metadata: &QueryMetadata) -> String {
    format!(
        "QueryMetadata(count={}, has_reached_end={}, last_evaluated_key={})",
        metadata.count,
        metadata.has_reached_end,
        metadata
            .last_evaluated_key
            .as_ref()
            .map_or_else(|| "None".to_owned(), render_key)
    )
}

/// A key (string attributes only, as in these tables), with its attributes sorted by name.
pub fn render_key(key: &Item) -> String {
    let mut names: Vec<&String> = key.keys().collect();
    names.sort();
    let entries: Vec<String> = names
        .into_iter()
        .map(|name| match &key[name] {
            AttributeValue::S(text) => format!("{name:?}: {text:?}"),
            other => format!("{name:?}: {other:?}"),
        })
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// A value as Python prints an optional one: its `Debug` form, or `None`.
pub fn or_none<T: std::fmt::Debug>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "None".to_owned(), |value| format!("{value:?}"))
}

/// A model value as JSON (`null` when absent), its absent optional fields left out as DynamoDB
/// stores it.
pub fn render_value<T: Attribute>(value: &Option<T>) -> String {
    match value {
        None => "null".to_owned(),
        Some(value) => match value.to_attribute() {
            Ok(attribute) => render(&attribute_json(&attribute)),
            Err(violations) => format!("<invalid: {violations:?}>"),
        },
    }
}

/// A stored value as free-form JSON (numbers as JSON numbers, sets and binaries as arrays).
pub fn attribute_json(value: &AttributeValue) -> serde_json::Value {
    use serde_json::Value;
    let number = |text: &String| {
        text.parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::from(text.as_str()))
    };
    match value {
        AttributeValue::S(text) => Value::from(text.as_str()),
        AttributeValue::N(text) => number(text),
        AttributeValue::Bool(flag) => Value::from(*flag),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::M(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), attribute_json(value)))
                .collect(),
        ),
        AttributeValue::L(items) => Value::Array(items.iter().map(attribute_json).collect()),
        AttributeValue::Ss(items) => Value::from(items.clone()),
        AttributeValue::Ns(items) => Value::Array(items.iter().map(number).collect()),
        AttributeValue::B(bytes) => Value::from(bytes.as_ref().to_vec()),
        AttributeValue::Bs(items) => Value::Array(
            items
                .iter()
                .map(|bytes| Value::from(bytes.as_ref().to_vec()))
                .collect(),
        ),
        other => Value::from(format!("{other:?}")),
    }
}

/// StructNoSQL's `clear_pending_*_operations/discrepancy` samples (the same code, differing only in the
/// clear call): remove a cached mail, `clear` the pending writes, delete and remove it again around
/// cache clears, then commit. Prints each step; returns the request mark for examples that go on.
pub async fn mail_discrepancy(
    table: &CachingTable<Account>,
    database: &BasicTable<Account>,
    clear: fn(&CachingTable<Account>),
) -> Result<u64, Box<dyn std::error::Error>> {
    let mut mark = table.stats().requests_sent;
    let mail_m42 = || Account::fields().mails().key("m42");

    println!(
        "First has_pending_update_operations before remove : {}",
        table.has_pending_update_operations()
    );

    // The mail is cached: the remove is queued and the value comes from the cache.
    let removed: Option<Mail> = table
        .remove_field_path("x42", "mails.{{mailId}}", &[("mailId", "m42")])
        .await?;
    println!(
        "Removed mail item value expected to be from cache : {}",
        render_value(&removed)
    );
    println!("requests sent : {}", requests_since(table, &mut mark));
    println!(
        "Second has_pending_remove_operations after removal from cache : {}",
        table.has_pending_remove_operations()
    );

    clear(table);
    // StructNoSQL's cache would still say the mail is gone; here reads see DynamoDB's mail again.
    let read = table.get_field_traced("x42", mail_m42()).await?;
    println!("Mail after clear : {}", render_traced(&read));

    let deleted = table
        .delete_field_path("x42", "mails.{{mailId}}", &[("mailId", "m42")])
        .await?;
    println!("mail_item_expected_deletion_success : {deleted}");
    println!(
        "Third has_pending_remove_operations : {}",
        table.has_pending_remove_operations()
    );
    println!("requests sent : {}", requests_since(table, &mut mark));

    table.clear_cached_data();
    let removed: Option<Mail> = table
        .remove_field_path("x42", "mails.{{mailId}}", &[("mailId", "m42")])
        .await?;
    println!(
        "Removed mail from in-memory cache : {}",
        render_value(&removed)
    );
    println!("requests sent : {}", requests_since(table, &mut mark));
    println!(
        "Fourth has_pending_remove_operations : {}",
        table.has_pending_remove_operations()
    );

    table.clear_cached_data();
    let removed: Option<Mail> = table
        .remove_field_path("x42", "mails.{{mailId}}", &[("mailId", "m42")])
        .await?;
    println!("Removed mail from database : {}", render_value(&removed));
    println!("requests sent : {}", requests_since(table, &mut mark));

    let report = table.commit_operations().await;
    println!("Operations commit success : {}", render_commit(&report));
    let stored: Option<Mail> = database.get_field("x42", mail_m42()).await?;
    println!("Mail m42 in database : {}", render_value(&stored));
    Ok(mark)
}
