use structnosql::Attribute;

#[derive(Attribute)]
enum Untagged {
    Card { last4: String },
}

#[derive(Attribute)]
#[structnosql(tag = "kind")]
enum TupleVariant {
    Pair(String, i64),
    ValueWithoutContent(String),
    Clash { kind: String },
}

#[derive(Attribute)]
#[structnosql(tag = "t", content = "t")]
enum SameAttribute {
    Unit,
}

#[derive(Attribute)]
#[structnosql(transparent, validate = "check")]
struct Both(String);

fn check(_: &Both) -> Result<(), String> {
    Ok(())
}

#[derive(Attribute)]
#[structnosql(tag = "kind")]
struct NewtypeWithTag(String);

#[derive(Attribute)]
struct Generic<T>(T);

#[derive(Attribute)]
struct Pair(String, String);

#[derive(Attribute)]
struct Unsupported(std::path::PathBuf);

fn main() {}
