//! String paths, for parity with StructNoSQL and for paths chosen at run time:
//! `tokens.{{tokenId}}.expirationTimestamp` with key values, and multi-selections `prefix.(a, b)`.
//!
//! A string path is parsed, then resolved against the model's static schema one element at a time (a
//! constant-time field lookup per element, no index built at run time), into the same [`DocumentPath`]
//! typed paths produce.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::catalog;
use super::segment::{DocumentPath, Segment, MAX_DEPTH};
use crate::error::{Error, Result};
use crate::model::{FieldSchema, ModelSchema, TypeSchema};

/// The value of a `{{placeholder}}`: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValue {
    /// A map key.
    Key(Arc<str>),
    /// A list index.
    Index(usize),
}

impl From<&str> for KeyValue {
    fn from(key: &str) -> Self {
        KeyValue::Key(key.into())
    }
}
impl From<String> for KeyValue {
    fn from(key: String) -> Self {
        KeyValue::Key(key.into())
    }
}
impl From<usize> for KeyValue {
    fn from(index: usize) -> Self {
        KeyValue::Index(index)
    }
}

/// The values of the placeholders of a string path, by placeholder name.
///
/// Implemented for `()` (no placeholders), slices and arrays of `(&str, V)` pairs where `V` is `&str`,
/// `String`, `usize` or [`KeyValue`], and maps from `String` to [`KeyValue`].
pub trait KeyValues {
    /// The value of placeholder `name`.
    fn key_value(&self, name: &str) -> Option<KeyValue>;
}

impl KeyValues for () {
    fn key_value(&self, _: &str) -> Option<KeyValue> {
        None
    }
}

impl<N: AsRef<str>, V: Clone + Into<KeyValue>> KeyValues for [(N, V)] {
    fn key_value(&self, name: &str) -> Option<KeyValue> {
        self.iter()
            .find(|(candidate, _)| candidate.as_ref() == name)
            .map(|(_, value)| value.clone().into())
    }
}

impl<N: AsRef<str>, V: Clone + Into<KeyValue>, const LEN: usize> KeyValues for [(N, V); LEN] {
    fn key_value(&self, name: &str) -> Option<KeyValue> {
        self.as_slice().key_value(name)
    }
}

impl<K: KeyValues + ?Sized> KeyValues for &K {
    fn key_value(&self, name: &str) -> Option<KeyValue> {
        (**self).key_value(name)
    }
}

impl KeyValues for HashMap<String, KeyValue> {
    fn key_value(&self, name: &str) -> Option<KeyValue> {
        self.get(name).cloned()
    }
}

impl KeyValues for BTreeMap<String, KeyValue> {
    fn key_value(&self, name: &str) -> Option<KeyValue> {
        self.get(name).cloned()
    }
}

/// One element of a parsed string path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Element<'a> {
    Name(&'a str),
    Placeholder(&'a str),
}

/// A string path split into elements, with its optional final multi-selection.
#[derive(Debug, PartialEq, Eq)]
struct Parsed<'a> {
    prefix: Vec<Element<'a>>,
    selection: Option<Vec<Element<'a>>>,
}

fn malformed(path: &str, reason: impl Into<String>) -> Error {
    Error::InvalidPath {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn parse_element<'a>(path: &str, text: &'a str) -> Result<Element<'a>> {
    if let Some(inner) = text.strip_prefix("{{") {
        let name = inner.strip_suffix("}}").ok_or_else(|| {
            malformed(
                path,
                format!("{text:?} opens a placeholder it does not close"),
            )
        })?;
        if name.is_empty() || name.contains(['{', '}', '.', '(', ')']) {
            return Err(malformed(
                path,
                format!("{text:?} is not a valid placeholder"),
            ));
        }
        return Ok(Element::Placeholder(name));
    }
    if text.is_empty() {
        return Err(malformed(
            path,
            "empty path element (two dots in a row, or a dot at an end)",
        ));
    }
    if text.contains(['{', '}', '(', ')', '[', ']']) {
        return Err(malformed(
            path,
            format!("{text:?} is neither a name nor a {{{{placeholder}}}}"),
        ));
    }
    Ok(Element::Name(text))
}

