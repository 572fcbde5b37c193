//! Conditional writes (typed and string-path conditions) and optimistic locking with a version
//! field, on both table types.

use std::collections::HashMap;

use structnosql::expr::{AttributeType, Condition};
use structnosql::table::{BasicTable, CachingTable, Removers, Setters};
use structnosql::{Error, MapModel, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Wallet {
    id: String,
    owner: Option<String>,
    balance: Option<i64>,
    tags: Option<Vec<String>>,
    limits: Option<HashMap<String, Limit>>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Limit {
    daily: i64,
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Document {
    id: String,
    title: Option<String>,
    body: Option<String>,
    #[structnosql(version)]
    version: Option<i64>,
}

fn wallet(id: &str, balance: i64) -> Wallet {
    Wallet {
        id: id.into(),
        owner: Some("ada".into()),
        balance: Some(balance),
        tags: Some(vec!["gold".into(), "eu".into()]),
        limits: None,
    }
}

async fn wallets() -> (
    BasicTable<Wallet>,
    CachingTable<Wallet>,
    harness::RequestCounter,
) {
    let (client, counter) = harness::counted_client();
    let (basic, caching, _) = harness::basic_and_caching(&client, "wallets", "id").await;
    counter.take();
    (basic, caching, counter)
}

async fn documents() -> (BasicTable<Document>, CachingTable<Document>) {
    let (basic, caching, _) =
        harness::basic_and_caching(&harness::client(), "documents", "id").await;
    (basic, caching)
}

fn stored_balance(error: &Error) -> Option<String> {
    match error {
        Error::ConditionFailed { current, .. } => current
            .as_ref()
            .and_then(|item| item.get("balance"))
            .and_then(|value| value.as_n().ok().cloned()),
        _ => None,
    }
}

#[tokio::test]
async fn a_conditional_update_writes_only_when_the_condition_holds() {
    let (basic, caching, counter) = wallets().await;
    basic.put_record(&wallet("w1", 100)).await.unwrap();
    let f = Wallet::fields();
    let enough = Condition::ge(f.balance(), 30);
    counter.take();

    basic
        .update_field_if("w1", f.balance(), 70, &enough)
        .await
        .unwrap();
    assert_eq!(counter.take(), 1);
    let error = basic
        .update_field_if("w1", f.balance(), 20, &Condition::ge(f.balance(), 100))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::ConditionFailed {
                operation: "UpdateItem",
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(
        stored_balance(&error).as_deref(),
        Some("70"),
        "the error carries the stored record"
    );
    assert_eq!(basic.get_field("w1", f.balance()).await.unwrap(), Some(70));

    // The caching table sends a conditional write at once, after the record's pending writes.
    caching
        .update_field("w1", f.owner(), "grace")
        .await
        .unwrap();
    counter.take();
    let error = caching
        .update_field_if("w1", f.balance(), 0, &Condition::eq(f.owner(), "ada"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ConditionFailed { .. }), "{error}");
    assert_eq!(
        counter.take(),
        2,
        "the pending write, then the conditional one"
    );
    assert!(!caching.has_pending_operations());
    caching
        .update_field_if("w1", f.balance(), 0, &Condition::eq(f.owner(), "grace"))
        .await
        .unwrap();
    let stored = basic.get_record("w1").await.unwrap().unwrap();
    assert_eq!(
        (stored.owner.as_deref(), stored.balance),
        (Some("grace"), Some(0))
    );
    assert_eq!(caching.get_field("w1", f.balance()).await.unwrap(), Some(0));
}

#[tokio::test]
async fn a_conditional_update_still_creates_missing_parents_and_reports_a_false_condition() {
    let (basic, _, counter) = wallets().await;
    basic.put_record(&wallet("w1", 100)).await.unwrap();
    let f = Wallet::fields();
    let limit = f.limits().key("atm").daily();
    counter.take();
    basic
        .update_field_if("w1", limit.clone(), 500, &Condition::gt(f.balance(), 50))
        .await
        .unwrap();
    assert_eq!(
        counter.take(),
        2,
        "the first request finds the parent map missing"
    );
    assert_eq!(
        basic.get_field("w1", limit.clone()).await.unwrap(),
        Some(500)
    );

    let error = basic
        .update_field_if(
            "w1",
            f.limits().key("web").daily(),
            10,
            &Condition::gt(f.balance(), 500),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ConditionFailed { .. }), "{error}");
    let limits = basic.get_field("w1", f.limits()).await.unwrap().unwrap();
    assert_eq!(limits.len(), 1, "nothing was written: {limits:?}");
}

#[tokio::test]
async fn every_condition_form_is_rendered_and_checked_by_dynamodb() {
    let (basic, _, _) = wallets().await;
    basic.put_record(&wallet("w1", 100)).await.unwrap();
    let f = Wallet::fields();
    let holds = [
        Condition::between(f.balance(), 50, 150),
        Condition::is_in(f.owner(), ["bob", "ada"]),
        Condition::begins_with(f.owner(), "ad"),
        Condition::contains(f.tags(), "eu".to_owned()),
        Condition::size(f.tags()).eq(2),
        Condition::exists(f.owner()),
        Condition::not_exists(f.limits()),
        Condition::has_type(f.balance(), AttributeType::N),
        Condition::lt(f.balance(), 10).or(Condition::ne(f.owner(), "bob")),
        Condition::eq(f.owner(), "bob").not(),
        Condition::path("owner", &()).eq("ada".to_owned()),
        Condition::path("owner", &()).size().ge(3),
        Condition::path("limits", &()).not_exists(),
    ];
    for (index, condition) in holds.iter().enumerate() {
        basic
            .update_field_if("w1", f.balance(), 100 + index as i64, condition)
            .await
            .unwrap_or_else(|error| {
                panic!("condition {index} ({condition:?}) should hold: {error}")
            });
    }
    let fails = [
        Condition::between(f.balance(), 0, 50),
        Condition::is_in(f.owner(), ["bob"]),
        Condition::size(f.tags()).gt(2),
        Condition::has_type(f.balance(), AttributeType::S),
        Condition::exists(f.limits()).and(Condition::exists(f.owner())),
        Condition::path("owner", &()).begins_with("gr".to_owned()),
    ];
    for (index, condition) in fails.iter().enumerate() {
        let error = basic
            .update_field_if("w1", f.balance(), 0, condition)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::ConditionFailed { .. }),
            "condition {index}: {error}"
        );
    }
    assert_eq!(basic.get_field("w1", f.balance()).await.unwrap(), Some(112));
}

#[tokio::test]
async fn string_path_conditions_are_checked_against_the_model_before_sending() {
    let (basic, _, counter) = wallets().await;
    let f = Wallet::fields();
    for (condition, expected) in [
        (
            Condition::path("balance", &()).eq("not a number".to_owned()),
            "validation",
        ),
        (Condition::path("nope", &()).exists(), "unknown"),
        (
            Condition::path("limits.{{id}}.daily", &[("id", "atm")]).gt(f64::NAN),
            "validation",
        ),
    ] {
        let error = basic
            .update_field_if("w1", f.balance(), 1, &condition)
            .await
            .unwrap_err();
        match expected {
            "validation" => assert!(matches!(error, Error::Validation { .. }), "{error}"),
            _ => assert!(matches!(error, Error::UnknownPath { .. }), "{error}"),
        }
    }
    assert_eq!(counter.take(), 0, "nothing was sent");
}

#[tokio::test]
async fn conditional_puts_deletes_and_removes() {
    let (basic, caching, _) = wallets().await;
    let f = Wallet::fields();
    let rich = Condition::gt(f.balance(), 1000);
    // No record: the condition on its values does not hold.
    let error = basic
        .put_record_if(&wallet("w1", 5), &rich)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ConditionFailed { current: None, .. }),
        "{error}"
    );
    basic.put_record(&wallet("w1", 5000)).await.unwrap();
    basic
        .put_record_if(&wallet("w1", 6000), &rich)
        .await
        .unwrap();
    assert_eq!(
        basic.get_field("w1", f.balance()).await.unwrap(),
        Some(6000)
    );

    let removers = Removers::new().field("tags", f.tags());
    let error = basic
        .remove_multiple_fields_if("w1", &removers, &Condition::eq(f.owner(), "bob"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ConditionFailed { .. }), "{error}");
    let removed = caching
        .remove_multiple_fields_if("w1", &removers, &Condition::eq(f.owner(), "ada"))
        .await
        .unwrap();
    assert_eq!(
        removed.get::<Vec<String>>("tags").unwrap(),
        Some(vec!["gold".to_owned(), "eu".to_owned()])
    );
    assert_eq!(basic.get_field("w1", f.tags()).await.unwrap(), None);

    let error = caching
        .delete_record_if("w1", &Condition::lt(f.balance(), 100))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::ConditionFailed {
                operation: "DeleteItem",
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(stored_balance(&error).as_deref(), Some("6000"));
    assert!(basic.get_record("w1").await.unwrap().is_some());
    assert!(caching.delete_record_if("w1", &rich).await.unwrap());
    assert!(
        !basic.delete_record_if("w1", &rich).await.unwrap(),
        "no record any more"
    );
    assert!(basic.get_record("w1").await.unwrap().is_none());
}

