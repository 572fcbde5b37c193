//! Default values (`#[structnosql(default)]`): when a field write creates a missing parent map, each
//! map level it creates gets the defaults of its model's fields that the writes do not set, so the
//! stored map is complete. A default never replaces a value written.

use aws_sdk_dynamodb::types::AttributeValue;

use super::transform::schema_at;
use super::{ModelSchema, TypeSchema};
use crate::path::{DocumentPath, Segment};

/// Fills the defaults into `subtree`, a value created at `base` of a record of `model` by writes at
/// `written` (paths relative to `base`): every map level on the way to a written value is one the
/// writes created. The written values themselves are left as they are.
pub(crate) fn fill_created(
    model: &'static ModelSchema,
    base: &DocumentPath,
    subtree: &mut AttributeValue,
    written: &[Vec<Segment>],
) {
    for relative in written {
        for level in 0..relative.len() {
            let Some(created) = relative.get(..level) else {
                continue;
            };
            let mut location = base.clone();
            for segment in created {
                location.push(segment.clone());
            }
            let Some((TypeSchema::Model(level_model), _)) =
                schema_at(model, &location).map(|(schema, field)| (schema.required(), field))
            else {
                continue;
            };
            if let Some(AttributeValue::M(map)) = navigate_mut(subtree, created) {
                fill_map(level_model, map);
            }
        }
    }
}

/// Inserts into `item` the defaults of the record's own fields that `skip` does not name (the key
/// and the attributes written): for a record that field writes create.
pub(crate) fn record_defaults(
    model: &'static ModelSchema,
    skip: impl Fn(&str) -> bool,
) -> Vec<(&'static str, AttributeValue)> {
    model
        .fields()
        .iter()
        .filter(|field| !skip(field.name()))
        .filter_map(|field| Some((field.name(), default_of(field)?)))
        .collect()
}

/// Whether the record's own fields have defaults (so that a field write may have to create them).
pub(crate) fn record_has_defaults(model: &'static ModelSchema) -> bool {
    model.fields().iter().any(|field| field.default().is_some())
}

/// Inserts the defaults of `model`'s fields that `map` does not hold.
fn fill_map(
    model: &'static ModelSchema,
    map: &mut std::collections::HashMap<String, AttributeValue>,
) {
    for field in model.fields() {
        if map.contains_key(field.name()) {
            continue;
        }
        if let Some(value) = default_of(field) {
            map.insert(field.name().to_owned(), value);
        }
    }
}

/// The stored form of `field`'s default, write-transformed. A default that cannot be stored (a bug
/// in the default function) is left out; the validation of later reads reports the field.
fn default_of(field: &super::FieldSchema) -> Option<AttributeValue> {
    let value = (field.default()?)().ok()??;
    match field.write_transform() {
        Some(transform) => transform(value).ok(),
        None => Some(value),
    }
}

/// The value at `relative` inside `value`; an index past the end of a created one-item list is its
/// item.
fn navigate_mut<'a>(
    value: &'a mut AttributeValue,
    relative: &[Segment],
) -> Option<&'a mut AttributeValue> {
    let Some((first, rest)) = relative.split_first() else {
        return Some(value);
    };
    let next = match (value, first) {
        (AttributeValue::L(items), Segment::Index(index)) => {
            let last = items.len().checked_sub(1)?;
            items.get_mut((*index).min(last))?
        }
        (AttributeValue::M(map), segment) => map.get_mut(segment.name()?)?,
        _ => return None,
    };
    navigate_mut(next, rest)
}
