//! Single-table design: several record types (entities) in one table, each item's key attributes
//! built from its fields by key templates.
//!
//! ```
//! use structnosql::TableDataModel;
//!
//! #[derive(TableDataModel, Debug, Clone, PartialEq)]
//! #[structnosql(
//!     rename_all = "camelCase",
//!     entity = "Order",
//!     pk = "CUSTOMER#{customer_id}",
//!     sk = "ORDER#{order_id}",
//!     index(name = "gsi1", pk = "ORDER#{order_id}", sk = "ORDER#{order_id}")
//! )]
//! struct Order {
//!     customer_id: String,
//!     order_id: String,
//!     status: String,
//! }
//!
//! // The key of the order `o9` of the customer `c1`: the fields of its templates, in order.
//! let key = Order::key("c1", "o9");
//! assert_eq!(key.hash_value().unwrap(), "CUSTOMER#c1");
//! assert_eq!(key.sort_value().unwrap().as_deref(), Some("ORDER#o9"));
//! ```
//!
//! The derive checks the templates when it compiles: each names fields of the model (by their Rust
//! names), of types [`TemplatePart`] (strings, integers, ids, dates and times, `StringEnum`s);
//! a field of the primary key's templates is required and read-only (written with the whole
//! record only, since changing it would move the record); an index's template may hold an
//! `Option` field, and a record whose field is absent is left out of that index (a sparse index).
//! Integers are written so that string order is numeric order: unsigned ones zero-padded to their
//! type's widest value (`42` as a `u32` is `0000000042`), signed ones the same from zero up and
//! `-` plus the distance from the type's smallest value below zero (`-1` as an `i32` is
//! `-2147483647`). A value holding the text that follows it in its template (`#` in a
//! `{created_at}#{order_id}` created at) is refused, so that every key reads back into its values.

mod collection;
pub(crate) mod part;
mod query;
mod template;

use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::{AttributeValue, ScalarAttributeType};

pub(crate) use collection::paginate as paginate_collection;
pub use collection::{Collection, CollectionPage};
pub use part::TemplatePart;
pub use query::EntityQuery;
/// Derives [`Collection`] for an enum whose variants each hold one entity.
pub use structnosql_derive::Collection;
#[doc(hidden)]
pub use template::{KeyEncoding, KeyPiece, KeyTemplate};

use crate::model::{TableDataModel, TypeSchema, Violations};
use crate::table::RecordKey;

/// What the derive knows of an entity: its name and its key templates.
#[doc(hidden)]
#[derive(Debug)]
pub struct EntitySchema {
    /// The name stored in every item's entity-type attribute.
    pub name: &'static str,
    /// The templates of the table's primary key.
    pub primary: KeyTemplates,
    /// The templates of the global secondary indexes the entity's items appear in, by name.
    pub indexes: &'static [(&'static str, KeyTemplates)],
}

/// The templates of one index's hash and sort keys.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct KeyTemplates {
    /// The hash key's template.
    pub hash: KeyTemplate,
    /// The sort key's template, for an index with a sort key.
    pub sort: Option<KeyTemplate>,
}

impl KeyTemplates {
    /// The templates, hash first.
    pub(crate) fn both(self) -> impl Iterator<Item = KeyTemplate> {
        std::iter::once(self.hash).chain(self.sort)
    }
}

/// A record type stored in a shared table beside others, its keys built by templates: derived with
/// `#[structnosql(entity = "...", pk = "...", sk = "...")]` on a `TableDataModel` (see the
/// [module documentation](self)).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an entity",
    label = "not an entity",
    note = "an entity is a `#[derive(TableDataModel)]` with `#[structnosql(entity = \"Name\", pk = \"...\")]`"
)]
pub trait Entity: TableDataModel {
    /// The entity's templates, from the derive.
    #[doc(hidden)]
    const ENTITY: &'static EntitySchema;
}

/// The key of a record of the entity `E`, made from the values of the fields its templates hold:
/// `Order::key(customer_id, order_id)`. The key attributes' values are rendered from them.
pub struct EntityKey<E> {
    /// The stored values of the fields the primary key's templates hold, or why one could not be
    /// stored.
    values: Result<Vec<(&'static str, AttributeValue)>, Violations>,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for EntityKey<E> {
    fn clone(&self) -> Self {
        Self {
            values: self.values.clone(),
            entity: PhantomData,
        }
    }
}

impl<E> fmt::Debug for EntityKey<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EntityKey").field(&self.values).finish()
    }
}

