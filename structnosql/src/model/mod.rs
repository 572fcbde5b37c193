//! Models: the traits the derive macros implement, and the static schema they generate.
//!
//! - [`Attribute`]: how a type is stored (implemented for standard types and every derived type).
//! - [`MapModel`]: a struct stored as a DynamoDB map, with a static [`ModelSchema`].
//! - [`TableDataModel`]: a struct stored as a whole record (an item).

pub(crate) mod attribute;
pub(crate) mod number;
mod schema;
mod violation;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

pub use attribute::{Attribute, SetElement};
pub use schema::{
    AttributeCheck, FieldSchema, FloatKind, IntegerKind, ModelSchema, NumberKind, SchemaFn,
    TypeSchema,
};
pub use violation::{Violation, Violations};

use crate::error::{Error, Result};
use crate::path::DocumentPath;

/// A DynamoDB item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// A struct stored as a DynamoDB map. Implement it with `#[derive(MapModel)]`.
pub trait MapModel: Attribute {
    /// The static description of the model's fields.
    fn model_schema() -> &'static ModelSchema;
}

/// A struct stored as a whole DynamoDB record. Implement it with `#[derive(TableDataModel)]`.
pub trait TableDataModel: MapModel {
    /// The record as a DynamoDB item, checked: every problem is reported with its path.
    fn to_item(&self) -> Result<Item> {
        match self.to_attribute() {
            Ok(AttributeValue::M(item)) => Ok(item),
            Ok(other) => Err(Error::validation_at(
                &DocumentPath::root(),
                attribute::mismatch(&other, Self::schema()),
            )),
            Err(violations) => Err(Error::validation_at(&DocumentPath::root(), violations)),
        }
    }

    /// Checks the record as a write would, without converting it for good.
    fn validate(&self) -> Result<()> {
        self.to_item().map(drop)
    }

    /// The record from a DynamoDB item. Attributes the model does not know are ignored; anything else
    /// that does not match the model is an [`Error::InvalidStoredData`] naming every offending path.
    fn from_item(item: Item) -> Result<Self> {
        Self::from_attribute(AttributeValue::M(item))
            .map_err(|violations| Error::stored_data_at(&DocumentPath::root(), violations))
    }

    /// The record from a DynamoDB item, leniently: invalid optional fields, map entries and list items
    /// are dropped and reported in [`Lenient::dropped`]. A missing or invalid required field is still an
    /// error.
    fn from_item_lenient(item: Item) -> Result<Lenient<Self>> {
        let lenient = decode_lenient::<Self>(AttributeValue::M(item), &DocumentPath::root())?;
        match lenient.value {
            Some(value) => Ok(Lenient {
                value,
                dropped: lenient.dropped,
            }),
            None => Err(Error::InvalidStoredData {
                violations: lenient.dropped,
            }),
        }
    }
}

/// A value read leniently, and what was dropped from it because it did not match the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Lenient<T> {
    /// What could be read.
    pub value: T,
    /// The parts left out, each with its path and the reason.
    pub dropped: Vec<Violation>,
}

/// Reads a value stored at `base` leniently (see [`TableDataModel::from_item_lenient`]). An invalid
/// value of an optional type reads as `None`; of a required type, it is an error.
pub fn decode_lenient<T: Attribute>(
    value: AttributeValue,
    base: &DocumentPath,
) -> Result<Lenient<Option<T>>> {
    let pruned = crate::validate::prune_read(T::schema(), value);
    let dropped: Vec<Violation> = pruned.dropped.at(base).into_iter().collect();
    match pruned.value {
        Some(value) => {
            let value = T::from_attribute(value)
                .map_err(|violations| Error::stored_data_at(base, violations))?;
            Ok(Lenient {
                value: Some(value),
                dropped,
            })
        }
        None if T::schema().is_optional() => Ok(Lenient {
            value: None,
            dropped,
        }),
        None => Err(Error::InvalidStoredData {
            violations: dropped,
        }),
    }
}
