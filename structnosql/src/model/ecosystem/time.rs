//! `Attribute` for the time crate's dates and times (cargo feature `time`).
//!
//! | Type | Stored as |
//! |---|---|
//! | `OffsetDateTime` | `S`, RFC 3339 in UTC with exactly nine decimals (`"2026-12-05T02:10:00.000000000Z"`); read back with offset UTC |
//! | `Date` | `S`, `"2026-12-05"` |
//! | `PrimitiveDateTime` | `S`, `"2026-12-05T02:10:00.000000000"` (exactly nine decimals) |
//! | `EpochSeconds<OffsetDateTime>` | `N`, seconds since the Unix epoch with up to nine decimals, negative before it; read back with offset UTC |
//!
//! An `OffsetDateTime` is stored as its instant in UTC: it reads back as the same instant (equal to
//! the value written, as `OffsetDateTime` compares instants) with offset UTC, not the offset it was
//! written with. The texts have fixed widths, so that their order is time order; years outside
//! 0000–9999 (the crate's `large-dates` range, or a time whose UTC date leaves that range) are
//! refused on write. Reading accepts only these forms (not RFC 3339 with another offset or another
//! number of decimals).

use ::time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use aws_sdk_dynamodb::types::AttributeValue;

use super::calendar::{self, Civil};
use crate::model::epoch::{self, nanos_text, parse_nanos, EpochSeconds};
use crate::model::std_types::{custom_attribute, number, text, SECONDS};
use crate::model::TypeSchema;

fn civil(value: &PrimitiveDateTime) -> Civil {
    Civil {
        year: value.year(),
        month: u8::from(value.month()).into(),
        day: value.day().into(),
        hour: value.hour().into(),
        minute: value.minute().into(),
        second: value.second().into(),
        nanosecond: value.nanosecond(),
    }
}

fn date(year: i32, month: u32, day: u32, text: &str) -> Result<Date, String> {
    let invalid = |error: &dyn std::fmt::Display| format!("{text:?} is not a valid date: {error}");
    // Two digits each: the conversions to u8 hold.
    let month = Month::try_from(month as u8).map_err(|error| invalid(&error))?;
    Date::from_calendar_date(year, month, day as u8).map_err(|error| invalid(&error))
}

fn primitive(civil: Civil, text: &str) -> Result<PrimitiveDateTime, String> {
    let date = date(civil.year, civil.month, civil.day, text)?;
    let time = Time::from_hms_nano(
        civil.hour as u8,
        civil.minute as u8,
        civil.second as u8,
        civil.nanosecond,
    )
    .map_err(|error| format!("{text:?} is not a valid time of day: {error}"))?;
    Ok(PrimitiveDateTime::new(date, time))
}

fn encode_utc(time: &OffsetDateTime) -> Result<AttributeValue, String> {
    let utc = time
        .checked_to_offset(UtcOffset::UTC)
        .ok_or_else(|| format!("{time} is out of range in UTC"))?;
    calendar::utc_text(&civil(&PrimitiveDateTime::new(utc.date(), utc.time())))
        .map(AttributeValue::S)
}

fn decode_utc(value: &AttributeValue) -> Result<OffsetDateTime, String> {
    let text = text(value)?;
    primitive(calendar::parse_utc(text)?, text).map(PrimitiveDateTime::assume_utc)
}

custom_attribute!(
    OffsetDateTime,
    "a UTC time (RFC 3339 with nine decimals)",
    TypeSchema::String,
    encode_utc,
    decode_utc
);

fn decode_date(value: &AttributeValue) -> Result<Date, String> {
    let text = text(value)?;
    let (year, month, day) = calendar::parse_date(text)?;
    date(year, month, day, text)
}

custom_attribute!(
    Date,
    "a date (YYYY-MM-DD)",
    TypeSchema::String,
    |date| calendar::date_text(
        date.year(),
        u8::from(date.month()).into(),
        date.day().into()
    )
    .map(AttributeValue::S),
    decode_date
);

