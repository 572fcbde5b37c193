//! The player record the overhead and concurrency benchmarks read and write.

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
