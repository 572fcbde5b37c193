//! DynamoDB numbers: 38 significant digits, magnitudes from 1E-130 to below 1E+126.
//!
//! Numbers travel as decimal strings. Integers are written exactly; floats are written in their shortest
//! round-trip form, in scientific notation so that large magnitudes stay short. Reading accepts any
//! decimal form DynamoDB (or another client) may have stored: `1.5`, `15E-1`, `3.0`.

/// The most significant digits DynamoDB keeps.
pub const MAX_SIGNIFICANT_DIGITS: usize = 38;
/// The largest decimal exponent of a DynamoDB number (9.99…E+125).
const MAX_EXPONENT: i64 = 125;
/// The smallest decimal exponent of a non-zero DynamoDB number (1E-130).
const MIN_EXPONENT: i64 = -130;

/// A decimal number split into its parts: `(-1)^negative × 0.digits × 10^point` is avoided in favour of
/// `digits × 10^exponent`, with `digits` free of leading and trailing zeros (empty for zero).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    /// Parses a decimal string as DynamoDB accepts it: optional sign, digits with an optional point,
    /// optional exponent.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        // Exponents far beyond any storable number are refused here, so that the arithmetic below
        // cannot overflow.
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (
                &rest[..at],
                rest[at + 1..]
                    .parse::<i64>()
                    .ok()
                    .filter(|e| e.abs() < 1 << 40)?,
            ),
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut digits: Vec<u8> = whole
            .bytes()
            .chain(fraction.bytes())
            .map(|b| b - b'0')
            .collect();
        let mut exponent = exponent.checked_sub(i64::try_from(fraction.len()).ok()?)?;
        if whole.len() + fraction.len() > 1 << 20 {
            return None;
        }
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            exponent = 0;
        }
        Some(Self {
            negative: negative && !digits.is_empty(),
            digits,
            exponent,
        })
    }

    /// Whether the number is negative, its significant digits (no leading or trailing zeros; none
    /// for zero), and the power of ten they are multiplied by.
    #[cfg(feature = "rust_decimal")]
    pub(crate) fn parts(&self) -> (bool, &[u8], i64) {
        (self.negative, &self.digits, self.exponent)
    }

    /// Why DynamoDB would reject this number, if it would.
    pub(crate) fn dynamodb_violation(&self) -> Option<String> {
        if self.digits.is_empty() {
            return None;
        }
        if self.digits.len() > MAX_SIGNIFICANT_DIGITS {
            return Some(format!(
                "has {} significant digits; DynamoDB keeps at most {MAX_SIGNIFICANT_DIGITS}",
                self.digits.len()
            ));
        }
        // The exponent of the leading digit in scientific notation.
        let magnitude = self.exponent + self.digits.len() as i64 - 1;
        if magnitude > MAX_EXPONENT {
            return Some("is larger than DynamoDB's maximum of 9.99…E+125".to_owned());
        }
        if magnitude < MIN_EXPONENT {
            return Some("is closer to zero than DynamoDB's minimum of 1E-130".to_owned());
        }
        None
    }

    /// The number as an integer string, if it is whole.
    pub(crate) fn integer_text(&self) -> Option<String> {
        if self.exponent < 0 {
            return None;
        }
        if self.digits.is_empty() {
            return Some("0".to_owned());
        }
        // Larger than any Rust integer type; reject before building a huge string.
        if self.digits.len() as i64 + self.exponent > 40 {
            return None;
        }
        let mut text = String::with_capacity(self.digits.len() + self.exponent as usize + 1);
        if self.negative {
            text.push('-');
        }
        text.extend(self.digits.iter().map(|d| char::from(b'0' + d)));
        text.extend(std::iter::repeat_n('0', self.exponent as usize));
        Some(text)
    }
}

/// Checks a number string before it is sent, returning DynamoDB's objection, if any.
pub(crate) fn check_number_text(text: &str) -> Result<(), String> {
    match Decimal::parse(text) {
        None => Err(format!("{text:?} is not a number")),
        Some(decimal) => match decimal.dynamodb_violation() {
            Some(violation) => Err(format!("{text} {violation}")),
            None => Ok(()),
        },
    }
}

/// Formats an integer for DynamoDB, rejecting more than 38 significant digits. Integers of up to
/// 64 bits have at most 20 digits, so only wider ones are checked.
pub(crate) fn encode_integer<T: std::fmt::Display>(value: T) -> Result<String, String> {
    let text = value.to_string();
    if std::mem::size_of::<T>() <= 8 {
        return Ok(text);
    }
    check_number_text(&text).map(|()| text)
}

