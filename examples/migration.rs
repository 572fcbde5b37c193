//! Migrating data written under older rules: a record that breaks today's custom check is written
//! with `put_record_unvalidated`, and a stored value of the wrong type is read with
//! `get_record_lenient`, which reports what it left out.
//!
//! Run it with `cargo run --example migration`.

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, TableDataModel};

// A custom check takes the field's type by reference: here `&String`.
#[allow(clippy::ptr_arg)]
fn short(name: &String) -> Result<(), String> {
    if name.len() <= 8 {
        Ok(())
    } else {
        Err("longer than 8 characters".into())
    }
}

#[derive(TableDataModel, Debug)]
struct Profile {
    id: String,
    #[structnosql(validate = "short")]
    nickname: Option<String>,
    age: Option<i64>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let profiles = BasicTable::<Profile>::builder()
        .table_name("profiles")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await?;

    let old = Profile {
        id: "p1".into(),
        nickname: Some("from the old days".into()),
        age: Some(40),
    };
    match profiles.put_record(&old).await {
        Err(error) => println!("put_record refuses it: {error}"),
        Ok(()) => println!("unexpected: accepted"),
    }
    profiles.put_record_unvalidated(&old).await?;
    println!(
        "put_record_unvalidated wrote {:?}",
        profiles.get_record("p1").await?.map(|p| p.nickname)
    );

    // An item written by another program, with the age as a string.
    server
        .client()
        .put_item()
        .table_name("profiles")
        .item("id", AttributeValue::S("p2".into()))
        .item("age", AttributeValue::S("forty".into()))
        .send()
        .await?;
    match profiles.get_record("p2").await {
        Err(error) => println!("get_record refuses it: {error}"),
        Ok(record) => println!("unexpected: {record:?}"),
    }
    if let Some(lenient) = profiles.get_record_lenient("p2").await? {
        let dropped: Vec<String> = lenient.dropped.iter().map(|v| v.path.to_string()).collect();
        println!(
            "get_record_lenient: age {:?}, dropped {dropped:?}",
            lenient.value.age
        );
    }
    Ok(())
}
