//! Named selections of fields for the multi-field operations, in typed or string-path form, and the
//! named values they return.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::model::transform::{self, Checks, Direction};
use crate::model::{Attribute, MapModel, ModelSchema, Violations};
use crate::path::{
    DocumentPath, KeyValues, ReadablePath, ResolvedPath, Selection, StringPath, TypedPath,
};

/// A path given by string, resolved against the model when the operation runs.
#[derive(Debug, Clone)]
enum Target {
    Typed(DocumentPath),
    String(StringPath),
}

/// Named fields to read or remove: `get_multiple_fields`, `remove_multiple_fields`,
/// `delete_multiple_fields`.
///
/// ```
/// # use structnosql::table::Getters;
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)] struct User { id: String, username: Option<String> }
/// let getters = Getters::new()
///     .field("name", User::fields().username())
///     .path("token", "tokens.{{tokenId}}.expirationTimestamp", &[("tokenId", "t42")]);
/// ```
///
/// A string path ending in a multi-selection (`prefix.(a, b)`) stands for one entry per member, named
/// `<name>.<member>`.
#[derive(Debug, Clone, Default)]
pub struct Getters {
    entries: Vec<(String, Target)>,
}

impl Getters {
    /// An empty selection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a typed path under `name`.
    pub fn field(mut self, name: impl Into<String>, path: impl ReadablePath) -> Self {
        crate::expr::reserve_first(&mut self.entries);
        self.entries
            .push((name.into(), Target::Typed(path.read_path().clone())));
        self
    }

    /// Adds a string path with its placeholder values under `name`.
    pub fn path(
        mut self,
        name: impl Into<String>,
        path: &str,
        keys: &(impl KeyValues + ?Sized),
    ) -> Self {
        crate::expr::reserve_first(&mut self.entries);
        self.entries
            .push((name.into(), Target::String(StringPath::new(path, keys))));
        self
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The selection as named concrete paths.
    pub(crate) fn resolve(
        &self,
        model: &'static ModelSchema,
    ) -> Result<Vec<(String, DocumentPath)>> {
        let mut resolved = Vec::with_capacity(self.entries.len());
        for (name, target) in &self.entries {
            match target {
                Target::Typed(path) => resolved.push((name.clone(), path.clone())),
                Target::String(string) => {
                    let paths = string.resolve(model)?;
                    let single = paths.len() == 1 && !string.path.ends_with(')');
                    for member in paths {
                        let label = if single {
                            name.clone()
                        } else {
                            format!("{name}.{}", member.label)
                        };
                        resolved.push((label, member.path));
                    }
                }
            }
        }
        Ok(resolved)
    }
}

/// The same selection type, for removes.
pub type Removers = Getters;

/// The rarer paths are boxed: a small `Write` keeps a few setters in one small allocation, which
/// the allocator serves fastest.
#[derive(Debug, Clone)]
enum Write {
    Typed(
        DocumentPath,
        std::result::Result<AttributeValue, Violations>,
    ),
    /// A [`crate::path::ModelPath`]: resolved from a string, its value checked against the model.
    Resolved(
        Box<ResolvedPath>,
        std::result::Result<AttributeValue, Violations>,
    ),
    String(
        Box<StringPath>,
        std::result::Result<AttributeValue, Violations>,
    ),
}

impl Write {
    /// A write at a typed path.
    fn typed<P: TypedPath>(
        path: P,
        encoded: std::result::Result<AttributeValue, Violations>,
    ) -> Self {
        match path.__resolved() {
            Some(resolved) => Write::Resolved(Box::new(resolved.clone()), encoded),
            None => Write::Typed(path.into_document_path(), encoded),
        }
    }
}

/// Checks a value written at a path resolved from a string: the field is writable, the value
/// converted, transformed and checked against the path's schema.
fn checked_at(
    model: &'static ModelSchema,
    target: &ResolvedPath,
    encoded: &std::result::Result<AttributeValue, Violations>,
) -> Result<(DocumentPath, AttributeValue)> {
    crate::model::validation::check_writable(model, &target.path)?;
    encoded
        .clone()
        .map_err(|problems| Error::validation_at(&target.path, problems))
        .and_then(|value| transform::at(model, &target.path, value, Direction::Write(Checks::Run)))
        // The stored-form pass above ran the field's custom check.
        .and_then(|value| crate::model::validation::check_shape_at(target, value))
        .map(|value| (target.path.clone(), value))
}

/// Named values to write in one `update_multiple_fields` call, checked before anything is sent.
///
/// ```
/// # use structnosql::table::Setters;
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)] struct User { id: String, username: Option<String> }
/// let setters = Setters::new()
///     .set(User::fields().username(), "Paul")
///     .set_path("tokens.{{tokenId}}.expirationTimestamp", &[("tokenId", "t42")], 1618324660_i64);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Setters {
    /// The writes, in order.
    entries: Vec<Write>,
    /// The names the caller gave writes, by position: the others are named after their path, when
    /// a name is needed. Kept apart, as they are rare, so that an entry stays small.
    names: Vec<(usize, String)>,
}