#[tokio::test]
async fn a_conditional_multi_field_update_is_one_request() {
    let (basic, _, counter) = wallets().await;
    basic.put_record(&wallet("w1", 100)).await.unwrap();
    let f = Wallet::fields();
    counter.take();
    let setters = Setters::new().set(f.owner(), "grace").set(f.balance(), 1);
    basic
        .update_multiple_fields_if("w1", &setters, &Condition::eq(f.owner(), "ada"))
        .await
        .unwrap();
    assert_eq!(counter.take(), 1);
    let stored = basic.get_record("w1").await.unwrap().unwrap();
    assert_eq!(
        (stored.owner.as_deref(), stored.balance),
        (Some("grace"), Some(1))
    );
}

fn document(id: &str, title: &str, version: Option<i64>) -> Document {
    Document {
        id: id.into(),
        title: Some(title.into()),
        body: None,
        version,
    }
}

#[tokio::test]
async fn put_record_checks_and_increments_the_version() {
    let (basic, caching) = documents().await;
    basic
        .put_record(&document("d1", "first", None))
        .await
        .unwrap();
    let stored = basic.get_record("d1").await.unwrap().unwrap();
    assert_eq!(stored.version, Some(1));

    // Writing a new record again: one exists now.
    let error = basic
        .put_record(&document("d1", "again", None))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::VersionConflict { expected: None, .. }),
        "{error}"
    );

    let mut edited = stored.clone();
    edited.title = Some("second".into());
    caching.put_record(&edited).await.unwrap();
    assert_eq!(
        basic.get_record("d1").await.unwrap().unwrap().version,
        Some(2)
    );
    // The caching table keeps what it wrote, the incremented version included.
    assert_eq!(
        caching
            .get_field("d1", Document::fields().version())
            .await
            .unwrap(),
        Some(2)
    );

    // The same copy again is stale now.
    let error = basic.put_record(&edited).await.unwrap_err();
    match &error {
        Error::VersionConflict {
            expected, found, ..
        } => {
            assert_eq!(expected.as_deref(), Some("1"));
            assert_eq!(found.as_deref(), Some("2"));
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        basic
            .get_record("d1")
            .await
            .unwrap()
            .unwrap()
            .title
            .as_deref(),
        Some("second")
    );
}

