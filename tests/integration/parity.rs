//! StructNoSQL's field options, done the way it documents them: read-only fields and transformers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::expr::Condition;
use structnosql::table::{
    BasicTable, BatchRetry, CachingTable, Getters, PrimaryIndex, Query, Removers, Scan, Setters,
    WriteTransaction,
};
use structnosql::{Error, MapModel, TableDataModel};

use crate::harness;

// ---- Read-only fields ---------------------------------------------------------------------------

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Account {
    account_id: String,
    #[structnosql(read_only)]
    created_at: i64,
    #[structnosql(read_only)]
    limits: Option<HashMap<String, i64>>,
    profile: Option<Profile>,
    note: Option<String>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Profile {
    #[structnosql(read_only)]
    verified_at: Option<i64>,
    bio: Option<String>,
}

fn account(id: &str, created_at: i64) -> Account {
    Account {
        account_id: id.into(),
        created_at,
        limits: Some(HashMap::from([("daily".to_owned(), 5)])),
        profile: Some(Profile {
            verified_at: Some(7),
            bio: Some("hello".into()),
        }),
        note: Some("first".into()),
    }
}

async fn accounts() -> (
    BasicTable<Account>,
    CachingTable<Account>,
    harness::RequestCounter,
) {
    let name = harness::unique_table_name("read-only");
    let (client, counter) = harness::counted_client();
    let basic = BasicTable::<Account>::builder()
        .table_name(&name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("accountId"))
        .auto_create_table(true)
        .build()
        .await
        .expect("basic table");
    let caching = CachingTable::<Account>::builder()
        .table_name(&name)
        .client(client)
        .primary_index(PrimaryIndex::hash("accountId"))
        .build()
        .await
        .expect("caching table");
    counter.take();
    (basic, caching, counter)
}

fn assert_read_only<T: std::fmt::Debug>(result: structnosql::Result<T>, expected_path: &str) {
    match result {
        Err(Error::ReadOnly { path }) => assert_eq!(path, expected_path),
        other => panic!("expected a read-only error for {expected_path}, got {other:?}"),
    }
}

#[tokio::test]
async fn read_only_fields_are_written_by_whole_records_and_read_like_any_field() {
    let (table, _, counter) = accounts().await;
    let f = Account::fields();
    table.put_record(&account("a1", 100)).await.unwrap();
    assert_eq!(counter.take(), 1);
    assert_eq!(
        table.get_field("a1", f.created_at()).await.unwrap(),
        Some(100)
    );
    assert_eq!(
        table
            .get_fields("a1", (f.created_at(), f.profile().verified_at()))
            .await
            .unwrap(),
        (Some(100), Some(7))
    );
    // A read-only path in a condition.
    table
        .update_field_if(
            "a1",
            f.note(),
            "second",
            &Condition::eq(f.created_at(), 100),
        )
        .await
        .unwrap();
    // A writable field next to a read-only one in the same map.
    table
        .update_field("a1", f.profile().bio(), "changed")
        .await
        .unwrap();
    // Whole-record writes replace read-only fields: put, batch put, a transaction's put.
    table.put_record(&account("a1", 200)).await.unwrap();
    assert_eq!(
        table.get_field("a1", f.created_at()).await.unwrap(),
        Some(200)
    );
    let report = table
        .batch_put_records(&[account("a2", 300)], BatchRetry::default())
        .await
        .unwrap();
    assert!(report.is_complete());
    WriteTransaction::new()
        .put(&table, &account("a3", 400))
        .unwrap()
        .commit()
        .await
        .unwrap();
    assert_eq!(
        table.get_field("a2", f.created_at()).await.unwrap(),
        Some(300)
    );
    assert_eq!(
        table.get_field("a3", f.created_at()).await.unwrap(),
        Some(400)
    );
}

#[tokio::test]
async fn field_writes_and_removes_of_read_only_fields_are_refused_before_sending() {
    let (table, _, counter) = accounts().await;
    let f = Account::fields();
    let stored = account("a1", 100);
    table.put_record(&stored).await.unwrap();
    counter.take();

    // String paths to the field, into it, and to a read-only field of a nested map.
    assert_read_only(
        table.update_field_path("a1", "createdAt", &(), 5_i64).await,
        "createdAt",
    );
    assert_read_only(
        table
            .update_field_path(
                "a1",
                "limits.{{limitsKey}}",
                &[("limitsKey", "daily")],
                9_i64,
            )
            .await,
        "limits.daily",
    );
    assert_read_only(
        table
            .update_field_path("a1", "profile.verifiedAt", &(), 8_i64)
            .await,
        "profile.verifiedAt",
    );
    // Typed paths inside a read-only field (the field's own path does not compile here).
    assert_read_only(
        table.update_field("a1", f.limits().key("daily"), 9).await,
        "limits.daily",
    );
    // The plain path behind a read-only accessor is still checked at run time.
    let behind = (*f.profile().verified_at()).clone();
    assert_read_only(
        table.update_field("a1", behind, 8).await,
        "profile.verifiedAt",
    );
    assert_read_only(
        table.delete_field("a1", f.limits().key("daily")).await,
        "limits.daily",
    );
    assert_read_only(
        table.remove_field("a1", f.limits().key("daily")).await,
        "limits.daily",
    );
    assert_read_only(
        table.delete_field_path("a1", "createdAt", &()).await,
        "createdAt",
    );
    assert_read_only(
        table.remove_fields("a1", (f.note(), f.created_at())).await,
        "createdAt",
    );
    assert_read_only(
        table
            .remove_multiple_fields("a1", &Removers::new().path("limits", "limits", &()))
            .await,
        "limits",
    );
    // One read-only setter refuses the whole call: the writable one is not sent either.
    let mixed = Setters::new()
        .set(f.note(), "changed")
        .set_path("createdAt", &(), 1_i64);
    assert_read_only(
        table.update_multiple_fields("a1", &mixed).await,
        "createdAt",
    );
    assert_read_only(
        WriteTransaction::new()
            .update(&table, "a1", &mixed)
            .map(drop),
        "createdAt",
    );

    assert_eq!(counter.take(), 0, "a refused write sends nothing");
    assert_eq!(table.get_record("a1").await.unwrap(), Some(stored));
}

#[tokio::test]
async fn a_caching_table_refuses_read_only_writes_without_queueing_them() {
    let (basic, table, counter) = accounts().await;
    let f = Account::fields();
    let stored = account("a1", 100);
    basic.put_record(&stored).await.unwrap();
    counter.take();
    assert_read_only(
        table.update_field_path("a1", "createdAt", &(), 5_i64).await,
        "createdAt",
    );
    assert_read_only(
        table.delete_field("a1", f.limits().key("daily")).await,
        "limits.daily",
    );
    assert!(!table.has_pending_operations());
    assert!(table.commit_operations().await.is_success());
    assert_eq!(counter.take(), 0);
    // Reads of a read-only field go through the cache like any other.
    assert_eq!(
        table.get_field("a1", f.created_at()).await.unwrap(),
        Some(100)
    );
    assert_eq!(table.get_record("a1").await.unwrap(), Some(stored));
}

// ---- Transformers -------------------------------------------------------------------------------

/// Calls of [`exclaim`], the read transform of `Greeting::text`.
static EXCLAIMED: AtomicUsize = AtomicUsize::new(0);

/// Not idempotent, so a value transformed twice shows it.
fn exclaim(text: String) -> String {
    EXCLAIMED.fetch_add(1, Ordering::SeqCst);
    format!("{text}!")
}

fn lowercase(text: String) -> String {
    text.to_lowercase()
}

fn trimmed(text: String) -> String {
    text.trim().to_owned()
}

fn no_spaces(text: &str) -> Result<(), String> {
    if text.contains(' ') {
        Err("must not contain spaces".into())
    } else {
        Ok(())
    }
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Greeting {
    greeting_id: String,
    #[structnosql(read_transform = "exclaim")]
    text: Option<String>,
    #[structnosql(write_transform = "lowercase")]
    email: Option<String>,
    #[structnosql(write_transform = "trimmed", validate = "no_spaces")]
    handle: Option<String>,
    #[structnosql(key_name = "lang")]
    translations: Option<HashMap<String, Translation>>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Translation {
    #[structnosql(write_transform = "lowercase")]
    word: String,
}

fn greeting(id: &str) -> Greeting {
    Greeting {
        greeting_id: id.into(),
        text: Some("Hello".into()),
        email: Some("Ada@Example.COM".into()),
        handle: Some("  ada  ".into()),
        translations: Some(HashMap::from([(
            "fr".to_owned(),
            Translation {
                word: "BONJOUR".into(),
            },
        )])),
    }
}

async fn greetings() -> (BasicTable<Greeting>, CachingTable<Greeting>, String) {
    let name = harness::unique_table_name("transforms");
    let basic = BasicTable::<Greeting>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("greetingId"))
        .auto_create_table(true)
        .build()
        .await
        .expect("basic table");
    let caching = CachingTable::<Greeting>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("greetingId"))
        .build()
        .await
        .expect("caching table");
    (basic, caching, name)
}

/// The item as DynamoDB stores it.
async fn stored_item(table_name: &str, id: &str) -> HashMap<String, AttributeValue> {
    harness::client()
        .get_item()
        .table_name(table_name)
        .key("greetingId", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_default()
}

fn string(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name).and_then(|value| value.as_s().ok()).cloned()
}

#[tokio::test]
async fn write_transforms_run_before_validation_on_every_write() {
    let (table, _, name) = greetings().await;
    let f = Greeting::fields();
    // Whole record: the stored form is transformed, nested maps included; the handle's check sees
    // the trimmed value.
    table.put_record(&greeting("g1")).await.unwrap();
    let item = stored_item(&name, "g1").await;
    assert_eq!(string(&item, "email").as_deref(), Some("ada@example.com"));
    assert_eq!(string(&item, "handle").as_deref(), Some("ada"));
    assert_eq!(
        item["translations"].as_m().unwrap()["fr"].as_m().unwrap()["word"],
        AttributeValue::S("bonjour".into())
    );
    assert_eq!(
        string(&item, "text").as_deref(),
        Some("Hello"),
        "no write transform"
    );

    // Field updates, typed and by string path, and inside a map value.
    table
        .update_field("g1", f.email(), "Grace@X.org")
        .await
        .unwrap();
    table
        .update_field_path("g1", "handle", &(), "  grace  ".to_owned())
        .await
        .unwrap();
    table
        .update_multiple_fields(
            "g1",
            &Setters::new()
                .set(
                    f.translations().key("de"),
                    Translation {
                        word: "HALLO".into(),
                    },
                )
                .set_path(
                    "translations.{{lang}}.word",
                    &[("lang", "fr")],
                    "SALUT".to_owned(),
                ),
        )
        .await
        .unwrap();
    let item = stored_item(&name, "g1").await;
    assert_eq!(string(&item, "email").as_deref(), Some("grace@x.org"));
    assert_eq!(string(&item, "handle").as_deref(), Some("grace"));
    let translations = item["translations"].as_m().unwrap();
    assert_eq!(
        translations["de"].as_m().unwrap()["word"],
        AttributeValue::S("hallo".into())
    );
    assert_eq!(
        translations["fr"].as_m().unwrap()["word"],
        AttributeValue::S("salut".into())
    );

    // The check still refuses what the transform leaves invalid, before sending.
    match table.update_field("g1", f.handle(), " a b ").await {
        Err(Error::Validation { violations }) => {
            assert_eq!(violations[0].path.to_string(), "handle");
            assert_eq!(violations[0].message, "must not contain spaces");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        string(&stored_item(&name, "g1").await, "handle").as_deref(),
        Some("grace")
    );
}

/// Reads `g1`'s text in every way a caller can, on `table`; each must be transformed exactly once.
async fn read_text_every_way<B: structnosql::table::Backend>(
    table: &structnosql::table::Table<Greeting, String, B>,
) {
    let f = Greeting::fields();
    let calls = || EXCLAIMED.load(Ordering::SeqCst);
    let expected = Some("Hello!".to_owned());
    for _ in 0..2 {
        let before = calls();
        assert_eq!(table.get_field("g1", f.text()).await.unwrap(), expected);
        assert_eq!(
            table
                .get_field_path::<String>("g1", "text", &())
                .await
                .unwrap(),
            expected
        );
        assert_eq!(
            table
                .get_fields("g1", (f.text(), f.email()))
                .await
                .unwrap()
                .0,
            expected
        );
        let fields = table
            .get_multiple_fields("g1", &Getters::new().field("t", f.text()))
            .await
            .unwrap();
        assert_eq!(fields.get::<String>("t").unwrap(), expected);
        assert_eq!(
            table.get_record("g1").await.unwrap().unwrap().text,
            expected
        );
        let page = table
            .query_field(&Query::primary("g1").unwrap(), f.text())
            .await
            .unwrap();
        assert_eq!(page.records[0].1, expected);
        let batch = table
            .batch_get_field(["g1"], f.text(), BatchRetry::default())
            .await
            .unwrap();
        assert_eq!(batch.records[0].1, expected);
        let scanned = table.scan_field(&Scan::table(), f.text()).await.unwrap();
        assert_eq!(scanned.records[0].1, expected);
        assert_eq!(calls(), before + 8);
    }
}

#[tokio::test]
async fn read_transforms_run_once_per_value_returned_on_both_tables() {
    let (basic, caching, name) = greetings().await;
    basic.put_record(&greeting("g1")).await.unwrap();
    assert_eq!(
        string(&stored_item(&name, "g1").await, "text").as_deref(),
        Some("Hello")
    );
    read_text_every_way(&basic).await;
    // The caching table answers the second round from memory, which holds the stored form.
    read_text_every_way(&caching).await;
    assert!(caching.stats().cache_hits > 0, "{:?}", caching.stats());
    let f = Greeting::fields();
    assert_eq!(
        caching.get_field_traced("g1", f.text()).await.unwrap(),
        structnosql::table::Traced {
            value: Some("Hello!".to_owned()),
            from_cache: true
        }
    );
    // A value written through the cache reads back transformed once, before and after commit.
    caching.update_field("g1", f.text(), "Bye").await.unwrap();
    assert_eq!(
        caching.get_field("g1", f.text()).await.unwrap().as_deref(),
        Some("Bye!")
    );
    assert!(caching.commit_operations().await.is_success());
    assert_eq!(
        caching.get_field("g1", f.text()).await.unwrap().as_deref(),
        Some("Bye!")
    );
    assert_eq!(
        basic.get_field("g1", f.text()).await.unwrap().as_deref(),
        Some("Bye!")
    );
    assert_eq!(
        string(&stored_item(&name, "g1").await, "text").as_deref(),
        Some("Bye")
    );
    // Values handed back by removes are read values too.
    assert_eq!(
        basic.remove_field("g1", f.text()).await.unwrap().as_deref(),
        Some("Bye!")
    );
}

#[tokio::test]
async fn a_read_transform_is_called_exactly_once_per_value() {
    // Counts calls on a model of its own, so that other tests do not disturb the count.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    fn counted(text: String) -> String {
        CALLS.fetch_add(1, Ordering::SeqCst);
        format!("{text}!")
    }
    #[derive(TableDataModel, Debug, Clone, PartialEq)]
    struct Note {
        id: String,
        #[structnosql(read_transform = "counted")]
        body: Option<String>,
    }
    let name = harness::unique_table_name("transform-calls");
    let basic = BasicTable::<Note>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let caching = CachingTable::<Note>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("id"))
        .build()
        .await
        .unwrap();
    basic
        .put_record(&Note {
            id: "n1".into(),
            body: Some("hi".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        CALLS.load(Ordering::SeqCst),
        0,
        "writes do not read-transform"
    );
    let body = Note::fields().body();
    for round in 1..=3 {
        assert_eq!(
            basic
                .get_field("n1", body.clone())
                .await
                .unwrap()
                .as_deref(),
            Some("hi!")
        );
        assert_eq!(
            caching
                .get_field("n1", body.clone())
                .await
                .unwrap()
                .as_deref(),
            Some("hi!"),
            "round {round}"
        );
        assert_eq!(CALLS.load(Ordering::SeqCst), 2 * round);
    }
    assert_eq!(
        caching
            .get_record("n1")
            .await
            .unwrap()
            .unwrap()
            .body
            .as_deref(),
        Some("hi!")
    );
    assert_eq!(CALLS.load(Ordering::SeqCst), 7);
}
