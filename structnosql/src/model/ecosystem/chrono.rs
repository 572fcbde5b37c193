//! `Attribute` for chrono's dates and times (cargo feature `chrono`).
//!
//! | Type | Stored as |
//! |---|---|
//! | `DateTime<Utc>` | `S`, RFC 3339 in UTC with exactly nine decimals (`"2026-12-05T02:10:00.000000000Z"`) |
//! | `NaiveDate` | `S`, `"2026-12-05"` |
//! | `NaiveDateTime` | `S`, `"2026-12-05T02:10:00.000000000"` (exactly nine decimals) |
//! | `EpochSeconds<DateTime<Utc>>` | `N`, seconds since the Unix epoch with up to nine decimals, negative before it |
//!
//! The texts have fixed widths, so that their order is time order; years outside 0000–9999 are
//! refused on write. Reading accepts only these forms (not RFC 3339 with another offset or another
//! number of decimals). A leap second (chrono's second 59 with 1_000_000_000 nanoseconds or more)
//! is stored as second 60 (`"2016-12-31T23:59:60.500000000Z"`), and refused as epoch seconds, which
//! cannot tell it from the second after it.

use ::chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use aws_sdk_dynamodb::types::AttributeValue;

use super::calendar::{self, Civil};
use crate::model::epoch::{self, nanos_text, parse_nanos, EpochSeconds};
use crate::model::std_types::{custom_attribute, number, text, SECONDS};
use crate::model::TypeSchema;

const NANOS: u32 = 1_000_000_000;

fn civil(value: &NaiveDateTime) -> Civil {
    // chrono keeps a leap second as second 59 with a nanosecond count from 1_000_000_000.
    let (second, nanosecond) = match value.nanosecond().checked_sub(NANOS) {
        Some(leap) => (60, leap),
        None => (value.second(), value.nanosecond()),
    };
    Civil {
        year: value.year(),
        month: value.month(),
        day: value.day(),
        hour: value.hour(),
        minute: value.minute(),
        second,
        nanosecond,
    }
}

fn naive(civil: Civil, text: &str) -> Result<NaiveDateTime, String> {
    let date = NaiveDate::from_ymd_opt(civil.year, civil.month, civil.day)
        .ok_or_else(|| format!("{text:?} is not a valid date"))?;
    let (second, nanosecond) = match civil.second {
        60 => (59, civil.nanosecond + NANOS),
        second => (second, civil.nanosecond),
    };
    let time = NaiveTime::from_hms_nano_opt(civil.hour, civil.minute, second, nanosecond)
        .ok_or_else(|| format!("{text:?} is not a valid time of day"))?;
    Ok(date.and_time(time))
}

fn decode_utc(value: &AttributeValue) -> Result<DateTime<Utc>, String> {
    let text = text(value)?;
    naive(calendar::parse_utc(text)?, text).map(|naive| naive.and_utc())
}

custom_attribute!(
    DateTime<Utc>,
    "a UTC time (RFC 3339 with nine decimals)",
    TypeSchema::String,
    |time| calendar::utc_text(&civil(&time.naive_utc())).map(AttributeValue::S),
    decode_utc
);

fn decode_date(value: &AttributeValue) -> Result<NaiveDate, String> {
    let text = text(value)?;
    let (year, month, day) = calendar::parse_date(text)?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| format!("{text:?} is not a valid date"))
}

custom_attribute!(
    NaiveDate,
    "a date (YYYY-MM-DD)",
    TypeSchema::String,
    |date| calendar::date_text(date.year(), date.month(), date.day()).map(AttributeValue::S),
    decode_date
);

fn decode_date_time(value: &AttributeValue) -> Result<NaiveDateTime, String> {
    let text = text(value)?;
    naive(calendar::parse_date_time(text)?, text)
}

custom_attribute!(
    NaiveDateTime,
    "a date and time (YYYY-MM-DDTHH:MM:SS.nnnnnnnnn)",
    TypeSchema::String,
    |time| calendar::date_time_text(&civil(time)).map(AttributeValue::S),
    decode_date_time
);

impl From<EpochSeconds<DateTime<Utc>>> for DateTime<Utc> {
    fn from(value: EpochSeconds<DateTime<Utc>>) -> Self {
        value.0
    }
}

fn encode_epoch(time: &EpochSeconds<DateTime<Utc>>) -> Result<AttributeValue, String> {
    let nanos = time.0.timestamp_subsec_nanos();
    if nanos >= NANOS {
        return Err(format!(
            "{} is a leap second, which seconds since the Unix epoch cannot tell from the second \
             after it",
            time.0
        ));
    }
    nanos_text(i128::from(time.0.timestamp()) * i128::from(NANOS) + i128::from(nanos))
        .map(AttributeValue::N)
}

