//! Items the derive macros' generated code uses. Not part of the public API: no stability promise.

use std::collections::HashMap;

pub use aws_sdk_dynamodb::types::{AttributeValue, ScalarAttributeType};

pub use crate::model::{
    Attribute, CustomSchema, FieldSchema, MapModel, ModelSchema, TableDataModel, TaggedSchema,
    TtlSeconds, TypeSchema, VersionNumber, Violations,
};
pub use crate::path::{
    DocumentPath, FieldPath, FromPath, ListPath, ReadOnlyPath, Segment, TypedPath,
};
pub use crate::table::key::single_key;
pub use crate::table::{KeyPart, RecordKey};

/// `max` usable in constant expressions (model depth).
pub const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// Takes a struct's stored map apart.
pub fn expect_map(
    value: AttributeValue,
    schema: TypeSchema,
) -> Result<HashMap<String, AttributeValue>, Violations> {
    match value {
        AttributeValue::M(map) => Ok(map),
        other => Err(crate::model::attribute::mismatch(&other, schema)),
    }
}

/// The problem of a stored string that names no variant of a `StringEnum`.
pub fn enum_mismatch(value: &AttributeValue, names: &'static [&'static str]) -> Violations {
    match value {
        AttributeValue::S(name) => Violations::new(format!("{name:?} is not one of {names:?}")),
        other => crate::model::attribute::mismatch(other, TypeSchema::Enum(names)),
    }
}

/// Takes the tag out of an enum's stored map: the variant's name, or the problem at the tag.
pub fn take_tag(
    map: &mut HashMap<String, AttributeValue>,
    schema: &'static TaggedSchema,
) -> Result<String, Violations> {
    let at_tag = |problems: Violations| problems.inside(Segment::Field(schema.tag()));
    match map.remove(schema.tag()) {
        Some(AttributeValue::S(name)) => Ok(name),
        Some(other) => Err(at_tag(crate::model::attribute::mismatch(
            &other,
            TypeSchema::String,
        ))),
        None => Err(at_tag(Violations::new("required attribute is missing"))),
    }
}

/// The problem of a stored tag that names no variant of the enum.
pub fn unknown_variant(schema: &'static TaggedSchema, name: &str) -> Violations {
    Violations::new(schema.unknown(name)).inside(Segment::Field(schema.tag()))
}

/// Takes the map of a struct variant's fields out of an adjacently tagged enum's stored map.
pub fn take_content(
    map: &mut HashMap<String, AttributeValue>,
    content: &'static str,
) -> Result<HashMap<String, AttributeValue>, Violations> {
    let at_content = |problems: Violations| problems.inside(Segment::Field(content));
    match map.remove(content) {
        Some(AttributeValue::M(fields)) => Ok(fields),
        Some(other) => Err(at_content(Violations::new(format!(
            "expected a map, found {}",
            crate::model::attribute::describe_value(&other)
        )))),
        None => Err(at_content(Violations::new("required attribute is missing"))),
    }
}

fn placeholder_schema() -> TypeSchema {
    TypeSchema::Any
}

/// The fields of a model with flattened structs: its own, then each flattened model's, in order.
/// Evaluated at compile time; a wrong `N` is a compile error.
#[allow(clippy::indexing_slicing, clippy::panic)]
pub const fn concat_fields<const N: usize>(parts: &[&[FieldSchema]]) -> [FieldSchema; N] {
    let mut out = [FieldSchema::new("", "", placeholder_schema); N];
    let mut count = 0;
    let mut part = 0;
    while part < parts.len() {
        let fields = parts[part];
        let mut index = 0;
        while index < fields.len() {
            out[count] = fields[index];
            count += 1;
            index += 1;
        }
        part += 1;
    }
    if count != N {
        panic!("the field count of a flattened model is wrong");
    }
    out
}

/// Whether one of `fields` has the attribute name `name` (checked at compile time for flattened
/// models).
#[allow(clippy::indexing_slicing)]
pub const fn has_name(fields: &[FieldSchema], name: &str) -> bool {
    let mut index = 0;
    while index < fields.len() {
        if same_str(fields[index].name(), name) {
            return true;
        }
        index += 1;
    }
    false
}

/// Whether a field of `first` and one of `second` have the same attribute name.
#[allow(clippy::indexing_slicing)]
pub const fn share_a_name(first: &[FieldSchema], second: &[FieldSchema]) -> bool {
    let mut index = 0;
    while index < first.len() {
        if has_name(second, first[index].name()) {
            return true;
        }
        index += 1;
    }
    false
}

#[allow(clippy::indexing_slicing)]
const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

pub use crate::entity::{
    Collection, Entity, EntityKey, EntitySchema, KeyEncoding, KeyPiece, KeyTemplate, KeyTemplates,
    TemplatePart,
};
pub use crate::error::{Error, Result};
pub use crate::model::Item;