impl Setters {
    /// No writes yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, write: Write) {
        crate::expr::reserve_first(&mut self.entries);
        self.entries.push(write);
    }

    fn push_named(&mut self, name: String, write: Write) {
        self.names.push((self.entries.len(), name));
        self.push(write);
    }

    /// Writes `value` at a typed path; named after the path. The path of a
    /// `#[structnosql(read_only)]` field is not a [`TypedPath`] and does not compile here.
    pub fn set<P: TypedPath>(mut self, path: P, value: impl Into<P::Value>) -> Self {
        let encoded = value.into().to_attribute();
        self.push(Write::typed(path, encoded));
        self
    }

    /// Writes `value` at a typed path, under `name` (for the old values of `..._return_old`).
    pub fn set_named<P: TypedPath>(
        mut self,
        name: impl Into<String>,
        path: P,
        value: impl Into<P::Value>,
    ) -> Self {
        let encoded = value.into().to_attribute();
        self.push_named(name.into(), Write::typed(path, encoded));
        self
    }

    /// Writes `value` at a string path; named after the path as written.
    pub fn set_path<V: Attribute>(
        mut self,
        path: &str,
        keys: &(impl KeyValues + ?Sized),
        value: V,
    ) -> Self {
        let encoded = value.to_attribute();
        self.push(Write::String(
            Box::new(StringPath::new(path, keys)),
            encoded,
        ));
        self
    }

    /// Writes `value` at a string path, under `name`.
    pub fn set_path_named<V: Attribute>(
        mut self,
        name: impl Into<String>,
        path: &str,
        keys: &(impl KeyValues + ?Sized),
        value: V,
    ) -> Self {
        let encoded = value.to_attribute();
        self.push_named(
            name.into(),
            Write::String(Box::new(StringPath::new(path, keys)), encoded),
        );
        self
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The name of each write, in order.
    pub(crate) fn names(&self) -> impl Iterator<Item = String> + '_ {
        self.entries.iter().enumerate().map(|(position, write)| {
            let given = self.names.iter().find(|(at, _)| *at == position);
            match (given, write) {
                (Some((_, name)), _) => name.clone(),
                (None, Write::Typed(path, _)) => path.to_string(),
                (None, Write::Resolved(resolved, _)) => resolved.path.to_string(),
                (None, Write::String(string, _)) => string.path.clone(),
            }
        })
    }

    /// The writes as concrete paths and checked values, in order; every problem of every setter is
    /// reported together. A write at or inside a read-only field is an [`Error::ReadOnly`].
    pub(crate) fn resolve(
        &self,
        model: &'static ModelSchema,
    ) -> Result<Vec<(DocumentPath, AttributeValue)>> {
        let mut resolved = Vec::with_capacity(self.entries.len());
        let mut violations = Vec::new();
        for write in &self.entries {
            let checked = match write {
                Write::Typed(path, encoded) => {
                    crate::model::validation::check_writable(model, path)
                        .and_then(|()| {
                            encoded
                                .clone()
                                .map_err(|problems| Error::validation_at(path, problems))
                        })
                        .and_then(|value| {
                            transform::at(model, path, value, Direction::Write(Checks::Run))
                        })
                        .and_then(|value| {
                            crate::model::validation::check_depth(path, &value)?;
                            Ok((path.clone(), value))
                        })
                }
                Write::Resolved(target, encoded) => checked_at(model, target, encoded),
                Write::String(string, encoded) => {
                    let targets = string.resolve(model)?;
                    let [target] = targets.as_slice() else {
                        return Err(Error::InvalidPath {
                            path: string.path.clone(),
                            reason: "a value is written at one path; multi-selections are for reads and removes".into(),
                        });
                    };
                    checked_at(model, target, encoded)
                }
            };
            match checked {
                Ok(write) => resolved.push(write),
                Err(Error::Validation { violations: found }) => violations.extend(found),
                Err(other) => return Err(other),
            }
        }
        if violations.is_empty() {
            Ok(resolved)
        } else {
            Err(Error::Validation { violations })
        }
    }
}

