//! Field transformers: a write transform normalises what is stored, a read transform decorates what is
//! returned, exactly once per value, whether it comes from DynamoDB or from a cache.
//!
//! Run it with `cargo run --example transformers`.

use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, TableDataModel};

fn lowercase(email: String) -> String {
    email.to_lowercase()
}

fn exclaim(text: String) -> String {
    format!("{text}!")
}

#[derive(TableDataModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct Contact {
    contact_id: String,
    #[structnosql(write_transform = "lowercase")]
    email: Option<String>,
    #[structnosql(read_transform = "exclaim")]
    greeting: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let contacts = BasicTable::<Contact>::builder()
        .table_name("contacts")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("contactId"))
        .auto_create_table(true)
        .build()
        .await?;
    contacts
        .put_record(&Contact {
            contact_id: "c1".into(),
            email: Some("Ada@Example.COM".into()),
            greeting: Some("Hello".into()),
        })
        .await?;
    let f = Contact::fields();
    contacts
        .update_field("c1", f.email(), "Ada.L@Example.COM")
        .await?;

    let stored = server
        .client()
        .get_item()
        .table_name("contacts")
        .key(
            "contactId",
            structnosql::aws_sdk_dynamodb::types::AttributeValue::S("c1".into()),
        )
        .send()
        .await?
        .item
        .unwrap_or_default();
    println!(
        "stored: email={:?} greeting={:?}",
        stored.get("email").and_then(|v| v.as_s().ok()),
        stored.get("greeting").and_then(|v| v.as_s().ok())
    );

    let cached = CachingTable::<Contact>::builder()
        .table_name("contacts")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("contactId"))
        .build()
        .await?;
    for attempt in 1..=2 {
        let read = cached.get_field_traced("c1", f.greeting()).await?;
        println!(
            "read {attempt}: {:?} (from cache: {})",
            read.value, read.from_cache
        );
    }
    let record = contacts.get_record("c1").await?.ok_or("no record")?;
    println!("record: {:?} {:?}", record.email, record.greeting);
    Ok(())
}
