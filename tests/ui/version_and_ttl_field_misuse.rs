use structnosql::TableDataModel;

#[derive(TableDataModel)]
struct TextVersion {
    id: String,
    #[structnosql(version)]
    version: String,
}

#[derive(TableDataModel)]
struct TwoVersions {
    id: String,
    #[structnosql(version)]
    first: i64,
    #[structnosql(version)]
    second: i64,
}

#[derive(TableDataModel)]
struct TextExpiry {
    id: String,
    #[structnosql(ttl)]
    expires: String,
}

fn main() {}
