//! Request economy: how many DynamoDB requests structnosql sends for each of StructNoSQL's documented
//! samples and for a few write patterns, next to what StructNoSQL 2.6.7 sends for the same calls on
//! the same data and the least DynamoDB allows.
//!
//! Run it with `cargo bench --bench economy` (embedded server, or `STRUCTNOSQL_BENCH_ENDPOINT`).
//! StructNoSQL's counts are read from `target/bench-results/original-python-economy.json`, which
//! `benches/python_original/run.sh` writes; without that file the column reads "not measured".
//!
//! Both sides use the same records (the docs' `record.json` contents; the few numbers the docs store
//! as strings are stored as the numbers the model declares, which changes no count) and the same
//! calls. Requests are counted with an SDK interceptor on the client the tables use (every attempt). A
//! scenario counts from its first call: for the basic samples the record is put before counting (as
//! the docs' harness puts `record.json`); the caching samples' own `put_record` is counted, since it
//! fills the cache the rest of the sample relies on.
//!
//! A second table gives the read and write capacity units (RCU/WCU) each scenario consumes. The
//! counted client asks for them on every request that takes it (`ReturnConsumedCapacity=TOTAL`, set
//! by an SDK interceptor of this benchmark, `support::CapacityCounter`; the library's requests are
//! otherwise unchanged) and sums each answer's `ConsumedCapacity`; `workload.py` does the same for
//! StructNoSQL with botocore hooks. DynamoDB Local and the embedded server both report capacity; on
//! a server that does not, the columns read "not reported". An answer that is an error (a write
//! DynamoDB refuses, such as the first UpdateItem under a missing map) carries no capacity: such
//! requests are counted apart, as "refused" (DynamoDB charges a refused conditional write a write
//! unit).
//!
//! The minimum capacity is what the minimal request sequence stated for the scenario consumes,
//! priced by DynamoDB's rules rather than measured: every item of these scenarios is under 1 KB,
//! so a strongly consistent read of one item (GetItem, as structnosql reads) or a Query page on the
//! table costs 1 RCU, a Query page on a global secondary index (eventually consistent) 0.5 RCU, and
//! a write of one item 1 WCU. A Query page on an index that only learns there is nothing after the
//! last one costs what the server reports for such a page, asked once before the report (DynamoDB
//! and the embedded server: 0.5 RCU; DynamoDB Local: 0). Where the minimal sequence may use a read
//! or a write for the same request, the read is counted (a read unit costs a fifth of a write
//! unit). Each scenario's minimum is written as the requests it needs by kind
//! (`reads(1).writes(1)`), from which its request count follows too.
//!
//! The program exits non-zero when structnosql sends more requests than StructNoSQL in a scenario
//! (marked `WORSE`), when it sends fewer requests than the stated minimum, or consumes fewer read
//! and write units (the minimum would be wrong), or when a scenario's outcome is not what it should
//! be.

mod support;

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fmt::Write as _;

use futures::future::LocalBoxFuture;
use futures::StreamExt;
use serde_json::json;
use structnosql::aws_sdk_dynamodb::Client;
use structnosql::table::{
    BasicTable, CachingTable, Getters, GlobalSecondaryIndex, PrimaryIndex, Query, Removers, Setters,
};
use structnosql::{Error, MapModel, TableDataModel};
use support::{Capacity, CapacityCounter, RequestCounter};

// ---- Models: the docs' two tables, plus the shapes of the other scenarios ----------------------