fn decode_date_time(value: &AttributeValue) -> Result<PrimitiveDateTime, String> {
    let text = text(value)?;
    primitive(calendar::parse_date_time(text)?, text)
}

custom_attribute!(
    PrimitiveDateTime,
    "a date and time (YYYY-MM-DDTHH:MM:SS.nnnnnnnnn)",
    TypeSchema::String,
    |time| calendar::date_time_text(&civil(time)).map(AttributeValue::S),
    decode_date_time
);

impl From<EpochSeconds<OffsetDateTime>> for OffsetDateTime {
    fn from(value: EpochSeconds<OffsetDateTime>) -> Self {
        value.0
    }
}

fn decode_epoch(value: &AttributeValue) -> Result<EpochSeconds<OffsetDateTime>, String> {
    OffsetDateTime::from_unix_timestamp_nanos(parse_nanos(value)?)
        .map(EpochSeconds)
        .map_err(|_| {
            format!(
                "{} seconds from the Unix epoch is out of the time crate's range",
                number(value).unwrap_or_default()
            )
        })
}

custom_attribute!(
    EpochSeconds<OffsetDateTime>,
    epoch::NAME,
    SECONDS,
    |time| nanos_text(time.0.unix_timestamp_nanos()).map(AttributeValue::N),
    decode_epoch
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_values::{n, refused, round_trip, s};
    use crate::model::Attribute;

    fn day(year: i32, month: u8, day: u8) -> Date {
        Date::from_calendar_date(year, Month::try_from(month).unwrap(), day).unwrap()
    }

    fn at(
        year: i32,
        month: u8,
        d: u8,
        hour: u8,
        minute: u8,
        sec: u8,
        nano: u32,
    ) -> PrimitiveDateTime {
        day(year, month, d).with_time(Time::from_hms_nano(hour, minute, sec, nano).unwrap())
    }

    fn utc(
        year: i32,
        month: u8,
        d: u8,
        hour: u8,
        minute: u8,
        sec: u8,
        nano: u32,
    ) -> OffsetDateTime {
        at(year, month, d, hour, minute, sec, nano).assume_utc()
    }

    #[test]
    fn offset_times_are_stored_in_utc_with_nine_decimals() {
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
        ] {
            assert_eq!(round_trip(time), s(text));
        }
        // Another offset: stored as the UTC instant, read back with offset UTC.
        let paris =
            at(2026, 12, 5, 3, 10, 0, 0).assume_offset(UtcOffset::from_hms(1, 0, 0).unwrap());
        assert_eq!(round_trip(paris), s("2026-12-05T02:10:00.000000000Z"));
        let read = OffsetDateTime::from_attribute(paris.to_attribute().unwrap()).unwrap();
        assert_eq!(read.offset(), UtcOffset::UTC);
        assert_eq!(read, paris);
        assert_eq!(
            round_trip(Some(vec![utc(2026, 1, 2, 3, 4, 5, 6)])),
            AttributeValue::L(vec![s("2026-01-02T03:04:05.000000006Z")])
        );
    }

    #[test]
    fn stored_text_sorts_in_time_order() {
        let minus_two = UtcOffset::from_hms(-2, 0, 0).unwrap();
        let mut times = [
            utc(2026, 12, 5, 2, 10, 0, 0),
            utc(2026, 12, 5, 2, 10, 0, 500_000_000),
            at(2026, 12, 5, 1, 10, 0, 1).assume_offset(minus_two),
            utc(1969, 12, 31, 23, 59, 59, 999_999_999),
            utc(0, 1, 1, 0, 0, 0, 0),
            utc(9999, 12, 31, 23, 59, 59, 999_999_999),
        ];
        let text = |time: &OffsetDateTime| time.to_attribute().unwrap().as_s().unwrap().clone();
        let mut texts: Vec<String> = times.iter().map(text).collect();
        times.sort();
        texts.sort();
        assert_eq!(texts, times.iter().map(text).collect::<Vec<_>>());
    }

    #[test]
    fn dates_and_primitive_times_have_fixed_widths() {
        assert_eq!(round_trip(day(2026, 12, 5)), s("2026-12-05"));
        assert_eq!(round_trip(day(0, 1, 1)), s("0000-01-01"));
        assert_eq!(round_trip(day(9999, 12, 31)), s("9999-12-31"));
        assert_eq!(round_trip(day(2024, 2, 29)), s("2024-02-29"));
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
        assert_eq!(Date::schema().describe(), "a date (YYYY-MM-DD)");
    }

    #[test]
    fn years_beyond_four_digits_are_refused_on_write() {
        let message = utc(-1, 12, 31, 0, 0, 0, 0)
            .to_attribute()
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("the year -1 is outside 0000-9999"),
            "{message}"
        );
        assert!(day(-1, 1, 1).to_attribute().is_err());
        assert!(at(-9999, 1, 1, 0, 0, 0, 0).to_attribute().is_err());
        assert!(Date::MIN.to_attribute().is_err());
        // In range with its offset, out of range in UTC: year 10000 (or beyond the crate's range).
        let late =
            at(9999, 12, 31, 23, 0, 0, 0).assume_offset(UtcOffset::from_hms(-2, 0, 0).unwrap());
        assert!(late.to_attribute().is_err());
        let early = at(0, 1, 1, 1, 0, 0, 0).assume_offset(UtcOffset::from_hms(2, 0, 0).unwrap());
        assert!(early
            .to_attribute()
            .unwrap_err()
            .to_string()
            .contains("the year -1"));
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
            "2016-12-31T23:59:60.000000000Z",
            "10000-01-01T00:00:00.000000000Z",
        ] {
            let message = refused::<OffsetDateTime>(s(text));
            assert!(message.contains(text), "{message}");
        }
        assert!(
            refused::<OffsetDateTime>(s("2026-02-30T00:00:00.000000000Z"))
                .contains("not a valid date")
        );
        assert!(refused::<OffsetDateTime>(n("1")).contains("expected"));
        for text in ["2023-02-29", "2026-13-01", "2026-00-01", "2026-12-5"] {
            assert!(refused::<Date>(s(text)).contains(text));
        }
        for text in [
            "2026-12-05T02:10:00.000000000Z",
            "2026-12-05T02:10:00",
            "2026-12-05",
        ] {
            assert!(refused::<PrimitiveDateTime>(s(text)).contains("YYYY-MM-DDTHH:MM:SS.nnnnnnnnn"));
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
        // The crate's whole range, beyond four-digit years; other offsets read back as UTC.
        round_trip(EpochSeconds(PrimitiveDateTime::MAX.assume_utc()));
        round_trip(EpochSeconds(PrimitiveDateTime::MIN.assume_utc()));
        let offset =
            at(2026, 1, 1, 0, 0, 0, 0).assume_offset(UtcOffset::from_hms(5, 30, 0).unwrap());
        let read = EpochSeconds::<OffsetDateTime>::from_attribute(round_trip(EpochSeconds(offset)))
            .unwrap();
        assert_eq!((read.0, read.0.offset()), (offset, UtcOffset::UTC));
        assert_eq!(OffsetDateTime::from(EpochSeconds(offset)), offset);
        let message = refused::<EpochSeconds<OffsetDateTime>>(n("100000000000000000"));
        assert!(
            message.contains("out of the time crate's range"),
            "{message}"
        );
        assert!(
            refused::<EpochSeconds<OffsetDateTime>>(n("1.0000000001")).contains("nine decimals")
        );
        assert!(refused::<EpochSeconds<OffsetDateTime>>(s("0")).contains("expected"));
    }
}
