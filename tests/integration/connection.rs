//! The harness reaches a real server, and bad connection settings fail clearly.

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::{client_for_local_endpoint, connection, EmbeddedDynamoDb, Error};

use crate::harness;

#[tokio::test]
async fn harness_creates_a_table_that_list_tables_finds() {
    let client = harness::client();
    let table = harness::unique_table_name("harness");
    harness::create_hash_table(&client, &table, "id").await;

    let mut names = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .list_tables()
            .set_exclusive_start_table_name(start)
            .send()
            .await
            .expect("list tables");
        names.extend(page.table_names().iter().cloned());
        start = page.last_evaluated_table_name().map(str::to_owned);
        if start.is_none() {
            break;
        }
    }
    assert!(names.contains(&table), "{table} not in {names:?}");
}

#[tokio::test]
async fn an_item_written_is_read_back_with_its_nested_field() {
    let client = harness::client();
    let table = harness::unique_table_name("roundtrip");
    harness::create_hash_table(&client, &table, "id").await;
    let token = AttributeValue::M(
        [(
            "expirationTimestamp".to_owned(),
            AttributeValue::N("1618322249".into()),
        )]
        .into(),
    );
    client
        .put_item()
        .table_name(&table)
        .item("id", AttributeValue::S("x42".into()))
        .item(
            "tokens",
            AttributeValue::M([("t32".to_owned(), token)].into()),
        )
        .send()
        .await
        .expect("put item");

    let item = client
        .get_item()
        .table_name(&table)
        .key("id", AttributeValue::S("x42".into()))
        .projection_expression("#t.#k.#e")
        .expression_attribute_names("#t", "tokens")
        .expression_attribute_names("#k", "t32")
        .expression_attribute_names("#e", "expirationTimestamp")
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
        .expect("the item exists");
    let expiration = item["tokens"].as_m().unwrap()["t32"].as_m().unwrap()["expirationTimestamp"]
        .as_n()
        .unwrap()
        .clone();
    assert_eq!(expiration, "1618322249");
}

#[tokio::test]
async fn a_service_error_carries_the_operation_record_and_code() {
    if harness::through_api("DynamoDB's error codes stay on the API's server") {
        return;
    }
    #[derive(Debug, structnosql::TableDataModel)]
    struct Note {
        id: String,
    }
    let missing = harness::unique_table_name("never-created");
    let notes = structnosql::BasicTable::<Note>::builder()
        .table_name(&missing)
        .client(harness::client())
        .primary_index(structnosql::PrimaryIndex::hash("id"))
        .build()
        .await
        .expect("a table is not looked up until used");
    let error = notes
        .get_record("n1")
        .await
        .expect_err("the table does not exist");
    assert_eq!(error.service_code(), Some("ResourceNotFoundException"));
    match &error {
        Error::Service {
            operation, record, ..
        } => assert_eq!(
            (*operation, record.as_deref()),
            ("GetItem", Some(format!("{missing}[n1]").as_str()))
        ),
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_reported_as_unreachable() {
    // Bind then drop a listener: its port is free and nothing answers there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("probe a free port")
        .port();
    let client = client_for_local_endpoint(&format!("http://127.0.0.1:{port}"));
    match connection::ping(&client).await {
        Err(Error::Unreachable {
            operation, message, ..
        }) => {
            assert_eq!(operation, "ListTables");
            assert!(!message.is_empty());
        }
        other => panic!("expected Error::Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_configuration_without_region_is_rejected() {
    let config = structnosql::aws_config::SdkConfig::builder().build();
    match structnosql::client_from_sdk_config(&config) {
        Err(Error::Config { message }) => assert!(message.contains("region"), "{message}"),
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

#[tokio::test]
async fn embedded_servers_run_side_by_side_and_stop_when_dropped() {
    let first = EmbeddedDynamoDb::start().expect("first server");
    let second = EmbeddedDynamoDb::start().expect("second server");
    assert_ne!(first.endpoint_url(), second.endpoint_url());

    // Each has its own database: a table created on one is not on the other.
    let table = harness::unique_table_name("side-by-side");
    harness::create_hash_table(&first.client(), &table, "id").await;
    let on_second = second
        .client()
        .list_tables()
        .send()
        .await
        .expect("list tables");
    assert!(!on_second.table_names().contains(&table));

    let client = first.client();
    drop(first);
    assert!(
        matches!(
            connection::ping(&client).await,
            Err(Error::Unreachable { .. })
        ),
        "a dropped server must stop answering"
    );
    connection::ping(&second.client())
        .await
        .expect("the other server still answers");
}
