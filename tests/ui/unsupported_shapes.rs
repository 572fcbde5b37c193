use structnosql::{MapModel, StringEnum, TableDataModel};

#[derive(TableDataModel)]
struct Tuple(String, i64);

#[derive(MapModel)]
struct Generic<T> {
    value: T,
}

#[derive(StringEnum)]
enum WithData {
    Plain,
    Carrying(String),
}

#[derive(TableDataModel)]
#[structnosql(rename_all = "camelcase")]
struct BadRule {
    id: String,
}

fn main() {}
