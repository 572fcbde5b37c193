use structnosql::TableDataModel;

#[derive(TableDataModel)]
#[structnosql(rename_all = "camelCase")]
struct Record {
    user_id: String,
    #[structnosql(rename = "userId")]
    legacy_id: String,
}

fn main() {}
