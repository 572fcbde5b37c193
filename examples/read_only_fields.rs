//! Read-only fields: written with the whole record, refused by field updates and removes before
//! anything is sent.
//!
//! Run it with `cargo run --example read_only_fields`.

use std::collections::HashMap;

use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, Error, TableDataModel};

#[derive(TableDataModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct Account {
    account_id: String,
    #[structnosql(read_only)]
    created_at: i64,
    #[structnosql(read_only)]
    limits: Option<HashMap<String, i64>>,
    note: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let accounts = BasicTable::<Account>::builder()
        .table_name("accounts")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("accountId"))
        .auto_create_table(true)
        .build()
        .await?;
    accounts
        .put_record(&Account {
            account_id: "a1".into(),
            created_at: 1_700_000_000,
            limits: Some(HashMap::from([("daily".to_owned(), 500)])),
            note: None,
        })
        .await?;

    let f = Account::fields();
    // The typed path of a read-only field reads like any other...
    let created = accounts.get_field("a1", f.created_at()).await?;
    println!("created at {created:?}");
    // ...but `accounts.update_field("a1", f.created_at(), 0)` does not compile. Paths inside a
    // read-only field and string paths are refused at run time, before anything is sent:
    for attempt in [
        accounts
            .update_field("a1", f.limits().key("daily"), 10_000)
            .await,
        accounts
            .update_field_path("a1", "createdAt", &(), 0_i64)
            .await,
        accounts
            .delete_field_path("a1", "limits", &())
            .await
            .map(drop),
    ] {
        match attempt {
            Err(Error::ReadOnly { path }) => println!("refused: {path} is read-only"),
            other => println!("unexpected: {other:?}"),
        }
    }

    accounts.update_field("a1", f.note(), "VIP").await?;
    let record = accounts.get_record("a1").await?.ok_or("no record")?;
    println!(
        "stored: created_at={} limits={:?} note={:?}",
        record.created_at, record.limits, record.note
    );
    Ok(())
}