impl<E> PartialEq for EntityKey<E> {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}

impl<E: Entity> EntityKey<E> {
    /// The key of the given field values (attribute name, stored value), as the derive's
    /// `key` function gives them.
    #[doc(hidden)]
    pub fn from_values(
        values: impl IntoIterator<Item = (&'static str, Result<AttributeValue, Violations>)>,
    ) -> Self {
        let values = values
            .into_iter()
            .map(|(name, value)| {
                value
                    .map(|value| (name, value))
                    .map_err(|problem| problem.inside(crate::path::Segment::Field(name)))
            })
            .collect();
        Self {
            values,
            entity: PhantomData,
        }
    }

    /// The stored values of the key's fields, by attribute name.
    pub(crate) fn values(&self) -> Result<&[(&'static str, AttributeValue)], Violations> {
        self.values.as_deref().map_err(Clone::clone)
    }

    fn render(&self, template: KeyTemplate) -> Result<String, Violations> {
        let values = self.values()?;
        let value = |name: &str| value_of(values, name);
        template
            .render(value)?
            .ok_or_else(|| Violations::new("a field of the key has no value"))
    }

    fn hash(&self) -> Result<String, Violations> {
        self.render(E::ENTITY.primary.hash)
    }

    fn sort(&self) -> Result<Option<String>, Violations> {
        E::ENTITY
            .primary
            .sort
            .map(|template| self.render(template))
            .transpose()
    }

    /// The hash key attribute's value; an [`Error::Validation`](crate::Error::Validation) when a
    /// value cannot be part of the key.
    pub fn hash_value(&self) -> crate::Result<String> {
        self.hash().map_err(invalid_key)
    }

    /// The sort key attribute's value, for an entity whose table has a sort key.
    pub fn sort_value(&self) -> crate::Result<Option<String>> {
        self.sort().map_err(invalid_key)
    }
}

fn invalid_key(problem: Violations) -> crate::Error {
    crate::Error::validation_at(&crate::path::DocumentPath::root(), problem)
}

/// The value of the field `name` among stored field values (a key's, or a query's).
pub(crate) fn value_of<'a>(
    values: &'a [(&'static str, AttributeValue)],
    name: &str,
) -> Option<&'a AttributeValue> {
    values
        .iter()
        .find(|(field, _)| *field == name)
        .map(|(_, value)| value)
}

impl<E: Entity> RecordKey for EntityKey<E> {
    fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>), Violations> {
        Ok((
            AttributeValue::S(self.hash()?),
            self.sort()?.map(AttributeValue::S),
        ))
    }

    fn from_key_values(
        hash: AttributeValue,
        sort: Option<AttributeValue>,
    ) -> Result<Self, Violations> {
        let primary = E::ENTITY.primary;
        let read = |template: KeyTemplate, value: Option<AttributeValue>| match value {
            Some(AttributeValue::S(key)) => template.read(&key),
            _ => Err(Violations::new("the key attribute is not a string")),
        };
        let mut values = read(primary.hash, Some(hash))?;
        if let Some(template) = primary.sort {
            values.extend(read(template, sort)?);
        }
        Ok(Self {
            values: Ok(values),
            entity: PhantomData,
        })
    }

    fn key_schemas() -> (TypeSchema, Option<TypeSchema>) {
        let sort = E::ENTITY.primary.sort.map(|_| TypeSchema::String);
        (TypeSchema::String, sort)
    }

    fn scalar_types() -> (ScalarAttributeType, Option<ScalarAttributeType>) {
        let sort = E::ENTITY.primary.sort.map(|_| ScalarAttributeType::S);
        (ScalarAttributeType::S, sort)
    }

    fn entity_schema() -> Option<&'static EntitySchema> {
        Some(E::ENTITY)
    }

    fn template_values(&self) -> &[(&'static str, AttributeValue)] {
        self.values.as_deref().unwrap_or_default()
    }
}
