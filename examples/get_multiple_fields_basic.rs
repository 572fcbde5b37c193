//! StructNoSQL sample `get_multiple_fields/basic`: three named getters read in one request.
//!
//! Run it with `cargo run --example get_multiple_fields_basic`.
//!
//! How the output differs from the docs: the docs print
//! `{'name': 'Robinson', 'tokenExpiration': '1618322249', 'score': 1607220132}`, which is wrong
//! (StructNoSQL 2.6.7 prints `{'name': 'Robinson', 'tokenExpiration': None,
//! 'lastConnectionTimestamp': None}`). `tokenExpiration` asks for token `t42`, which does not exist, so
//! it is absent here too. The sample's record stores `lastConnectionTimestamp` and
//! `tokens.t32.expirationTimestamp` as strings although the model declares ints, and StructNoSQL's
//! read validation turned the string into `None`; this record stores them as the `i64` the model
//! declares, so `lastConnectionTimestamp` reads back as `1607220132`.

#[path = "common/mod.rs"]
mod common;

use common::{Account, AuthToken};
use structnosql::table::Getters;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        username: Some("Robinson".into()),
        // The sample stored "1618322249" and "1607220132", strings.
        tokens: common::one(
            "t32",
            AuthToken {
                expiration_timestamp: 1618322249,
            },
        ),
        last_connection_timestamp: Some(1607220132),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    let getters = Getters::new()
        .path("name", "username", &())
        .path(
            "tokenExpiration",
            "tokens.{{tokenId}}.expirationTimestamp",
            &[("tokenId", "t42")],
        )
        .field(
            "lastConnectionTimestamp",
            Account::fields().last_connection_timestamp(),
        );
    let response = table.get_multiple_fields("x42", &getters).await?;
    println!("{}", common::render_fields(&response));
    Ok(())
}
