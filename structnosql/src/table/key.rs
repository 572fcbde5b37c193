//! Record keys: a hash key, or a hash and a sort key, of the types the model declares.

use aws_sdk_dynamodb::types::{AttributeValue, ScalarAttributeType};

use crate::model::{Attribute, TypeSchema, Violations};

/// A type that can be a key attribute: one stored as a string, a number or bytes. Besides `String`,
/// the integers and `Vec<u8>`: `SystemTime` and [`EpochSeconds<T>`](crate::EpochSeconds) (numbers),
/// and with their cargo features `uuid::Uuid`, chrono's `DateTime<Utc>`, `NaiveDate` and
/// `NaiveDateTime`, the time crate's `OffsetDateTime`, `Date` and `PrimitiveDateTime`, `url::Url`
/// (strings, whose order is time order for the times) and `rust_decimal::Decimal` (a number). A
/// newtype of one of these is a key type too with `#[derive(Attribute)]` and `#[structnosql(key)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a key attribute",
    label = "not a key type",
    note = "a key attribute is a string, a number or bytes: String, an integer, Vec<u8>, SystemTime, \
            EpochSeconds<T>, (with their cargo features) Uuid, chrono and time dates and times, Url, Decimal, \
            or a newtype of one with `#[derive(Attribute)] #[structnosql(key)]`"
)]
pub trait KeyPart: Attribute + Clone + std::fmt::Debug {
    /// DynamoDB's type for the key attribute.
    fn scalar_type() -> ScalarAttributeType;
}

macro_rules! key_part {
    ($scalar:ident: $($ty:ty),*) => {$(
        impl KeyPart for $ty {
            fn scalar_type() -> ScalarAttributeType {
                ScalarAttributeType::$scalar
            }
        }
        impl RecordKey for $ty {
            fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>), Violations> {
                Ok((self.to_attribute()?, None))
            }
            fn from_key_values(hash: AttributeValue, sort: Option<AttributeValue>) -> Result<Self, Violations> {
                single_key(hash, sort)
            }
            fn key_schemas() -> (TypeSchema, Option<TypeSchema>) {
                (Self::schema(), None)
            }
            fn scalar_types() -> (ScalarAttributeType, Option<ScalarAttributeType>) {
                (Self::scalar_type(), None)
            }
        }
    )*};
}

key_part!(S: String);
key_part!(N: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
key_part!(B: Vec<u8>);
key_part!(N: std::time::SystemTime, crate::EpochSeconds<std::time::SystemTime>);
#[cfg(feature = "uuid")]
key_part!(S: uuid::Uuid);
#[cfg(feature = "chrono")]
key_part!(S: chrono::DateTime<chrono::Utc>, chrono::NaiveDate, chrono::NaiveDateTime);
#[cfg(feature = "chrono")]
key_part!(N: crate::EpochSeconds<chrono::DateTime<chrono::Utc>>);
#[cfg(feature = "time")]
key_part!(S: time::OffsetDateTime, time::Date, time::PrimitiveDateTime);
#[cfg(feature = "time")]
key_part!(N: crate::EpochSeconds<time::OffsetDateTime>);
#[cfg(feature = "url")]
key_part!(S: url::Url);
#[cfg(feature = "rust_decimal")]
key_part!(N: rust_decimal::Decimal);

/// A key of one attribute from the stored key values (a table without a sort key).
pub fn single_key<T: Attribute>(
    hash: AttributeValue,
    sort: Option<AttributeValue>,
) -> Result<T, Violations> {
    match sort {
        None => T::from_attribute(hash),
        Some(_) => Err(Violations::new(
            "the table has a sort key; use a (hash, sort) key type",
        )),
    }
}

/// The key of a record: `K` for a table with a hash key only, `(H, S)` for one with a sort key.
pub trait RecordKey: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The hash key value and, for a composite key, the sort key value.
    fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>), Violations>;
    /// The key from stored key values.
    fn from_key_values(
        hash: AttributeValue,
        sort: Option<AttributeValue>,
    ) -> Result<Self, Violations>;
    /// The schemas of the hash and sort parts.
    fn key_schemas() -> (TypeSchema, Option<TypeSchema>);
    /// DynamoDB's types of the hash and sort parts.
    fn scalar_types() -> (ScalarAttributeType, Option<ScalarAttributeType>);
    /// The entity whose records the key addresses (an [`EntityKey`](crate::entity::EntityKey)).
    #[doc(hidden)]
    fn entity_schema() -> Option<&'static crate::entity::EntitySchema> {
        None
    }
    /// The stored values of the fields an entity's key is made of, by attribute name.
    #[doc(hidden)]
    fn template_values(&self) -> &[(&'static str, AttributeValue)] {
        &[]
    }
}

impl<H: KeyPart, S: KeyPart> RecordKey for (H, S) {
    fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>), Violations> {
        Ok((self.0.to_attribute()?, Some(self.1.to_attribute()?)))
    }
    fn from_key_values(
        hash: AttributeValue,
        sort: Option<AttributeValue>,
    ) -> Result<Self, Violations> {
        let sort = sort.ok_or_else(|| Violations::new("the record has no sort key value"))?;
        Ok((H::from_attribute(hash)?, S::from_attribute(sort)?))
    }
    fn key_schemas() -> (TypeSchema, Option<TypeSchema>) {
        (H::schema(), Some(S::schema()))
    }
    fn scalar_types() -> (ScalarAttributeType, Option<ScalarAttributeType>) {
        (H::scalar_type(), Some(S::scalar_type()))
    }
}

/// A value given for a key attribute in a query: any [`KeyPart`], or a `&str`.
pub trait KeyValueInput {
    /// The stored form of the value.
    fn into_key_value(self) -> Result<AttributeValue, Violations>;
}

impl<T: KeyPart> KeyValueInput for T {
    fn into_key_value(self) -> Result<AttributeValue, Violations> {
        self.to_attribute()
    }
}

impl KeyValueInput for &str {
    fn into_key_value(self) -> Result<AttributeValue, Violations> {
        Ok(AttributeValue::S(self.to_owned()))
    }
}
