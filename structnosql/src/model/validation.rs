//! Checks of stored-form values against a schema.
//!
//! Typed values are checked as they are converted ([`crate::Attribute::to_attribute`]). These checks
//! cover what conversion cannot see: a value written through a string path (whose type is only known at
//! run time), custom field checks, and the lenient read mode, which drops the invalid optional parts of
//! stored data and reports them instead of failing.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::model::attribute::{mismatch, EMPTY_KEY};
use crate::model::number::{self, Decimal};
use crate::model::Attribute;
use crate::model::{FloatKind, IntegerKind, ModelSchema, NumberKind, TypeSchema, Violations};
use crate::path::{DocumentPath, ResolvedPath, Segment, MAX_DEPTH};

/// Converts `value` for writing at a string path: the conversion's own checks, then the path's schema
/// (the value's type is only known at run time), then the field's custom check and the depth limit.
/// Problems are reported with their paths from the record's root.
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
pub fn encode_at<V: Attribute>(
    resolved: &ResolvedPath,
    value: &V,
) -> crate::Result<AttributeValue> {
    let encoded = value
        .to_attribute()
        .map_err(|violations| crate::Error::validation_at(&resolved.path, violations))?;
    check_at(resolved, encoded)
}

/// Checks an already converted value for writing at a resolved string path (see [`encode_at`]).
pub fn check_at(resolved: &ResolvedPath, encoded: AttributeValue) -> crate::Result<AttributeValue> {
    let encoded = check_shape_at(resolved, encoded)?;
    if let Some(Err(message)) = resolved
        .field
        .and_then(|field| field.check())
        .map(|check| check(&encoded))
    {
        return Err(crate::Error::validation_at(
            &resolved.path,
            Violations::new(message),
        ));
    }
    Ok(encoded)
}

/// [`check_at`] without the field's custom check: for writes whose stored-form pass ran it already.
pub(crate) fn check_shape_at(
    resolved: &ResolvedPath,
    encoded: AttributeValue,
) -> crate::Result<AttributeValue> {
    check_write(resolved.schema, &encoded)
        .map_err(|violations| crate::Error::validation_at(&resolved.path, violations))?;
    check_depth(&resolved.path, &encoded)?;
    Ok(encoded)
}

/// Refuses a field write or remove at `path` when the path is, or is inside, a
/// `#[structnosql(read_only)]` field of `model`: [`crate::Error::ReadOnly`]. Paths the model does not
/// describe (inside free-form data) are left to the other checks.
pub fn check_writable(model: &'static ModelSchema, path: &DocumentPath) -> crate::Result<()> {
    let mut schema = TypeSchema::Model(model);
    for segment in path.segments() {
        let field = match (schema.required(), segment) {
            (TypeSchema::Model(current), Segment::Field(name)) => current.field(name),
            (TypeSchema::Model(current), Segment::Key(name)) => current.field(name),
            (TypeSchema::Map(item), Segment::Key(_))
            | (TypeSchema::List(item), Segment::Index(_)) => {
                schema = item();
                continue;
            }
            _ => None,
        };
        let Some(field) = field else {
            return Ok(());
        };
        if field.read_only() {
            return Err(crate::Error::ReadOnly {
                path: path.to_string(),
            });
        }
        schema = field.type_schema();
    }
    Ok(())
}

/// How many levels a value occupies: 1 for a scalar, plus one per level of maps and lists.
fn value_depth(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::M(entries) => 1 + entries.values().map(value_depth).max().unwrap_or(0),
        AttributeValue::L(items) => 1 + items.iter().map(value_depth).max().unwrap_or(0),
        _ => 1,
    }
}

/// Refuses a value that, written at `base`, would reach deeper than DynamoDB's 32 levels.
pub(crate) fn check_depth(base: &DocumentPath, value: &AttributeValue) -> crate::Result<()> {
    let deepest = base.depth().saturating_sub(1) + value_depth(value);
    if deepest > MAX_DEPTH {
        return Err(crate::Error::TooDeep {
            path: base.to_string(),
            depth: deepest,
        });
    }
    Ok(())
}

/// [`check_depth`] for the top-level attribute `name`, whose path is made only when it is too deep.
pub(crate) fn check_attribute_depth(name: &str, value: &AttributeValue) -> crate::Result<()> {
    if value_depth(value) <= MAX_DEPTH {
        return Ok(());
    }
    let path = DocumentPath::from_segments(vec![Segment::Key(name.into())]);
    check_depth(&path, value)
}

