//! Version numbers for optimistic locking (`#[structnosql(version)]`).

use aws_sdk_dynamodb::types::AttributeValue;

/// The types a version field can have: integers, optionally absent (a record not yet written).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a version field",
    label = "a version is an i32, i64, u32 or u64, or an Option of one",
    note = "`#[structnosql(version)]` marks the integer that optimistic locking increments"
)]
pub trait VersionNumber {}

macro_rules! version_numbers {
    ($($ty:ty),*) => {$(
        impl VersionNumber for $ty {}
        impl VersionNumber for Option<$ty> {}
    )*};
}

version_numbers!(i32, i64, u32, u64);

/// The types a TTL field can have: epoch seconds as an integer, optionally absent (no expiry).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a TTL field",
    label = "a TTL is epoch seconds: an i64 or u64, or an Option of one",
    note = "`#[structnosql(ttl)]` marks the expiry time DynamoDB's time to live reads"
)]
pub trait TtlSeconds {}

impl TtlSeconds for i64 {}
impl TtlSeconds for u64 {}
impl TtlSeconds for Option<i64> {}
impl TtlSeconds for Option<u64> {}

/// The version stored after `current`: 1 for a record without one.
pub(crate) fn next(current: Option<&AttributeValue>) -> Result<AttributeValue, String> {
    match current {
        None => Ok(AttributeValue::N("1".into())),
        Some(AttributeValue::N(text)) => text
            .parse::<i64>()
            .ok()
            .and_then(|version| version.checked_add(1))
            .map(|next| AttributeValue::N(next.to_string()))
            .ok_or_else(|| format!("the version {text} is not an integer that can be incremented")),
        Some(_) => Err("the version is not a number".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_from_one() {
        assert_eq!(next(None), Ok(AttributeValue::N("1".into())));
        assert_eq!(
            next(Some(&AttributeValue::N("41".into()))),
            Ok(AttributeValue::N("42".into()))
        );
        assert!(next(Some(&AttributeValue::N(i64::MAX.to_string()))).is_err());
        assert!(next(Some(&AttributeValue::S("1".into()))).is_err());
    }
}
