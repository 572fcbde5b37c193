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
    let item = harness::stored_item(&name, "greetingId", "g1").await;
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
    let item = harness::stored_item(&name, "greetingId", "g1").await;
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
        string(
            &harness::stored_item(&name, "greetingId", "g1").await,
            "handle"
        )
        .as_deref(),
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
        string(
            &harness::stored_item(&name, "greetingId", "g1").await,
            "text"
        )
        .as_deref(),
        Some("Hello")
    );
    read_text_every_way(&basic).await;
    // The caching table answers the second round from memory, which holds the stored form.
    read_text_every_way(&caching).await;
    assert!(caching.stats().cache_hits > 0, "{:?}", caching.stats());
    let f = Greeting::fields();
    assert_eq!(
        caching.get_field_traced("g1", f.text()).await.unwrap(),
        structnosql::table::FromCache {
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
        string(
            &harness::stored_item(&name, "greetingId", "g1").await,
            "text"
        )
        .as_deref(),
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

// ---- Flattened structs --------------------------------------------------------------------------

/// A record composed of reusable parts: `audit` and `contact` are stored at the record's level.
#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Member {
    member_id: String,
    #[structnosql(flatten)]
    audit: Audit,
    #[structnosql(flatten)]
    contact: Contact,
    nickname: Option<String>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Audit {
    created_by: String,
    #[structnosql(validate = "positive")]
    revision: i64,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Contact {
    email: Option<String>,
    address: Option<Address>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Address {
    city: String,
    zip_code: Option<String>,
}

fn positive(value: &i64) -> Result<(), String> {
    if *value > 0 {
        Ok(())
    } else {
        Err("must be positive".into())
    }
}

fn member(id: &str) -> Member {
    Member {
        member_id: id.into(),
        audit: Audit {
            created_by: "ada".into(),
            revision: 1,
        },
        contact: Contact {
            email: Some("ada@example.com".into()),
            address: None,
        },
        nickname: None,
    }
}

fn sorted_names(item: &HashMap<String, AttributeValue>) -> Vec<&str> {
    let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

#[test]
fn flattened_fields_are_listed_and_resolved_as_the_records_own() {
    use structnosql::TypedPath;
    let listed: Vec<String> = structnosql::path::paths(Member::model_schema())
        .into_iter()
        .map(|info| info.path)
        .collect();
    assert_eq!(
        listed,
        [
            "memberId",
            "nickname",
            "createdBy",
            "revision",
            "email",
            "address",
            "address.city",
            "address.zipCode"
        ]
    );
    let resolved = structnosql::path::resolve(Member::model_schema(), "address.city", &()).unwrap();
    assert_eq!(resolved[0].path.to_string(), "address.city");
    assert!(matches!(
        structnosql::path::resolve(Member::model_schema(), "contact.email", &()),
        Err(Error::UnknownPath { .. })
    ));
    let f = Member::fields();
    assert_eq!(f.created_by().document_path().to_string(), "createdBy");
    assert_eq!(f.audit().revision().document_path().to_string(), "revision");
    assert_eq!(
        f.contact().address().city().document_path().to_string(),
        "address.city"
    );
}

#[tokio::test]
async fn flattened_structs_round_trip_at_the_top_level() {
    let (table, _, name) =
        harness::basic_and_caching::<Member>(&harness::client(), "flatten-basic", "memberId").await;
    table.put_record(&member("m1")).await.unwrap();
    let item = harness::stored_item(&name, "memberId", "m1").await;
    assert_eq!(
        sorted_names(&item),
        ["createdBy", "email", "memberId", "revision"]
    );
    assert_eq!(item["createdBy"], AttributeValue::S("ada".into()));
    assert_eq!(item["revision"], AttributeValue::N("1".into()));
    assert_eq!(table.get_record("m1").await.unwrap(), Some(member("m1")));

    // Typed accessors: through `Deref` (the first flattened struct) and through the field's method.
    let f = Member::fields();
    table
        .update_field("m1", f.created_by(), "grace")
        .await
        .unwrap();
    table
        .update_field("m1", f.contact().address().city(), "Paris")
        .await
        .unwrap();
    // String paths.
    table
        .update_field_path("m1", "revision", &(), 2_i64)
        .await
        .unwrap();
    table
        .update_field_path("m1", "address.zipCode", &(), "75001".to_owned())
        .await
        .unwrap();
    let item = harness::stored_item(&name, "memberId", "m1").await;
    assert_eq!(
        sorted_names(&item),
        ["address", "createdBy", "email", "memberId", "revision"]
    );
    assert_eq!(item["createdBy"], AttributeValue::S("grace".into()));
    assert_eq!(item["revision"], AttributeValue::N("2".into()));
    let address = item["address"].as_m().unwrap();
    assert_eq!(address["city"], AttributeValue::S("Paris".into()));
    assert_eq!(address["zipCode"], AttributeValue::S("75001".into()));

    assert_eq!(
        table
            .get_field("m1", f.created_by())
            .await
            .unwrap()
            .as_deref(),
        Some("grace")
    );
    assert_eq!(
        table
            .get_field_path::<String>("m1", "address.city", &())
            .await
            .unwrap()
            .as_deref(),
        Some("Paris")
    );
    let record = table.get_record("m1").await.unwrap().unwrap();
    assert_eq!(record.audit.revision, 2);
    assert_eq!(
        record.contact.address,
        Some(Address {
            city: "Paris".into(),
            zip_code: Some("75001".into())
        })
    );
}

#[tokio::test]
async fn validation_of_flattened_fields_names_the_top_level_attribute() {
    let (table, _, name) =
        harness::basic_and_caching::<Member>(&harness::client(), "flatten-validation", "memberId")
            .await;
    let mut invalid = member("m1");
    invalid.audit.revision = 0;
    match table.put_record(&invalid).await {
        Err(Error::Validation { violations }) => {
            assert_eq!(violations.len(), 1);
            assert_eq!(violations[0].path.to_string(), "revision");
            assert_eq!(violations[0].message, "must be positive");
        }
        other => panic!("{other:?}"),
    }
    table.put_record(&member("m1")).await.unwrap();
    let f = Member::fields();
    for result in [
        table.update_field("m1", f.revision(), -3).await,
        table.update_field_path("m1", "revision", &(), -3_i64).await,
        table
            .update_field_path("m1", "revision", &(), "three".to_owned())
            .await,
    ] {
        match result {
            Err(Error::Validation { violations }) => {
                assert_eq!(violations[0].path.to_string(), "revision");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        harness::stored_item(&name, "memberId", "m1").await["revision"],
        AttributeValue::N("1".into())
    );

    // Stored data: a missing required attribute of a flattened struct is named at the top level.
    harness::client()
        .put_item()
        .table_name(&name)
        .item("memberId", AttributeValue::S("m2".into()))
        .item("revision", AttributeValue::N("4".into()))
        .send()
        .await
        .unwrap();
    match table.get_record("m2").await {
        Err(Error::InvalidStoredData { violations }) => {
            assert_eq!(violations.len(), 1);
            assert_eq!(violations[0].path.to_string(), "createdBy");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn flattened_fields_on_a_caching_table() {
    let (basic, caching, name) =
        harness::basic_and_caching::<Member>(&harness::client(), "flatten-caching", "memberId")
            .await;
    basic.put_record(&member("m1")).await.unwrap();
    let f = Member::fields();
    caching
        .update_field("m1", f.created_by(), "grace")
        .await
        .unwrap();
    caching
        .update_field("m1", f.contact().address().city(), "Oslo")
        .await
        .unwrap();
    caching
        .update_field_path("m1", "nickname", &(), "g".to_owned())
        .await
        .unwrap();
    assert_eq!(
        caching
            .get_field("m1", f.created_by())
            .await
            .unwrap()
            .as_deref(),
        Some("grace"),
        "pending writes are read back"
    );
    assert_eq!(
        harness::stored_item(&name, "memberId", "m1").await["createdBy"],
        AttributeValue::S("ada".into()),
        "nothing sent before the commit"
    );
    assert!(caching.commit_operations().await.is_success());
    let item = harness::stored_item(&name, "memberId", "m1").await;
    assert_eq!(
        sorted_names(&item),
        [
            "address",
            "createdBy",
            "email",
            "memberId",
            "nickname",
            "revision"
        ]
    );
    assert_eq!(item["createdBy"], AttributeValue::S("grace".into()));
    assert_eq!(
        item["address"].as_m().unwrap()["city"],
        AttributeValue::S("Oslo".into())
    );
    let record = caching.get_record("m1").await.unwrap().unwrap();
    assert_eq!(record.audit.created_by, "grace");
    assert_eq!(record.contact.address.unwrap().city, "Oslo");
    assert_eq!(
        caching
            .get_field_path::<String>("m1", "address.city", &())
            .await
            .unwrap()
            .as_deref(),
        Some("Oslo")
    );
    match caching.update_field("m1", f.revision(), 0).await {
        Err(Error::Validation { violations }) => {
            assert_eq!(violations[0].path.to_string(), "revision");
        }
        other => panic!("{other:?}"),
    }
}

/// The table's key may be a field of a flattened struct.
#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Tagged {
    #[structnosql(flatten)]
    identity: Identity,
    label: Option<String>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Identity {
    tag_id: String,
}

#[tokio::test]
async fn the_key_may_live_in_a_flattened_struct() {
    use structnosql::TypedPath;
    let (basic, caching, name) =
        harness::basic_and_caching::<Tagged>(&harness::client(), "flatten-key", "tag_id").await;
    let record = Tagged {
        identity: Identity {
            tag_id: "t1".into(),
        },
        label: Some("one".into()),
    };
    basic.put_record(&record).await.unwrap();
    assert_eq!(basic.get_record("t1").await.unwrap(), Some(record.clone()));
    caching
        .update_field("t1", Tagged::fields().label(), "uno")
        .await
        .unwrap();
    assert!(caching.commit_operations().await.is_success());
    let item = harness::client()
        .get_item()
        .table_name(&name)
        .key("tag_id", AttributeValue::S("t1".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(sorted_names(&item), ["label", "tag_id"]);
    assert_eq!(item["label"], AttributeValue::S("uno".into()));
    assert_eq!(
        Tagged::fields().tag_id().document_path().to_string(),
        "tag_id"
    );
}

// ---- Default values of created maps -------------------------------------------------------------

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Player {
    player_id: String,
    #[structnosql(key_name = "gameId")]
    games: Option<HashMap<String, GameStats>>,
    settings: Option<Settings>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct GameStats {
    #[structnosql(default)]
    wins: i64,
    #[structnosql(default = "bronze")]
    rank: String,
    #[structnosql(default)]
    active: bool,
    #[structnosql(default)]
    badges: Vec<String>,
    notes: Option<String>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Settings {
    #[structnosql(default = "dark")]
    theme: String,
    audio: Option<Audio>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Audio {
    #[structnosql(default = "seven")]
    volume: i64,
    muted: Option<bool>,
}

fn bronze() -> String {
    "bronze".into()
}

fn dark() -> String {
    "dark".into()
}

fn seven() -> i64 {
    7
}

fn player(id: &str) -> Player {
    Player {
        player_id: id.into(),
        games: None,
        settings: None,
    }
}

/// `item[name]` as a map.
fn map_at<'a>(
    item: &'a HashMap<String, AttributeValue>,
    names: &[&str],
) -> &'a HashMap<String, AttributeValue> {
    let (first, rest) = names.split_first().unwrap();
    rest.iter().fold(item[*first].as_m().unwrap(), |map, name| {
        map[*name].as_m().unwrap()
    })
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.into())
}

#[tokio::test]
async fn created_maps_get_the_defaults_of_their_models_fields() {
    let (table, _, name) =
        harness::basic_and_caching::<Player>(&harness::client(), "defaults-basic", "playerId")
            .await;
    let f = Player::fields();
    table.put_record(&player("p1")).await.unwrap();

    // One level created: the written value is kept as given (0 is not replaced), the others get
    // their defaults; `notes` has none.
    table
        .update_field("p1", f.games().key("g1").wins(), 0)
        .await
        .unwrap();
    let item = harness::stored_item(&name, "playerId", "p1").await;
    let g1 = map_at(&item, &["games", "g1"]);
    assert_eq!(g1.len(), 4, "{g1:?}");
    assert_eq!(g1["wins"], n(0));
    assert_eq!(g1["rank"], s("bronze"));
    assert_eq!(g1["active"], AttributeValue::Bool(false));
    assert_eq!(g1["badges"], AttributeValue::L(vec![]));

    // Values given that equal a type's zero value are not replaced by defaults.
    table
        .update_multiple_fields(
            "p1",
            &Setters::new()
                .set(f.games().key("g2").rank(), "")
                .set_path("games.{{gameId}}.active", &[("gameId", "g2")], false)
                .set(f.games().key("g2").wins(), 3),
        )
        .await
        .unwrap();
    let item = harness::stored_item(&name, "playerId", "p1").await;
    let g2 = map_at(&item, &["games", "g2"]);
    assert_eq!(g2["rank"], s(""));
    assert_eq!(g2["active"], AttributeValue::Bool(false));
    assert_eq!(g2["wins"], n(3));
    assert_eq!(g2["badges"], AttributeValue::L(vec![]));

    // Two levels created, by a string path: each level gets its model's defaults.
    table
        .update_field_path("p1", "settings.audio.muted", &(), true)
        .await
        .unwrap();
    let item = harness::stored_item(&name, "playerId", "p1").await;
    let settings = map_at(&item, &["settings"]);
    assert_eq!(settings["theme"], s("dark"));
    let audio = map_at(&item, &["settings", "audio"]);
    assert_eq!(audio["volume"], n(7));
    assert_eq!(audio["muted"], AttributeValue::Bool(true));

    // Maps that exist are left alone: no default is added to them.
    table
        .update_field("p1", f.settings().theme(), "light")
        .await
        .unwrap();
    table
        .update_field("p1", f.games().key("g1").notes(), "first")
        .await
        .unwrap();
    let record = table.get_record("p1").await.unwrap().unwrap();
    assert_eq!(record.settings.as_ref().unwrap().theme, "light");
    let games = record.games.unwrap();
    assert_eq!(
        games["g1"],
        GameStats {
            wins: 0,
            rank: "bronze".into(),
            active: false,
            badges: vec![],
            notes: Some("first".into()),
        }
    );

    // A record created by a field write: the maps created inside it get their defaults.
    table
        .update_field("p2", f.games().key("g9").rank(), "gold")
        .await
        .unwrap();
    let item = harness::stored_item(&name, "playerId", "p2").await;
    let g9 = map_at(&item, &["games", "g9"]);
    assert_eq!(g9["rank"], s("gold"));
    assert_eq!(g9["wins"], n(0));
    assert!(table.get_record("p2").await.unwrap().is_some());
}

#[tokio::test]
async fn a_caching_table_stores_and_shows_the_defaults_of_created_maps() {
    let (basic, caching, name) =
        harness::basic_and_caching::<Player>(&harness::client(), "defaults-caching", "playerId")
            .await;
    let f = Player::fields();
    basic.put_record(&player("p1")).await.unwrap();
    basic.put_record(&player("p2")).await.unwrap();

    // The cache knows `games` is missing: the map is created in the commit's one request, and
    // reads before and after the commit show the defaults from memory.
    assert_eq!(caching.get_field("p1", f.games()).await.unwrap(), None);
    caching
        .update_field("p1", f.games().key("g1").wins(), 2)
        .await
        .unwrap();
    let rank = caching
        .get_field_traced("p1", f.games().key("g1").rank())
        .await
        .unwrap();
    assert_eq!(
        (rank.value.as_deref(), rank.from_cache),
        (Some("bronze"), true)
    );
    assert!(caching.commit_operations().await.is_success());
    let item = harness::stored_item(&name, "playerId", "p1").await;
    let g1 = map_at(&item, &["games", "g1"]);
    assert_eq!(g1["wins"], n(2));
    assert_eq!(g1["rank"], s("bronze"));
    assert_eq!(g1["active"], AttributeValue::Bool(false));
    assert_eq!(g1["badges"], AttributeValue::L(vec![]));
    let active = caching
        .get_field_traced("p1", f.games().key("g1").active())
        .await
        .unwrap();
    assert_eq!((active.value, active.from_cache), (Some(false), true));

    // Nothing known of `p2`: the commit finds the parents missing and creates them with defaults.
    caching
        .update_field_path("p2", "settings.audio.muted", &(), false)
        .await
        .unwrap();
    assert!(caching.commit_operations().await.is_success());
    let item = harness::stored_item(&name, "playerId", "p2").await;
    assert_eq!(map_at(&item, &["settings"])["theme"], s("dark"));
    assert_eq!(map_at(&item, &["settings", "audio"])["volume"], n(7));
    assert_eq!(
        map_at(&item, &["settings", "audio"])["muted"],
        AttributeValue::Bool(false)
    );
    assert_eq!(
        caching
            .get_field("p2", f.settings().audio().volume())
            .await
            .unwrap(),
        Some(7)
    );

    // The atomic commit creates them the same way.
    assert_eq!(caching.get_field("p2", f.games()).await.unwrap(), None);
    caching
        .update_field("p2", f.games().key("g5").rank(), "silver")
        .await
        .unwrap();
    caching.commit_operations_atomically().await.unwrap();
    let item = harness::stored_item(&name, "playerId", "p2").await;
    let g5 = map_at(&item, &["games", "g5"]);
    assert_eq!(g5["rank"], s("silver"));
    assert_eq!(g5["wins"], n(0));
    assert_eq!(
        basic
            .get_record("p2")
            .await
            .unwrap()
            .unwrap()
            .games
            .unwrap()["g5"]
            .wins,
        0
    );
}

#[test]
fn serde_flatten_agrees_with_structnosql_flatten() {
    #[derive(MapModel, serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Stamp {
        created_by: String,
    }
    #[derive(TableDataModel, serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Post {
        post_id: String,
        #[serde(flatten)]
        #[structnosql(flatten)]
        stamp: Stamp,
    }
    let post = Post {
        post_id: "p1".into(),
        stamp: Stamp {
            created_by: "ada".into(),
        },
    };
    let item = post.to_item().unwrap();
    let json = serde_json::to_value(&post).unwrap();
    let mut from_serde: Vec<&String> = json.as_object().unwrap().keys().collect();
    from_serde.sort();
    let mut stored: Vec<&String> = item.keys().collect();
    stored.sort();
    assert_eq!(stored, from_serde);
    assert_eq!(stored, ["createdBy", "postId"]);
}

/// A record whose own fields have defaults.
#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Subscriber {
    subscriber_id: String,
    #[structnosql(default)]
    level: i64,
    #[structnosql(default = "free")]
    plan: String,
    nickname: Option<String>,
    settings: Option<Settings>,
}

fn free() -> String {
    "free".into()
}

#[tokio::test]
async fn a_record_created_by_field_writes_gets_its_defaults() {
    let (client, requests) = harness::counted_client();
    let (basic, caching, name) =
        harness::basic_and_caching::<Subscriber>(&client, "defaults-record", "subscriberId").await;
    let f = Subscriber::fields();
    requests.take();

    // BasicTable: the record is created with the defaults of the fields not written (two requests:
    // the first finds no record).
    basic.update_field("s1", f.level(), 0).await.unwrap();
    assert_eq!(requests.take(), 2);
    let item = harness::stored_item(&name, "subscriberId", "s1").await;
    assert_eq!(sorted_names(&item), ["level", "plan", "subscriberId"]);
    assert_eq!(item["level"], n(0));
    assert_eq!(item["plan"], s("free"));
    // A record that exists is left alone: one request, no default added back.
    basic.update_field("s1", f.plan(), "pro").await.unwrap();
    basic.update_field("s1", f.nickname(), "ada").await.unwrap();
    assert_eq!(requests.take(), 2);
    assert_eq!(
        basic.get_record("s1").await.unwrap().unwrap(),
        Subscriber {
            subscriber_id: "s1".into(),
            level: 0,
            plan: "pro".into(),
            nickname: Some("ada".into()),
            settings: None,
        }
    );

    // A map created inside a created record gets its own defaults too.
    basic
        .update_field_path("s2", "settings.audio.muted", &(), true)
        .await
        .unwrap();
    let item = harness::stored_item(&name, "subscriberId", "s2").await;
    assert_eq!(
        sorted_names(&item),
        ["level", "plan", "settings", "subscriberId"]
    );
    assert_eq!(map_at(&item, &["settings"])["theme"], s("dark"));
    assert_eq!(map_at(&item, &["settings", "audio"])["volume"], n(7));

    // CachingTable, record known not to exist: reads before and after the commit show the
    // defaults, from memory.
    assert_eq!(caching.get_record("s3").await.unwrap(), None);
    caching
        .update_field("s3", f.nickname(), "grace")
        .await
        .unwrap();
    let plan = caching.get_field_traced("s3", f.plan()).await.unwrap();
    assert_eq!(
        (plan.value.as_deref(), plan.from_cache),
        (Some("free"), true)
    );
    assert!(caching.commit_operations().await.is_success());
    let item = harness::stored_item(&name, "subscriberId", "s3").await;
    assert_eq!(
        sorted_names(&item),
        ["level", "nickname", "plan", "subscriberId"]
    );
    let level = caching.get_field_traced("s3", f.level()).await.unwrap();
    assert_eq!((level.value, level.from_cache), (Some(0), true));

    // CachingTable, nothing known: the commit finds no record and creates it with the defaults.
    caching.update_field("s4", f.level(), 5).await.unwrap();
    assert!(caching.commit_operations().await.is_success());
    let item = harness::stored_item(&name, "subscriberId", "s4").await;
    assert_eq!(sorted_names(&item), ["level", "plan", "subscriberId"]);
    assert_eq!(item["level"], n(5));
    assert_eq!(
        caching.get_field("s4", f.plan()).await.unwrap().as_deref(),
        Some("free")
    );

    // The atomic commit of a record known not to exist stores them as well.
    assert_eq!(caching.get_record("s5").await.unwrap(), None);
    caching.update_field("s5", f.plan(), "team").await.unwrap();
    caching.commit_operations_atomically().await.unwrap();
    let item = harness::stored_item(&name, "subscriberId", "s5").await;
    assert_eq!(sorted_names(&item), ["level", "plan", "subscriberId"]);
    assert_eq!(item["plan"], s("team"));
    assert_eq!(item["level"], n(0));
}