/// Checks a value about to be written against `schema`: its kind, number ranges, set rules, required
/// and unknown fields, and custom field checks. Returns every problem found.
pub fn check_write(schema: TypeSchema, value: &AttributeValue) -> Result<(), Violations> {
    let mut violations = Violations::default();
    check_into(schema, value, &mut violations);
    violations.into_result(())
}

fn check_into(schema: TypeSchema, value: &AttributeValue, out: &mut Violations) {
    match (schema, value) {
        (TypeSchema::Optional(_), AttributeValue::Null(_)) => {}
        (TypeSchema::Optional(inner), value) => check_into(inner(), value, out),
        (TypeSchema::Any, value) => {
            if let Err(problems) = check_free_form(value) {
                out.extend(problems);
            }
        }
        (TypeSchema::List(item), AttributeValue::L(items)) => {
            for (index, value) in items.iter().enumerate() {
                let mut inner = Violations::default();
                check_into(item(), value, &mut inner);
                out.extend(inner.inside(Segment::Index(index)));
            }
        }
        (TypeSchema::Map(item), AttributeValue::M(entries)) => {
            for (key, value) in entries {
                let mut inner = Violations::default();
                if key.is_empty() {
                    inner.extend(Violations::new(EMPTY_KEY));
                }
                check_into(item(), value, &mut inner);
                out.extend(inner.inside(Segment::Key(key.as_str().into())));
            }
        }
        (TypeSchema::Model(model), AttributeValue::M(entries)) => check_model(model, entries, out),
        (TypeSchema::Tagged(tagged), AttributeValue::M(entries)) => match tagged.resolve(entries) {
            Ok(variant) => check_model(variant, entries, out),
            Err(problem) => {
                out.extend(Violations::new(problem).inside(Segment::Field(tagged.tag())))
            }
        },
        (TypeSchema::Custom(custom), value) => {
            let mut inner = Violations::default();
            check_into(custom.stored(), value, &mut inner);
            if inner.is_empty() {
                if let Err(message) = custom.check(value) {
                    inner.extend(Violations::new(message));
                }
            }
            out.extend(inner);
        }
        (schema, value) => {
            if let Err(problem) = check_scalar(schema, value, Direction::Write) {
                out.extend(problem);
            }
        }
    }
}

fn check_model(
    model: &'static ModelSchema,
    entries: &std::collections::HashMap<String, AttributeValue>,
    out: &mut Violations,
) {
    for (key, value) in entries {
        let mut inner = Violations::default();
        let segment = match model.field(key) {
            None => {
                inner.extend(Violations::new(format!(
                    "{} has no field {key:?}",
                    model.name()
                )));
                Segment::Key(key.as_str().into())
            }
            Some(field) => {
                check_into(field.type_schema(), value, &mut inner);
                if inner.is_empty() {
                    if let Some(check) = field.check() {
                        if let Err(message) = check(value) {
                            inner.extend(Violations::new(message));
                        }
                    }
                }
                Segment::Field(field.name())
            }
        };
        out.extend(inner.inside(segment));
    }
    for field in model.required_fields() {
        if !entries.contains_key(field.name()) {
            out.extend(
                Violations::new("required attribute is missing")
                    .inside(Segment::Field(field.name())),
            );
        }
    }
}

/// Checks a value that is neither a container nor optional.
/// Whether a value is about to be written or was read. DynamoDB's rules on what it accepts (no empty
/// sets, no duplicate members) are checked on writes only: reads accept whatever decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Write,
    Read,
}

