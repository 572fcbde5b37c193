//! StructNoSQL sample `update_multiple_fields_return_old/basic`: two named setters in one request,
//! returning what each path held before.
//!
//! Run it with `cargo run --example update_multiple_fields_return_old_basic`.

#[path = "common/mod.rs"]
mod common;

use common::{Account, Mail};
use structnosql::table::Setters;

fn mail(status: &str) -> Mail {
    Mail {
        status: Some(status.into()),
        ..Mail::default()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        username: Some("Robinson".into()),
        mails: common::one("m42", mail("not-read")),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    let setters = Setters::new()
        .set_path_named("name", "username", &(), "Paul".to_owned())
        .set_path_named(
            "old_mail_status",
            "mails.{{mailId}}",
            &[("mailId", "m42")],
            mail("read"),
        );
    let update = table
        .update_multiple_fields_return_old("x42", &setters)
        .await;
    println!("Multi update success : {}", update.is_ok());
    let old_values = update?;
    println!(
        "Retrieved old values : {}",
        common::render_fields(&old_values)
    );
    Ok(())
}
