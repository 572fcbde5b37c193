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
    /// Values to write: the write transforms, then (unless skipped) the fields' custom checks.
    Write(Checks),
}

/// Whether the fields' custom checks (`#[structnosql(validate = "...")]`) run on values written:
/// always, except through the explicit ways around validation (`put_record_unvalidated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checks {
    /// Run them.
    Run,
    /// Skip them (migrations of data written under older rules).
    Skip,
}

/// Whether `field` has anything to apply to its values in `direction`.
fn acts_on(field: &FieldSchema, direction: Direction) -> bool {
    match direction {
        Direction::Read => field.read_transform().is_some(),
        Direction::Write(checks) => {
            field.write_transform().is_some() || (checks == Checks::Run && field.check().is_some())
        }
    }
}

/// The type stored at `path` of `model`, and the field the path ends at (if it ends at one). `None`
/// for paths the model does not describe (inside free-form data).
pub(crate) fn schema_at(
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

/// Whether a value of type `schema` can hold a field with a transform for `direction` — so that
/// values of models without transforms (the common case) are neither copied nor walked.
pub(crate) fn may_transform(schema: TypeSchema, direction: Direction) -> bool {
    /// `open`: the models being walked; a model met again (a recursive model) adds nothing new.
    fn walk(
        schema: TypeSchema,
        direction: Direction,
        open: &mut Vec<&'static ModelSchema>,
    ) -> bool {
        match schema.required() {
            TypeSchema::Model(model) => {
                if open.iter().any(|seen| std::ptr::eq(*seen, model)) {
                    return false;
                }
                open.push(model);
                let found = model.fields().iter().any(|field| {
                    acts_on(field, direction) || walk(field.type_schema(), direction, open)
                });
                open.pop();
                found
            }
            TypeSchema::Map(item) | TypeSchema::List(item) => walk(item(), direction, open),
            TypeSchema::Tagged(tagged) => tagged
                .variants()
                .iter()
                .any(|(_, variant)| walk(TypeSchema::Model(variant), direction, open)),
            _ => false,
        }
    }
    walk(schema, direction, &mut Vec::new())
}

/// Whether the value at a path (of type `schema`, ending at `field` if any) can be transformed.
fn transformable(
    schema: TypeSchema,
    field: Option<&'static FieldSchema>,
    direction: Direction,
) -> bool {
    field.is_some_and(|field| acts_on(field, direction)) || may_transform(schema, direction)
}

/// Applies the transforms of the fields nested in `value` (of type `schema`, stored at `path`).
fn within(
    schema: TypeSchema,
    value: &mut AttributeValue,
    direction: Direction,
    path: &DocumentPath,
    problems: &mut Vec<Violation>,
) {
    match (schema.required().for_value(value), value) {
        (TypeSchema::Model(model), AttributeValue::M(entries)) => {
            for (name, entry) in entries.iter_mut() {
                if let Some(field) = model.field(name) {
                    let at = path.child(Segment::Field(field.name()));
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

/// Applies the transforms inside a value of `field`, then the field's own, then (writing) its check.
fn field_value(
    field: &'static FieldSchema,
    value: &mut AttributeValue,
    direction: Direction,
    path: &DocumentPath,
    problems: &mut Vec<Violation>,
) {
    within(field.type_schema(), value, direction, path, problems);
    let transform = match direction {
        Direction::Read => field.read_transform(),
        Direction::Write(_) => field.write_transform(),
    };
    if let Some(transform) = transform {
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
    }
    if direction == Direction::Write(Checks::Run) {
        if let Some(Err(message)) = field.check().map(|check| check(value)) {
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
        Direction::Write(_) => Error::Validation {
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
    if !transformable(schema, ending, direction) {
        return Ok(value);
    }
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
    if !may_transform(TypeSchema::Model(model), direction) {
        return Ok(item);
    }
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
pub(crate) fn read_paths<'a>(
    model: &'static ModelSchema,
    paths: &[DocumentPath],
    item: &'a Item,
) -> Result<std::borrow::Cow<'a, Item>> {
    let mut copy: Option<Item> = None;
    for path in paths {
        let Some((schema, ending)) = schema_at(model, path) else {
            continue;
        };
        if !transformable(schema, ending, Direction::Read) {
            continue;
        }
        let Some(value) = crate::document::get(item, path) else {
            continue;
        };
        let transformed = at(model, path, value.clone(), Direction::Read)?;
        set_at(copy.get_or_insert_with(|| item.clone()), path, transformed);
    }
    Ok(match copy {
        Some(copy) => std::borrow::Cow::Owned(copy),
        None => std::borrow::Cow::Borrowed(item),
    })
}

/// [`read_paths`] for a record read by a scan or a batch get: `paths` are the fields read, `None` for
/// whole records (which [`crate::TableDataModel::from_item`] transforms as it decodes them).
pub(crate) fn read_fields(
    model: &'static ModelSchema,
    paths: Option<&[DocumentPath]>,
    item: Item,
) -> Result<Item> {
    match paths {
        Some(paths) => {
            let changed = match read_paths(model, paths, &item)? {
                std::borrow::Cow::Owned(changed) => Some(changed),
                std::borrow::Cow::Borrowed(_) => None,
            };
            Ok(changed.unwrap_or(item))
        }
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

#[cfg(test)]
mod tests {
    use crate::error::Error;
    use crate::model::test_models::{map, resolve_one, s, GUARDED, PARAMETER, PARAMETERS_RECORD};
    use crate::model::TypeSchema;

    #[test]
    fn transforms_apply_to_the_field_and_to_fields_nested_in_a_value() {
        use crate::model::transform::{at, item, Checks, Direction};
        let code = resolve_one(&GUARDED, "code", &()).path;
        assert_eq!(
            at(&GUARDED, &code, s("ab"), Direction::Write(Checks::Run)).unwrap(),
            s("AB")
        );
        // The field's check runs on the transformed value.
        match at(&GUARDED, &code, s("abcd"), Direction::Write(Checks::Run)) {
            Err(Error::Validation { violations }) => {
                assert_eq!(violations[0].path.to_string(), "code");
                assert_eq!(violations[0].message, "too long");
            }
            other => panic!("{other:?}"),
        }
        // Write transforms do not run on reads, nor read transforms on writes.
        assert_eq!(
            at(&GUARDED, &code, s("ab"), Direction::Read).unwrap(),
            s("ab")
        );
        let label_map = map([("serial", s("x")), ("label", s("hi"))]);
        let entry = resolve_one(&GUARDED, "items.{{item}}", &[("item", "a")]).path;
        assert_eq!(
            at(&GUARDED, &entry, label_map.clone(), Direction::Read).unwrap(),
            map([("serial", s("x")), ("label", s("HI"))])
        );
        assert_eq!(
            at(
                &GUARDED,
                &entry,
                label_map.clone(),
                Direction::Write(Checks::Run)
            )
            .unwrap(),
            label_map
        );
        let record: crate::model::Item = [
            ("id".to_owned(), s("r")),
            ("code".to_owned(), s("xy")),
            ("items".to_owned(), map([("a", label_map)])),
        ]
        .into();
        let read = item(&GUARDED, record.clone(), Direction::Read).unwrap();
        assert_eq!(read["code"], s("xy"));
        assert_eq!(
            read["items"],
            map([("a", map([("serial", s("x")), ("label", s("HI"))]))])
        );
        let written = item(&GUARDED, record, Direction::Write(Checks::Run)).unwrap();
        assert_eq!(written["code"], s("XY"));
    }

    #[test]
    fn recursive_models_without_transforms_are_recognised_without_endless_walking() {
        use crate::model::transform::{may_transform, Checks, Direction};
        for direction in [Direction::Read, Direction::Write(Checks::Run)] {
            assert!(!may_transform(TypeSchema::Model(&PARAMETER), direction));
            assert!(!may_transform(
                TypeSchema::Model(&PARAMETERS_RECORD),
                direction
            ));
        }
    }
}
