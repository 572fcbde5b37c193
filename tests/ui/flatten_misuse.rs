use structnosql::{MapModel, TableDataModel};

#[derive(MapModel)]
#[structnosql(rename_all = "camelCase")]
struct Audit {
    created_by: String,
    note: Option<String>,
}

// `note` is both the record's own attribute and one of the flattened struct's.
#[derive(TableDataModel)]
#[structnosql(rename_all = "camelCase")]
struct SharedName {
    id: String,
    note: Option<String>,
    #[structnosql(flatten)]
    audit: Audit,
}

// A flattened field has no attribute of its own to rename.
#[derive(TableDataModel)]
struct RenamedFlatten {
    id: String,
    #[structnosql(flatten, rename = "audit")]
    audit: Audit,
}

// Only structured maps can be flattened.
#[derive(TableDataModel)]
struct FlattenedString {
    id: String,
    #[structnosql(flatten)]
    text: String,
}


#[derive(MapModel)]
#[structnosql(rename_all = "camelCase")]
struct Review {
    created_by: String,
}

// Two flattened structs with an attribute name in common.
#[derive(TableDataModel)]
struct TwoCreators {
    id: String,
    #[structnosql(flatten)]
    audit: Audit,
    #[structnosql(flatten)]
    review: Review,
}

fn main() {}
