//! Two tenants in one physical table: each `BasicTable` adds its own leading key to every record key,
//! so the tenants never see each other's records, and callers never see the prefix.
//!
//! Run it with `cargo run --example leading_key`.

use structnosql::table::{BasicTable, PrimaryIndex, Scan};
use structnosql::{EmbeddedDynamoDb, TableDataModel};

#[derive(TableDataModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct Customer {
    customer_id: String,
    name: Option<String>,
}

async fn tenant(
    server: &EmbeddedDynamoDb,
    prefix: &str,
) -> structnosql::Result<BasicTable<Customer>> {
    BasicTable::<Customer>::builder()
        .table_name("customers")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("customerId"))
        .leading_key(prefix)
        .auto_create_table(true)
        .build()
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let acme = tenant(&server, "acme#").await?;
    let globex = tenant(&server, "globex#").await?;

    for (table, name) in [(&acme, "Ada"), (&globex, "Grace")] {
        table
            .put_record(&Customer {
                customer_id: "c1".into(),
                name: Some(name.into()),
            })
            .await?;
    }
    let f = Customer::fields();
    println!("acme c1: {:?}", acme.get_field("c1", f.name()).await?);
    println!("globex c1: {:?}", globex.get_field("c1", f.name()).await?);

    let scanned = acme.scan_records(&Scan::table()).await?;
    let keys: Vec<&String> = scanned.records.iter().map(|(key, _)| key).collect();
    println!("acme scan sees keys {keys:?}");

    let stored = server
        .client()
        .scan()
        .table_name("customers")
        .send()
        .await?;
    let mut raw: Vec<String> = stored
        .items()
        .iter()
        .filter_map(|item| item.get("customerId")?.as_s().ok().cloned())
        .collect();
    raw.sort();
    println!("stored keys {raw:?}");
    Ok(())
}