fn parse(path: &str) -> Result<Parsed<'_>> {
    let (head, group) = match path.find('(') {
        None => (path, None),
        Some(open) => {
            let rest = &path[open + 1..];
            let close = rest
                .find(')')
                .ok_or_else(|| malformed(path, "a multi-selection '(' is not closed"))?;
            if close + 1 != rest.len() {
                return Err(malformed(
                    path,
                    "a multi-selection '(...)' must be the last element",
                ));
            }
            let head = &path[..open];
            let head = if head.is_empty() {
                head
            } else {
                head.strip_suffix('.')
                    .ok_or_else(|| malformed(path, "a multi-selection must follow a '.'"))?
            };
            (head, Some(&rest[..close]))
        }
    };
    let prefix = if head.is_empty() {
        Vec::new()
    } else {
        head.split('.')
            .map(|element| parse_element(path, element))
            .collect::<Result<_>>()?
    };
    let selection = group
        .map(|group| {
            group
                .split(',')
                .map(|element| parse_element(path, element.trim()))
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    if prefix.is_empty() && selection.is_none() {
        return Err(malformed(path, "the path is empty"));
    }
    Ok(Parsed { prefix, selection })
}

/// A string path resolved against a model: the concrete path and what is stored there.
#[derive(Debug, Clone)]
pub struct ResolvedPath {
    /// The concrete document path.
    pub path: DocumentPath,
    /// The type of the value at the path.
    pub schema: TypeSchema,
    /// The model field the path ends at, if it ends at a field (not at a map or list item).
    pub field: Option<&'static FieldSchema>,
    /// For the members of a multi-selection, the element as written (`a` in `x.(a, b)`); for a plain
    /// path, its last element.
    pub label: String,
}

/// Where the walk through the schema is.
#[derive(Clone)]
struct Cursor {
    path: DocumentPath,
    schema: TypeSchema,
    field: Option<&'static FieldSchema>,
    /// The placeholder name that addresses items of the current value, if it has items.
    key_name: Option<String>,
    /// The fields passed so far, for the `{i}` level counter of recursive key names.
    trail: Vec<&'static FieldSchema>,
    /// The first placeholder that was given no value.
    missing: Option<String>,
}

/// Resolves `path` against `model`: one [`ResolvedPath`] for a plain path, one per member for a
/// multi-selection `prefix.(a, b)`.
pub fn resolve(
    model: &'static ModelSchema,
    path: &str,
    keys: &(impl KeyValues + ?Sized),
) -> Result<Vec<ResolvedPath>> {
    let parsed = parse(path)?;
    let mut cursor = Cursor {
        path: DocumentPath::root(),
        schema: TypeSchema::Model(model),
        field: None,
        key_name: None,
        trail: Vec::new(),
        missing: None,
    };
    let mut label = String::new();
    for element in &parsed.prefix {
        cursor = step(model, path, cursor, element, keys)?;
        label = element_text(element);
    }
    let finish = |cursor: Cursor, label: String| -> Result<ResolvedPath> {
        if let Some(placeholder) = cursor.missing {
            return Err(Error::MissingKeyValue {
                path: path.to_owned(),
                placeholder,
            });
        }
        if cursor.path.depth() > MAX_DEPTH {
            return Err(Error::TooDeep {
                path: cursor.path.to_string(),
                depth: cursor.path.depth(),
            });
        }
        Ok(ResolvedPath {
            path: cursor.path,
            schema: cursor.schema,
            field: cursor.field,
            label,
        })
    };
    match parsed.selection {
        None => Ok(vec![finish(cursor, label)?]),
        Some(members) => members
            .iter()
            .map(|member| {
                let resolved = step(model, path, cursor.clone(), member, keys)?;
                finish(resolved, element_text(member))
            })
            .collect(),
    }
}

fn element_text(element: &Element<'_>) -> String {
    match element {
        Element::Name(name) => (*name).to_owned(),
        Element::Placeholder(name) => format!("{{{{{name}}}}}"),
    }
}

fn unknown(model: &'static ModelSchema, path: &str) -> Error {
    Error::UnknownPath {
        path: path.to_owned(),
        suggestion: catalog::closest_path(model, path),
    }
}

fn step(
    model: &'static ModelSchema,
    path: &str,
    cursor: Cursor,
    element: &Element<'_>,
    keys: &(impl KeyValues + ?Sized),
) -> Result<Cursor> {
    let schema = cursor.schema.required();
    match (schema, element) {
        (TypeSchema::Model(current), Element::Name(name)) => {
            let field = current.field(name).ok_or_else(|| unknown(model, path))?;
            let level = cursor
                .trail
                .iter()
                .filter(|seen| std::ptr::eq(**seen, field))
                .count();
            let mut trail = cursor.trail;
            trail.push(field);
            Ok(Cursor {
                path: cursor.path.child(Segment::Field(field.name())),
                schema: field.type_schema(),
                field: Some(field),
                key_name: field
                    .key_name()
                    .map(|name| name.replace("{i}", &level.to_string())),
                trail,
                missing: cursor.missing,
            })
        }
        (TypeSchema::Any, Element::Name(name)) => Ok(Cursor {
            path: cursor.path.child(Segment::Key((*name).into())),
            schema: TypeSchema::Any,
            field: None,
            key_name: cursor.key_name.map(|k| format!("{k}Child")),
            trail: cursor.trail,
            missing: cursor.missing,
        }),
        (
            TypeSchema::Map(_) | TypeSchema::List(_) | TypeSchema::Any,
            Element::Placeholder(placeholder),
        ) => {
            if cursor.key_name.as_deref() != Some(*placeholder) {
                return Err(unknown(model, path));
            }
            // A missing value is reported once the whole path is known to exist, so that a typo
            // further on is reported as such; meanwhile a stand-in keeps the walk going.
            let mut missing = cursor.missing;
            let value = keys.key_value(placeholder).unwrap_or_else(|| {
                missing.get_or_insert_with(|| (*placeholder).to_owned());
                match schema {
                    TypeSchema::List(_) => KeyValue::Index(0),
                    _ => KeyValue::Key("".into()),
                }
            });
            let (segment, item) = match (schema, value) {
                (TypeSchema::Map(item), KeyValue::Key(key)) => (Segment::Key(key), item()),
                (TypeSchema::List(item), KeyValue::Index(index)) => (Segment::Index(index), item()),
                (TypeSchema::Any, KeyValue::Key(key)) => (Segment::Key(key), TypeSchema::Any),
                (TypeSchema::Any, KeyValue::Index(index)) => {
                    (Segment::Index(index), TypeSchema::Any)
                }
                (TypeSchema::List(_), KeyValue::Key(_)) => {
                    return Err(Error::InvalidKeyValue {
                        path: path.to_owned(),
                        placeholder: (*placeholder).to_owned(),
                        reason: "it addresses a list item and needs an index, not a key".into(),
                    })
                }
                _ => {
                    return Err(Error::InvalidKeyValue {
                        path: path.to_owned(),
                        placeholder: (*placeholder).to_owned(),
                        reason: "it addresses a map entry and needs a key, not an index".into(),
                    })
                }
            };
            Ok(Cursor {
                path: cursor.path.child(segment),
                schema: item,
                field: None,
                key_name: cursor.key_name.map(|k| format!("{k}Child")),
                trail: cursor.trail,
                missing,
            })
        }
        (TypeSchema::StringSet | TypeSchema::NumberSet(_) | TypeSchema::BinarySet, _) => {
            Err(Error::InvalidPath {
                path: path.to_owned(),
                reason: "members of a DynamoDB set cannot be addressed one by one".into(),
            })
        }
        _ => Err(unknown(model, path)),
    }
}

/// A string path with the values of its placeholders, resolved against a model when it is used.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StringPath {
    pub(crate) path: String,
    keys: Vec<(String, KeyValue)>,
}

impl StringPath {
    /// The path and the values of the placeholders it names (the key values are copied now, since a
    /// selection outlives the caller's borrowed values).
    pub(crate) fn new(path: &str, keys: &(impl KeyValues + ?Sized)) -> Self {
        let keys = placeholder_names(path)
            .into_iter()
            .filter_map(|name| keys.key_value(&name).map(|value| (name, value)))
            .collect();
        Self {
            path: path.to_owned(),
            keys,
        }
    }

    pub(crate) fn resolve(&self, model: &'static ModelSchema) -> Result<Vec<ResolvedPath>> {
        resolve(model, &self.path, self.keys.as_slice())
    }
}

/// The placeholder names written in a string path, so that only their values are kept.
fn placeholder_names(path: &str) -> Vec<String> {
    path.split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}").map(|(name, _)| name.to_owned()))
        .collect()
}

#[cfg(test)]
#[path = "string_tests.rs"]
mod tests;
