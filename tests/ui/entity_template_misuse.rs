use structnosql::{MapModel, TableDataModel};

// A template naming a field the model does not have.
#[derive(TableDataModel)]
#[structnosql(entity = "Order", pk = "CUSTOMER#{customer}")]
struct UnknownField {
    customer_id: String,
}

// Unclosed, stray and adjacent fields.
#[derive(TableDataModel)]
#[structnosql(entity = "A", pk = "A#{id")]
struct Unclosed {
    id: String,
}

#[derive(TableDataModel)]
#[structnosql(entity = "B", pk = "B}#{id}")]
struct Stray {
    id: String,
}

#[derive(TableDataModel)]
#[structnosql(entity = "C", pk = "C#{a}{b}")]
struct Adjacent {
    a: String,
    b: String,
}

// A primary key field that may be absent.
#[derive(TableDataModel)]
#[structnosql(entity = "D", pk = "D#{id}")]
struct OptionalKey {
    id: Option<String>,
}

// A type no template can hold.
#[derive(TableDataModel)]
#[structnosql(entity = "E", pk = "E#{id}", sk = "SCORE#{score}")]
struct FloatInKey {
    id: String,
    score: f64,
}

// Templates without an entity, an entity without a hash key template, an entity on a map.
#[derive(TableDataModel)]
#[structnosql(pk = "F#{id}")]
struct NoEntity {
    id: String,
}

#[derive(TableDataModel)]
#[structnosql(entity = "G")]
struct NoHashTemplate {
    id: String,
}

#[derive(MapModel)]
#[structnosql(entity = "H", pk = "H#{id}")]
struct MapEntity {
    id: String,
}

// Two templates for one index, and a version field in a key.
#[derive(TableDataModel)]
#[structnosql(
    entity = "I",
    pk = "I#{id}",
    index(name = "gsi1", pk = "X#{id}"),
    index(name = "gsi1", pk = "Y#{id}")
)]
struct SameIndexTwice {
    id: String,
}

#[derive(TableDataModel)]
#[structnosql(entity = "J", pk = "J#{id}", index(name = "gsi1", pk = "V#{version}"))]
struct VersionInKey {
    id: String,
    #[structnosql(version)]
    version: Option<u64>,
}

fn main() {}