fn check_scalar(
    schema: TypeSchema,
    value: &AttributeValue,
    direction: Direction,
) -> Result<(), Violations> {
    let writing = direction == Direction::Write;
    let problem = match (schema, value) {
        (TypeSchema::String, AttributeValue::S(_))
        | (TypeSchema::Bool, AttributeValue::Bool(_))
        | (TypeSchema::Binary, AttributeValue::B(_)) => return Ok(()),
        (TypeSchema::Integer(kind), AttributeValue::N(text)) => {
            check_integer(kind, text, writing).err()
        }
        (TypeSchema::Float(kind), AttributeValue::N(text)) => {
            check_float(kind, text, writing).err()
        }
        (TypeSchema::Enum(names), AttributeValue::S(name)) => {
            (!names.contains(&name.as_str())).then(|| format!("{name:?} is not one of {names:?}"))
        }
        (TypeSchema::StringSet, AttributeValue::Ss(members)) => writing
            .then(|| empty_set(members.len()).or_else(|| duplicate_member(members.iter())))
            .flatten(),
        (TypeSchema::BinarySet, AttributeValue::Bs(members)) => writing
            .then(|| {
                empty_set(members.len())
                    .or_else(|| duplicate_member(members.iter().map(|blob| blob.as_ref())))
            })
            .flatten(),
        (TypeSchema::NumberSet(kind), AttributeValue::Ns(members)) => writing
            .then(|| {
                empty_set(members.len())
                    .or_else(|| duplicate_member(members.iter().map(|text| Decimal::parse(text))))
            })
            .flatten()
            .or_else(|| {
                members.iter().find_map(|text| match kind {
                    NumberKind::Integer(kind) => check_integer(kind, text, writing).err(),
                    NumberKind::Float(kind) => check_float(kind, text, writing).err(),
                })
            }),
        (schema, value) => return Err(mismatch(value, schema)),
    };
    match problem {
        None => Ok(()),
        Some(message) => Err(Violations::new(message)),
    }
}

/// DynamoDB rejects sets with two equal members (numbers compare by value: `1` equals `1.0`).
fn duplicate_member<T: Eq + std::hash::Hash>(members: impl Iterator<Item = T>) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    let mut members = members;
    members
        .any(|member| !seen.insert(member))
        .then(|| "DynamoDB does not accept a set with duplicate members".to_owned())
}

fn empty_set(len: usize) -> Option<String> {
    (len == 0).then(|| "DynamoDB cannot store an empty set".to_owned())
}

/// Checks that `text` is an integer of `kind`, and, for a write, one DynamoDB can store.
fn check_integer(kind: IntegerKind, text: &str, writing: bool) -> Result<(), String> {
    use number::decode_integer as fits;
    match kind {
        IntegerKind::I8 => fits::<i8>(text).map(drop),
        IntegerKind::I16 => fits::<i16>(text).map(drop),
        IntegerKind::I32 => fits::<i32>(text).map(drop),
        IntegerKind::I64 => fits::<i64>(text).map(drop),
        IntegerKind::I128 => fits::<i128>(text).map(drop),
        IntegerKind::Isize => fits::<isize>(text).map(drop),
        IntegerKind::U8 => fits::<u8>(text).map(drop),
        IntegerKind::U16 => fits::<u16>(text).map(drop),
        IntegerKind::U32 => fits::<u32>(text).map(drop),
        IntegerKind::U64 => fits::<u64>(text).map(drop),
        IntegerKind::U128 => fits::<u128>(text).map(drop),
        IntegerKind::Usize => fits::<usize>(text).map(drop),
    }?;
    if writing {
        number::check_number_text(text)
    } else {
        Ok(())
    }
}

/// Checks that `text` is a float of `kind`, and, for a write, one DynamoDB can store.
fn check_float(kind: FloatKind, text: &str, writing: bool) -> Result<(), String> {
    match kind {
        FloatKind::F32 => number::decode_float::<f32>(text).map(drop),
        FloatKind::F64 => number::decode_float::<f64>(text).map(drop),
    }?;
    if writing {
        number::check_number_text(text)
    } else {
        Ok(())
    }
}

/// Checks free-form data for what DynamoDB rejects: numbers it cannot store, empty map keys.
pub(crate) fn check_free_form(value: &AttributeValue) -> Result<(), Violations> {
    let mut violations = Violations::default();
    match value {
        AttributeValue::N(text) => {
            if let Err(message) = number::check_number_text(text) {
                violations.extend(Violations::new(message));
            }
        }
        AttributeValue::Ns(texts) => {
            if let Some(message) = texts
                .iter()
                .find_map(|t| number::check_number_text(t).err())
            {
                violations.extend(Violations::new(message));
            }
        }
        AttributeValue::L(items) => {
            for (index, item) in items.iter().enumerate() {
                if let Err(inner) = check_free_form(item) {
                    violations.extend(inner.inside(Segment::Index(index)));
                }
            }
        }
        AttributeValue::M(entries) => {
            for (key, item) in entries {
                if key.is_empty() {
                    violations.extend(Violations::new(EMPTY_KEY).inside(Segment::Key("".into())));
                }
                if let Err(inner) = check_free_form(item) {
                    violations.extend(inner.inside(Segment::Key(key.as_str().into())));
                }
            }
        }
        _ => {}
    }
    violations.into_result(())
}

