use structnosql::TableDataModel;

#[derive(TableDataModel)]
struct Record {
    id: String,
    started: std::time::Instant,
}

fn main() {}
