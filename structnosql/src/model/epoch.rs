//! [`EpochSeconds<T>`]: a time stored as a number of seconds since the Unix epoch, chosen per field.
//!
//! | Type | Stored as |
//! |---|---|
//! | `EpochSeconds<SystemTime>` | `N`, seconds since 1970-01-01T00:00:00Z with up to nine decimals, negative before it (`"1618322249.000000001"`, `"-1.5"`) |
//! | `EpochSeconds<chrono::DateTime<Utc>>` (feature `chrono`) | the same; a leap second, which epoch seconds cannot tell from the second after it, is refused |
//! | `EpochSeconds<time::OffsetDateTime>` (feature `time`) | the same; read back with offset UTC (the same instant) |
//!
//! Reading accepts a plain decimal number of seconds with at most nine decimals, as written; a time
//! the inner type cannot hold is an error.

use std::ops::{Deref, DerefMut};
use std::time::SystemTime;

use super::std_types::{custom_attribute, decode_time, encode_time, SECONDS};
#[cfg(any(feature = "chrono", feature = "time"))]
use super::std_types::{number, parse_seconds, seconds_text};

/// A time stored as a DynamoDB number: seconds since the Unix epoch (1970-01-01T00:00:00Z) with up
/// to nine decimals, negative before it. Numbers sort and compare as times, and epoch seconds are
/// what other programs (and DynamoDB's time to live) read.
///
/// Implemented for [`SystemTime`], whose own stored form is the same, and for
/// `chrono::DateTime<Utc>` (cargo feature `chrono`) and `time::OffsetDateTime` (cargo feature
/// `time`, read back with offset UTC: the same instant), whose own stored forms are RFC 3339 text.
/// Wrap a field to choose the number:
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use structnosql::{EpochSeconds, TableDataModel};
///
/// #[derive(TableDataModel)]
/// struct Login {
///     id: String,
///     at: EpochSeconds<SystemTime>,
/// }
///
/// let login = Login { id: "l1".into(), at: EpochSeconds(UNIX_EPOCH + Duration::from_millis(1500)) };
/// let item = login.to_item()?;
/// assert_eq!(item["at"].as_n().map(String::as_str), Ok("1.5"));
/// # Ok::<(), structnosql::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochSeconds<T>(pub T);

impl<T> EpochSeconds<T> {
    /// The time inside.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for EpochSeconds<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for EpochSeconds<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for EpochSeconds<T> {
    fn from(value: T) -> Self {
        EpochSeconds(value)
    }
}

impl From<EpochSeconds<SystemTime>> for SystemTime {
    fn from(value: EpochSeconds<SystemTime>) -> Self {
        value.0
    }
}

/// The name of every `EpochSeconds<T>` in messages.
pub(super) const NAME: &str = "a time (seconds since the Unix epoch)";

custom_attribute!(
    EpochSeconds<SystemTime>,
    NAME,
    SECONDS,
    |time| encode_time(&time.0),
    |value| decode_time(value).map(EpochSeconds)
);

#[cfg(any(feature = "chrono", feature = "time"))]
const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// The stored text of the time `total` nanoseconds from the Unix epoch (negative before it).
#[cfg(any(feature = "chrono", feature = "time"))]
pub(super) fn nanos_text(total: i128) -> Result<String, String> {
    let magnitude = total.unsigned_abs();
    let secs = u64::try_from(magnitude / NANOS_PER_SECOND)
        .map_err(|_| format!("{total} nanoseconds from the Unix epoch is out of range"))?;
    let nanos = (magnitude % NANOS_PER_SECOND) as u32;
    Ok(seconds_text(total < 0, secs, nanos))
}

/// The nanoseconds from the Unix epoch of a stored number of seconds.
#[cfg(any(feature = "chrono", feature = "time"))]
pub(super) fn parse_nanos(value: &aws_sdk_dynamodb::types::AttributeValue) -> Result<i128, String> {
    let (negative, secs, nanos) = parse_seconds(number(value)?)?;
    let magnitude = i128::from(secs) * NANOS_PER_SECOND as i128 + i128::from(nanos);
    Ok(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use crate::model::test_values::{n, round_trip};
    use std::time::{Duration, UNIX_EPOCH};

    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;
    use crate::model::Attribute;

    #[test]
    fn system_times_are_stored_as_decimal_epoch_seconds() {
        assert_eq!(round_trip(EpochSeconds(UNIX_EPOCH)), n("0"));
        assert_eq!(
            round_trip(EpochSeconds(UNIX_EPOCH + Duration::new(1_618_322_249, 1))),
            n("1618322249.000000001")
        );
        assert_eq!(
            round_trip(EpochSeconds(UNIX_EPOCH - Duration::new(1, 500_000_000))),
            n("-1.5")
        );
        assert_eq!(
            round_trip(Some(vec![EpochSeconds(
                UNIX_EPOCH + Duration::from_secs(60)
            )])),
            AttributeValue::L(vec![n("60")])
        );
        // The same stored form as a plain SystemTime.
        let time = UNIX_EPOCH + Duration::new(5, 25);
        assert_eq!(
            EpochSeconds(time).to_attribute().unwrap(),
            time.to_attribute().unwrap()
        );
        assert_eq!(EpochSeconds::<SystemTime>::schema().describe(), NAME);
        let wrapped: EpochSeconds<SystemTime> = time.into();
        assert_eq!(SystemTime::from(wrapped), time);
        assert_eq!(wrapped.into_inner(), time);
        assert!(EpochSeconds(UNIX_EPOCH) < EpochSeconds(time));
    }

    #[test]
    fn stored_values_that_are_not_epoch_seconds_are_refused() {
        let refused = |value: AttributeValue| {
            crate::model::validation::check_write(EpochSeconds::<SystemTime>::schema(), &value)
                .unwrap_err()
                .to_string()
        };
        assert!(refused(n("1.0000000001")).contains("nine decimals"));
        assert!(refused(n("1e3")).contains("seconds"));
        assert!(refused(AttributeValue::S("1".into())).contains("expected"));
    }

    #[cfg(any(feature = "chrono", feature = "time"))]
    #[test]
    fn nanosecond_counts_have_one_text_each_way() {
        for (total, text) in [
            (0, "0"),
            (1, "0.000000001"),
            (-1, "-0.000000001"),
            (-1_500_000_000, "-1.5"),
            (253_402_300_799_999_999_999, "253402300799.999999999"),
        ] {
            assert_eq!(nanos_text(total).unwrap(), text);
            assert_eq!(parse_nanos(&n(text)).unwrap(), total);
        }
        assert_eq!(parse_nanos(&n("-0")).unwrap(), 0);
        assert!(nanos_text(i128::MAX).is_err());
        assert_eq!(
            parse_nanos(&n("18446744073709551615.999999999")).unwrap(),
            18_446_744_073_709_551_615_999_999_999
        );
    }
}
