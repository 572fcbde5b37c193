//! The fixed-width texts that chrono's and time's dates and times are stored as: `YYYY-MM-DD`,
//! `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn`, and the latter with `Z` for a UTC instant. Four-digit years and
//! exactly nine fractional digits make string order time order (with a varying number of digits,
//! `"00.5Z"` would sort before `"00Z"`), so years outside 0000–9999 are refused. Reading takes
//! exactly these forms, so that a value written by string path is stored in them too.

/// A calendar date and time of day, as stored: UTC for an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Civil {
    pub(super) year: i32,
    pub(super) month: u32,
    pub(super) day: u32,
    pub(super) hour: u32,
    pub(super) minute: u32,
    /// 60 for a leap second (chrono's).
    pub(super) second: u32,
    /// Below 1_000_000_000.
    pub(super) nanosecond: u32,
}

const DATE: &str = "dddd-dd-dd";
const DATE_TIME: &str = "dddd-dd-ddTdd:dd:dd.ddddddddd";
const UTC: &str = "dddd-dd-ddTdd:dd:dd.dddddddddZ";

/// `YYYY-MM-DD`; years outside 0000–9999 are refused.
pub(super) fn date_text(year: i32, month: u32, day: u32) -> Result<String, String> {
    if !(0..=9999).contains(&year) {
        return Err(format!(
            "the year {year} is outside 0000-9999: dates are stored with four-digit years, so that \
             their text sorts in time order"
        ));
    }
    Ok(format!("{year:04}-{month:02}-{day:02}"))
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn`.
pub(super) fn date_time_text(civil: &Civil) -> Result<String, String> {
    let date = date_text(civil.year, civil.month, civil.day)?;
    Ok(format!(
        "{date}T{:02}:{:02}:{:02}.{:09}",
        civil.hour, civil.minute, civil.second, civil.nanosecond
    ))
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, RFC 3339 in UTC.
pub(super) fn utc_text(civil: &Civil) -> Result<String, String> {
    date_time_text(civil).map(|text| text + "Z")
}

/// The numbers of `text` where `layout` has runs of `d` (one digit each), when its other
/// characters are those of `layout`.
fn numbers<const N: usize>(text: &str, layout: &str) -> Option<[u32; N]> {
    if text.len() != layout.len() {
        return None;
    }
    let mut numbers = Vec::with_capacity(N);
    let mut current: Option<u32> = None;
    for (byte, expected) in text.bytes().zip(layout.bytes()) {
        if expected == b'd' {
            if !byte.is_ascii_digit() {
                return None;
            }
            current = Some(current.unwrap_or(0) * 10 + u32::from(byte - b'0'));
        } else {
            if byte != expected {
                return None;
            }
            numbers.extend(current.take());
        }
    }
    numbers.extend(current);
    numbers.try_into().ok()
}

fn civil([year, month, day, hour, minute, second, nanosecond]: [u32; 7]) -> Civil {
    Civil {
        // Four digits: at most 9999.
        year: year as i32,
        month,
        day,
        hour,
        minute,
        second,
        nanosecond,
    }
}

/// Reads `YYYY-MM-DD`: year, month and day, not yet checked to be a date.
pub(super) fn parse_date(text: &str) -> Result<(i32, u32, u32), String> {
    match numbers(text, DATE) {
        Some([year, month, day]) => Ok((year as i32, month, day)),
        None => Err(format!("{text:?} is not a date in the form YYYY-MM-DD")),
    }
}

/// Reads `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn`, not yet checked to be a date and time.
pub(super) fn parse_date_time(text: &str) -> Result<Civil, String> {
    numbers(text, DATE_TIME).map(civil).ok_or_else(|| {
        format!("{text:?} is not a date and time in the form YYYY-MM-DDTHH:MM:SS.nnnnnnnnn")
    })
}

/// Reads `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, not yet checked to be a date and time.
pub(super) fn parse_utc(text: &str) -> Result<Civil, String> {
    numbers(text, UTC).map(civil).ok_or_else(|| {
        format!(
            "{text:?} is not a UTC time in the form YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ (RFC 3339 with \
             nine decimals)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAST: Civil = Civil {
        year: 9999,
        month: 12,
        day: 31,
        hour: 23,
        minute: 59,
        second: 59,
        nanosecond: 999_999_999,
    };

    #[test]
    fn texts_have_fixed_widths_and_read_back() {
        assert_eq!(date_text(0, 1, 1).unwrap(), "0000-01-01");
        assert_eq!(parse_date("0000-01-01").unwrap(), (0, 1, 1));
        let first = Civil {
            year: 7,
            month: 2,
            day: 3,
            hour: 4,
            minute: 5,
            second: 6,
            nanosecond: 7,
        };
        assert_eq!(
            date_time_text(&first).unwrap(),
            "0007-02-03T04:05:06.000000007"
        );
        assert_eq!(
            parse_date_time("0007-02-03T04:05:06.000000007").unwrap(),
            first
        );
        assert_eq!(utc_text(&LAST).unwrap(), "9999-12-31T23:59:59.999999999Z");
        assert_eq!(parse_utc("9999-12-31T23:59:59.999999999Z").unwrap(), LAST);
    }

    #[test]
    fn years_outside_four_digits_are_refused_on_write() {
        for year in [-1, 10_000, i32::MIN, i32::MAX] {
            let message = date_text(year, 1, 1).unwrap_err();
            assert!(message.contains("outside 0000-9999"), "{message}");
            assert!(utc_text(&Civil { year, ..LAST }).is_err());
        }
    }

    #[test]
    fn only_the_exact_layout_is_read() {
        for text in [
            "2026-12-05T02:10:00Z",
            "2026-12-05T02:10:00.5Z",
            "2026-12-05T02:10:00.0000000000Z",
            "2026-12-05T02:10:00.000000000+00:00",
            "2026-12-05t02:10:00.000000000z",
            "2026-12-05 02:10:00.000000000Z",
            "+2026-12-05T02:10:00.000000000Z",
            "-0001-12-05T02:10:00.000000000Z",
            "2026-12-05T02:10:00.000000000",
            "2026-12-05T02:10:00.00000000aZ",
            "2026-12-05T02:10:00.000000000Zé",
            "",
        ] {
            assert!(parse_utc(text).is_err(), "{text}");
        }
        for text in [
            "2026-12-5",
            "20261205",
            "10000-01-01",
            "2026-12-05Z",
            "2026-12-0٣",
        ] {
            assert!(parse_date(text).is_err(), "{text}");
        }
        assert!(parse_date_time("2026-12-05T02:10:00.000000000Z").is_err());
        assert!(parse_utc("2026-12-05T02:10:00Z")
            .unwrap_err()
            .contains("YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"));
    }
}
