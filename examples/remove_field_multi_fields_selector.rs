//! StructNoSQL sample `remove_field/multi-fields-selector`: remove two fields of one mail with the
//! multi-selector `mails.{{mailId}}.(timestampForAutoAnswer, isNotRead)`, in one request, and get
//! them back; `receivedTimestamp` stays.
//!
//! Run it with `cargo run --example remove_field_multi_fields_selector`.
//!
//! StructNoSQL's `remove_field` takes the multi-selector itself and returns `{fieldName: value}`. Here
//! `remove_field` removes one path, and a multi-selection goes through `remove_multiple_fields` (still
//! one UpdateItem), whose results are named `<remover>.<field>`.

#[path = "common/mod.rs"]
mod common;

use common::{Account, Mail};
use structnosql::table::Removers;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        username: Some("Robinson".into()),
        mails: common::one(
            "m42",
            Mail {
                status: None,
                received_timestamp: Some(1627134011),
                timestamp_for_auto_answer: Some(1627252059),
                is_not_read: Some(true),
            },
        ),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    let removers = Removers::new().path(
        "mail",
        "mails.{{mailId}}.(timestampForAutoAnswer, isNotRead)",
        &[("mailId", "m42")],
    );
    let removed = table.remove_multiple_fields("x42", &removers).await?;
    // We only remove timestampForAutoAnswer and isNotRead. We do not touch receivedTimestamp.
    println!(
        "Removed mail attributes : {}",
        common::render_fields(&removed)
    );

    let left = table
        .get_field("x42", Account::fields().mails().key("m42"))
        .await?;
    println!("Mail left in database : {}", common::or_none(&left));
    Ok(())
}
