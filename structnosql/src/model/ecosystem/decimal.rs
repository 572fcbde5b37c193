//! `Attribute` for `rust_decimal::Decimal` (cargo feature `rust_decimal`).
//!
//! | Type | Stored as |
//! |---|---|
//! | `Decimal` | `N`, every digit (`"-79228162514264337593543950335"`, `"0.0000000000000000000000000001"`), without trailing zeros |
//!
//! DynamoDB keeps 38 significant digits and a Decimal at most 29, so every Decimal is stored
//! exactly. DynamoDB drops trailing zeros, and so does the stored form: `1.50` reads back as `1.5`,
//! equal as a Decimal (its scale is 1, not 2). Reading accepts any number DynamoDB stores (`15E-1`
//! too), and refuses, rather than rounds, one a Decimal cannot hold exactly: more than 28 decimal
//! places, or a magnitude of 2^96 or more.

use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::Decimal;

use crate::model::number;
use crate::model::std_types::{custom_attribute, number as number_text};
use crate::model::{FloatKind, TypeSchema};

fn encode_decimal(decimal: &Decimal) -> Result<AttributeValue, String> {
    let text = decimal.normalize().to_string();
    number::check_number_text(&text).map(|()| AttributeValue::N(text))
}

fn decode_decimal(value: &AttributeValue) -> Result<Decimal, String> {
    let text = number_text(value)?;
    let parsed = number::Decimal::parse(text).ok_or_else(|| format!("{text:?} is not a number"))?;
    let (negative, digits, exponent) = parsed.parts();
    let inexact = |why: &str| format!("{text} cannot be held exactly by a Decimal: {why}");
    // A Decimal's mantissa is below 2^96, which has 29 digits.
    if digits.len() > 29 {
        return Err(inexact("it has more than 29 significant digits"));
    }
    let mut mantissa = digits
        .iter()
        .fold(0_i128, |mantissa, &digit| mantissa * 10 + i128::from(digit));
    let scale = match u32::try_from(exponent) {
        Ok(power) => {
            mantissa = 10_i128
                .checked_pow(power)
                .and_then(|factor| mantissa.checked_mul(factor))
                .ok_or_else(|| inexact("it is too large"))?;
            0
        }
        Err(_) => {
            u32::try_from(-exponent).map_err(|_| inexact("it has too many decimal places"))?
        }
    };
    if negative {
        mantissa = -mantissa;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|error| inexact(&error.to_string()))
}

custom_attribute!(
    Decimal,
    "a decimal number",
    TypeSchema::Float(FloatKind::F64),
    encode_decimal,
    decode_decimal
);

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::model::Attribute;

    fn round_trip(value: Decimal) -> AttributeValue {
        let stored = value.to_attribute().unwrap();
        let read = Decimal::from_attribute(stored.clone()).unwrap();
        assert_eq!(read, value);
        assert_eq!(read.to_string(), value.normalize().to_string());
        crate::model::validation::check_write(Decimal::schema(), &stored).unwrap();
        stored
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(text.into())
    }

    fn decimal(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn refused(value: AttributeValue) -> String {
        assert!(Decimal::from_attribute(value.clone()).is_err(), "{value:?}");
        crate::model::validation::check_write(Decimal::schema(), &value)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn decimals_are_stored_with_every_digit() {
        for (value, text) in [
            (Decimal::MAX, "79228162514264337593543950335"),
            (Decimal::MIN, "-79228162514264337593543950335"),
            (Decimal::ZERO, "0"),
            (decimal("-0"), "0"),
            (
                decimal("0.0000000000000000000000000001"),
                "0.0000000000000000000000000001",
            ),
            (
                decimal("-0.0000000000000000000000000001"),
                "-0.0000000000000000000000000001",
            ),
            (
                decimal("7.9228162514264337593543950335"),
                "7.9228162514264337593543950335",
            ),
            (
                decimal("1.2345678901234567890123456789"),
                "1.2345678901234567890123456789",
            ),
            (decimal("12345.6789"), "12345.6789"),
        ] {
            assert_eq!(round_trip(value), n(text), "{value}");
        }
        // Trailing zeros are not stored (DynamoDB would drop them): equal, with a smaller scale.
        assert_eq!(round_trip(decimal("1.50")), n("1.5"));
        assert_eq!(round_trip(decimal("100.000")), n("100"));
        assert_eq!(Decimal::from_attribute(n("1.5")).unwrap().scale(), 1);
        assert_eq!(
            round_trip_list(vec![Decimal::ONE, Decimal::NEGATIVE_ONE]),
            AttributeValue::L(vec![n("1"), n("-1")])
        );
        assert_eq!(Decimal::schema().describe(), "a decimal number");
    }

    fn round_trip_list(values: Vec<Decimal>) -> AttributeValue {
        let stored = values.to_attribute().unwrap();
        assert_eq!(
            Vec::<Decimal>::from_attribute(stored.clone()).unwrap(),
            values
        );
        stored
    }

    #[test]
    fn numbers_in_any_form_read_exactly() {
        for (text, value) in [
            ("15E-1", "1.5"),
            ("1.5e3", "1500"),
            ("-0.00", "0"),
            (
                "7.9228162514264337593543950335E+28",
                "79228162514264337593543950335",
            ),
            ("1E-28", "0.0000000000000000000000000001"),
            (
                "123456789012345678901234567800000000000E-10",
                "12345678901234567890123456780",
            ),
            // A trailing zero is not a significant digit.
            (
                "1.23456789012345678901234567890",
                "1.2345678901234567890123456789",
            ),
        ] {
            assert_eq!(
                Decimal::from_attribute(n(text)).unwrap(),
                decimal(value),
                "{text}"
            );
        }
    }

    #[test]
    fn numbers_a_decimal_cannot_hold_exactly_are_refused_not_rounded() {
        for text in [
            // 2^96: one more than Decimal::MAX.
            "79228162514264337593543950336",
            "-79228162514264337593543950336",
            // 29 decimal places.
            "0.00000000000000000000000000001",
            "1.00000000000000000000000000001",
            // 30 and 38 significant digits.
            "1.23456789012345678901234567891",
            "12345678901234567890123456789012345678",
            "1E+29",
            "9.99E+125",
            "1E-130",
        ] {
            let message = refused(n(text));
            assert!(
                message.contains("cannot be held exactly by a Decimal"),
                "{text}: {message}"
            );
        }
        assert!(refused(n("abc")).contains("not a number"));
        assert!(refused(AttributeValue::S("1".into())).contains("expected"));
    }
}