/// Parses a stored number as an integer of type `T`.
pub(crate) fn decode_integer<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    // DynamoDB returns integers in plain form, which parses directly; other forms (exponents,
    // trailing zeros after a point) go through the decimal reading.
    if let Ok(value) = text.parse::<T>() {
        return Ok(value);
    }
    let decimal = Decimal::parse(text).ok_or_else(|| format!("{text:?} is not a number"))?;
    let whole = decimal.integer_text().ok_or_else(|| {
        format!(
            "{text} is not an integer of type {}",
            short_type_name::<T>()
        )
    })?;
    whole
        .parse::<T>()
        .map_err(|_| format!("{text} is out of range for {}", short_type_name::<T>()))
}

/// Formats a float for DynamoDB in its shortest round-trip form, rejecting NaN, infinities and
/// magnitudes DynamoDB cannot store.
pub(crate) fn encode_float(
    value: f64,
    shortest: impl std::fmt::LowerExp,
) -> Result<String, String> {
    if !value.is_finite() {
        return Err(format!(
            "{value} cannot be stored: DynamoDB numbers are finite"
        ));
    }
    let text = format!("{shortest:e}");
    check_number_text(&text).map(|()| text)
}

/// Parses a stored number as a float of type `T`.
pub(crate) fn decode_float<T: std::str::FromStr + Float>(text: &str) -> Result<T, String> {
    Decimal::parse(text).ok_or_else(|| format!("{text:?} is not a number"))?;
    let value = text
        .parse::<T>()
        .map_err(|_| format!("{text} is not a number of type {}", short_type_name::<T>()))?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(format!(
            "{text} is out of range for {}",
            short_type_name::<T>()
        ))
    }
}

/// The float types numbers are read into.
pub(crate) trait Float {
    fn is_finite(&self) -> bool;
}
impl Float for f32 {
    fn is_finite(&self) -> bool {
        f32::is_finite(*self)
    }
}
impl Float for f64 {
    fn is_finite(&self) -> bool {
        f64::is_finite(*self)
    }
}

fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.rsplit("::").next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_decimal_forms() {
        assert_eq!(decode_integer::<i64>("1.5E+1").unwrap(), 15);
        assert_eq!(decode_integer::<i64>("3.0").unwrap(), 3);
        assert_eq!(decode_integer::<i64>("-0").unwrap(), 0);
        assert_eq!(decode_integer::<i64>("1200E-2").unwrap(), 12);
        assert!(decode_integer::<i64>("1.5").is_err());
        assert!(decode_integer::<u8>("256").is_err());
        assert!(decode_integer::<u8>("-1").is_err());
        assert!(decode_integer::<i64>("abc").is_err());
        assert!(decode_integer::<i64>("").is_err());
        assert!(decode_integer::<i64>(".").is_err());
        assert!(decode_integer::<i64>("1e999999999999999999999").is_err());
    }

    #[test]
    fn integers_keep_all_38_digits_and_reject_more() {
        let max38 = "99999999999999999999999999999999999999";
        assert_eq!(
            encode_integer(max38.parse::<i128>().unwrap()).unwrap(),
            max38
        );
        assert_eq!(decode_integer::<i128>(max38).unwrap().to_string(), max38);
        assert!(encode_integer(i128::MAX).is_err());
        assert!(encode_integer(u128::MAX).is_err());
        // Trailing zeros are not significant.
        assert!(encode_integer(10u128.pow(38)).is_ok());
    }

    #[test]
    fn floats_round_trip_and_reject_what_dynamodb_cannot_store() {
        for value in [0.1_f64, 3.0, -2.5e-100, 1.0e125, f64::EPSILON, 123456.789] {
            let text = encode_float(value, value).unwrap();
            assert_eq!(decode_float::<f64>(&text).unwrap(), value, "{text}");
        }
        assert_eq!(decode_float::<f64>("3").unwrap(), 3.0);
        assert!(encode_float(f64::NAN, f64::NAN).is_err());
        assert!(encode_float(f64::INFINITY, f64::INFINITY).is_err());
        assert!(encode_float(1.0e200, 1.0e200).is_err());
        assert!(encode_float(1.0e-200, 1.0e-200).is_err());
        assert_eq!(encode_float(0.0, 0.0).unwrap(), "0e0");
        let f = 0.1_f32;
        assert_eq!(
            decode_float::<f32>(&encode_float(f64::from(f), f).unwrap()).unwrap(),
            f
        );
    }
}
