use structnosql::{MapModel, TableDataModel};

#[derive(MapModel)]
struct NoDefault {
    value: i64,
}

fn not_a_number() -> String {
    String::new()
}

// `default` needs a type with `Default`, or a function returning the field's type.
#[derive(MapModel)]
struct Defaults {
    #[structnosql(default)]
    inner: NoDefault,
    #[structnosql(default = "not_a_number")]
    count: i64,
}

#[derive(MapModel)]
struct Audit {
    created_by: String,
}

// A flattened field has no value of its own to default.
#[derive(TableDataModel)]
struct FlattenedDefault {
    id: String,
    #[structnosql(flatten, default)]
    audit: Audit,
}

fn main() {}
