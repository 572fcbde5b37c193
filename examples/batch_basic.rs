//! Batches: write, read and delete many records in few requests (BatchWriteItem carries 25 records,
//! BatchGetItem reads 100), with what DynamoDB leaves unprocessed retried and, if still unprocessed,
//! reported.
//!
//! Run it with `cargo run --example batch_basic`; no AWS account is needed.

use structnosql::table::{BasicTable, BatchRetry, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, TableDataModel};

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Player {
    player_id: String,
    name: String,
    score: i64,
}

fn player(n: i64) -> Player {
    Player {
        player_id: format!("p{n:02}"),
        name: format!("Player {n}"),
        score: n * 10,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let players = BasicTable::<Player>::builder()
        .table_name("players")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("playerId"))
        .auto_create_table(true)
        .build()
        .await?;

    // 60 records: three BatchWriteItem requests.
    let records: Vec<Player> = (0..60).map(player).collect();
    let written = players
        .batch_put_records(&records, BatchRetry::default())
        .await?;
    println!(
        "Written : {} players, left unprocessed : {:?}",
        written.processed.len(),
        written.unprocessed
    );

    // Whole records; a key without a record is listed as missing.
    let read = players
        .batch_get_records(["p07", "p42", "p99"], BatchRetry::default())
        .await?;
    for (id, player) in &read.records {
        println!("Found {id} : {player:?}");
    }
    println!("Missing : {:?}", read.missing);

    // One field of many records, with a more patient retry.
    let retry = BatchRetry::default().max_attempts(12);
    let scores = players
        .batch_get_field(["p01", "p02", "p03"], Player::fields().score(), retry)
        .await?;
    for (id, score) in &scores.records {
        println!("Score of {id} : {}", score.unwrap_or_default());
    }

    // Deletes: 25 per BatchWriteItem.
    let keys: Vec<String> = records.iter().map(|p| p.player_id.clone()).collect();
    let deleted = players
        .batch_delete_records(keys.clone(), BatchRetry::default())
        .await?;
    println!(
        "Deleted : {} players, complete : {}",
        deleted.processed.len(),
        deleted.is_complete()
    );
    let left = players
        .batch_get_records(keys, BatchRetry::default())
        .await?;
    println!(
        "Still there : {}, missing : {}",
        left.records.len(),
        left.missing.len()
    );
    Ok(())
}
