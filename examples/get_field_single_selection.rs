//! StructNoSQL sample `get_field/single_selection`: read one field of one friend, by string path.
//!
//! Run it with `cargo run --example get_field_single_selection`.

#[path = "common/mod.rs"]
mod common;

use common::{Account, Friend};

fn friend(relationship_status: &str) -> Friend {
    Friend {
        relationship_status: Some(relationship_status.into()),
        ..Friend::default()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = structnosql::EmbeddedDynamoDb::start()?;
    let record = Account {
        username: Some("Robinson".into()),
        friends: Some(
            [
                ("b242", friend("superFriend")),
                ("b59O", friend("lover")),
                ("b112", friend("businessPartner")),
            ]
            .into_iter()
            .map(|(id, friend)| (id.to_owned(), friend))
            .collect(),
        ),
        ..common::x42()
    };
    let table = common::accounts_table_with(&server, record).await?;

    let requested_friend_id = "b112";
    let status: Option<String> = table
        .get_field_path(
            "x42",
            "friends.{{friendId}}.relationshipStatus",
            &[("friendId", requested_friend_id)],
        )
        .await?;
    match status {
        None => println!("Status or friend with id {requested_friend_id} not found."),
        Some(status) => println!("Relationship status with {requested_friend_id} is {status}"),
    }
    Ok(())
}
