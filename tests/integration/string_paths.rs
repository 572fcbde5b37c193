//! Every operation that takes a typed path takes a string path too (`ModelPath`, `ModelSelection`),
//! with the same results and the same stored items.

use std::collections::HashMap;

use futures::StreamExt;
use serde_json::json;
use structnosql::expr::Condition;
use structnosql::path::ModelPath;
use structnosql::table::{
    BasicTable, BatchRetry, CachingTable, ModelSelection, PrimaryIndex, Query, Scan,
};
use structnosql::{Error, MapModel, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Account {
    account_id: String,
    score: Option<i64>,
    #[structnosql(key_name = "tokenId")]
    tokens: Option<HashMap<String, Token>>,
    #[structnosql(read_only)]
    created_at: Option<i64>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
struct Token {
    expires: i64,
    label: Option<String>,
}

fn account(id: &str, score: i64) -> Account {
    Account {
        account_id: id.into(),
        score: Some(score),
        tokens: Some(HashMap::from([(
            "t1".to_owned(),
            Token {
                expires: 100,
                label: Some("phone".into()),
            },
        )])),
        created_at: Some(7),
    }
}

async fn table(name: &str) -> BasicTable<Account> {
    BasicTable::<Account>::builder()
        .table_name(name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("accountId"))
        .auto_create_table(true)
        .build()
        .await
        .expect("table")
}

/// Two tables holding the same records: one used through typed paths, one through string paths.
async fn twins() -> (BasicTable<Account>, BasicTable<Account>, [String; 2]) {
    let names = [
        harness::unique_table_name("typed"),
        harness::unique_table_name("string"),
    ];
    let typed = table(&names[0]).await;
    let string = table(&names[1]).await;
    for table in [&typed, &string] {
        for (id, score) in [("a1", 10), ("a2", 20)] {
            table.put_record(&account(id, score)).await.unwrap();
        }
    }
    (typed, string, names)
}

fn score() -> ModelPath<i64> {
    ModelPath::new::<Account>("score", &()).unwrap()
}

fn expires(token: &str) -> ModelPath<i64> {
    ModelPath::new::<Account>("tokens.{{tokenId}}.expires", &[("tokenId", token)]).unwrap()
}

#[tokio::test]
async fn every_typed_read_has_its_string_form() {
    let (typed, string, _) = twins().await;
    let f = Account::fields();
    let typed_expires = || f.tokens().key("t1").expires();

    assert_eq!(
        typed.get_field("a1", typed_expires()).await.unwrap(),
        string.get_field("a1", expires("t1")).await.unwrap()
    );
    assert_eq!(
        typed
            .get_fields("a1", (f.score(), typed_expires()))
            .await
            .unwrap(),
        string
            .get_fields("a1", (score(), expires("t1")))
            .await
            .unwrap()
    );
    assert_eq!(
        typed
            .query_field(&Query::primary("a2").unwrap(), f.score())
            .await
            .unwrap(),
        string
            .query_field(&Query::primary("a2").unwrap(), score())
            .await
            .unwrap()
    );
    let typed_pages: Vec<_> = typed
        .paginated_query_field(Query::primary("a1").unwrap(), f.score())
        .collect()
        .await;
    let string_pages: Vec<_> = string
        .paginated_query_field(Query::primary("a1").unwrap(), score())
        .collect()
        .await;
    assert_eq!(format!("{typed_pages:?}"), format!("{string_pages:?}"));
    let sorted = |mut page: structnosql::table::QueryPage<String, Option<i64>>| {
        page.records.sort();
        page.records
    };
    assert_eq!(
        sorted(typed.scan_field(&Scan::table(), f.score()).await.unwrap()),
        sorted(string.scan_field(&Scan::table(), score()).await.unwrap())
    );
    assert_eq!(
        typed
            .batch_get_field(["a1", "a2", "zz"], f.score(), BatchRetry::default())
            .await
            .unwrap(),
        string
            .batch_get_field(["a1", "a2", "zz"], score(), BatchRetry::default())
            .await
            .unwrap()
    );
    // The read-only field reads through a string path as through its typed one.
    let created = ModelPath::<i64>::new::<Account>("createdAt", &()).unwrap();
    assert_eq!(string.get_field("a1", created).await.unwrap(), Some(7));
}

#[tokio::test]
async fn a_caching_table_reports_string_path_reads_served_from_memory() {
    let name = harness::unique_table_name("traced");
    let basic = table(&name).await;
    basic.put_record(&account("a1", 10)).await.unwrap();
    let caching = CachingTable::<Account>::builder()
        .table_name(&name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("accountId"))
        .build()
        .await
        .unwrap();
    let first = caching.get_field_traced("a1", score()).await.unwrap();
    let second = caching.get_field_traced("a1", score()).await.unwrap();
    assert_eq!((first.value, first.from_cache), (Some(10), false));
    assert_eq!((second.value, second.from_cache), (Some(10), true));
}

#[tokio::test]
async fn every_typed_write_has_its_string_form() {
    let (typed, string, names) = twins().await;
    let f = Account::fields();

    typed.update_field("a1", f.score(), 11).await.unwrap();
    string.update_field("a1", score(), 11).await.unwrap();
    assert_eq!(
        typed
            .update_field_return_old("a1", f.tokens().key("t1").expires(), 200)
            .await
            .unwrap(),
        string
            .update_field_return_old("a1", expires("t1"), 200)
            .await
            .unwrap()
    );
    let typed_condition = Condition::ge(f.score(), 11);
    let string_condition = Condition::ge(score(), 11);
    typed
        .update_field_if("a1", f.score(), 12, &typed_condition)
        .await
        .unwrap();
    string
        .update_field_if("a1", score(), 12, &string_condition)
        .await
        .unwrap();
    // A write below a missing map creates it, as through the typed path.
    typed
        .update_field("a2", f.tokens().key("t9").expires(), 9)
        .await
        .unwrap();
    string.update_field("a2", expires("t9"), 9).await.unwrap();
    assert_eq!(
        typed
            .remove_field("a2", f.tokens().key("t1").expires())
            .await
            .unwrap(),
        string.remove_field("a2", expires("t1")).await.unwrap()
    );
    assert_eq!(
        typed.delete_field("a1", f.score()).await.unwrap(),
        string.delete_field("a1", score()).await.unwrap()
    );
    for id in ["a1", "a2"] {
        assert_eq!(
            harness::stored_item(&names[0], "accountId", id).await,
            harness::stored_item(&names[1], "accountId", id).await,
            "{id}"
        );
    }
}

#[tokio::test]
async fn json_values_read_and_write_any_field_checked_against_the_model() {
    let (_, string, names) = twins().await;
    let any_score = ModelPath::<serde_json::Value>::new::<Account>("score", &()).unwrap();
    let token =
        ModelPath::<serde_json::Value>::new::<Account>("tokens.{{tokenId}}", &[("tokenId", "t1")])
            .unwrap();
    assert_eq!(
        string.get_field("a1", any_score.clone()).await.unwrap(),
        Some(json!(10))
    );
    assert_eq!(
        string.get_field("a1", token.clone()).await.unwrap(),
        Some(json!({"expires": 100, "label": "phone"}))
    );

    let before = harness::stored_item(&names[1], "accountId", "a1").await;
    let error = string
        .update_field("a1", any_score.clone(), json!("many"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error}");
    let error = string
        .update_field("a1", token.clone(), json!({"label": "no expiry"}))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error}");
    assert_eq!(
        harness::stored_item(&names[1], "accountId", "a1").await,
        before,
        "nothing written"
    );

    string
        .update_field("a1", any_score, json!(42))
        .await
        .unwrap();
    assert_eq!(string.get_field("a1", score()).await.unwrap(), Some(42));
}

#[tokio::test]
async fn multi_selections_read_and_remove_values_by_name() {
    let (_, string, names) = twins().await;
    let token =
        ModelSelection::new::<Account>("tokens.{{tokenId}}.(expires, label)", &[("tokenId", "t1")])
            .unwrap();
    assert_eq!(token.names().collect::<Vec<_>>(), ["expires", "label"]);
    let read = string.get_fields("a1", token.clone()).await.unwrap();
    assert_eq!(read.get::<i64>("expires").unwrap(), Some(100));
    assert_eq!(read.get::<String>("label").unwrap(), Some("phone".into()));

    let label =
        ModelSelection::new::<Account>("tokens.{{tokenId}}.(label)", &[("tokenId", "t1")]).unwrap();
    let removed = string.remove_fields("a2", label).await.unwrap();
    assert_eq!(
        removed.get::<String>("label").unwrap(),
        Some("phone".into())
    );
    let stored = harness::stored_item(&names[1], "accountId", "a2").await;
    let token = stored["tokens"].as_m().unwrap()["t1"].as_m().unwrap();
    assert!(!token.contains_key("label") && token.contains_key("expires"));
}

#[tokio::test]
async fn string_paths_refuse_wrong_types_several_values_and_read_only_writes() {
    let (_, string, _) = twins().await;
    assert!(matches!(
        ModelPath::<String>::new::<Account>("score", &()),
        Err(Error::InvalidPath { .. })
    ));
    assert!(matches!(
        ModelPath::<i64>::new::<Account>(
            "tokens.{{tokenId}}.(expires, label)",
            &[("tokenId", "t1")]
        ),
        Err(Error::InvalidPath { .. })
    ));
    assert!(matches!(
        ModelPath::<i64>::new::<Account>("scroe", &()),
        Err(Error::UnknownPath { .. })
    ));
    let created = ModelPath::<i64>::new::<Account>("createdAt", &()).unwrap();
    assert!(matches!(
        string.update_field("a1", created.clone(), 8).await,
        Err(Error::ReadOnly { .. })
    ));
    assert!(matches!(
        string.remove_field("a1", created).await,
        Err(Error::ReadOnly { .. })
    ));
}

/// Every record's value of one page stream, sorted by key.
async fn streamed<S>(pages: S) -> Vec<(String, Option<i64>)>
where
    S: futures::Stream<
        Item = structnosql::Result<structnosql::table::QueryPage<String, Option<i64>>>,
    >,
{
    let mut records: Vec<(String, Option<i64>)> =
        pages.map(|page| page.unwrap().records).concat().await;
    records.sort();
    records
}

#[tokio::test]
async fn streams_selections_setters_and_transactions_take_string_paths() {
    let (typed, string, names) = twins().await;
    let f = Account::fields();

    assert_eq!(
        streamed(typed.paginated_scan_field(Scan::table().limit(1), f.score())).await,
        streamed(string.paginated_scan_field(Scan::table().limit(1), score())).await
    );
    assert_eq!(
        streamed(typed.parallel_scan_field(Scan::table(), 3, f.score())).await,
        streamed(string.parallel_scan_field(Scan::table(), 3, score())).await
    );

    // A selection by name returns what the typed tuple returns, from queries, scans and batches.
    let token = || {
        ModelSelection::new::<Account>("tokens.{{tokenId}}.(expires, label)", &[("tokenId", "t1")])
            .unwrap()
    };
    let typed_pair = || (f.tokens().key("t1").expires(), f.tokens().key("t1").label());
    let by_name = |values: &structnosql::table::NamedValues| {
        (
            values.get::<i64>("expires").unwrap(),
            values.get::<String>("label").unwrap(),
        )
    };
    let query = Query::primary("a1").unwrap();
    let typed_page = typed.query_fields(&query, typed_pair()).await.unwrap();
    let string_page = string.query_fields(&query, token()).await.unwrap();
    assert_eq!(typed_page.records.len(), 1);
    assert_eq!(typed_page.records[0].1, by_name(&string_page.records[0].1));
    let mut typed_scan = typed
        .scan_fields(&Scan::table(), typed_pair())
        .await
        .unwrap()
        .records;
    let mut string_scan: Vec<_> = string
        .scan_fields(&Scan::table(), token())
        .await
        .unwrap()
        .records
        .into_iter()
        .map(|(key, values)| (key, by_name(&values)))
        .collect();
    typed_scan.sort();
    string_scan.sort();
    assert_eq!(typed_scan, string_scan);
    let typed_batch = typed
        .batch_get_fields(["a1", "a2"], typed_pair(), BatchRetry::default())
        .await
        .unwrap();
    let string_batch = string
        .batch_get_fields(["a1", "a2"], token(), BatchRetry::default())
        .await
        .unwrap();
    let string_records: Vec<_> = string_batch
        .records
        .iter()
        .map(|(key, values)| (key.clone(), by_name(values)))
        .collect();
    assert_eq!(typed_batch.records, string_records);

    // Setters and transactions take string paths as they take typed ones.
    typed
        .update_multiple_fields(
            "a1",
            &structnosql::table::Setters::new()
                .set(f.score(), 5)
                .set(f.tokens().key("t2").expires(), 50),
        )
        .await
        .unwrap();
    string
        .update_multiple_fields(
            "a1",
            &structnosql::table::Setters::new()
                .set(score(), 5)
                .set(expires("t2"), 50),
        )
        .await
        .unwrap();
    structnosql::table::WriteTransaction::new()
        .update(
            &typed,
            "a2",
            &structnosql::table::Setters::new().set(f.score(), 21),
        )
        .unwrap()
        .commit()
        .await
        .unwrap();
    structnosql::table::WriteTransaction::new()
        .update(
            &string,
            "a2",
            &structnosql::table::Setters::new().set(score(), 21),
        )
        .unwrap()
        .commit()
        .await
        .unwrap();
    for id in ["a1", "a2"] {
        assert_eq!(
            harness::stored_item(&names[0], "accountId", id).await,
            harness::stored_item(&names[1], "accountId", id).await,
            "{id}"
        );
    }
}

static LIMIT_CHECKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn at_most_ten(value: &i64) -> Result<(), String> {
    LIMIT_CHECKS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if *value <= 10 {
        Ok(())
    } else {
        Err("at most 10".into())
    }
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
struct Limited {
    id: String,
    #[structnosql(validate = "at_most_ten")]
    level: Option<i64>,
}

/// A field's custom check runs on writes by string path, typed or as JSON, once per write, and a
/// failing one refuses the write naming the path.
#[tokio::test]
async fn custom_checks_run_once_on_string_path_writes() {
    if harness::through_api(
        "counts custom checks in the process, where the client and the API's server both run them",
    ) {
        return;
    }
    let limited = BasicTable::<Limited>::builder()
        .table_name(harness::unique_table_name("limited"))
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let level = ModelPath::<serde_json::Value>::new::<Limited>("level", &()).unwrap();
    let count = || LIMIT_CHECKS.load(std::sync::atomic::Ordering::SeqCst);

    let before = count();
    limited
        .update_field_path("l1", "level", &(), 5_i64)
        .await
        .unwrap();
    assert_eq!(count() - before, 1, "one check per write");
    let before = count();
    limited
        .update_field("l1", level.clone(), json!(7))
        .await
        .unwrap();
    assert_eq!(count() - before, 1, "one check per write");

    for error in [
        limited
            .update_field_path("l1", "level", &(), 11_i64)
            .await
            .unwrap_err(),
        limited
            .update_field("l1", level, json!(12))
            .await
            .unwrap_err(),
    ] {
        match error {
            Error::Validation { violations } => {
                assert_eq!(violations.len(), 1);
                assert_eq!(violations[0].path.to_string(), "level");
                assert!(violations[0].message.contains("at most 10"));
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
    assert_eq!(
        limited
            .get_field("l1", Limited::fields().level())
            .await
            .unwrap(),
        Some(7)
    );
}
