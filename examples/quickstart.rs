//! Quickstart: start an embedded DynamoDB, create a table from a model, write a record, and read one
//! nested field back by typed path.
//!
//! Run it with `cargo run --example quickstart`; no AWS account is needed.

use std::collections::HashMap;

use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, MapModel, TableDataModel};

#[derive(TableDataModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct User {
    user_id: String,
    username: Option<String>,
    #[structnosql(key_name = "tokenId")]
    tokens: Option<HashMap<String, AuthToken>>,
}

#[derive(MapModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct AuthToken {
    expiration_timestamp: i64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    println!("embedded DynamoDB listening on {}", server.endpoint_url());

    let users = BasicTable::<User>::builder()
        .table_name("accounts-data")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("userId"))
        .auto_create_table(true)
        .build()
        .await?;

    users
        .put_record(&User {
            user_id: "x42".into(),
            username: Some("Paul".into()),
            tokens: None,
        })
        .await?;
    println!("wrote record x42");

    // Creates the missing `tokens` map on the way (one extra request), leaving `username` alone.
    let f = User::fields();
    let expiration = f.tokens().key("t32").expiration_timestamp();
    users
        .update_field("x42", expiration.clone(), 1618322249)
        .await?;

    let value = users.get_field("x42", expiration).await?;
    let value = value.ok_or("tokens.t32.expirationTimestamp is missing")?;
    println!("read back tokens.t32.expirationTimestamp = {value}");
    Ok(())
}
