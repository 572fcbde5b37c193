//! StructNoSQL sample `update_multiple_fields/basic`: three setters in one request, two of them with
//! values of the wrong type.
//!
//! Run it with `cargo run --example update_multiple_fields_basic`.
//!
//! How this differs from StructNoSQL: there, the setters of `tokens.{{tokenId}}` (whose
//! `expirationTimestamp` is given as the string "1618324660") and of `lastConnectionTimestamp` (the
//! string "1606714120") fail validation and are silently dropped, the `username` setter alone is
//! written, and the sample prints `Multi update success : True` (the docs' basics page even says the
//! opposite: that an invalid setter rejects the whole operation). Dropping part of a write without
//! telling the caller is a StructNoSQL bug that this port does not reproduce: here any invalid setter
//! rejects the whole call, before anything is sent, with an `Error::Validation` naming every offending
//! path, so `username` is left unchanged. The example then sends the same setters with values of the right
//! types.

#[path = "common/mod.rs"]
mod common;

use common::{Account, AuthToken};
use serde_json::json;
use structnosql::table::Setters;
use structnosql::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        username: Some("Robinson".into()),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    // The sample's setters: string paths, with values as loosely typed as in Python.
    let setters = Setters::new()
        .set_path("username", &(), "Paul".to_owned())
        .set_path(
            "tokens.{{tokenId}}",
            &[("tokenId", "t42")],
            json!({"expirationTimestamp": "1618324660"}),
        )
        .set_path("lastConnectionTimestamp", &(), "1606714120".to_owned());
    let update = table.update_multiple_fields("x42", &setters).await;
    println!("Multi update success : {}", update.is_ok());
    match update {
        Err(Error::Validation { violations }) => {
            let paths: Vec<String> = violations.iter().map(|v| v.path.to_string()).collect();
            println!(
                "Rejected, nothing written; invalid values at : {}",
                paths.join(", ")
            );
        }
        other => other?,
    }
    let username: Option<String> = table.get_field("x42", Account::fields().username()).await?;
    println!(
        "Username in database : {}",
        username.as_deref().unwrap_or("None")
    );

    // The same setters with values of the types the model declares, typed paths this time.
    let f = Account::fields();
    let setters = Setters::new()
        .set(f.username(), "Paul")
        .set(
            f.tokens().key("t42"),
            AuthToken {
                expiration_timestamp: 1618324660,
            },
        )
        .set(f.last_connection_timestamp(), 1606714120);
    let update = table.update_multiple_fields("x42", &setters).await;
    println!(
        "Multi update with valid values success : {}",
        update.is_ok()
    );
    update?;
    let (username, expiration, last_connection) = table
        .get_fields(
            "x42",
            (
                f.username(),
                f.tokens().key("t42").expiration_timestamp(),
                f.last_connection_timestamp(),
            ),
        )
        .await?;
    println!(
        "Username in database : {}",
        username.as_deref().unwrap_or("None")
    );
    println!(
        "tokens.t42.expirationTimestamp : {}",
        common::or_none(&expiration)
    );
    println!(
        "lastConnectionTimestamp : {}",
        common::or_none(&last_connection)
    );
    Ok(())
}
