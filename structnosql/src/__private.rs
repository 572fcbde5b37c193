//! Items the derive macros' generated code uses. Not part of the public API: no stability promise.

use std::collections::HashMap;

pub use aws_sdk_dynamodb::types::AttributeValue;

pub use crate::model::{
    Attribute, EpochSeconds, FieldSchema, MapModel, ModelSchema, TableDataModel, TypeSchema,
    VersionNumber, Violations,
};
pub use crate::path::{
    DocumentPath, FieldPath, FromPath, ListPath, ReadOnlyPath, Segment, TypedPath,
};

/// `max` usable in constant expressions (model depth).
pub const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// A field's custom check, on its Rust value.
pub type FieldCheck<T> = fn(&T) -> Result<(), String>;

/// Encodes one struct field into `map`, running its custom check; absent `None`s are left out.
pub fn encode_field<T: Attribute>(
    map: &mut HashMap<String, AttributeValue>,
    violations: &mut Violations,
    name: &'static str,
    value: &T,
    check: Option<FieldCheck<T>>,
) {
    if value.__is_absent() {
        return;
    }
    match value.to_attribute() {
        Ok(encoded) => {
            let check = check.filter(|_| crate::model::checks::custom_checks_enabled());
            if let Some(Err(message)) = check.map(|check| check(value)) {
                violations.extend(Violations::new(message).inside(Segment::Field(name)));
            }
            map.insert(name.to_owned(), encoded);
        }
        Err(problems) => violations.extend(problems.inside(Segment::Field(name))),
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

/// Decodes one struct field from its stored map; problems are collected, `None` returned.
pub fn decode_field<T: Attribute>(
    map: &mut HashMap<String, AttributeValue>,
    violations: &mut Violations,
    name: &'static str,
) -> Option<T> {
    let decoded = match map.remove(name) {
        Some(value) => T::from_attribute(value),
        None => T::__when_absent(),
    };
    match decoded {
        Ok(value) => Some(value),
        Err(problems) => {
            violations.extend(problems.inside(Segment::Field(name)));
            None
        }
    }
}

/// The stored-form check of a field with a custom check: decode, then run the check.
pub fn check_stored<T: Attribute>(
    value: &AttributeValue,
    check: FieldCheck<T>,
) -> Result<(), String> {
    let decoded = T::from_attribute(value.clone()).map_err(|problems| problems.to_string())?;
    check(&decoded)
}

/// The stored-form wrapper of a field transformer: decodes a `T`, applies `transform`, encodes the
/// result. `NULL` and values that are not a `T` are returned unchanged.
pub fn transform_stored<T: Attribute>(
    value: AttributeValue,
    transform: fn(T) -> T,
) -> Result<AttributeValue, String> {
    if matches!(value, AttributeValue::Null(_)) {
        return Ok(value);
    }
    match T::from_attribute(value.clone()) {
        Ok(decoded) => transform(decoded)
            .to_attribute()
            .map_err(|problems| problems.to_string()),
        Err(_) => Ok(value),
    }
}

/// The problem of a stored string that names no variant of a `StringEnum`.
pub fn enum_mismatch(value: &AttributeValue, names: &'static [&'static str]) -> Violations {
    match value {
        AttributeValue::S(name) => Violations::new(format!("{name:?} is not one of {names:?}")),
        other => crate::model::attribute::mismatch(other, TypeSchema::Enum(names)),
    }
}
