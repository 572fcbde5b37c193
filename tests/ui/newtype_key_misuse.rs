// `key` on a newtype whose field is no key type, and on an enum.
use structnosql::Attribute;

#[derive(Attribute, Clone, Debug)]
#[structnosql(key)]
struct Weight(f64);

#[derive(Attribute)]
#[structnosql(tag = "kind", key)]
enum Shape {
    Circle { radius: i64 },
}

fn main() {}
