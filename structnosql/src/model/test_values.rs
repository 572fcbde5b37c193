//! Helpers of the stored-form tests: round trips, refusals and stored values in few characters.

use aws_sdk_dynamodb::types::AttributeValue;

use super::validation::check_write;
use super::Attribute;

/// Stores `value`, checks that it reads back equal and that its stored form passes validation (as a
/// string-path write of it would), and returns the stored form.
pub(crate) fn round_trip<T: Attribute + PartialEq + std::fmt::Debug>(value: T) -> AttributeValue {
    let stored = value.to_attribute().unwrap();
    assert_eq!(T::from_attribute(stored.clone()).unwrap(), value);
    check_write(T::schema(), &stored).unwrap();
    stored
}

/// Checks that `T` refuses the stored `value`, on read and on validation, and returns the message.
pub(crate) fn refused<T: Attribute>(value: AttributeValue) -> String {
    assert!(T::from_attribute(value.clone()).is_err());
    check_write(T::schema(), &value).unwrap_err().to_string()
}

/// A stored string.
pub(crate) fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

/// A stored number.
pub(crate) fn n(text: &str) -> AttributeValue {
    AttributeValue::N(text.into())
}
