//! Quickstart: start an embedded DynamoDB, create a table, write a record with a nested map, and read
//! one nested field back by path.
//!
//! Run it with `cargo run --example quickstart`; no AWS account is needed.

use std::time::Duration;

use structnosql::aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use structnosql::{schema, EmbeddedDynamoDb, Error};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let client = server.client();
    println!("embedded DynamoDB listening on {}", server.endpoint_url());

    client
        .create_table()
        .table_name("accounts-data")
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("userId")
                .key_type(KeyType::Hash)
                .build()?,
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("userId")
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .send()
        .await
        .map_err(|e| Error::from_sdk("CreateTable", e))?;
    schema::wait_until_active(&client, "accounts-data", Duration::from_secs(30)).await?;

    let token = AttributeValue::M(
        [(
            "expirationTimestamp".to_owned(),
            AttributeValue::N("1618322249".into()),
        )]
        .into(),
    );
    client
        .put_item()
        .table_name("accounts-data")
        .item("userId", AttributeValue::S("x42".into()))
        .item("username", AttributeValue::S("Paul".into()))
        .item(
            "tokens",
            AttributeValue::M([("t32".to_owned(), token)].into()),
        )
        .send()
        .await
        .map_err(|e| Error::from_sdk("PutItem", e))?;
    println!("wrote record x42");

    let item = client
        .get_item()
        .table_name("accounts-data")
        .key("userId", AttributeValue::S("x42".into()))
        .projection_expression("#tokens.#t32.#exp")
        .expression_attribute_names("#tokens", "tokens")
        .expression_attribute_names("#t32", "t32")
        .expression_attribute_names("#exp", "expirationTimestamp")
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| Error::from_sdk("GetItem", e))?
        .item
        .ok_or("record x42 was not found")?;
    let expiration = item
        .get("tokens")
        .and_then(|v| v.as_m().ok())
        .and_then(|m| m.get("t32"))
        .and_then(|v| v.as_m().ok())
        .and_then(|m| m.get("expirationTimestamp"))
        .and_then(|v| v.as_n().ok())
        .ok_or("tokens.t32.expirationTimestamp is missing")?;
    println!("read back tokens.t32.expirationTimestamp = {expiration}");
    Ok(())
}
