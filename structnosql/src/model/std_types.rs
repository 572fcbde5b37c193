//! `Attribute` for the standard library's everyday types: their stored forms, chosen so that DynamoDB
//! sorts and compares them usefully, with exact round-trips.
//!
//! | Type | Stored as |
//! |---|---|
//! | `char` | `S`, the one character |
//! | `Duration` | `N`, seconds with up to nine decimals (`"90.5"`) |
//! | `SystemTime` | `N`, seconds since the Unix epoch with up to nine decimals, negative before it |
//! | `IpAddr`, `Ipv4Addr`, `Ipv6Addr` | `S`, the canonical text (`"192.0.2.1"`, `"2001:db8::1"`) |
//! | `NonZeroU8` … `NonZeroI128` | `N`, as the integer; zero is refused |
//! | `Cow<'static, str>` | `S` |
//!
//! `Arc<T>` is stored as `T`, like `Box<T>` (see `attribute.rs`).

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::{
    NonZeroI128, NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI8, NonZeroU128, NonZeroU16,
    NonZeroU32, NonZeroU64, NonZeroU8,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;

use super::attribute::mismatch;
use super::{Attribute, FloatKind, IntegerKind, TypeSchema, Violations};
use crate::path::{FieldPath, ListPath};

/// `Attribute` for a type called `$name`, stored as `$stored`: `$encode` gives the stored value,
/// `$decode` reads it back, and a stored value is valid when `$decode` reads it. Used by the
/// optional crates' types too (`ecosystem`), so it names everything by its full path.
macro_rules! custom_attribute {
    ($ty:ty, $name:expr, $stored:expr, $encode:expr, $decode:expr) => {
        impl $crate::model::Attribute for $ty {
            type Accessor = $crate::path::FieldPath<Self>;
            type ListAccessor = $crate::path::ListPath<Vec<Self>, Self>;
            fn schema() -> $crate::model::TypeSchema {
                use $crate::aws_sdk_dynamodb::types::AttributeValue;
                static SCHEMA: $crate::model::CustomSchema =
                    $crate::model::CustomSchema::new($name, $stored, |value: &AttributeValue| {
                        let decode: fn(&AttributeValue) -> Result<$ty, String> = $decode;
                        decode(value).map(drop)
                    });
                $crate::model::TypeSchema::Custom(&SCHEMA)
            }
            fn to_attribute(
                &self,
            ) -> Result<$crate::aws_sdk_dynamodb::types::AttributeValue, $crate::model::Violations>
            {
                use $crate::aws_sdk_dynamodb::types::AttributeValue;
                let encode: fn(&$ty) -> Result<AttributeValue, String> = $encode;
                encode(self).map_err($crate::model::Violations::new)
            }
            fn from_attribute(
                value: $crate::aws_sdk_dynamodb::types::AttributeValue,
            ) -> Result<Self, $crate::model::Violations> {
                use $crate::aws_sdk_dynamodb::types::AttributeValue;
                let decode: fn(&AttributeValue) -> Result<$ty, String> = $decode;
                decode(&value).map_err($crate::model::Violations::new)
            }
        }
    };
}
pub(super) use custom_attribute;

/// The text of a stored `S`.
pub(super) fn text(value: &AttributeValue) -> Result<&str, String> {
    match value {
        AttributeValue::S(text) => Ok(text),
        other => Err(mismatch(other, TypeSchema::String).to_string()),
    }
}

/// The text of a stored `N`.
pub(super) fn number(value: &AttributeValue) -> Result<&str, String> {
    match value {
        AttributeValue::N(text) => Ok(text),
        other => Err(mismatch(other, TypeSchema::Float(FloatKind::F64)).to_string()),
    }
}

fn decode_char(value: &AttributeValue) -> Result<char, String> {
    let text = text(value)?;
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(only), None) => Ok(only),
        _ => Err(format!("{text:?} is not one character")),
    }
}

custom_attribute!(
    char,
    "a character",
    TypeSchema::String,
    |c| Ok(AttributeValue::S(c.to_string())),
    decode_char
);

