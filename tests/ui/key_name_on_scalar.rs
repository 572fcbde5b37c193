use structnosql::TableDataModel;

#[derive(TableDataModel)]
struct Record {
    id: String,
    #[structnosql(key_name = "countKey")]
    count: i64,
}

fn main() {}
