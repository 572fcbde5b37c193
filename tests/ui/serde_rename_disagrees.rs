use structnosql::TableDataModel;

#[derive(TableDataModel, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[structnosql(rename_all = "snake_case")]
struct Record {
    id: String,
    #[serde(rename = "displayName")]
    #[structnosql(rename = "name")]
    display_name: String,
    #[serde(flatten)]
    extra: std::collections::HashMap<String, String>,
}

fn main() {}
