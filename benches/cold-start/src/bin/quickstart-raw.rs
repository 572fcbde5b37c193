//! `quickstart-structnosql` written with `aws-sdk-dynamodb` alone (and `serde_dynamo` for the
//! record), as a user of the SDK would: the same configuration from the environment, the same
//! requests, the same output.

use std::collections::HashMap;
use std::io::Write;

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct User {
    user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tokens: Option<HashMap<String, AuthToken>>,
}

#[derive(Serialize, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct AuthToken {
    expiration_timestamp: i64,
}

fn key() -> AttributeValue {
    AttributeValue::S("x42".into())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table_name =
        std::env::var("COLD_START_TABLE").unwrap_or_else(|_| "accounts-data".to_owned());
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let client = Client::new(&config);

    let output = client
        .get_item()
        .table_name(&table_name)
        .key("userId", key())
        .consistent_read(true)
        .send()
        .await?;
    let item = output.item.ok_or("record x42 is missing")?;
    let user: User = serde_dynamo::from_item(item)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "first answer")?;
    stdout.flush()?;
    writeln!(
        stdout,
        "read record {}: username {}",
        user.user_id,
        user.username.as_deref().unwrap_or("-")
    )?;

    let user = User {
        user_id: "x42".into(),
        username: Some("Paul".into()),
        tokens: None,
    };
    client
        .put_item()
        .table_name(&table_name)
        .set_item(Some(serde_dynamo::to_item(&user)?))
        .send()
        .await?;
    writeln!(stdout, "wrote record x42")?;

    // Sets tokens.t32.expirationTimestamp where `tokens.t32` exists; where DynamoDB refuses that,
    // creates the `tokens` map with the token in it, unless another writer created it meanwhile.
    let expiration = 1618322249i64;
    let nested = client
        .update_item()
        .table_name(&table_name)
        .key("userId", key())
        .update_expression("SET #tokens.#token.#expiration = :expiration")
        .condition_expression(
            "attribute_exists(#tokens.#token) AND NOT attribute_type(#tokens.#token, :null)",
        )
        .expression_attribute_names("#tokens", "tokens")
        .expression_attribute_names("#token", "t32")
        .expression_attribute_names("#expiration", "expirationTimestamp")
        .expression_attribute_values(":expiration", AttributeValue::N(expiration.to_string()))
        .expression_attribute_values(":null", AttributeValue::S("NULL".into()))
        .return_values(ReturnValue::None)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match nested {
        Ok(_) => {}
        Err(error)
            if matches!(
                error.as_service_error(),
                Some(UpdateItemError::ConditionalCheckFailedException(_))
            ) =>
        {
            let token = AttributeValue::M(HashMap::from([(
                "expirationTimestamp".to_owned(),
                AttributeValue::N(expiration.to_string()),
            )]));
            let tokens = AttributeValue::M(HashMap::from([("t32".to_owned(), token)]));
            client
                .update_item()
                .table_name(&table_name)
                .key("userId", key())
                .update_expression("SET #tokens = :tokens")
                .condition_expression(
                    "(attribute_not_exists(#tokens) OR attribute_type(#tokens, :null))",
                )
                .expression_attribute_names("#tokens", "tokens")
                .expression_attribute_values(":tokens", tokens)
                .expression_attribute_values(":null", AttributeValue::S("NULL".into()))
                .return_values(ReturnValue::None)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await?;
        }
        Err(error) => return Err(error.into()),
    }

    let output = client
        .get_item()
        .table_name(&table_name)
        .key("userId", key())
        .consistent_read(true)
        .projection_expression("#tokens.#token.#expiration")
        .expression_attribute_names("#tokens", "tokens")
        .expression_attribute_names("#token", "t32")
        .expression_attribute_names("#expiration", "expirationTimestamp")
        .send()
        .await?;
    let value = output
        .item
        .as_ref()
        .and_then(|item| item.get("tokens")?.as_m().ok()?.get("t32")?.as_m().ok())
        .and_then(|token| token.get("expirationTimestamp")?.as_n().ok())
        .ok_or("tokens.t32.expirationTimestamp is missing")?
        .parse::<i64>()?;
    writeln!(stdout, "read back tokens.t32.expirationTimestamp = {value}")?;
    Ok(())
}