fn decode_epoch(value: &AttributeValue) -> Result<EpochSeconds<DateTime<Utc>>, String> {
    let total = parse_nanos(value)?;
    let nanos = i128::from(NANOS);
    i64::try_from(total.div_euclid(nanos))
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, total.rem_euclid(nanos) as u32))
        .map(EpochSeconds)
        .ok_or_else(|| {
            format!(
                "{} seconds from the Unix epoch is out of chrono's range",
                number(value).unwrap_or_default()
            )
        })
}

custom_attribute!(
    EpochSeconds<DateTime<Utc>>,
    epoch::NAME,
    SECONDS,
    encode_epoch,
    decode_epoch
);

#[cfg(test)]
mod tests {
    use crate::model::test_values::{n, refused, round_trip, s};
    use std::collections::HashMap;

    use super::*;
    use crate::model::Attribute;

    fn at(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        sec: u32,
        nano: u32,
    ) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(year, month, day)
            .unwrap()
            .and_hms_nano_opt(hour, minute, sec, nano)
            .unwrap()
    }

    fn utc(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        sec: u32,
        nano: u32,
    ) -> DateTime<Utc> {
        at(year, month, day, hour, minute, sec, nano).and_utc()
    }

    #[test]
    fn utc_times_are_stored_as_rfc_3339_with_nine_decimals() {
        for (time, text) in [
            (
                utc(2026, 12, 5, 2, 10, 0, 0),
                "2026-12-05T02:10:00.000000000Z",
            ),
            (utc(0, 1, 1, 0, 0, 0, 0), "0000-01-01T00:00:00.000000000Z"),
            (
                utc(9999, 12, 31, 23, 59, 59, 999_999_999),
                "9999-12-31T23:59:59.999999999Z",
            ),
            (
                utc(1970, 1, 1, 0, 0, 0, 1),
                "1970-01-01T00:00:00.000000001Z",
            ),
            (
                utc(1969, 12, 31, 23, 59, 59, 500_000_000),
                "1969-12-31T23:59:59.500000000Z",
            ),
            (
                utc(2016, 12, 31, 23, 59, 59, 1_500_000_000),
                "2016-12-31T23:59:60.500000000Z",
            ),
        ] {
            assert_eq!(round_trip(time), s(text));
        }
        assert_eq!(
            round_trip(Some(vec![utc(2026, 1, 2, 3, 4, 5, 6)])),
            AttributeValue::L(vec![s("2026-01-02T03:04:05.000000006Z")])
        );
        let map = HashMap::from([("start".to_owned(), utc(2026, 1, 2, 3, 4, 5, 0))]);
        assert_eq!(
            round_trip(map),
            AttributeValue::M(HashMap::from([(
                "start".to_owned(),
                s("2026-01-02T03:04:05.000000000Z")
            )]))
        );
    }

    #[test]
    fn stored_text_sorts_in_time_order() {
        let mut times = vec![
            utc(2026, 12, 5, 2, 10, 0, 0),
            utc(2026, 12, 5, 2, 10, 0, 500_000_000),
            utc(2026, 12, 5, 2, 10, 1, 0),
            utc(1969, 12, 31, 23, 59, 59, 999_999_999),
            utc(0, 1, 1, 0, 0, 0, 0),
            utc(9999, 12, 31, 23, 59, 59, 999_999_999),
            utc(2016, 12, 31, 23, 59, 59, 1_000_000_000),
            utc(2016, 12, 31, 23, 59, 59, 999_999_999),
            utc(2017, 1, 1, 0, 0, 0, 0),
        ];
        let text = |time: &DateTime<Utc>| time.to_attribute().unwrap().as_s().unwrap().clone();
        let mut texts: Vec<String> = times.iter().map(text).collect();
        times.sort();
        texts.sort();
        assert_eq!(texts, times.iter().map(text).collect::<Vec<_>>());
    }

    #[test]
    fn dates_and_naive_times_have_fixed_widths() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(round_trip(date(2026, 12, 5)), s("2026-12-05"));
        assert_eq!(round_trip(date(0, 1, 1)), s("0000-01-01"));
        assert_eq!(round_trip(date(9999, 12, 31)), s("9999-12-31"));
        assert_eq!(round_trip(date(2024, 2, 29)), s("2024-02-29"));
        assert_eq!(
            round_trip(at(2026, 12, 5, 2, 10, 0, 0)),
            s("2026-12-05T02:10:00.000000000")
        );
        assert_eq!(
            round_trip(at(9999, 12, 31, 23, 59, 59, 999_999_999)),
            s("9999-12-31T23:59:59.999999999")
        );
        assert_eq!(
            round_trip(at(0, 1, 1, 0, 0, 0, 1)),
            s("0000-01-01T00:00:00.000000001")
        );
        assert_eq!(NaiveDate::schema().describe(), "a date (YYYY-MM-DD)");
    }

    #[test]
    fn years_beyond_four_digits_are_refused_on_write() {
        for year in [10_000, -1] {
            let message = utc(year, 1, 1, 0, 0, 0, 0)
                .to_attribute()
                .unwrap_err()
                .to_string();
            assert!(
                message.contains(&format!("the year {year} is outside 0000-9999")),
                "{message}"
            );
            assert!(NaiveDate::from_ymd_opt(year, 1, 1)
                .unwrap()
                .to_attribute()
                .is_err());
            assert!(at(year, 1, 1, 0, 0, 0, 0).to_attribute().is_err());
        }
        assert!(DateTime::<Utc>::MAX_UTC.to_attribute().is_err());
        assert!(NaiveDate::MIN.to_attribute().is_err());
    }

    #[test]
    fn other_texts_are_refused_on_read() {
        for text in [
            "2026-12-05T02:10:00Z",
            "2026-12-05T02:10:00.5Z",
            "2026-12-05T04:10:00.000000000+02:00",
            "2026-12-05T02:10:00.000000000",
            "2026-02-30T00:00:00.000000000Z",
            "2026-12-05T24:00:00.000000000Z",
            "2026-12-05T23:59:61.000000000Z",
            "10000-01-01T00:00:00.000000000Z",
        ] {
            let message = refused::<DateTime<Utc>>(s(text));
            assert!(message.contains(text), "{message}");
        }
        assert!(
            refused::<DateTime<Utc>>(s("2026-02-30T00:00:00.000000000Z"))
                .contains("not a valid date")
        );
        assert!(refused::<DateTime<Utc>>(n("1")).contains("expected"));
        for text in [
            "2023-02-29",
            "2026-13-01",
            "2026-12-5",
            "2026-12-05T00:00:00.000000000",
        ] {
            assert!(refused::<NaiveDate>(s(text)).contains(text));
        }
        for text in [
            "2026-12-05T02:10:00.000000000Z",
            "2026-12-05T02:10:00",
            "2026-12-05",
        ] {
            assert!(refused::<NaiveDateTime>(s(text)).contains("YYYY-MM-DDTHH:MM:SS.nnnnnnnnn"));
        }
    }

    #[test]
    fn epoch_seconds_keep_nanoseconds_on_both_sides_of_1970() {
        for (time, text) in [
            (utc(1970, 1, 1, 0, 0, 0, 0), "0"),
            (utc(2021, 4, 13, 13, 57, 29, 1), "1618322249.000000001"),
            (utc(1969, 12, 31, 23, 59, 58, 500_000_000), "-1.5"),
            (utc(1969, 12, 31, 23, 59, 59, 999_999_999), "-0.000000001"),
            (utc(0, 1, 1, 0, 0, 0, 0), "-62167219200"),
            (
                utc(9999, 12, 31, 23, 59, 59, 999_999_999),
                "253402300799.999999999",
            ),
        ] {
            assert_eq!(round_trip(EpochSeconds(time)), n(text));
        }
        // chrono's whole range, beyond four-digit years.
        round_trip(EpochSeconds(DateTime::<Utc>::MAX_UTC));
        round_trip(EpochSeconds(DateTime::<Utc>::MIN_UTC));
        assert_eq!(
            DateTime::<Utc>::from(EpochSeconds(utc(2026, 1, 1, 0, 0, 0, 0))),
            utc(2026, 1, 1, 0, 0, 0, 0)
        );
        let leap = EpochSeconds(utc(2016, 12, 31, 23, 59, 59, 1_000_000_000));
        assert!(leap
            .to_attribute()
            .unwrap_err()
            .to_string()
            .contains("leap second"));
        let message = refused::<EpochSeconds<DateTime<Utc>>>(n("100000000000000000"));
        assert!(message.contains("out of chrono's range"), "{message}");
        assert!(refused::<EpochSeconds<DateTime<Utc>>>(n("1.0000000001")).contains("nine decimals"));
        assert!(refused::<EpochSeconds<DateTime<Utc>>>(s("0")).contains("expected"));
    }
}