/// The docs' `accounts-data` table (hash key `userId`), every sample's fields in one model.
#[derive(TableDataModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Account {
    user_id: String,
    username: Option<String>,
    #[structnosql(key_name = "tokenId")]
    tokens: Option<BTreeMap<String, AuthToken>>,
    last_connection_timestamp: Option<i64>,
    #[structnosql(key_name = "friendId")]
    friends: Option<BTreeMap<String, Friend>>,
    #[structnosql(key_name = "itemId")]
    shopping_cart_items: Option<BTreeMap<String, ShoppingCartItem>>,
    #[structnosql(key_name = "mailId")]
    mails: Option<BTreeMap<String, Mail>>,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct AuthToken {
    expiration_timestamp: i64,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Friend {
    name: Option<String>,
    profession: Option<String>,
    score: Option<i64>,
    relationship_status: Option<String>,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct ShoppingCartItem {
    product_name: String,
    quantity: i64,
    max_discount_percent: Option<i64>,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Mail {
    status: Option<String>,
    received_timestamp: Option<i64>,
    timestamp_for_auto_answer: Option<i64>,
    is_not_read: Option<bool>,
}

/// The docs' `movies-table` (hash key `id`, a global secondary index on `primaryType`).
#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Movie {
    id: String,
    primary_type: String,
    name: String,
    ratings: Option<Ratings>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
struct Ratings {
    imdb: Option<f64>,
    rottentomatoes: Option<f64>,
}

/// The samples' nine movies: (id, name, primaryType, IMDb rating); six are thrillers.
const MOVIES: [(&str, &str, &str, Option<f64>); 9] = [
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

/// Five levels of nested maps, for the missing-parents scenarios (`level1.level2….leaf`).
#[derive(TableDataModel, Debug, Clone, Default)]
#[structnosql(rename_all = "camelCase")]
struct Nested {
    id: String,
    level1: Option<Level1>,
}

#[derive(MapModel, Debug, Clone, Default)]
#[structnosql(rename_all = "camelCase")]
struct Level1 {
    leaf: Option<i64>,
    level2: Option<Level2>,
}

#[derive(MapModel, Debug, Clone, Default)]
#[structnosql(rename_all = "camelCase")]
struct Level2 {
    leaf: Option<i64>,
    level3: Option<Level3>,
}

#[derive(MapModel, Debug, Clone, Default)]
#[structnosql(rename_all = "camelCase")]
struct Level3 {
    leaf: Option<i64>,
    level4: Option<Level4>,
}

#[derive(MapModel, Debug, Clone, Default)]
#[structnosql(rename_all = "camelCase")]
struct Level4 {
    leaf: Option<i64>,
    level5: Option<Level5>,
}

#[derive(MapModel, Debug, Clone, Default)]
#[structnosql(rename_all = "camelCase")]
struct Level5 {
    leaf: Option<i64>,
}

/// Ten top-level fields, for the 10-field update and remove.
#[derive(TableDataModel, Debug, Clone, Default)]
#[structnosql(rename_all = "camelCase")]
struct Wide {
    id: String,
    field0: Option<i64>,
    field1: Option<i64>,
    field2: Option<i64>,
    field3: Option<i64>,
    field4: Option<i64>,
    field5: Option<i64>,
    field6: Option<i64>,
    field7: Option<i64>,
    field8: Option<i64>,
    field9: Option<i64>,
}

/// The records of the caching session.
#[derive(TableDataModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Player {
    player_id: String,
    name: Option<String>,
    level: Option<i64>,
    score: Option<i64>,
    settings: Option<Settings>,
    #[structnosql(key_name = "itemId")]
    inventory: Option<BTreeMap<String, InventoryItem>>,
    badges: Option<Vec<String>>,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Settings {
    theme: Option<String>,
    volume: Option<i64>,
}

#[derive(MapModel, Debug, Clone, Default, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct InventoryItem {
    count: i64,
}

// ---- Records the scenarios start from -----------------------------------------------------------

fn x42() -> Account {
    Account {
        user_id: "x42".into(),
        ..Account::default()
    }
}

fn robinson() -> Account {
    Account {
        username: Some("Robinson".into()),
        ..x42()
    }
}

fn robinson_with_mail() -> Account {
    Account {
        mails: one("m42", mail("not-read")),
        ..robinson()
    }
}

fn mail(status: &str) -> Mail {
    Mail {
        status: Some(status.into()),
        ..Mail::default()
    }
}

fn one<V>(key: &str, value: V) -> Option<BTreeMap<String, V>> {
    Some(BTreeMap::from([(key.to_owned(), value)]))
}

fn soluble_coffee_jar() -> ShoppingCartItem {
    ShoppingCartItem {
        product_name: "Soluble coffee jar".into(),
        quantity: 8,
        max_discount_percent: None,
    }
}

fn token(expiration_timestamp: i64) -> AuthToken {
    AuthToken {
        expiration_timestamp,
    }
}

fn friend_with_status(status: &str) -> Friend {
    Friend {
        relationship_status: Some(status.into()),
        ..Friend::default()
    }
}

/// The caching session's record `p<index>`.
fn player(index: usize) -> Player {
    Player {
        player_id: format!("p{index}"),
        name: Some(format!("player{index}")),
        level: Some(1),
        score: Some(100 * index as i64),
        settings: Some(Settings {
            theme: Some("light".into()),
            volume: Some(5),
        }),
        inventory: Some(BTreeMap::from([
            ("sword".to_owned(), InventoryItem { count: 1 }),
            ("shield".to_owned(), InventoryItem { count: 1 }),
        ])),
        badges: Some(vec!["a".into(), "b".into(), "c".into()]),
    }
}

// ---- The scenario environment ------------------------------------------------------------------

type Outcome = Result<(), Box<dyn StdError>>;

/// A counted client for the scenario's tables, and a plain one for setup and checks.
struct Env {
    client: Client,
    counter: RequestCounter,
    capacity: CapacityCounter,
    plain: Client,
}

impl Env {
    fn new() -> Self {
        let (client, counter, capacity) = support::capacity_counted_client();
        Self {
            client,
            counter,
            capacity,
            plain: support::client(),
        }
    }

    /// Starts counting: what was sent before (table creation, setup) is forgotten.
    fn start(&self) {
        self.counter.take();
        self.capacity.take();
    }

    /// The scenario's row: the requests and capacity counted since `start`, and its outcome.
    fn row(self, id: impl Into<String>, least: Least, why: &'static str, outcome: Outcome) -> Row {
        Row {
            id: id.into(),
            requests: self.counter.take(),
            capacity: self.capacity.take(),
            minimum: least.requests(),
            least,
            why,
            problem: outcome.err().map(|error| error.to_string()),
        }
    }

    async fn basic<M: TableDataModel>(
        &self,
        client: &Client,
        name: &str,
        hash_key: &str,
        gsi: Option<&str>,
    ) -> BasicTable<M> {
        let mut builder = BasicTable::<M>::builder()
            .table_name(name)
            .client(client.clone())
            .primary_index(PrimaryIndex::hash(hash_key))
            .auto_create_table(true);
        if let Some(gsi) = gsi {
            builder = builder.global_secondary_index(GlobalSecondaryIndex::hash(gsi));
        }
        builder.build().await.expect("basic table")
    }

    async fn caching<M: TableDataModel>(
        &self,
        name: &str,
        hash_key: &str,
        gsi: Option<&str>,
    ) -> CachingTable<M> {
        let mut builder = CachingTable::<M>::builder()
            .table_name(name)
            .client(self.client.clone())
            .primary_index(PrimaryIndex::hash(hash_key))
            .auto_create_table(true);
        if let Some(gsi) = gsi {
            builder = builder.global_secondary_index(GlobalSecondaryIndex::hash(gsi));
        }
        builder.build().await.expect("caching table")
    }

    /// A counted `accounts-data` table holding `record`, and a plain one on the same table for checks.
    async fn accounts_with(&self, record: &Account) -> (BasicTable<Account>, BasicTable<Account>) {
        let name = support::unique_table_name("economy-accounts");
        let plain = self.basic(&self.plain, &name, "userId", None).await;
        plain
            .put_record(record)
            .await
            .expect("put the sample's record");
        let table = self.basic(&self.client, &name, "userId", None).await;
        self.start();
        (table, plain)
    }

    /// A counted caching `accounts-data` table (empty) and a plain basic one on the same table.
    async fn caching_accounts(&self) -> (CachingTable<Account>, BasicTable<Account>) {
        let name = support::unique_table_name("economy-accounts");
        let plain = self.basic(&self.plain, &name, "userId", None).await;
        let table = self.caching(&name, "userId", None).await;
        self.start();
        (table, plain)
    }

    /// A counted `movies-table` holding the nine movies (with or without ratings).
    async fn movies(&self, with_ratings: bool) -> BasicTable<Movie> {
        let name = support::unique_table_name("economy-movies");
        let plain = self
            .basic::<Movie>(&self.plain, &name, "id", Some("primaryType"))
            .await;
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
            plain.put_record(&movie).await.expect("put a movie");
        }
        let table = self
            .basic(&self.client, &name, "id", Some("primaryType"))
            .await;
        self.start();
        table
    }
}

/// Fails the scenario with `message` unless `condition` holds.
fn check(condition: bool, message: &str) -> Outcome {
    if condition {
        Ok(())
    } else {
        Err(message.into())
    }
}

// ---- Basic samples ------------------------------------------------------------------------------

async fn get_field_single_selection(env: &Env) -> Outcome {
    let friends = [
        ("b242", "superFriend"),
        ("b59O", "lover"),
        ("b112", "businessPartner"),
    ]
    .into_iter()
    .map(|(id, status)| (id.to_owned(), friend_with_status(status)))
    .collect();
    let record = Account {
        username: Some("Robinson".into()),
        friends: Some(friends),
        ..x42()
    };
    let (table, _) = env.accounts_with(&record).await;
    let status: Option<String> = table
        .get_field_path(
            "x42",
            "friends.{{friendId}}.relationshipStatus",
            &[("friendId", "b112")],
        )
        .await?;
    check(
        status.as_deref() == Some("businessPartner"),
        "wrong relationship status",
    )
}

async fn get_field_multi_selectors(env: &Env) -> Outcome {
    let record = Account {
        username: Some("Robinson".into()),
        friends: one(
            "b112",
            Friend {
                name: Some("Malo".into()),
                profession: Some("electrical engineer".into()),
                score: Some(100),
                relationship_status: None,
            },
        ),
        ..x42()
    };
    let (table, _) = env.accounts_with(&record).await;
    let getters = Getters::new().path(
        "friend",
        "friends.{{friendId}}.(name, profession, score)",
        &[("friendId", "b112")],
    );
    let friend = table.get_multiple_fields("x42", &getters).await?;
    check(
        friend.get::<i64>("friend.score")? == Some(100),
        "wrong friend score",
    )
}

async fn get_multiple_fields_basic(env: &Env) -> Outcome {
    let record = Account {
        username: Some("Robinson".into()),
        tokens: one("t32", token(1618322249)),
        last_connection_timestamp: Some(1607220132),
        ..x42()
    };
    let (table, _) = env.accounts_with(&record).await;
    let getters = Getters::new()
        .path("name", "username", &())
        .path(
            "tokenExpiration",
            "tokens.{{tokenId}}.expirationTimestamp",
            &[("tokenId", "t42")],
        )
        .path("lastConnectionTimestamp", "lastConnectionTimestamp", &());
    let fields = table.get_multiple_fields("x42", &getters).await?;
    check(
        fields.get::<String>("name")?.as_deref() == Some("Robinson"),
        "wrong name",
    )
}

async fn query_field_basic(env: &Env) -> Outcome {
    let record = Account {
        shopping_cart_items: one("i42", soluble_coffee_jar()),
        ..x42()
    };
    let (table, _) = env.accounts_with(&record).await;
    let item = Account::fields().shopping_cart_items().key("i42");
    let page = table.query_field(&Query::primary("x42")?, item).await?;
    check(page.records.len() == 1, "expected one record")
}

async fn query_field_pagination(env: &Env) -> Outcome {
    let table = env.movies(false).await;
    let name = Movie::fields().name();
    let thrillers = Query::index("primaryType", "Thriller")?.limit(3);
    let first = table.query_field(&thrillers, name.clone()).await?;
    let mut found = first.records.len();
    if !first.metadata.has_reached_end {
        let second = table
            .query_field(
                &thrillers
                    .clone()
                    .start_after(first.metadata.last_evaluated_key),
                name.clone(),
            )
            .await?;
        found += second.records.len();
        if !second.metadata.has_reached_end {
            let third = table
                .query_field(
                    &thrillers.start_after(second.metadata.last_evaluated_key),
                    name,
                )
                .await?;
            found += third.records.len();
        }
    }
    check(found == 6, "expected six thrillers")
}

fn name_and_rating() -> Getters {
    Getters::new()
        .path("name", "name", &())
        .path("imdb_rating", "ratings.imdb", &())
}

async fn query_multiple_fields_basic(env: &Env) -> Outcome {
    let table = env.movies(true).await;
    let query = Query::index("primaryType", "Thriller")?.limit(3);
    let page = table
        .query_multiple_fields(&query, &name_and_rating())
        .await?;
    check(page.records.len() == 3, "expected a page of three")
}

async fn paginated_query_field_basic(env: &Env) -> Outcome {
    let table = env.movies(false).await;
    let query = Query::index("primaryType", "Thriller")?.limit(3);
    let mut pages = Box::pin(table.paginated_query_field(query, Movie::fields().name()));
    let mut found = 0;
    while let Some(page) = pages.next().await {
        found += page?.records.len();
    }
    check(found == 6, "expected six thrillers")
}

async fn paginated_query_multiple_fields_basic(env: &Env) -> Outcome {
    let table = env.movies(true).await;
    let query = Query::index("primaryType", "Thriller")?.limit(3);
    let mut pages = Box::pin(table.paginated_query_multiple_fields(query, &name_and_rating())?);
    let mut found = 0;
    while let Some(page) = pages.next().await {
        found += page?.records.len();
    }
    check(found == 6, "expected six thrillers")
}

async fn update_field_basic(env: &Env) -> Outcome {
    let (table, _) = env.accounts_with(&robinson()).await;
    table
        .update_field_path("x42", "username", &(), "Paul".to_owned())
        .await?;
    let name = table.get_field("x42", Account::fields().username()).await?;
    check(name.as_deref() == Some("Paul"), "username not updated")
}

async fn update_field_return_old_basic(env: &Env) -> Outcome {
    let (table, _) = env.accounts_with(&robinson()).await;
    let username = Account::fields().username();
    let old = table
        .update_field_return_old("x42", username.clone(), "Paul")
        .await?;
    let new = table.get_field("x42", username).await?;
    check(
        old.as_deref() == Some("Robinson") && new.as_deref() == Some("Paul"),
        "wrong old or new username",
    )
}

/// The sample's setters: two of the three values are strings where the model declares ints.
async fn update_multiple_fields_basic(env: &Env) -> Outcome {
    let (table, _) = env.accounts_with(&robinson()).await;
    let setters = Setters::new()
        .set_path("username", &(), "Paul".to_owned())
        .set_path(
            "tokens.{{tokenId}}",
            &[("tokenId", "t42")],
            json!({"expirationTimestamp": "1618324660"}),
        )
        .set_path("lastConnectionTimestamp", &(), "1606714120".to_owned());
    match table.update_multiple_fields("x42", &setters).await {
        Err(Error::Validation { .. }) => Ok(()),
        other => Err(format!("expected the invalid setters to be refused, got {other:?}").into()),
    }
}

/// The same setters with values of the declared types; `tokens` is absent, so `tokens.t42` has a
/// missing parent.
async fn update_multiple_fields_valid_values(env: &Env) -> Outcome {
    let (table, plain) = env.accounts_with(&robinson()).await;
    let setters = Setters::new()
        .set_path("username", &(), "Paul".to_owned())
        .set_path(
            "tokens.{{tokenId}}",
            &[("tokenId", "t42")],
            token(1618324660),
        )
        .set_path("lastConnectionTimestamp", &(), 1606714120_i64);
    table.update_multiple_fields("x42", &setters).await?;
    let stored = plain.get_record("x42").await?.ok_or("record missing")?;
    check(
        stored.username.as_deref() == Some("Paul")
            && stored.tokens == one("t42", token(1618324660))
            && stored.last_connection_timestamp == Some(1606714120),
        "not every setter was written",
    )
}

async fn update_multiple_fields_return_old_basic(env: &Env) -> Outcome {
    let record = robinson_with_mail();
    let (table, _) = env.accounts_with(&record).await;
    let setters = Setters::new()
        .set_path_named("name", "username", &(), "Paul".to_owned())
        .set_path_named(
            "old_mail_status",
            "mails.{{mailId}}",
            &[("mailId", "m42")],
            mail("read"),
        );
    let old = table
        .update_multiple_fields_return_old("x42", &setters)
        .await?;
    check(
        old.get::<String>("name")?.as_deref() == Some("Robinson")
            && old.get::<Mail>("old_mail_status")? == Some(mail("not-read")),
        "wrong old values",
    )
}

async fn delete_field_basic(env: &Env) -> Outcome {
    let record = Account {
        shopping_cart_items: one("i42", soluble_coffee_jar()),
        ..x42()
    };
    let (table, _) = env.accounts_with(&record).await;
    let deleted = table
        .delete_field_path("x42", "shoppingCartItems.{{itemId}}", &[("itemId", "i42")])
        .await?;
    check(deleted, "the item was there")
}

fn cart_and_tokens() -> Account {
    Account {
        shopping_cart_items: one("i42", soluble_coffee_jar()),
        tokens: one("t32", token(1618322249)),
        ..x42()
    }
}

fn cart_item_and_tokens() -> Removers {
    Removers::new()
        .path(
            "shoppingCartItem",
            "shoppingCartItems.{{itemId}}",
            &[("itemId", "i42")],
        )
        .path("removedTokens", "tokens", &())
}

async fn delete_multiple_fields_basic(env: &Env) -> Outcome {
    let (table, _) = env.accounts_with(&cart_and_tokens()).await;
    let deleted = table
        .delete_multiple_fields("x42", &cart_item_and_tokens())
        .await?;
    check(
        deleted.iter().all(|(_, deleted)| *deleted),
        "both were there",
    )
}

async fn remove_field_basic(env: &Env) -> Outcome {
    let record = Account {
        shopping_cart_items: one(
            "i42",
            ShoppingCartItem {
                max_discount_percent: Some(33),
                ..soluble_coffee_jar()
            },
        ),
        ..x42()
    };
    let (table, _) = env.accounts_with(&record).await;
    let removed: Option<ShoppingCartItem> = table
        .remove_field_path("x42", "shoppingCartItems.{{itemId}}", &[("itemId", "i42")])
        .await?;
    check(
        removed.and_then(|item| item.max_discount_percent) == Some(33),
        "wrong removed item",
    )
}

async fn remove_field_multi_fields_selector(env: &Env) -> Outcome {
    let record = Account {
        username: Some("Robinson".into()),
        mails: one(
            "m42",
            Mail {
                status: None,
                received_timestamp: Some(1627134011),
                timestamp_for_auto_answer: Some(1627252059),
                is_not_read: Some(true),
            },
        ),
        ..x42()
    };
    let (table, _) = env.accounts_with(&record).await;
    let removers = Removers::new().path(
        "mail",
        "mails.{{mailId}}.(timestampForAutoAnswer, isNotRead)",
        &[("mailId", "m42")],
    );
    let removed = table.remove_multiple_fields("x42", &removers).await?;
    check(
        removed.get::<i64>("mail.timestampForAutoAnswer")? == Some(1627252059)
            && removed.get::<bool>("mail.isNotRead")? == Some(true),
        "wrong removed attributes",
    )
}

async fn remove_multiple_fields_basic(env: &Env) -> Outcome {
    let (table, _) = env.accounts_with(&cart_and_tokens()).await;
    let removed = table
        .remove_multiple_fields("x42", &cart_item_and_tokens())
        .await?;
    check(
        removed.is_present("shoppingCartItem") && removed.is_present("removedTokens"),
        "both were there",
    )
}

// ---- Caching samples ----------------------------------------------------------------------------

async fn clear_cached_data_basic(env: &Env) -> Outcome {
    let (table, _) = env.caching_accounts().await;
    table.put_record(&robinson()).await?;
    table.commit_operations().await;
    table.clear_cached_data();
    let username = Account::fields().username();
    let first = table.get_field_traced("x42", username.clone()).await?;
    let second = table.get_field_traced("x42", username.clone()).await?;
    table.clear_cached_data();
    let third = table.get_field_traced("x42", username).await?;
    check(
        !first.from_cache && second.from_cache && !third.from_cache,
        "wrong cache provenance",
    )
}

async fn clear_cached_data_for_record_basic(env: &Env) -> Outcome {
    let name = support::unique_table_name("economy-movies");
    let plain = env
        .basic::<Movie>(&env.plain, &name, "id", Some("primaryType"))
        .await;
    for (id, name, primary_type, imdb) in [
        ("b12", "Breaking Bad", "Thriller", 9.4),
        ("c30", "Game of Thrones", "Fantasy", 9.2),
        ("d52", "Hannibal", "Thriller", 8.5),
    ] {
        let show = Movie {
            id: id.into(),
            primary_type: primary_type.into(),
            name: name.into(),
            ratings: Some(Ratings {
                imdb: Some(imdb),
                rottentomatoes: None,
            }),
        };
        plain.put_record(&show).await?;
    }
    let table = env.caching::<Movie>(&name, "id", Some("primaryType")).await;
    env.start();

    let getters = Getters::new()
        .path("name", "name", &())
        .path("ratings", "ratings", &());
    let query = Query::index("primaryType", "Thriller")?;
    let page = table.query_multiple_fields(&query, &getters).await?;
    table.clear_cached_data_for_record("b12")?;
    let imdb = || Movie::fields().ratings().imdb();
    let breaking_bad = table.get_field_traced("b12", imdb()).await?;
    let hannibal = table.get_field_traced("d52", imdb()).await?;
    check(
        page.records.len() == 2 && !breaking_bad.from_cache && hannibal.from_cache,
        "wrong cache provenance",
    )
}

/// `put`, an update, then `clear`: the update is never sent.
async fn put_update_clear(env: &Env, clear: fn(&CachingTable<Account>)) -> Outcome {
    let (table, plain) = env.caching_accounts().await;
    table.put_record(&robinson()).await?;
    table
        .update_field("x42", Account::fields().username(), "Paul")
        .await?;
    clear(&table);
    let stored = plain.get_field("x42", Account::fields().username()).await?;
    check(
        !table.has_pending_operations() && stored.as_deref() == Some("Robinson"),
        "the update should have been discarded",
    )
}

/// The `*/discrepancy` samples: remove a cached mail, discard the pending remove, delete it again,
/// then `remove_field` after clearing the cache (`twice`: a second clear and remove).
async fn mail_discrepancy(env: &Env, twice: bool) -> Outcome {
    let (table, _) = env.caching_accounts().await;
    table.put_record(&robinson_with_mail()).await?;
    let m42 = [("mailId", "m42")];
    let _: Option<Mail> = table
        .remove_field_path("x42", "mails.{{mailId}}", &m42)
        .await?;
    table.clear_pending_remove_operations();
    table
        .delete_field_path("x42", "mails.{{mailId}}", &m42)
        .await?;
    table.clear_cached_data();
    let _: Option<Mail> = table
        .remove_field_path("x42", "mails.{{mailId}}", &m42)
        .await?;
    if twice {
        table.clear_cached_data();
        let _: Option<Mail> = table
            .remove_field_path("x42", "mails.{{mailId}}", &m42)
            .await?;
    }
    Ok(())
}

/// `has_pending_remove_operations/basic` (and `clear_pending_remove_operations/basic`, the same
/// code): delete a cached mail, commit.
async fn delete_cached_mail_commit(env: &Env) -> Outcome {
    let (table, plain) = env.caching_accounts().await;
    table.put_record(&robinson_with_mail()).await?;
    table
        .delete_field_path("x42", "mails.{{mailId}}", &[("mailId", "m42")])
        .await?;
    let report = table.commit_operations().await;
    let stored = plain
        .get_field("x42", Account::fields().mails().key("m42"))
        .await?;
    check(
        report.is_success() && stored.is_none(),
        "the mail should be gone",
    )
}

async fn commit_operations_basic(env: &Env) -> Outcome {
    let (table, plain) = env.caching_accounts().await;
    let username = Account::fields().username();
    table.update_field("x42", username.clone(), "Paul").await?;
    table.delete_field("x42", username.clone()).await?;
    let report = table.commit_operations().await;
    let stored = plain.get_field("x42", username).await?;
    check(
        report.is_success() && stored.is_none(),
        "the username should be absent",
    )
}

async fn commit_remove_operations_basic(env: &Env) -> Outcome {
    let (table, _) = env.caching_accounts().await;
    table
        .delete_field("x42", Account::fields().username())
        .await?;
    let report = table.commit_remove_operations().await;
    check(report.is_success(), "commit failed")
}

async fn commit_update_operations_basic(env: &Env) -> Outcome {
    let (table, plain) = env.caching_accounts().await;
    let username = Account::fields().username();
    table.update_field("x42", username.clone(), "Paul").await?;
    let report = table.commit_update_operations().await;
    let stored = plain.get_field("x42", username).await?;
    check(
        report.is_success() && stored.as_deref() == Some("Paul"),
        "the username should be Paul",
    )
}

/// `has_pending_operations/basic` and `has_pending_update_operations/basic`: put, update, commit.
async fn put_update_commit(env: &Env, updates_only: bool) -> Outcome {
    let (table, plain) = env.caching_accounts().await;
    let username = Account::fields().username();
    table.put_record(&robinson()).await?;
    table.update_field("x42", username.clone(), "Paul").await?;
    let report = if updates_only {
        table.commit_update_operations().await
    } else {
        table.commit_operations().await
    };
    let stored = plain.get_field("x42", username).await?;
    check(
        report.is_success() && stored.as_deref() == Some("Paul") && !table.has_pending_operations(),
        "the username should be Paul",
    )
}

// ---- Other scenarios ----------------------------------------------------------------------------

/// The path of `leaf` under `depth` nested maps: `level1.level2.leaf` for 2.
fn nested_leaf(depth: usize) -> String {
    let mut path: Vec<String> = (1..=depth).map(|level| format!("level{level}")).collect();
    path.push("leaf".into());
    path.join(".")
}

/// Sets a leaf whose `depth` parent maps are all missing, on a record that exists (with none of
/// them) or does not exist.
async fn missing_parents(env: &Env, depth: usize, record_exists: bool) -> Outcome {
    let name = support::unique_table_name("economy-nested");
    let plain = env.basic::<Nested>(&env.plain, &name, "id", None).await;
    if record_exists {
        plain
            .put_record(&Nested {
                id: "n1".into(),
                level1: None,
            })
            .await?;
    }
    let table = env.basic::<Nested>(&env.client, &name, "id", None).await;
    env.start();
    let path = nested_leaf(depth);
    table.update_field_path("n1", &path, &(), 7_i64).await?;
    let stored: Option<i64> = plain.get_field_path("n1", &path, &()).await?;
    check(stored == Some(7), "the leaf was not written")
}

fn wide_fields() -> impl Iterator<Item = String> {
    (0..10).map(|index| format!("field{index}"))
}

async fn wide_table(env: &Env) -> (BasicTable<Wide>, BasicTable<Wide>) {
    let name = support::unique_table_name("economy-wide");
    let plain = env.basic::<Wide>(&env.plain, &name, "id", None).await;
    let mut setters = Setters::new();
    for field in wide_fields() {
        setters = setters.set_path(&field, &(), 0_i64);
    }
    plain
        .update_multiple_fields("w1", &setters)
        .await
        .expect("write the ten fields");
    let table = env.basic::<Wide>(&env.client, &name, "id", None).await;
    env.start();
    (table, plain)
}

async fn update_ten_fields(env: &Env) -> Outcome {
    let (table, plain) = wide_table(env).await;
    let mut setters = Setters::new();
    for (index, field) in wide_fields().enumerate() {
        setters = setters.set_path(&field, &(), index as i64 + 1);
    }
    table.update_multiple_fields("w1", &setters).await?;
    let stored = plain.get_record("w1").await?.ok_or("record missing")?;
    check(
        stored.field0 == Some(1) && stored.field9 == Some(10),
        "not every field was written",
    )
}

async fn remove_ten_fields(env: &Env) -> Outcome {
    let (table, plain) = wide_table(env).await;
    let mut removers = Removers::new();
    for field in wide_fields() {
        removers = removers.path(field.clone(), &field, &());
    }
    let removed = table.remove_multiple_fields("w1", &removers).await?;
    let stored = plain.get_record("w1").await?.ok_or("record missing")?;
    check(
        removed.len() == 10
            && wide_fields().all(|field| removed.is_present(&field))
            && stored.field0.is_none()
            && stored.field9.is_none(),
        "not every field was removed",
    )
}

/// One step of the caching session, applied to one record.
async fn session_step(table: &CachingTable<Player>, key: &str, step: usize) -> Outcome {
    let sword = [("itemId", "sword")];
    let potion = [("itemId", "potion")];
    match step {
        0 => {
            let _name: Option<String> = table.get_field_path(key, "name", &()).await?;
        }
        1 => {
            let getters = Getters::new()
                .path("level", "level", &())
                .path("score", "score", &());
            table.get_multiple_fields(key, &getters).await?;
        }
        2 => table.update_field_path(key, "level", &(), 2_i64).await?,
        3 => {
            let _theme: Option<String> = table.get_field_path(key, "settings.theme", &()).await?;
        }
        4 => {
            table
                .update_field_path(key, "settings.volume", &(), 7_i64)
                .await?;
        }
        5 => {
            let _sword: Option<InventoryItem> = table
                .remove_field_path(key, "inventory.{{itemId}}", &sword)
                .await?;
        }
        6 => {
            let _level: Option<i64> = table.get_field_path(key, "level", &()).await?;
        }
        7 => {
            let potions = InventoryItem { count: 3 };
            table
                .update_field_path(key, "inventory.{{itemId}}", &potion, potions)
                .await?;
        }
        8 => {
            table.delete_field_path(key, "settings.theme", &()).await?;
        }
        _ => {
            let getters =
                Getters::new()
                    .path("name", "name", &())
                    .path("theme", "settings.theme", &());
            table.get_multiple_fields(key, &getters).await?;
        }
    }
    Ok(())
}

/// Number of records and of distinct steps of the caching session (50 operations, then a commit).
const SESSION_RECORDS: usize = 5;
const SESSION_STEPS: usize = 10;

/// 50 operations on 5 records through one caching table, then `commit_operations`: round `r` applies
/// step `r` to every record in turn.
async fn caching_session(env: &Env) -> Outcome {
    let name = support::unique_table_name("economy-players");
    let plain = env
        .basic::<Player>(&env.plain, &name, "playerId", None)
        .await;
    for index in 0..SESSION_RECORDS {
        plain.put_record(&player(index)).await?;
    }
    let table = env.caching::<Player>(&name, "playerId", None).await;
    env.start();
    for step in 0..SESSION_STEPS {
        for index in 0..SESSION_RECORDS {
            session_step(&table, &format!("p{index}"), step).await?;
        }
    }
    let report = table.commit_operations().await;
    check(report.is_success(), "commit failed")?;
    for index in 0..SESSION_RECORDS {
        let stored = plain
            .get_record(format!("p{index}"))
            .await?
            .ok_or("record missing")?;
        let expected = Player {
            level: Some(2),
            settings: Some(Settings {
                theme: None,
                volume: Some(7),
            }),
            inventory: Some(BTreeMap::from([
                ("shield".to_owned(), InventoryItem { count: 1 }),
                ("potion".to_owned(), InventoryItem { count: 3 }),
            ])),
            ..player(index)
        };
        check(stored == expected, "wrong final record")?;
    }
    Ok(())
}

/// A caching table: update a field, remove another whose value is not cached, update a third, commit.
async fn uncached_remove_between_updates(env: &Env) -> Outcome {
    let name = support::unique_table_name("economy-accounts");
    let plain = env
        .basic::<Account>(&env.plain, &name, "userId", None)
        .await;
    plain
        .put_record(&Account {
            last_connection_timestamp: Some(1607220132),
            ..robinson()
        })
        .await?;
    let table = env.caching::<Account>(&name, "userId", None).await;
    env.start();
    let f = Account::fields();
    table.update_field("x42", f.username(), "Paul").await?;
    let removed = table
        .remove_field("x42", f.last_connection_timestamp())
        .await?;
    table
        .update_field(
            "x42",
            f.tokens(),
            BTreeMap::from([("t1".to_owned(), token(1618322249))]),
        )
        .await?;
    let report = table.commit_operations().await;
    let stored = plain.get_record("x42").await?.ok_or("record missing")?;
    check(
        report.is_success()
            && removed == Some(1607220132)
            && stored
                == Account {
                    username: Some("Paul".into()),
                    tokens: one("t1", token(1618322249)),
                    ..x42()
                },
        "wrong final record",
    )
}

/// A caching table on a new table holding `players` (counted from the first call after).
async fn players_table(
    env: &Env,
    players: &[Player],
) -> (CachingTable<Player>, BasicTable<Player>) {
    let name = support::unique_table_name("economy-players");
    let plain = env
        .basic::<Player>(&env.plain, &name, "playerId", None)
        .await;
    for player in players {
        plain.put_record(player).await.ok();
    }
    let table = env.caching::<Player>(&name, "playerId", None).await;
    env.start();
    (table, plain)
}

/// Deletes three fields never read (each must say whether it existed), then a commit.
async fn delete_unread_fields(env: &Env) -> Outcome {
    let (table, plain) = players_table(env, &[player(0)]).await;
    let f = Player::fields();
    let deleted = (
        table.delete_field("p0", f.level()).await?,
        table.delete_field("p0", f.settings().theme()).await?,
        table.delete_field("p0", f.inventory().key("bow")).await?,
    );
    let report = table.commit_operations().await;
    let stored = plain.get_record("p0").await?.ok_or("record missing")?;
    check(
        report.is_success()
            && deleted == (true, true, false)
            && stored.level.is_none()
            && stored.settings.and_then(|s| s.theme).is_none(),
        "wrong deletes",
    )
}

/// Writes below maps that may be missing (no read first): `settings` exists on one record and not
/// on the other; a commit.
async fn nested_writes_under_possibly_missing_maps(env: &Env) -> Outcome {
    let without_settings = Player {
        settings: None,
        ..player(1)
    };
    let (table, plain) = players_table(env, &[player(0), without_settings]).await;
    let f = Player::fields();
    for key in ["p0", "p1"] {
        table.update_field(key, f.settings().volume(), 9).await?;
    }
    let report = table.commit_operations().await;
    let mut volumes = Vec::new();
    for key in ["p0", "p1"] {
        let stored = plain.get_record(key).await?.ok_or("record missing")?;
        volumes.push(stored.settings.and_then(|s| s.volume));
    }
    check(
        report.is_success() && volumes == [Some(9), Some(9)],
        "wrong volumes",
    )
}

/// On a record read first: two new map entries, each written then removed; a commit.
async fn superseded_writes(env: &Env) -> Outcome {
    let (table, plain) = players_table(env, &[player(0)]).await;
    let f = Player::fields();
    table.get_field("p0", f.name()).await?;
    let potion = f.inventory().key("potion");
    table
        .update_field("p0", potion.clone(), InventoryItem { count: 2 })
        .await?;
    table.remove_field("p0", potion).await?;
    let bow = f.inventory().key("bow");
    table
        .update_field("p0", bow.clone(), InventoryItem { count: 1 })
        .await?;
    table.delete_field("p0", bow).await?;
    let report = table.commit_operations().await;
    let stored = plain.get_record("p0").await?.ok_or("record missing")?;
    check(report.is_success() && stored == player(0), "wrong record")
}

/// List edits without a read first: replace an item, append one, remove the first; a commit.
async fn list_edits(env: &Env) -> Outcome {
    let (table, plain) = players_table(env, &[player(0)]).await;
    let f = Player::fields();
    table
        .update_field("p0", f.badges().index(1), "B".to_owned())
        .await?;
    table
        .update_field("p0", f.badges().index(3), "d".to_owned())
        .await?;
    let removed = table.remove_field("p0", f.badges().index(0)).await?;
    let report = table.commit_operations().await;
    let stored = plain.get_record("p0").await?.ok_or("record missing")?;
    let expected: Vec<String> = ["B", "c", "d"].map(String::from).to_vec();
    check(
        report.is_success() && removed.as_deref() == Some("a") && stored.badges == Some(expected),
        "wrong list",
    )
}

/// On a record read first: a write, then a conditional write of another field on a condition of a
/// third.
async fn write_then_conditional_write(env: &Env) -> Outcome {
    let (table, plain) = players_table(env, &[player(0)]).await;
    let f = Player::fields();
    table.get_field("p0", f.name()).await?;
    table.update_field("p0", f.level(), 3).await?;
    let holds = structnosql::expr::Condition::eq(f.name(), "player0".to_owned());
    table.update_field_if("p0", f.score(), 5, &holds).await?;
    let stored = plain.get_record("p0").await?.ok_or("record missing")?;
    check(
        stored.level == Some(3) && stored.score == Some(5) && !table.has_pending_operations(),
        "wrong record",
    )
}

/// On a record read first: two writes, then the record's delete.
async fn writes_then_delete_record(env: &Env) -> Outcome {
    let (table, plain) = players_table(env, &[player(0)]).await;
    let f = Player::fields();
    table.get_field("p0", f.name()).await?;
    table.update_field("p0", f.level(), 3).await?;
    table
        .update_field("p0", f.settings().theme(), "dark".to_owned())
        .await?;
    let existed = table.delete_record("p0").await?;
    let report = table.commit_operations().await;
    let stored = plain.get_record("p0").await?;
    check(
        existed && report.is_success() && stored.is_none(),
        "the record is still there",
    )
}

// ---- The report -----------------------------------------------------------------------------------

/// One measured scenario.
struct Row {
    id: String,
    requests: u64,
    capacity: Capacity,
    minimum: u64,
    least: Least,
    why: &'static str,
    problem: Option<String>,
}

/// What StructNoSQL 2.6.7 sent in each scenario, from `benches/python_original/run.sh`.
struct Original {
    scenarios: serde_json::Map<String, serde_json::Value>,
    about: serde_json::Value,
}

fn read_original() -> Option<Original> {
    let path = support::results_dir().join("original-python-economy.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value =
        serde_json::from_str(&text).expect("original-python-economy.json");
    Some(Original {
        scenarios: json.get("scenarios")?.as_object()?.clone(),
        about: json.get("environment").cloned().unwrap_or_default(),
    })
}

/// The least sequence of requests a scenario needs, by kind; its capacity follows from DynamoDB's
/// rules (see the module's documentation).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Least {
    /// Strongly consistent reads of one item, or Query pages on the table (1 RCU each).
    reads: u64,
    /// Query pages on a global secondary index, eventually consistent (0.5 RCU each).
    index_pages: u64,
    /// Query pages on a global secondary index that find nothing after the last one: what the
    /// server reports for such a page (DynamoDB charges 0.5 RCU, DynamoDB Local reports 0).
    empty_pages: u64,
    /// Writes of one item: PutItem, UpdateItem or DeleteItem (1 WCU each).
    writes: u64,
    /// Writes DynamoDB refuses, which the sequence needs all the same (no capacity reported).
    refused: u64,
}

impl Least {
    /// No request at all.
    const NOTHING: Self = Self {
        reads: 0,
        index_pages: 0,
        empty_pages: 0,
        writes: 0,
        refused: 0,
    };

    fn reads(self, reads: u64) -> Self {
        Self { reads, ..self }
    }

    fn writes(self, writes: u64) -> Self {
        Self { writes, ..self }
    }

    fn refused(self, refused: u64) -> Self {
        Self { refused, ..self }
    }

    fn empty_pages(self, empty_pages: u64) -> Self {
        Self {
            empty_pages,
            ..self
        }
    }

    fn requests(&self) -> u64 {
        self.reads + self.index_pages + self.empty_pages + self.writes + self.refused
    }

    /// Its read units, when a Query page that finds nothing costs `empty_page`.
    fn read_units(&self, empty_page: f64) -> f64 {
        self.reads as f64 + 0.5 * self.index_pages as f64 + empty_page * self.empty_pages as f64
    }

    fn write_units(&self) -> f64 {
        self.writes as f64
    }
}

fn reads(reads: u64) -> Least {
    Least::NOTHING.reads(reads)
}

fn index_pages(index_pages: u64) -> Least {
    Least {
        index_pages,
        ..Least::NOTHING
    }
}

fn writes(writes: u64) -> Least {
    Least::NOTHING.writes(writes)
}

fn refused(refused: u64) -> Least {
    Least::NOTHING.refused(refused)
}

/// The read and write units of `capacity`, when the server reported them for every successful
/// request (`server_reports`: it reported them for some request of the run).
fn reported(server_reports: bool, capacity: Capacity) -> Option<(f64, f64)> {
    (server_reports && capacity.unreported == 0).then_some((capacity.read, capacity.write))
}

/// The sum of some read and write units, when every one of them is known.
fn total_units(mut units: impl Iterator<Item = Option<(f64, f64)>>) -> Option<(f64, f64)> {
    units.try_fold((0.0, 0.0), |(read, write), units| {
        let (more_read, more_write) = units?;
        Some((read + more_read, write + more_write))
    })
}

/// How `units` (RCU, WCU) differ from `other`: `+1 RCU, -1 WCU`; `None` when they are the same.
fn difference(units: (f64, f64), other: (f64, f64)) -> Option<String> {
    let parts: Vec<String> = [(units.0 - other.0, "RCU"), (units.1 - other.1, "WCU")]
        .into_iter()
        .filter(|(delta, _)| delta.abs() > 1e-9)
        .map(|(delta, name)| {
            let sign = if delta > 0.0 { "+" } else { "-" };
            format!("{sign}{} {name}", number(delta.abs()))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A number of capacity units as DynamoDB counts them (halves and whole units).
fn number(units: f64) -> String {
    format!("{}", (units * 100.0).round() / 100.0)
}

/// A capacity column: `RCU/WCU`, with the refused requests (which report none) after them.
fn capacity_cell(units: Option<(f64, f64)>, refused: u64) -> String {
    let Some((read, write)) = units else {
        return "not reported".to_owned();
    };
    let cell = format!("{}/{}", number(read), number(write));
    if refused == 0 {
        cell
    } else {
        format!("{cell} +{refused} refused")
    }
}

/// A scenario's calls, made on an `Env` of their own.
type Calls = Box<dyn for<'a> Fn(&'a Env) -> LocalBoxFuture<'a, Outcome>>;

/// One scenario: its id in the report, the least DynamoDB allows and why, and its calls.
struct Scenario {
    id: String,
    minimum: Least,
    why: &'static str,
    calls: Calls,
}

fn scenario(
    id: impl Into<String>,
    minimum: Least,
    why: &'static str,
    calls: impl AsyncFn(&Env) -> Outcome + Copy + 'static,
) -> Scenario {
    // Names the higher-ranked signature, which a closure given to `Box::new` would not get.
    fn boxed(calls: impl for<'a> Fn(&'a Env) -> LocalBoxFuture<'a, Outcome> + 'static) -> Calls {
        Box::new(calls)
    }
    Scenario {
        id: id.into(),
        minimum,
        why,
        calls: boxed(move |env| Box::pin(async move { calls(env).await })),
    }
}

/// Every scenario, in the report's order.
fn scenarios() -> Vec<Scenario> {
    let mut scenarios = vec![
        // ---- StructNoSQL's basic samples.
        scenario(
            "sample/get_field/single_selection",
            reads(1),
            "one GetItem projecting the field",
            get_field_single_selection,
        ),
        scenario(
            "sample/get_field/multi_selectors",
            reads(1),
            "one GetItem projects the three fields",
            get_field_multi_selectors,
        ),
        scenario(
            "sample/get_multiple_fields/basic",
            reads(1),
            "one GetItem projects the three getters",
            get_multiple_fields_basic,
        ),
        scenario(
            "sample/query_field/basic",
            reads(1),
            "one Query",
            query_field_basic,
        ),
        scenario(
            "sample/query_field/pagination",
            index_pages(2).empty_pages(1),
            "the sample's three calls, one Query each: the second page ends exactly on the \
             last thriller and DynamoDB still returns a LastEvaluatedKey, so only a third \
             request can tell the end",
            query_field_pagination,
        ),
        scenario(
            "sample/query_multiple_fields/basic",
            index_pages(1),
            "one Query page",
            query_multiple_fields_basic,
        ),
        scenario(
            "sample/paginated_query_field/basic",
            index_pages(2).empty_pages(1),
            "six thrillers, three per page: two full pages, then a third request to learn \
             there is nothing after the second page's LastEvaluatedKey",
            paginated_query_field_basic,
        ),
        scenario(
            "sample/paginated_query_multiple_fields/basic",
            index_pages(2).empty_pages(1),
            "as paginated_query_field: two full pages and the empty page that ends the \
             query",
            paginated_query_multiple_fields_basic,
        ),
        scenario(
            "sample/update_field/basic",
            writes(1).reads(1),
            "one UpdateItem (the parent is the item itself), one GetItem for the read-back",
            update_field_basic,
        ),
        scenario(
            "sample/update_field_return_old/basic",
            writes(1).reads(1),
            "one UpdateItem returns the old value (ReturnValues), one GetItem for the \
             read-back",
            update_field_return_old_basic,
        ),
        scenario(
            "sample/update_multiple_fields/basic",
            Least::NOTHING,
            "two of the three values do not match the model: a client that validates can \
             refuse the call before sending anything (StructNoSQL drops the two setters and \
             writes the username)",
            update_multiple_fields_basic,
        ),
        scenario(
            "variant/update_multiple_fields/basic_valid_values",
            refused(1).writes(1),
            "tokens is absent and the client does not know it: no single UpdateItem both \
             keeps an existing parent map and creates an absent one (a SET of a map and of \
             a path inside it overlap), so the first request fails when the parent is \
             missing and a second writes it",
            update_multiple_fields_valid_values,
        ),
        scenario(
            "sample/update_multiple_fields_return_old/basic",
            writes(1),
            "both parents exist: one UpdateItem with UPDATED_OLD",
            update_multiple_fields_return_old_basic,
        ),
        scenario(
            "sample/delete_field/basic",
            writes(1),
            "one UpdateItem REMOVE",
            delete_field_basic,
        ),
        scenario(
            "sample/delete_multiple_fields/basic",
            writes(1),
            "one UpdateItem can REMOVE both paths",
            delete_multiple_fields_basic,
        ),
        scenario(
            "sample/remove_field/basic",
            writes(1),
            "one UpdateItem REMOVE with UPDATED_OLD",
            remove_field_basic,
        ),
        scenario(
            "sample/remove_field/multi-fields-selector",
            writes(1),
            "one UpdateItem REMOVEs both attributes and returns them",
            remove_field_multi_fields_selector,
        ),
        scenario(
            "sample/remove_multiple_fields/basic",
            writes(1),
            "one UpdateItem REMOVEs both paths and returns them",
            remove_multiple_fields_basic,
        ),
        // ---- StructNoSQL's caching samples.
        scenario(
            "sample/caching_table/clear_cached_data/basic",
            writes(1).reads(2),
            "the put; the read after the cache is cleared; the read after it is cleared \
             again (the second read is a cache hit)",
            clear_cached_data_basic,
        ),
        scenario(
            "sample/caching_table/clear_cached_data_for_record/basic",
            index_pages(1).reads(1),
            "the GSI query (a query is always sent), then b12's read after its cache was \
             cleared; d52's read is answered by what the query returned",
            clear_cached_data_for_record_basic,
        ),
        scenario(
            "sample/caching_table/clear_pending_operations/basic",
            writes(1),
            "the put; the update is discarded before any commit",
            async |env| put_update_clear(env, |table| table.clear_pending_operations()).await,
        ),
        scenario(
            "sample/caching_table/clear_pending_operations/discrepancy",
            writes(1),
            "the put; every later remove is answered from what the client knows (the cached \
             record, then its own pending delete), and the sample never commits",
            async |env| mail_discrepancy(env, true).await,
        ),
        scenario(
            "sample/caching_table/clear_pending_remove_operations/basic",
            writes(2),
            "the put, and one UpdateItem at commit for the delete",
            delete_cached_mail_commit,
        ),
        scenario(
            "sample/caching_table/clear_pending_remove_operations/discrepancy",
            writes(1),
            "as clear_pending_operations/discrepancy (the same code)",
            async |env| mail_discrepancy(env, true).await,
        ),
        scenario(
            "sample/caching_table/clear_pending_update_operations/basic",
            writes(1),
            "the put; the update is discarded before any commit",
            async |env| {
                put_update_clear(env, |table| table.clear_pending_update_operations()).await
            },
        ),
        scenario(
            "sample/caching_table/clear_pending_update_operations/discrepancy",
            writes(1),
            "the put; the removes are answered from the cached record and the client's own \
             pending delete",
            async |env| mail_discrepancy(env, false).await,
        ),
        scenario(
            "sample/caching_table/commit_operations/basic",
            writes(1),
            "the update and the delete of one field come to one REMOVE, in one UpdateItem \
             at commit",
            commit_operations_basic,
        ),
        scenario(
            "sample/caching_table/commit_remove_operations/basic",
            reads(1),
            "the delete has to reach DynamoDB once: a read that finds no record, after which \
             there is nothing to write (an UpdateItem instead costs a write unit)",
            commit_remove_operations_basic,
        ),
        scenario(
            "sample/caching_table/commit_update_operations/basic",
            writes(1),
            "one UpdateItem at commit",
            commit_update_operations_basic,
        ),
        scenario(
            "sample/caching_table/has_pending_operations/basic",
            writes(2),
            "the put, and one UpdateItem at commit",
            async |env| put_update_commit(env, false).await,
        ),
        scenario(
            "sample/caching_table/has_pending_remove_operations/basic",
            writes(2),
            "the put, and one UpdateItem at commit",
            delete_cached_mail_commit,
        ),
        scenario(
            "sample/caching_table/has_pending_update_operations/basic",
            writes(2),
            "the put, and one UpdateItem at commit",
            async |env| put_update_commit(env, true).await,
        ),
    ];

    // ---- A leaf under 1 to 5 missing parent maps, on a record that exists and on one that does not.
    const MISSING_PARENTS: &str =
        "the parents' absence is unknown: the first UpdateItem can only succeed for one \
         of 'parents exist' and 'parents missing', and a second writes the missing \
         subtree whole, whatever the depth";
    for depth in 1..=5 {
        for record_exists in [true, false] {
            let id = format!(
                "missing_parents/depth_{depth}/{}",
                if record_exists {
                    "record_existing"
                } else {
                    "record_absent"
                }
            );
            scenarios.push(scenario(
                id,
                refused(1).writes(1),
                MISSING_PARENTS,
                async move |env| missing_parents(env, depth, record_exists).await,
            ));
        }
    }

    scenarios.extend([
        // ---- Several fields at once.
        scenario(
            "update_multiple_fields/10_fields",
            writes(1),
            "ten SET clauses fit in one UpdateItem",
            update_ten_fields,
        ),
        scenario(
            "remove_multiple_fields/10_fields",
            writes(1),
            "ten REMOVE clauses fit in one UpdateItem, which returns the old values",
            remove_ten_fields,
        ),
        // ---- Caching sessions.
        scenario(
            "caching_session/50_ops_5_records",
            reads(5).writes(5),
            "per record: one GetItem at the first read (the whole record answers every later \
             read, remove and delete) and one UpdateItem at commit",
            caching_session,
        ),
        scenario(
            "caching/delete_unread_fields",
            reads(1).writes(1),
            "each delete must say whether the field existed: one read (or one UpdateItem \
             returning the old values, which would then leave later writes a request of their \
             own), and one UpdateItem at commit",
            delete_unread_fields,
        ),
        scenario(
            "caching/nested_writes_under_possibly_missing_maps",
            writes(2).refused(1),
            "per record one UpdateItem; where the map is missing, DynamoDB refuses the first and \
             a second creates the map (or a read first: also two)",
            nested_writes_under_possibly_missing_maps,
        ),
        scenario(
            "caching/superseded_writes",
            reads(1),
            "the read; each write is undone by the remove after it, so the commit has nothing \
             to send",
            superseded_writes,
        ),
        scenario(
            "caching/write_then_conditional_write",
            reads(1).writes(1),
            "the read, and one UpdateItem carrying the pending write with the conditional one \
             (they touch other paths than the condition)",
            write_then_conditional_write,
        ),
        scenario(
            "caching/writes_then_delete_record",
            reads(1).writes(1),
            "the read, and one DeleteItem: the delete undoes the pending writes, which are \
             never sent",
            writes_then_delete_record,
        ),
        scenario(
            "caching/list_edits",
            reads(1).writes(1),
            "the remove returns the first item and positions depend on the stored list: one \
             read, and one UpdateItem at commit",
            list_edits,
        ),
        scenario(
            "caching/uncached_remove_between_updates",
            reads(1).writes(1),
            "the remove must return a value the client does not have (1 request: a read, or \
             an UpdateItem carrying the pending update too, which costs a write unit instead), \
             and the later update needs one UpdateItem at commit",
            uncached_remove_between_updates,
        ),
    ]);
    scenarios
}

async fn measure() -> Vec<Row> {
    let mut rows = Vec::new();
    for scenario in scenarios() {
        let env = Env::new();
        let outcome = (scenario.calls)(&env).await;
        rows.push(env.row(scenario.id, scenario.minimum, scenario.why, outcome));
    }
    rows
}

/// What DynamoDB charges for a Query page on a global secondary index that finds nothing.
const EMPTY_PAGE_UNITS: f64 = 0.5;

/// The read units the server reports for a Query page on a global secondary index that finds
/// nothing (DynamoDB and the embedded server: 0.5; DynamoDB Local: 0), or `None` when it reports
/// no capacity.
async fn empty_page_units() -> Option<f64> {
    let env = Env::new();
    let name = support::unique_table_name("economy-movies");
    let table = env
        .basic::<Movie>(&env.client, &name, "id", Some("primaryType"))
        .await;
    env.start();
    let query = Query::index("primaryType", "Western").expect("a query of the index");
    let page = table
        .query_field(&query, Movie::fields().name())
        .await
        .expect("query an empty table");
    assert!(page.records.is_empty(), "the table is empty");
    let capacity = env.capacity.take();
    (capacity.reported == 1).then_some(capacity.read)
}

/// StructNoSQL's entry for one scenario in `original-python-economy.json`.
#[derive(Default)]
struct Theirs<'a> {
    requests: Option<u64>,
    /// It raised: its count is not comparable.
    error: Option<&'a str>,
    /// It returned something else than the scenario expects.
    deviation: Option<&'a str>,
    note: Option<&'a str>,
    /// How many of its requests DynamoDB refused (StructNoSQL prints and swallows those errors).
    refused: Option<u64>,
    /// The capacity DynamoDB reported for its requests.
    capacity: Option<Capacity>,
}

impl<'a> Theirs<'a> {
    fn of(original: Option<&'a Original>, id: &str) -> Self {
        let Some(entry) = original.and_then(|original| original.scenarios.get(id)) else {
            return Self::default();
        };
        let text = |field: &str| entry.get(field).and_then(serde_json::Value::as_str);
        Self {
            requests: entry.get("requests").and_then(serde_json::Value::as_u64),
            error: text("error"),
            deviation: text("deviation"),
            note: text("note"),
            refused: entry
                .get("refused_by_dynamodb")
                .and_then(serde_json::Value::as_u64),
            capacity: entry.get("capacity").map(|capacity| {
                let units = |field: &str| capacity.get(field).and_then(serde_json::Value::as_f64);
                let count = |field: &str| capacity.get(field).and_then(serde_json::Value::as_u64);
                Capacity {
                    read: units("read").unwrap_or(0.0),
                    write: units("write").unwrap_or(0.0),
                    reported: count("reported").unwrap_or(0),
                    unreported: count("unreported").unwrap_or(0),
                    refused: count("refused").unwrap_or(0),
                }
            }),
        }
    }

    /// Its count, when it can be compared.
    fn comparable(&self) -> Option<u64> {
        self.requests.filter(|_| self.error.is_none())
    }
}

fn main() {
    // `cargo bench` passes `--bench`; there are no options.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let rows = runtime.block_on(measure());
    let empty_page = runtime.block_on(empty_page_units());
    let original = read_original();

    let mut table = String::new();
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    let mut json_rows = Vec::new();
    // A server that reports capacity reports it for every successful data request.
    let capacity_reported = rows.iter().any(|row| row.capacity.reported > 0);
    // Servers count capacity differently (an empty Query page): StructNoSQL's is compared with
    // structnosql's only when both were measured on the same one.
    let their_server = original.as_ref().and_then(|original| {
        original
            .about
            .get("endpoint")
            .and_then(serde_json::Value::as_str)
    });
    let same_server = their_server == Some(support::endpoint_url().as_str());
    let mut capacity_table = String::new();
    writeln!(
        capacity_table,
        "{:<66} {:>20} {:>20} {:>20}  status",
        "scenario: RCU/WCU", "structnosql", "StructNoSQL 2.6.7", "minimum"
    )
    .expect("write");
    writeln!(
        table,
        "{:<66} {:>11} {:>19} {:>7}  status",
        "scenario", "structnosql", "StructNoSQL 2.6.7", "minimum"
    )
    .expect("write");
    for row in &rows {
        let theirs = Theirs::of(original.as_ref(), &row.id);
        let their_column = match (&original, theirs.requests) {
            (None, _) => "not measured".to_owned(),
            (Some(_), None) => "missing".to_owned(),
            (Some(_), Some(count)) if theirs.error.is_some() => format!("{count} (error)"),
            (Some(_), Some(count)) if theirs.deviation.is_some() => format!("{count} (deviates)"),
            (Some(_), Some(count)) => count.to_string(),
        };
        for (kind, text) in [
            ("error", theirs.error),
            ("deviates", theirs.deviation),
            ("note", theirs.note),
        ] {
            if let Some(text) = text {
                notes.push(format!("{}: StructNoSQL {kind}: {text}", row.id));
            }
        }
        if let Some(refused) = theirs.refused {
            notes.push(format!(
                "{}: DynamoDB refused {refused} of StructNoSQL's requests",
                row.id
            ));
        }
        let worse = theirs
            .comparable()
            .is_some_and(|count| row.requests > count);
        let mut status = Vec::new();
        if worse {
            status.push("WORSE".to_owned());
            failures.push(format!(
                "{}: structnosql sent {} requests, StructNoSQL {}",
                row.id, row.requests, their_column
            ));
        }
        if row.requests < row.minimum {
            status.push("BELOW-MINIMUM".to_owned());
            failures.push(format!(
                "{}: {} requests, below the stated minimum {} ({})",
                row.id, row.requests, row.minimum, row.why
            ));
        }
        if let Some(problem) = &row.problem {
            status.push(format!("FAILED: {problem}"));
            failures.push(format!("{}: {problem}", row.id));
        }
        if status.is_empty() {
            status.push(if row.requests == row.minimum {
                "minimal".to_owned()
            } else {
                format!("+{} over minimum", row.requests - row.minimum)
            });
        }
        writeln!(
            table,
            "{:<66} {:>11} {:>19} {:>7}  {}",
            row.id,
            row.requests,
            their_column,
            row.minimum,
            status.join("; ")
        )
        .expect("write");
        let ours_units = reported(capacity_reported, row.capacity);
        let their_units = match (&original, theirs.capacity) {
            (None, _) | (Some(_), None) => None,
            (Some(_), Some(capacity)) => reported(true, capacity),
        };
        let their_capacity_column = match (&original, theirs.capacity) {
            (None, _) | (Some(_), None) => "not measured".to_owned(),
            (Some(_), Some(capacity)) => capacity_cell(their_units, capacity.refused),
        };
        let least = Capacity {
            read: row.least.read_units(empty_page.unwrap_or(EMPTY_PAGE_UNITS)),
            write: row.least.write_units(),
            refused: row.least.refused,
            ..Capacity::default()
        };
        let mut capacity_status = Vec::new();
        if let Some(units) = ours_units {
            let least_units = (least.read, least.write);
            match difference(units, least_units) {
                None => capacity_status.push("minimal".to_owned()),
                Some(difference) => {
                    capacity_status.push(format!("{difference} against the minimum"))
                }
            }
            if units.0 <= least_units.0 && units.1 <= least_units.1 && units != least_units {
                capacity_status.push("BELOW-MINIMUM".to_owned());
                failures.push(format!(
                    "{}: {} RCU/WCU, below the stated minimum {} ({})",
                    row.id,
                    capacity_cell(Some(units), 0),
                    capacity_cell(Some(least_units), 0),
                    row.why
                ));
            }
            if let Some(theirs) = their_units.filter(|_| theirs.error.is_none() && same_server) {
                if let Some(difference) = difference(units, theirs) {
                    capacity_status.push(format!("{difference} against StructNoSQL"));
                }
            }
        }
        writeln!(
            capacity_table,
            "{:<66} {:>20} {:>20} {:>20}  {}",
            row.id,
            capacity_cell(ours_units, row.capacity.refused),
            their_capacity_column,
            capacity_cell(Some((least.read, least.write)), least.refused),
            capacity_status.join("; ")
        )
        .expect("write");
        json_rows.push(json!({
            "scenario": row.id,
            "structnosql_requests": row.requests,
            "structnosql_rcu": ours_units.map(|(read, _)| read),
            "structnosql_wcu": ours_units.map(|(_, write)| write),
            "structnosql_refused_requests": row.capacity.refused,
            "original_rcu": their_units.map(|(read, _)| read),
            "original_wcu": their_units.map(|(_, write)| write),
            "original_capacity_refused_requests": theirs.capacity.map(|capacity| capacity.refused),
            "minimum_rcu": least.read,
            "minimum_wcu": least.write,
            "minimum_refused_requests": least.refused,
            "original_requests": theirs.requests,
            "original_error": theirs.error,
            "original_deviation": theirs.deviation,
            "original_note": theirs.note,
            "original_refused_requests": theirs.refused,
            "minimum_requests": row.minimum,
            "minimum_why": row.why,
            "problem": row.problem,
            "worse_than_original": worse,
        }));
    }
    let ours: u64 = rows.iter().map(|row| row.requests).sum();
    let minimum: u64 = rows.iter().map(|row| row.minimum).sum();
    // StructNoSQL's totals are over the rows it was measured in.
    let measured: Vec<Theirs> = rows
        .iter()
        .map(|row| Theirs::of(original.as_ref(), &row.id))
        .filter(|theirs| theirs.requests.is_some())
        .collect();
    let partly = if measured.len() < rows.len() {
        " (rows measured)"
    } else {
        ""
    };
    let theirs: Option<u64> =
        (!measured.is_empty()).then(|| measured.iter().filter_map(|theirs| theirs.requests).sum());
    writeln!(
        table,
        "{:<66} {:>11} {:>19} {:>7}",
        "total",
        ours,
        theirs.map_or_else(|| "-".to_owned(), |total| format!("{total}{partly}")),
        minimum
    )
    .expect("write");
    let our_capacity = total_units(
        rows.iter()
            .map(|row| reported(capacity_reported, row.capacity)),
    );
    let their_capacity = (!measured.is_empty())
        .then(|| {
            total_units(measured.iter().map(|theirs| {
                theirs
                    .capacity
                    .and_then(|capacity| reported(true, capacity))
            }))
        })
        .flatten();
    let least_capacity = rows.iter().fold((0.0, 0.0), |(read, write), row| {
        (
            read + row.least.read_units(empty_page.unwrap_or(EMPTY_PAGE_UNITS)),
            write + row.least.write_units(),
        )
    });
    let our_refused: u64 = rows.iter().map(|row| row.capacity.refused).sum();
    let their_refused: u64 = measured
        .iter()
        .filter_map(|theirs| theirs.capacity.map(|capacity| capacity.refused))
        .sum();
    let least_refused: u64 = rows.iter().map(|row| row.least.refused).sum();
    writeln!(
        capacity_table,
        "{:<66} {:>20} {:>20} {:>20}",
        "total",
        capacity_cell(our_capacity, our_refused),
        their_capacity.map_or_else(
            || "-".to_owned(),
            |units| capacity_cell(Some(units), their_refused)
        ),
        capacity_cell(Some(least_capacity), least_refused),
    )
    .expect("write");
    print!("{table}");
    println!();
    print!("{capacity_table}");
    match empty_page {
        Some(units) => println!(
            "(the minimum prices a Query page that finds nothing on an index at {} RCU, as this \
             server reports it; DynamoDB charges {EMPTY_PAGE_UNITS})",
            number(units)
        ),
        None => println!("(this server reports no consumed capacity)"),
    }
    if let (Some(server), false) = (their_server, same_server) {
        println!("(StructNoSQL's capacity was measured on another server, {server}: not compared)");
    }
    if !notes.is_empty() {
        println!();
        for note in &notes {
            println!("{note}");
        }
    }

    support::write_results(
        "economy",
        &json!({
            "endpoint": support::endpoint_url(),
            "original": original.as_ref().map(|original| original.about.clone()),
            "scenarios": json_rows,
            "capacity_reported": capacity_reported,
            "empty_index_page_rcu": empty_page,
            "totals": {
                "structnosql_requests": ours,
                "original_requests": theirs,
                "minimum_requests": minimum,
                "structnosql_rcu": our_capacity.map(|(read, _)| read),
                "structnosql_wcu": our_capacity.map(|(_, write)| write),
                "structnosql_refused_requests": our_refused,
                "original_rcu": their_capacity.map(|(read, _)| read),
                "original_wcu": their_capacity.map(|(_, write)| write),
                "original_capacity_refused_requests": their_capacity.map(|_| their_refused),
                "original_rows_measured": measured.len(),
                "minimum_rcu": least_capacity.0,
                "minimum_wcu": least_capacity.1,
                "minimum_refused_requests": least_refused,
            },
            "failures": failures,
        }),
    );
    if !failures.is_empty() {
        eprintln!("\n{} problem(s):", failures.len());
        for failure in &failures {
            eprintln!("  {failure}");
        }
        std::process::exit(1);
    }
}
