//! Hostile input through every public operation: each case round-trips exactly or gets its typed
//! error, nothing panics, and no input text reaches an expression outside placeholders.

use std::collections::{BTreeMap, HashSet};

use serde_json::json;
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::table::{BasicTable, CachingTable, Getters, PrimaryIndex, Removers, Setters};
use structnosql::{Error, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Doc {
    doc_id: String,
    #[structnosql(key_name = "k")]
    entries: Option<BTreeMap<String, String>>,
    tags: Option<HashSet<String>>,
    ratio: Option<f64>,
    big: Option<u128>,
    free: Option<serde_json::Value>,
}

/// Map keys chosen to break naive expression building.
fn hostile_keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        ".",
        "#",
        ":",
        "[",
        "]",
        "[0]",
        "{{",
        "}}",
        "{{k}}",
        "(",
        ")",
        "(a, b)",
        " ",
        "a b",
        "\t",
        "\n",
        "\u{0}",
        "\u{7f}",
        "ünïcødé",
        "🦀",
        "#n0",
        ":v0",
        "a.b#c:d[0]{{x}}(y) z",
        "SET x = :v",
        "'\"`",
    ]
    .iter()
    .map(|key| key.to_string())
    .collect();
    keys.push("x".repeat(10_000));
    keys
}