/// Values read, removed or replaced by a multi-field operation, by name, in the order asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NamedValues {
    entries: Vec<(String, DocumentPath, Option<AttributeValue>)>,
}

impl NamedValues {
    pub(crate) fn new(entries: Vec<(String, DocumentPath, Option<AttributeValue>)>) -> Self {
        Self { entries }
    }

    /// The value named `name` as a `T`; `None` when nothing is stored there.
    ///
    /// Fails with [`Error::InvalidStoredData`] when the stored value is not a `T`, and with
    /// [`Error::InvalidPath`] when no entry has that name.
    pub fn get<T: Attribute>(&self, name: &str) -> Result<Option<T>> {
        let (_, path, value) = self
            .entries
            .iter()
            .find(|(candidate, _, _)| candidate == name)
            .ok_or_else(|| Error::InvalidPath {
                path: name.to_owned(),
                reason: format!("no field is named {name:?} in this result"),
            })?;
        value
            .clone()
            .map(|value| T::from_attribute(value).map_err(|v| Error::stored_data_at(path, v)))
            .transpose()
    }

    /// The stored value named `name`, as DynamoDB returned it (after the field's read transform, if
    /// it has one).
    pub fn raw(&self, name: &str) -> Option<&AttributeValue> {
        self.entries
            .iter()
            .find(|(candidate, _, _)| candidate == name)
            .and_then(|(_, _, value)| value.as_ref())
    }

    /// Whether a value is stored under `name`.
    pub fn is_present(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _, _)| name.as_str())
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every value as free-form JSON (numbers as JSON numbers, sets as arrays, absent values as
    /// `null`), for display. A value JSON cannot hold is an [`Error::InvalidStoredData`] naming it.
    pub fn to_json(&self) -> Result<serde_json::Value> {
        let mut object = serde_json::Map::with_capacity(self.entries.len());
        for (name, path, value) in &self.entries {
            let json = match value {
                Some(value) => serde_json::Value::from_attribute(value.clone())
                    .map_err(|violations| Error::stored_data_at(path, violations))?,
                None => serde_json::Value::Null,
            };
            object.insert(name.clone(), json);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// A string path naming one value or several (a multi-selection, `"profile.(name, email)"`),
/// resolved against the model `M`: a [`Selection`] whose values come back as [`NamedValues`], each
/// under its element as written (`name`, `email`). `get_fields`, `remove_fields`, `query_fields`,
/// `scan_fields` and `batch_get_fields` take it.
///
/// ```
/// use structnosql::table::ModelSelection;
/// use structnosql::TableDataModel;
///
/// #[derive(TableDataModel)]
/// struct Member {
///     id: String,
///     name: Option<String>,
///     email: Option<String>,
/// }
///
/// let contact = ModelSelection::new::<Member>("(name, email)", &())?;
/// # Ok::<(), structnosql::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ModelSelection {
    targets: Vec<ResolvedPath>,
}

impl ModelSelection {
    /// Resolves `path` against the model `M`, with `keys` for its `{{placeholders}}`.
    pub fn new<M: MapModel>(path: &str, keys: &(impl KeyValues + ?Sized)) -> Result<Self> {
        Ok(Self {
            targets: crate::path::resolve(M::model_schema(), path, keys)?,
        })
    }

    /// The names the values come back under, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.targets.iter().map(|target| target.label.as_str())
    }
}

impl Selection for ModelSelection {
    type Values = NamedValues;

    fn document_paths(&self) -> Vec<&DocumentPath> {
        self.targets.iter().map(|target| &target.path).collect()
    }

    fn decode(
        &self,
        values: Vec<Option<AttributeValue>>,
    ) -> std::result::Result<NamedValues, Violations> {
        Ok(NamedValues::new(
            self.targets
                .iter()
                .zip(values)
                .map(|(target, value)| (target.label.clone(), target.path.clone(), value))
                .collect(),
        ))
    }
}
