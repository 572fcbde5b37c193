//! Default values: a field write that creates a missing map fills in the defaults of the fields it
//! does not set, so the map stored is a valid `GameStats`.
//!
//! Run it with `cargo run --example default_values`.

use std::collections::HashMap;

use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, MapModel, TableDataModel};

#[derive(TableDataModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct Player {
    player_id: String,
    #[structnosql(key_name = "gameId")]
    games: Option<HashMap<String, GameStats>>,
}

#[derive(MapModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct GameStats {
    #[structnosql(default)]
    wins: i64,
    #[structnosql(default = "bronze")]
    rank: String,
    #[structnosql(default)]
    active: bool,
    notes: Option<String>,
}

fn bronze() -> String {
    "bronze".into()
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
    players
        .put_record(&Player {
            player_id: "p1".into(),
            games: None,
        })
        .await?;

    let f = Player::fields();
    // `games` and `games.chess` are missing: both are created, `chess` with its defaults. The 0
    // written is kept.
    players
        .update_field("p1", f.games().key("chess").wins(), 0)
        .await?;
    let chess = players.get_field("p1", f.games().key("chess")).await?;
    println!("created: {chess:?}");

    // A string path works the same way.
    players
        .update_field_path(
            "p1",
            "games.{{gameId}}.rank",
            &[("gameId", "go")],
            "gold".to_owned(),
        )
        .await?;
    let go = players.get_field("p1", f.games().key("go")).await?;
    println!("created: {go:?}");
    Ok(())
}
