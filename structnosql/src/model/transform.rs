//! Field transformers (`#[structnosql(read_transform = "...", write_transform = "...")]`), applied to
//! stored-form values.
//!
//! A write transform runs on every value written to its field (whole records, field updates by typed
//! or string path, and values of enclosing maps), before the field's custom check. A read transform
//! runs on every value of its field handed to the caller, after it is read from DynamoDB or from a
//! cache, which always hold the stored (write-transformed) form: a value is read-transformed once per
//! value returned.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{FieldSchema, Item, ModelSchema, TypeSchema, Violation};
use crate::error::{Error, Result};
use crate::path::{DocumentPath, Segment};

/// Which transforms to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Values read: the read transforms.
    Read,
    /// Values to write: the write transforms, then the custom checks of the transformed fields.
    Write,
}

/// The type stored at `path` of `model`, and the field the path ends at (if it ends at one). `None`
/// for paths the model does not describe (inside free-form data).
fn schema_at(
    model: &'static ModelSchema,
    path: &DocumentPath,
) -> Option<(TypeSchema, Option<&'static FieldSchema>)> {
    let mut schema = TypeSchema::Model(model);
    let mut ending = None;
    for segment in path.segments() {
        match (schema.required(), segment) {
            (TypeSchema::Model(current), Segment::Field(name)) => {
                let field = current.field(name)?;
                schema = field.type_schema();
                ending = Some(field);
            }
            (TypeSchema::Model(current), Segment::Key(name)) => {
                let field = current.field(name)?;
                schema = field.type_schema();
                ending = Some(field);
            }
            (TypeSchema::Map(item), Segment::Key(_))
            | (TypeSchema::List(item), Segment::Index(_)) => {
                schema = item();
                ending = None;
            }
            _ => return None,
        }
    }
    Some((schema, ending))
}

/// Applies the transforms of the fields nested in `value` (of type `schema`, stored at `path`).
fn within(
    schema: TypeSchema,
    value: &mut AttributeValue,
    direction: Direction,
    path: &DocumentPath,
    problems: &mut Vec<Violation>,
) {
    match (schema.required(), value) {
        (TypeSchema::Model(model), AttributeValue::M(entries)) => {
            for (name, entry) in entries.iter_mut() {
                if let Some(field) = model.field(name) {
                    let at = path.child(Segment::Field(field.name));
                    field_value(field, entry, direction, &at, problems);
                }
            }
        }
        (TypeSchema::Map(item), AttributeValue::M(entries)) => {
            for (key, entry) in entries.iter_mut() {
                let at = path.child(Segment::Key(key.as_str().into()));
                within(item(), entry, direction, &at, problems);
            }
        }
        (TypeSchema::List(item), AttributeValue::L(items)) => {
            for (index, entry) in items.iter_mut().enumerate() {
                within(
                    item(),
                    entry,
                    direction,
                    &path.child(Segment::Index(index)),
                    problems,
                );
            }
        }
        _ => {}
    }
}

/// Applies the transforms inside a value of `field`, then the field's own.
fn field_value(
    field: &'static FieldSchema,
    value: &mut AttributeValue,
    direction: Direction,
    path: &DocumentPath,
    problems: &mut Vec<Violation>,
) {
    within(field.type_schema(), value, direction, path, problems);
    let transform = match direction {
        Direction::Read => field.read_transform,
        Direction::Write => field.write_transform,
    };
    let Some(transform) = transform else {
        return;
    };
    match transform(value.clone()) {
        Ok(transformed) => *value = transformed,
        Err(message) => {
            problems.push(Violation {
                path: path.clone(),
                message,
            });
            return;
        }
    }
    if direction == Direction::Write {
        if let Some(Err(message)) = field.check.map(|check| check(value)) {
            problems.push(Violation {
                path: path.clone(),
                message,
            });
        }
    }
}

fn finish<T>(value: T, problems: Vec<Violation>, direction: Direction) -> Result<T> {
    if problems.is_empty() {
        return Ok(value);
    }
    Err(match direction {
        Direction::Read => Error::InvalidStoredData {
            violations: problems,
        },
        Direction::Write => Error::Validation {
            violations: problems,
        },
    })
}

/// Applies the transforms to a value stored (or to be stored) at `path`: those of the fields inside
/// it, and the field's own when the path ends at a field.
pub(crate) fn at(
    model: &'static ModelSchema,
    path: &DocumentPath,
    mut value: AttributeValue,
    direction: Direction,
) -> Result<AttributeValue> {
    let Some((schema, ending)) = schema_at(model, path) else {
        return Ok(value);
    };
    let mut problems = Vec::new();
    match ending {
        Some(field) => field_value(field, &mut value, direction, path, &mut problems),
        None => within(schema, &mut value, direction, path, &mut problems),
    }
    finish(value, problems, direction)
}

/// [`at`] for an optional value (a value read may be absent).
pub(crate) fn at_optional(
    model: &'static ModelSchema,
    path: &DocumentPath,
    value: Option<AttributeValue>,
    direction: Direction,
) -> Result<Option<AttributeValue>> {
    value
        .map(|value| at(model, path, value, direction))
        .transpose()
}

/// Applies the transforms to every field of a whole record.
pub(crate) fn item(model: &'static ModelSchema, item: Item, direction: Direction) -> Result<Item> {
    let mut value = AttributeValue::M(item);
    let mut problems = Vec::new();
    within(
        TypeSchema::Model(model),
        &mut value,
        direction,
        &DocumentPath::root(),
        &mut problems,
    );
    match value {
        AttributeValue::M(item) => finish(item, problems, direction),
        // `within` never changes the kind of the value it is given.
        _ => Ok(Item::new()),
    }
}

/// Applies the read transforms to the values at `paths` in a record read by a query (a copy; the
/// original, which a cache may keep, is left in stored form).
pub(crate) fn read_paths(
    model: &'static ModelSchema,
    paths: &[DocumentPath],
    item: &Item,
) -> Result<Item> {
    let mut copy = item.clone();
    for path in paths {
        let Some(value) = crate::document::get(item, path) else {
            continue;
        };
        let transformed = at(model, path, value.clone(), Direction::Read)?;
        set_at(&mut copy, path, transformed);
    }
    Ok(copy)
}

/// [`read_paths`] for a record read by a scan or a batch get: `paths` are the fields read, `None` for
/// whole records (which [`crate::TableDataModel::from_item`] transforms as it decodes them).
pub(crate) fn read_fields(
    model: &'static ModelSchema,
    paths: Option<&[DocumentPath]>,
    item: Item,
) -> Result<Item> {
    match paths {
        Some(paths) => read_paths(model, paths, &item),
        None => Ok(item),
    }
}

/// Replaces the value at `path` of `item` (which holds one there).
fn set_at(item: &mut Item, path: &DocumentPath, value: AttributeValue) {
    let Some((first, rest)) = path.segments().split_first() else {
        return;
    };
    let Some(name) = first.name() else {
        return;
    };
    if let Some(slot) = item.get_mut(name) {
        if rest.is_empty() {
            *slot = value;
        } else {
            crate::document::set_within(slot, rest, value);
        }
    }
}
