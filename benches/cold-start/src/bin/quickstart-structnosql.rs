//! The quickstart as a deployed program would run it (a Lambda function, say), with structnosql:
//! the endpoint, region and credentials come from the environment (`AWS_ENDPOINT_URL`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, ...), and the table exists already (`COLD_START_TABLE`, else
//! `accounts-data`) with the record `x42` in it.
//!
//! Prints `first answer` as soon as the first read is answered, then reads, writes and updates as
//! `examples/quickstart.rs` does. `quickstart-raw` is the same program written with
//! `aws-sdk-dynamodb` alone; both print the same lines.

use std::collections::HashMap;
use std::io::Write;

use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::{ClientBuilder, MapModel, TableDataModel};

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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table_name =
        std::env::var("COLD_START_TABLE").unwrap_or_else(|_| "accounts-data".to_owned());
    // The standard AWS configuration: `aws_config::defaults(BehaviorVersion::latest()).load()`.
    let client = ClientBuilder::new().build().await?;
    let users = BasicTable::<User>::builder()
        .table_name(table_name)
        .client(client)
        .primary_index(PrimaryIndex::hash("userId"))
        .build()
        .await?;

    let user = users
        .get_record("x42")
        .await?
        .ok_or("record x42 is missing")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "first answer")?;
    stdout.flush()?;
    writeln!(
        stdout,
        "read record {}: username {}",
        user.user_id,
        user.username.as_deref().unwrap_or("-")
    )?;

    users
        .put_record(&User {
            user_id: "x42".into(),
            username: Some("Paul".into()),
            tokens: None,
        })
        .await?;
    writeln!(stdout, "wrote record x42")?;

    // Creates the missing `tokens` map on the way (one extra request), leaving `username` alone.
    let f = User::fields();
    let expiration = f.tokens().key("t32").expiration_timestamp();
    users
        .update_field("x42", expiration.clone(), 1618322249)
        .await?;

    let value = users.get_field("x42", expiration).await?;
    let value = value.ok_or("tokens.t32.expirationTimestamp is missing")?;
    writeln!(stdout, "read back tokens.t32.expirationTimestamp = {value}")?;
    Ok(())
}
