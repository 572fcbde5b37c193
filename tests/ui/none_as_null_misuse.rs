use structnosql::TableDataModel;

#[derive(TableDataModel)]
struct Record {
    id: String,
    #[structnosql(none_as_null)]
    count: i64,
}

fn main() {}
