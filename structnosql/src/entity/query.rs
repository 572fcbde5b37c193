//! Queries of an entity's records by partial keys: a partition (every field of the hash key's
//! template) and the leading fields of the sort key's template, on the table or on an index.

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use super::{value_of, Entity, KeyTemplate, KeyTemplates};
use crate::error::{Error, Result};
use crate::model::{Attribute, Violations};
use crate::path::{DocumentPath, ReadablePath, Segment};
use crate::table::{Query, SortCondition};

/// The greatest character, after every key that starts with a prefix when appended to it.
const AFTER_EVERY_KEY: char = '\u{10FFFF}';

/// A query of the records of the entity `E` by the values of fields its key templates hold: every
/// field of the hash key's template, then any leading fields of the sort key's template (a
/// `begins_with` of what they render), or a range of the next one. [`EntityQuery::build`] makes the
/// [`Query`] the entity's table runs (`query_field`, `query_fields`, the paginated forms), whose
/// pages hold the entity's records only.
///
/// ```
/// # use structnosql::TableDataModel;
/// # use structnosql::entity::EntityQuery;
/// # #[derive(TableDataModel)]
/// # #[structnosql(rename_all = "camelCase", entity = "Order", pk = "CUSTOMER#{username}", sk = "ORDER#{placed_on}#{order_id}")]
/// # struct Order { username: String, placed_on: String, order_id: String }
/// let fields = Order::fields();
/// // The orders of alexdebrie placed in December 2026 (`begins_with` and a range are one query).
/// let query = EntityQuery::<Order>::primary()
///     .key(fields.username(), "alexdebrie".to_owned())
///     .between(fields.placed_on(), "2026-12-01".to_owned(), "2026-12-31".to_owned())
///     .build()?;
/// # Ok::<(), structnosql::Error>(())
/// ```
pub struct EntityQuery<E> {
    index: Option<String>,
    values: Vec<(DocumentPath, Result<AttributeValue, Violations>)>,
    range: Option<(DocumentPath, Result<[AttributeValue; 2], Violations>)>,
    descending: bool,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> EntityQuery<E> {
    /// A query of the table's primary key.
    pub fn primary() -> Self {
        Self {
            index: None,
            values: Vec::new(),
            range: None,
            descending: false,
            entity: PhantomData,
        }
    }

    /// A query of the global secondary index `name`, whose keys the entity's `index(name = ...)`
    /// templates fill.
    pub fn index(name: impl Into<String>) -> Self {
        Self {
            index: Some(name.into()),
            ..Self::primary()
        }
    }

    /// The value of a field the index's templates hold.
    pub fn key<P: ReadablePath>(mut self, path: P, value: impl Into<P::Value>) -> Self {
        let value = value.into().to_attribute();
        self.values.push((path.read_path().clone(), value));
        self
    }

    /// Records whose value of `path`, the sort key template's first field without a value, is from
    /// `low` to `high` (both included).
    pub fn between<P: ReadablePath>(
        mut self,
        path: P,
        low: impl Into<P::Value>,
        high: impl Into<P::Value>,
    ) -> Self {
        let values = low
            .into()
            .to_attribute()
            .and_then(|low| Ok([low, high.into().to_attribute()?]));
        self.range = Some((path.read_path().clone(), values));
        self
    }

    /// Records from the greatest sort key down.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// The query of the whole partition the hash key's fields give, whatever the sort key: for
    /// a collection of several entities sharing the partition
    /// ([`SingleTable::query_collection`](crate::table::SingleTable::query_collection)). Refused
    /// when a field of the hash key has no value, or a sort key's field is given.
    pub fn build_partition(self) -> Result<Query> {
        let hash = self.templates()?.hash;
        let given_outside = self.values.iter().any(|(path, _)| {
            top_field(path).is_ok_and(|name| !hash.fields().any(|field| field == name))
        });
        if given_outside || self.range.is_some() {
            return Err(query_error(
                "a partition's query takes the fields of the hash key's template only",
            ));
        }
        let mut query = self.build()?;
        query.sort = None;
        Ok(query)
    }

    /// The templates of the queried index.
    fn templates(&self) -> Result<KeyTemplates> {
        let entity = E::ENTITY;
        let templates = match &self.index {
            None => entity.primary,
            Some(name) => entity
                .indexes
                .iter()
                .find(|(index, _)| index == name)
                .map(|(_, templates)| *templates)
                .ok_or_else(|| {
                    query_error(format!(
                        "entity {} has no templates for index {name:?}",
                        entity.name
                    ))
                })?,
        };
        Ok(templates)
    }

    /// The query: the hash key rendered from its fields, the sort key's condition from the values
    /// given for its leading fields. Refused when a field of the hash key has no value, or a
    /// value is given for a field that is not a leading field of the sort key's template.
    pub fn build(self) -> Result<Query> {
        let templates = self.templates()?;
        let mut values = Vec::with_capacity(self.values.len());
        for (path, value) in self.values {
            let name = top_field(&path)?;
            let value = value.map_err(|problem| Error::validation_at(&path, problem))?;
            values.push((name, value));
        }
        let lookup = |name: &str| value_of(&values, name);
        let hash = templates
            .hash
            .render(lookup)
            .map_err(|problem| Error::validation_at(&DocumentPath::root(), problem))?
            .ok_or_else(|| missing_hash_field(templates.hash, &values))?;
        let sort = match templates.sort {
            Some(template) => sort_condition(template, &values, self.range)?,
            None if self.range.is_some() => {
                return Err(query_error("the index has no sort key for a range"))
            }
            None => None,
        };
        let unused = values.iter().find(|(name, _)| {
            !templates.hash.fields().any(|field| field == *name)
                && !templates
                    .sort
                    .is_some_and(|sort| sort.fields().any(|field| field == *name))
        });
        if let Some((name, _)) = unused {
            return Err(query_error(format!(
                "`{name}` is not a field of the queried index's key templates"
            )));
        }
        let mut query = match self.index {
            None => Query::primary(hash)?,
            Some(index) => Query::index(index, hash)?,
        };
        if let Some(sort) = sort {
            query = query.sort(sort);
        }
        if self.descending {
            query = query.descending();
        }
        Ok(query)
    }
}

/// The sort key's condition: equal to the whole key when every field has a value, else starting
/// with what the leading fields render, or between what they render with the range's two values.
fn sort_condition(
    template: KeyTemplate,
    values: &[(&'static str, AttributeValue)],
    range: Option<(DocumentPath, Result<[AttributeValue; 2], Violations>)>,
) -> Result<Option<SortCondition>> {
    let lookup = |name: &str| value_of(values, name);
    let at_root = |problem| Error::validation_at(&DocumentPath::root(), problem);
    let (prefix, given) = template.leading(lookup).map_err(at_root)?;
    let fields: Vec<&str> = template.fields().collect();
    let rest = fields.get(given..).unwrap_or_default();
    if let Some(skipped) = rest.iter().find(|name| lookup(name).is_some()) {
        return Err(query_error(format!(
            "`{skipped}` is given but `{}` before it in the sort key's template is not: a query \
             gives the sort key's leading fields",
            rest.first().copied().unwrap_or_default()
        )));
    }
    let Some((path, bounds)) = range else {
        return Ok(Some(if given == fields.len() {
            SortCondition::Eq(AttributeValue::S(prefix))
        } else {
            SortCondition::BeginsWith(AttributeValue::S(prefix))
        }));
    };
    let name = top_field(&path)?;
    if fields.get(given) != Some(&name) {
        return Err(query_error(format!(
            "a range is of the sort key template's first field without a value ({}), not `{name}`",
            fields.get(given).map_or("none", |field| field)
        )));
    }
    let [low, high] = bounds.map_err(|problem| Error::validation_at(&path, problem))?;
    let bound = |value: &AttributeValue| {
        template
            .leading(|field| {
                if field == name {
                    Some(value)
                } else {
                    lookup(field)
                }
            })
            .map(|(key, _)| key)
            .map_err(at_root)
    };
    let mut high_key = bound(&high)?;
    high_key.push(AFTER_EVERY_KEY);
    Ok(Some(SortCondition::Between(
        AttributeValue::S(bound(&low)?),
        AttributeValue::S(high_key),
    )))
}

/// The attribute name of a model's top-level field, which key templates hold.
fn top_field(path: &DocumentPath) -> Result<&'static str> {
    match path.segments() {
        [Segment::Field(name)] => Ok(name),
        _ => Err(query_error(format!(
            "{path} is not a field of the model's top level, which key templates hold"
        ))),
    }
}

fn missing_hash_field(template: KeyTemplate, values: &[(&'static str, AttributeValue)]) -> Error {
    let missing: Vec<&str> = template
        .fields()
        .filter(|field| !values.iter().any(|(given, _)| given == field))
        .collect();
    query_error(format!(
        "the hash key's template needs a value of {}",
        missing.join(", ")
    ))
}

fn query_error(message: impl Into<String>) -> Error {
    Error::InvalidQuery {
        message: message.into(),
    }
}
