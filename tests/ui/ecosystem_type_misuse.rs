// The optional crates' types where they do not fit: a time with no time zone as epoch seconds, a
// set of a type DynamoDB has no set of, and a float as a key.
use std::collections::HashSet;

use structnosql::{EpochSeconds, TableDataModel};

#[derive(TableDataModel)]
struct Login {
    id: String,
    at: EpochSeconds<chrono::NaiveDateTime>,
}

#[derive(TableDataModel)]
struct Team {
    id: String,
    members: HashSet<uuid::Uuid>,
}

fn main() {
    let _ = structnosql::table::Query::primary(1.5_f64);
}