#[tokio::test]
async fn field_writes_increment_the_version_so_stale_copies_conflict() {
    let (basic, _) = documents().await;
    basic
        .put_record(&document("d1", "first", None))
        .await
        .unwrap();
    let copy = basic.get_record("d1").await.unwrap().unwrap();
    let f = Document::fields();
    basic.update_field("d1", f.body(), "text").await.unwrap();
    basic.delete_field("d1", f.body()).await.unwrap();
    assert_eq!(basic.get_field("d1", f.version()).await.unwrap(), Some(3));
    let error = basic.put_record(&copy).await.unwrap_err();
    assert!(matches!(error, Error::VersionConflict { .. }), "{error}");
}

#[tokio::test]
async fn a_commit_checks_the_version_the_cache_read() {
    let (basic, caching) = documents().await;
    let f = Document::fields();
    basic
        .put_record(&document("d1", "first", None))
        .await
        .unwrap();
    basic
        .put_record(&document("d2", "first", None))
        .await
        .unwrap();

    // Read, queue, commit: the version read is checked and incremented once.
    assert_eq!(caching.get_field("d1", f.version()).await.unwrap(), Some(1));
    caching.update_field("d1", f.title(), "a").await.unwrap();
    caching.update_field("d1", f.body(), "b").await.unwrap();
    let report = caching.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(basic.get_field("d1", f.version()).await.unwrap(), Some(2));
    assert_eq!(caching.get_field("d1", f.version()).await.unwrap(), Some(2));

    // Another writer changes the record after the cache read it: the commit conflicts, and the
    // writes stay pending.
    caching.update_field("d1", f.title(), "mine").await.unwrap();
    basic.update_field("d1", f.title(), "theirs").await.unwrap();
    let report = caching.commit_operations().await;
    assert_eq!(report.failed.len(), 1);
    assert!(
        matches!(report.failed[0].1, Error::VersionConflict { .. }),
        "{:?}",
        report.failed
    );
    assert!(caching.has_pending_operations());
    assert_eq!(
        basic.get_field("d1", f.title()).await.unwrap().as_deref(),
        Some("theirs")
    );

    // The same in an atomic commit.
    assert_eq!(caching.get_field("d2", f.version()).await.unwrap(), Some(1));
    caching.clear_pending_operations();
    caching.update_field("d2", f.title(), "mine").await.unwrap();
    basic.update_field("d2", f.title(), "theirs").await.unwrap();
    let error = caching.commit_operations_atomically().await.unwrap_err();
    assert!(matches!(error, Error::VersionConflict { .. }), "{error}");

    // After forgetting what it read, the cache does not know the version: the commit only
    // increments it.
    caching.clear_cached_data_for_record("d2").unwrap();
    let report = caching.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    let stored = basic.get_record("d2").await.unwrap().unwrap();
    assert_eq!(
        (stored.title.as_deref(), stored.version),
        (Some("mine"), Some(3))
    );
}