async fn tables() -> (
    BasicTable<Doc>,
    CachingTable<Doc>,
    harness::ExpressionRecorder,
    harness::RequestCounter,
) {
    let (client, recorder, counter) = harness::recording_client();
    let name = harness::unique_table_name("hostile");
    let basic = BasicTable::<Doc>::builder()
        .table_name(&name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("docId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let caching = CachingTable::<Doc>::builder()
        .table_name(&name)
        .client(client)
        .primary_index(PrimaryIndex::hash("docId"))
        .build()
        .await
        .unwrap();
    (basic, caching, recorder, counter)
}

fn assert_no_input_in(expressions: &[String], inputs: &[String]) {
    for expression in expressions {
        for input in inputs {
            // Short inputs such as "." or ":" are expression syntax, and inputs shaped like our
            // placeholders (`#n0`) are placeholders; the rest must never appear.
            let placeholder_like = (input.starts_with("#n") || input.starts_with(":v"))
                && input[2..].chars().all(|c| c.is_ascii_digit());
            if input.chars().count() > 2 && !input.trim().is_empty() && !placeholder_like {
                assert!(
                    !expression.contains(input.as_str()),
                    "{input:?} appears in {expression:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn hostile_map_keys_and_record_keys_round_trip_through_every_operation() {
    let (table, caching, recorder, _) = tables().await;
    let f = Doc::fields();
    let keys = hostile_keys();
    for key in &keys {
        if key.len() > 2048 {
            // Too long for a record key (DynamoDB allows 2,048 bytes): refused before sending.
            let refused = table.update_field(key.as_str(), f.ratio(), 1.0).await;
            assert!(
                matches!(refused, Err(Error::Validation { .. })),
                "{refused:?}"
            );
        }
        let record = if key.len() > 2048 {
            "long-key"
        } else {
            key.as_str()
        };
        let value = format!("value of {key}");
        table
            .update_field(record, f.entries().key(key.as_str()), value.clone())
            .await
            .unwrap();
        assert_eq!(
            table
                .get_field(record, f.entries().key(key.as_str()))
                .await
                .unwrap(),
            Some(value.clone())
        );
        let by_string: Option<String> = table
            .get_field_path(record, "entries.{{k}}", &[("k", key.as_str())])
            .await
            .unwrap();
        assert_eq!(by_string.as_deref(), Some(value.as_str()));
        let fields = table
            .get_multiple_fields(
                record,
                &Getters::new().path("e", "entries.{{k}}", &[("k", key.as_str())]),
            )
            .await
            .unwrap();
        assert_eq!(fields.get::<String>("e").unwrap(), Some(value.clone()));
        let old = table
            .update_field_return_old(record, f.entries().key(key.as_str()), "second")
            .await
            .unwrap();
        assert_eq!(old, Some(value.clone()));
        table
            .update_multiple_fields(
                record,
                &Setters::new().set_path(
                    "entries.{{k}}",
                    &[("k", key.as_str())],
                    "third".to_owned(),
                ),
            )
            .await
            .unwrap();
        // The caching table reads what the basic table wrote, and commits its own write.
        caching
            .update_field(record, f.free().key(key.as_str()), json!(key))
            .await
            .unwrap();
        assert!(caching.commit_operations().await.is_success());
        let stored = table.get_record(record).await.unwrap().unwrap();
        assert_eq!(stored.entries.unwrap()[key.as_str()], "third");
        assert_eq!(stored.free.unwrap()[key.as_str()], json!(key));
        let removed = table
            .remove_multiple_fields(
                record,
                &Removers::new().field("e", f.entries().key(key.as_str())),
            )
            .await
            .unwrap();
        assert_eq!(
            removed.get::<String>("e").unwrap().as_deref(),
            Some("third")
        );
        assert!(table
            .delete_field(record, f.free().key(key.as_str()))
            .await
            .unwrap());
        assert!(table.delete_record(record).await.unwrap());
    }
    assert_no_input_in(&recorder.expressions(), &keys);
}

#[tokio::test]
async fn malformed_and_unknown_string_paths_are_typed_errors_with_no_request() {
    let (table, _, _, requests) = tables().await;
    let sent = requests.count();
    for path in [
        "",
        ".",
        "entries..x",
        "entries.{{k",
        "entries.{{}}",
        "entries.(a",
        "(",
        "entries.(a).b",
        "entries[0]",
        "a b c",
    ] {
        let result: structnosql::Result<Option<String>> =
            table.get_field_path("x", path, &()).await;
        assert!(
            matches!(
                result,
                Err(Error::InvalidPath { .. } | Error::UnknownPath { .. })
            ),
            "{path:?}: {result:?}"
        );
        let written = table
            .update_field_path("x", path, &(), "v".to_owned())
            .await;
        assert!(written.is_err(), "{path:?}");
    }
    let missing: structnosql::Result<Option<String>> =
        table.get_field_path("x", "entries.{{k}}", &()).await;
    assert!(
        matches!(missing, Err(Error::MissingKeyValue { .. })),
        "{missing:?}"
    );
    let wrong_kind: structnosql::Result<Option<String>> = table
        .get_field_path("x", "entries.{{k}}", &[("k", 3usize)])
        .await;
    assert!(
        matches!(wrong_kind, Err(Error::InvalidKeyValue { .. })),
        "{wrong_kind:?}"
    );
    let empty_key = table
        .update_field("x", Doc::fields().entries().key(""), "v")
        .await;
    assert!(
        matches!(empty_key, Err(Error::InvalidPath { .. })),
        "{empty_key:?}"
    );
    assert_eq!(requests.count(), sent, "no request for any of them");
}

#[tokio::test]
async fn values_past_dynamodb_limits_are_refused_before_sending() {
    let (table, _, _, requests) = tables().await;
    let f = Doc::fields();
    let sent = requests.count();
    let too_deep = (0..32).fold(json!(1), |inner, _| json!([inner]));
    let cases: Vec<(&str, structnosql::Result<()>)> = vec![
        ("NaN", table.update_field("x", f.ratio(), f64::NAN).await),
        (
            "infinity",
            table.update_field("x", f.ratio(), f64::INFINITY).await,
        ),
        (
            "39 digits",
            table.update_field("x", f.big(), u128::MAX).await,
        ),
        (
            "1E+126",
            table.update_field("x", f.free(), json!(1e126)).await,
        ),
        (
            "1E-131",
            table.update_field("x", f.free(), json!(1e-131)).await,
        ),
        (
            "empty set",
            table.update_field("x", f.tags(), HashSet::new()).await,
        ),
        (
            "33 levels",
            table.update_field("x", f.free(), too_deep).await,
        ),
        (
            "400 KB",
            table
                .update_field("x", f.free(), json!("x".repeat(401 * 1024)))
                .await,
        ),
    ];
    for (case, result) in cases {
        assert!(
            matches!(
                result,
                Err(Error::Validation { .. } | Error::TooDeep { .. } | Error::TooLarge { .. })
            ),
            "{case}: {result:?}"
        );
    }
    assert_eq!(requests.count(), sent);
    // At the limits: accepted and stored exactly.
    let at_limit = 10u128.pow(38) - 1;
    table.update_field("x", f.big(), at_limit).await.unwrap();
    assert_eq!(table.get_field("x", f.big()).await.unwrap(), Some(at_limit));
    let deepest = (0..31).fold(json!(1), |inner, _| json!([inner]));
    table
        .update_field("x", f.free(), deepest.clone())
        .await
        .unwrap();
    assert_eq!(table.get_field("x", f.free()).await.unwrap(), Some(deepest));
}

#[tokio::test]
async fn stored_items_that_do_not_match_the_model_are_errors_naming_the_path() {
    let (table, caching, _, _) = tables().await;
    let client = harness::client();
    client
        .put_item()
        .table_name(table.table_name())
        .item("docId", AttributeValue::S("odd".into()))
        .item("ratio", AttributeValue::S("not a number".into()))
        .item("entries", AttributeValue::L(vec![]))
        .send()
        .await
        .unwrap();
    let f = Doc::fields();
    for result in [
        table.get_field("odd", f.ratio()).await.map(drop),
        caching.get_field("odd", f.ratio()).await.map(drop),
    ] {
        match result {
            Err(Error::InvalidStoredData { violations }) => {
                assert_eq!(violations[0].path.to_string(), "ratio")
            }
            other => panic!("expected Error::InvalidStoredData, got {other:?}"),
        }
    }
    match table.get_record("odd").await {
        Err(Error::InvalidStoredData { violations }) => {
            let mut paths: Vec<String> = violations.iter().map(|v| v.path.to_string()).collect();
            paths.sort();
            assert_eq!(paths, ["entries", "ratio"]);
        }
        other => panic!("expected Error::InvalidStoredData, got {other:?}"),
    }
    // A record key that is not a string is refused when read back through a query or record key.
    let missing_key = client
        .put_item()
        .table_name(table.table_name())
        .item("docId", AttributeValue::S("fine".into()))
        .send()
        .await;
    assert!(missing_key.is_ok());
    assert_eq!(
        table.get_record("fine").await.unwrap().unwrap().doc_id,
        "fine"
    );
}

#[tokio::test]
async fn whole_records_with_bad_keys_are_refused_before_sending() {
    let (table, caching, _, requests) = tables().await;
    let sent = requests.count();
    for key in [String::new(), "k".repeat(2049)] {
        let record = Doc {
            doc_id: key,
            entries: None,
            tags: None,
            ratio: None,
            big: None,
            free: None,
        };
        let refused = table.put_record(&record).await;
        assert!(
            matches!(refused, Err(Error::Validation { .. })),
            "{refused:?}"
        );
        let refused = caching.put_record_if_absent(&record).await;
        assert!(
            matches!(refused, Err(Error::Validation { .. })),
            "{refused:?}"
        );
    }
    assert_eq!(requests.count(), sent, "no request for any of them");
}
