//! The player record the overhead and concurrency benchmarks read and write.

use std::collections::HashMap;

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::{MapModel, TableDataModel};

/// Also `Deserialize`, for the hand-written side's decoding of whole records (with serde_dynamo).
#[derive(TableDataModel, Debug, Clone, PartialEq, serde::Deserialize)]
#[structnosql(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Player {
    pub id: String,
    pub group: String,
    pub name: String,
    pub level: i64,
    pub score: f64,
    pub active: bool,
    pub city: String,
    pub country: String,
    pub email: String,
    pub visits: i64,
    pub tags: Vec<String>,
    pub profile: Option<Profile>,
}

#[derive(MapModel, Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Profile {
    pub stats: Option<Stats>,
}

#[derive(MapModel, Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Stats {
    pub wins: i64,
    pub losses: i64,
}

/// The player `id` the benchmarks write, in group `g1`.
pub fn sample(id: &str) -> Player {
    Player {
        id: id.to_owned(),
        group: "g1".into(),
        name: format!("Player {id}"),
        level: 12,
        score: 1234.5,
        active: true,
        city: "Lyon".into(),
        country: "France".into(),
        email: format!("{id}@example.com"),
        visits: 42,
        tags: vec!["red".into(), "fast".into()],
        profile: Some(Profile {
            stats: Some(Stats {
                wins: 10,
                losses: 3,
            }),
        }),
    }
}

/// The nested path the single-field operations read and write.
pub fn wins() -> impl structnosql::path::TypedPath<Value = i64> + Clone {
    Player::fields().profile().stats().wins()
}

/// The key of player `id`, by hand.
pub fn key(id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([("id".to_owned(), AttributeValue::S(id.to_owned()))])
}

/// `#n0`, `#n1`, … for `list`, by hand.
pub fn names(list: &[&str]) -> HashMap<String, String> {
    list.iter()
        .enumerate()
        .map(|(index, name)| (format!("#n{index}"), (*name).to_owned()))
        .collect()
}

/// The wins in a player item, by hand.
pub fn wins_of(item: &HashMap<String, AttributeValue>) -> Option<i64> {
    item.get("profile")?
        .as_m()
        .ok()?
        .get("stats")?
        .as_m()
        .ok()?
        .get("wins")?
        .as_n()
        .ok()?
        .parse()
        .ok()
}
