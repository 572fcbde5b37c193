use structnosql::TableDataModel;

#[derive(TableDataModel)]
struct Record {
    id: String,
    #[structnosql(rename = "profile.name")]
    name: String,
    #[structnosql(rename = "items[0]")]
    first: String,
}

fn main() {}