/// Seconds and nanoseconds as decimal text: `"90"`, `"90.5"`, `"-1.000000001"`.
pub(super) fn seconds_text(negative: bool, secs: u64, nanos: u32) -> String {
    let sign = if negative && (secs, nanos) != (0, 0) {
        "-"
    } else {
        ""
    };
    if nanos == 0 {
        return format!("{sign}{secs}");
    }
    let fraction = format!("{nanos:09}");
    format!("{sign}{secs}.{}", fraction.trim_end_matches('0'))
}

/// Reads decimal seconds back: whether negative, whole seconds, nanoseconds. At most nine decimals.
pub(super) fn parse_seconds(text: &str) -> Result<(bool, u64, u32), String> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let refused = || format!("{text:?} is not a number of seconds with at most nine decimals");
    if whole.is_empty() || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused());
    }
    let secs: u64 = whole.parse().map_err(|_| refused())?;
    let nanos: u32 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().map_err(|_| refused())?
    };
    Ok((negative, secs, nanos))
}

fn decode_duration(value: &AttributeValue) -> Result<Duration, String> {
    let text = number(value)?;
    match parse_seconds(text)? {
        (true, secs, nanos) if (secs, nanos) != (0, 0) => {
            Err(format!("{text} is negative; a duration is not"))
        }
        (_, secs, nanos) => Ok(Duration::new(secs, nanos)),
    }
}

/// The stored form of seconds: a number with decimals.
pub(super) const SECONDS: TypeSchema = TypeSchema::Float(FloatKind::F64);

custom_attribute!(
    Duration,
    "a duration (seconds)",
    SECONDS,
    |d| Ok(AttributeValue::N(seconds_text(
        false,
        d.as_secs(),
        d.subsec_nanos()
    ))),
    decode_duration
);

/// A time as seconds since the Unix epoch.
pub(super) fn encode_time(time: &SystemTime) -> Result<AttributeValue, String> {
    let text = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => seconds_text(false, after.as_secs(), after.subsec_nanos()),
        Err(before) => {
            let before = before.duration();
            seconds_text(true, before.as_secs(), before.subsec_nanos())
        }
    };
    Ok(AttributeValue::N(text))
}

/// A time from seconds since the Unix epoch.
pub(super) fn decode_time(value: &AttributeValue) -> Result<SystemTime, String> {
    let text = number(value)?;
    let (negative, secs, nanos) = parse_seconds(text)?;
    let offset = Duration::new(secs, nanos);
    let time = if negative {
        UNIX_EPOCH.checked_sub(offset)
    } else {
        UNIX_EPOCH.checked_add(offset)
    };
    time.ok_or_else(|| format!("{text} seconds from the Unix epoch is out of range"))
}

custom_attribute!(
    SystemTime,
    "a time (seconds since the Unix epoch)",
    SECONDS,
    encode_time,
    decode_time
);

/// `Attribute` for a type stored as its canonical text, read back by `FromStr`.
macro_rules! text_attribute {
    ($($ty:ty => $name:literal),* $(,)?) => {$(
        custom_attribute!(
            $ty,
            $name,
            TypeSchema::String,
            |value| Ok(AttributeValue::S(value.to_string())),
            |value: &AttributeValue| {
                let text = text(value)?;
                text.parse::<$ty>().map_err(|_| format!("{text:?} is not {}", $name))
            }
        );
    )*};
}

text_attribute!(
    IpAddr => "an IP address",
    Ipv4Addr => "an IPv4 address",
    Ipv6Addr => "an IPv6 address",
);

/// `Attribute` for the non-zero integers: stored as the integer, zero refused.
macro_rules! non_zero_attribute {
    ($($ty:ty => $inner:ty, $kind:ident, $name:literal),* $(,)?) => {$(
        custom_attribute!(
            $ty,
            $name,
            TypeSchema::Integer(IntegerKind::$kind),
            |value| value.get().to_attribute().map_err(|v| v.to_string()),
            |value: &AttributeValue| {
                let inner = <$inner>::from_attribute(value.clone()).map_err(|v| v.to_string())?;
                <$ty>::new(inner).ok_or_else(|| "0 is not a non-zero integer".to_owned())
            }
        );
    )*};
}

