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

    /// The record from a DynamoDB item. Attributes the model does not know are ignored.
    fn from_item(item: Item) -> Result<Self> {
        Self::from_attribute(AttributeValue::M(item))
            .map_err(|violations| Error::stored_data_at(&DocumentPath::root(), violations))
    }
}
