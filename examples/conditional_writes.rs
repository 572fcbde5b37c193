//! Conditional writes and optimistic locking: a transfer that only happens with enough balance, and
//! a document whose stale copy cannot overwrite a newer version.
//!
//! Run it with `cargo run --example conditional_writes`.

use structnosql::expr::Condition;
use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, Error, TableDataModel};

#[derive(TableDataModel, Debug)]
struct Wallet {
    id: String,
    balance: Option<i64>,
}

#[derive(TableDataModel, Debug, Clone)]
struct Document {
    id: String,
    title: Option<String>,
    #[structnosql(version)]
    version: Option<i64>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let wallets = BasicTable::<Wallet>::builder()
        .table_name("wallets")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await?;
    wallets
        .put_record(&Wallet {
            id: "w1".into(),
            balance: Some(100),
        })
        .await?;

    // Spend 80, twice: the second time the balance is too low and nothing is written.
    let balance = Wallet::fields().balance();
    for attempt in 1..=2 {
        let current = wallets.get_field("w1", balance.clone()).await?.unwrap_or(0);
        let enough =
            Condition::eq(balance.clone(), current).and(Condition::ge(balance.clone(), 80));
        match wallets
            .update_field_if("w1", balance.clone(), current - 80, &enough)
            .await
        {
            Ok(()) => println!("spend {attempt}: done, balance {}", current - 80),
            Err(Error::ConditionFailed { .. }) => {
                println!("spend {attempt}: refused, balance stays {current}")
            }
            Err(other) => return Err(other.into()),
        }
    }

    let documents = BasicTable::<Document>::builder()
        .table_name("documents")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await?;
    documents
        .put_record(&Document {
            id: "d1".into(),
            title: Some("Draft".into()),
            version: None,
        })
        .await?;
    let mut mine = documents.get_record("d1").await?.ok_or("no document")?;
    let mut theirs = mine.clone();
    println!("both copies read version {:?}", mine.version);

    theirs.title = Some("Their title".into());
    documents.put_record(&theirs).await?;
    println!("they saved: version is now 2");

    mine.title = Some("My title".into());
    match documents.put_record(&mine).await {
        Err(Error::VersionConflict {
            expected, found, ..
        }) => println!("my save conflicts: expected version {expected:?}, found {found:?}"),
        other => println!("unexpected: {other:?}"),
    }
    let stored = documents.get_record("d1").await?.ok_or("no document")?;
    println!("stored: {:?} at version {:?}", stored.title, stored.version);
    Ok(())
}