non_zero_attribute!(
    NonZeroU8 => u8, U8, "a non-zero integer (u8)",
    NonZeroU16 => u16, U16, "a non-zero integer (u16)",
    NonZeroU32 => u32, U32, "a non-zero integer (u32)",
    NonZeroU64 => u64, U64, "a non-zero integer (u64)",
    NonZeroU128 => u128, U128, "a non-zero integer (u128)",
    NonZeroI8 => i8, I8, "a non-zero integer (i8)",
    NonZeroI16 => i16, I16, "a non-zero integer (i16)",
    NonZeroI32 => i32, I32, "a non-zero integer (i32)",
    NonZeroI64 => i64, I64, "a non-zero integer (i64)",
    NonZeroI128 => i128, I128, "a non-zero integer (i128)",
);

impl Attribute for Cow<'static, str> {
    type Accessor = FieldPath<Self>;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    fn schema() -> TypeSchema {
        TypeSchema::String
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        Ok(AttributeValue::S(self.to_string()))
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        String::from_attribute(value).map(Cow::Owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_values::round_trip;

    #[test]
    fn everyday_types_round_trip_in_their_documented_forms() {
        assert_eq!(round_trip('é'), AttributeValue::S("é".into()));
        assert_eq!(
            round_trip(Duration::new(90, 500_000_000)),
            AttributeValue::N("90.5".into())
        );
        assert_eq!(round_trip(Duration::ZERO), AttributeValue::N("0".into()));
        assert_eq!(
            round_trip(Duration::new(u64::MAX, 999_999_999)),
            AttributeValue::N("18446744073709551615.999999999".into())
        );
        assert_eq!(
            round_trip(UNIX_EPOCH + Duration::new(1_618_322_249, 1)),
            AttributeValue::N("1618322249.000000001".into())
        );
        assert_eq!(
            round_trip(UNIX_EPOCH - Duration::new(1, 500)),
            AttributeValue::N("-1.0000005".into())
        );
        assert_eq!(
            round_trip("2001:db8::1".parse::<IpAddr>().unwrap()),
            AttributeValue::S("2001:db8::1".into())
        );
        assert_eq!(
            round_trip(Ipv4Addr::new(192, 0, 2, 1)),
            AttributeValue::S("192.0.2.1".into())
        );
        assert_eq!(
            round_trip(NonZeroU64::MAX),
            AttributeValue::N(u64::MAX.to_string())
        );
        assert_eq!(round_trip(NonZeroI8::MIN), AttributeValue::N("-128".into()));
        assert_eq!(
            round_trip(std::sync::Arc::new(7_i64)),
            AttributeValue::N("7".into())
        );
        assert_eq!(
            round_trip(Cow::<'static, str>::Borrowed("hi")),
            AttributeValue::S("hi".into())
        );
    }

    #[test]
    fn values_outside_each_types_rules_are_refused_naming_the_type() {
        let refused = |schema: TypeSchema, value: AttributeValue| {
            crate::model::validation::check_write(schema, &value)
                .unwrap_err()
                .to_string()
        };
        assert!(refused(char::schema(), AttributeValue::S("ab".into())).contains("one character"));
        assert!(refused(char::schema(), AttributeValue::N("1".into())).contains("expected"));
        assert!(refused(Duration::schema(), AttributeValue::N("-2".into())).contains("negative"));
        assert!(
            refused(Duration::schema(), AttributeValue::N("1.0000000001".into()))
                .contains("nine decimals")
        );
        assert!(refused(Duration::schema(), AttributeValue::N("1e3".into())).contains("seconds"));
        assert!(
            refused(IpAddr::schema(), AttributeValue::S("999.1.1.1".into()))
                .contains("an IP address")
        );
        assert!(refused(NonZeroU32::schema(), AttributeValue::N("0".into())).contains("non-zero"));
        assert!(NonZeroU8::from_attribute(AttributeValue::N("256".into())).is_err());
        // Like u128 itself: DynamoDB keeps 38 digits.
        assert!(NonZeroU128::MAX.to_attribute().is_err());
        assert_eq!(Duration::schema().describe(), "a duration (seconds)");
    }
}
