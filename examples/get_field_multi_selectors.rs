//! StructNoSQL sample `get_field/multi_selectors`: read three fields of one friend in one request,
//! with the multi-selector `friends.{{friendId}}.(name, profession, score)`.
//!
//! Run it with `cargo run --example get_field_multi_selectors`.
//!
//! StructNoSQL's `get_field` takes the multi-selector itself and returns `{fieldName: value}`. Here
//! `get_field` reads one typed path, and a multi-selection goes through `get_multiple_fields` (still
//! one GetItem), whose results are named `<getter>.<field>`.

#[path = "common/mod.rs"]
mod common;

use common::{Account, Friend};
use structnosql::table::Getters;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        username: Some("Robinson".into()),
        friends: common::one(
            "b112",
            Friend {
                name: Some("Malo".into()),
                profession: Some("electrical engineer".into()),
                score: Some(100),
                relationship_status: None,
            },
        ),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    let requested_friend_id = "b112";
    let getters = Getters::new().path(
        "friend",
        "friends.{{friendId}}.(name, profession, score)",
        &[("friendId", requested_friend_id)],
    );
    let friend = table.get_multiple_fields("x42", &getters).await?;
    println!("{}", common::render_fields(&friend));

    // The same values, typed.
    let name: Option<String> = friend.get("friend.name")?;
    let score: Option<i64> = friend.get("friend.score")?;
    println!(
        "Typed : name = {}, score = {}",
        common::or_none(&name),
        common::or_none(&score)
    );
    Ok(())
}
