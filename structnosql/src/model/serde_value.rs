//! Any serde type stored as one value, converted by `serde_dynamo`.

use std::ops::{Deref, DerefMut};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::schema::CustomSchema;
use super::{Attribute, TypeSchema, Violations};
use crate::path::{FieldPath, ListPath};

/// A value of any `Serialize + Deserialize` type, stored whole in the form `serde_dynamo` gives it (a
/// struct as a map, a sequence as a list, an enum as serde lays it out). For types structnosql has
/// no attribute for, such as the types of other crates or enums that carry data.
///
/// Limits: it is read and written whole; there are no typed or string paths inside it. What is
/// written is checked for what DynamoDB accepts (numbers, empty keys, depth); what is read must
/// deserialize into `T`, or the read is an [`Error::InvalidStoredData`](crate::Error) naming the field.
///
/// ```
/// use structnosql::{Serde, TableDataModel};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
/// #[serde(tag = "kind")]
/// enum Payment {
///     Card { last4: String },
///     Transfer { iban: String },
/// }
///
/// #[derive(TableDataModel)]
/// struct Order {
///     id: String,
///     payment: Serde<Payment>,
/// }
///
/// let order = Order { id: "o1".into(), payment: Serde(Payment::Card { last4: "4242".into() }) };
/// let item = order.to_item()?;
/// assert!(item["payment"].as_m().is_ok_and(|map| map.contains_key("kind")));
/// # Ok::<(), structnosql::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Serde<T>(pub T);

impl<T> Deref for Serde<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Serde<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for Serde<T> {
    fn from(value: T) -> Self {
        Serde(value)
    }
}

/// The schema of every `Serde<T>`: one opaque value, checked for what DynamoDB accepts.
static OPAQUE: CustomSchema = CustomSchema::new(
    "a serde value",
    TypeSchema::Any,
    |_: &AttributeValue| Ok(()),
);

impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> Attribute for Serde<T> {
    type Accessor = FieldPath<Self>;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    fn schema() -> TypeSchema {
        TypeSchema::Custom(&OPAQUE)
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        let value: AttributeValue = serde_dynamo::to_attribute_value(&self.0)
            .map_err(|error| Violations::new(error.to_string()))?;
        super::validation::check_free_form(&value)?;
        Ok(value)
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        serde_dynamo::from_attribute_value(value)
            .map(Serde)
            .map_err(|error| Violations::new(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
    #[serde(tag = "kind", content = "data")]
    enum Payment {
        Card { last4: String },
        Transfer(String),
        Cash,
    }

    #[test]
    fn serde_values_round_trip_whole_and_refuse_what_does_not_deserialize() {
        for payment in [
            Payment::Card {
                last4: "4242".into(),
            },
            Payment::Transfer("FR76".into()),
            Payment::Cash,
        ] {
            let stored = Serde(payment.clone()).to_attribute().unwrap();
            assert_eq!(Serde::<Payment>::from_attribute(stored).unwrap().0, payment);
        }
        let unknown = Serde(serde_json::json!({"kind": "Cheque"}))
            .to_attribute()
            .unwrap();
        assert!(Serde::<Payment>::from_attribute(unknown).is_err());
        assert_eq!(Serde::<Payment>::schema().describe(), "a serde value");
        assert!(!Serde::<Payment>::schema().is_container());
    }
}