/// Stored data checked leniently: what could be kept, and what was dropped and why.
#[derive(Debug)]
pub struct Pruned {
    /// The value with its invalid optional parts removed, or `None` if the value itself is invalid.
    pub value: Option<AttributeValue>,
    /// What was dropped (or, with `value: None`, why the value is invalid).
    pub dropped: Violations,
}

/// StructNoSQL's lenient read: invalid optional fields, map entries and list items are dropped and
/// reported; a missing or invalid required field makes its whole map invalid. Unknown attributes are
/// kept (reads ignore them).
pub fn prune_read(schema: TypeSchema, value: AttributeValue) -> Pruned {
    let mut dropped = Violations::default();
    let value = prune_into(schema, value, &mut dropped);
    Pruned { value, dropped }
}

fn prune_into(
    schema: TypeSchema,
    value: AttributeValue,
    dropped: &mut Violations,
) -> Option<AttributeValue> {
    match (schema, value) {
        (TypeSchema::Optional(_), AttributeValue::Null(flag)) => Some(AttributeValue::Null(flag)),
        (TypeSchema::Optional(inner), value) => prune_into(inner(), value, dropped),
        (TypeSchema::Any, value) => Some(value),
        (TypeSchema::Custom(custom), value) => {
            let mut inner = Violations::default();
            let kept = prune_into(custom.stored(), value, &mut inner)
                .filter(|kept| inner.is_empty() && custom.check(kept).is_ok());
            if kept.is_none() {
                dropped.extend(if inner.is_empty() {
                    Violations::new(format!("not {}", custom.name()))
                } else {
                    inner
                });
            }
            kept
        }
        (TypeSchema::List(item), AttributeValue::L(items)) => {
            let mut kept = Vec::with_capacity(items.len());
            for (index, value) in items.into_iter().enumerate() {
                let mut inner = Violations::default();
                if let Some(value) = prune_into(item(), value, &mut inner) {
                    kept.push(value);
                }
                dropped.extend(inner.inside(Segment::Index(index)));
            }
            Some(AttributeValue::L(kept))
        }
        (TypeSchema::Map(item), AttributeValue::M(entries)) => {
            let mut kept = std::collections::HashMap::with_capacity(entries.len());
            for (key, value) in entries {
                let mut inner = Violations::default();
                if let Some(value) = prune_into(item(), value, &mut inner) {
                    kept.insert(key.clone(), value);
                }
                dropped.extend(inner.inside(Segment::Key(key.into())));
            }
            Some(AttributeValue::M(kept))
        }
        (TypeSchema::Tagged(tagged), AttributeValue::M(entries)) => {
            match tagged.resolve(&entries) {
                Ok(variant) => prune_into(
                    TypeSchema::Model(variant),
                    AttributeValue::M(entries),
                    dropped,
                ),
                Err(problem) => {
                    dropped.extend(Violations::new(problem).inside(Segment::Field(tagged.tag())));
                    None
                }
            }
        }
        (TypeSchema::Model(model), AttributeValue::M(entries)) => {
            let mut kept = std::collections::HashMap::with_capacity(entries.len());
            let mut inner_dropped = Violations::default();
            let mut valid = true;
            let present: Vec<&str> = model
                .fields()
                .iter()
                .map(|field| field.name())
                .filter(|name| entries.contains_key(*name))
                .collect();
            for (key, value) in entries {
                let Some(field) = model.field(&key) else {
                    kept.insert(key, value);
                    continue;
                };
                let mut inner = Violations::default();
                match prune_into(field.type_schema(), value, &mut inner) {
                    Some(value) => {
                        kept.insert(key.clone(), value);
                    }
                    None if field.is_required() => valid = false,
                    None => {}
                }
                inner_dropped.extend(inner.inside(Segment::Field(field.name())));
            }
            // Required fields that were never there; an invalid one was reported above.
            for field in model.required_fields() {
                if !kept.contains_key(field.name()) && !present.contains(&field.name()) {
                    valid = false;
                    inner_dropped.extend(
                        Violations::new("required attribute is missing")
                            .inside(Segment::Field(field.name())),
                    );
                }
            }
            dropped.extend(inner_dropped);
            valid.then_some(AttributeValue::M(kept))
        }
        (schema, value) => match check_scalar(schema, &value, Direction::Read) {
            Ok(()) => Some(value),
            Err(problem) => {
                dropped.extend(problem);
                None
            }
        },
    }
}

#[cfg(test)]
#[path = "validation_tests.rs"]
mod tests;
