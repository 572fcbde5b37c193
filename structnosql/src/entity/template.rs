//! Key templates: a key attribute's value built from a record's fields, such as
//! `"ORDER#{created_at}#{order_id}"`, parsed by the derive into static pieces. Values are written
//! so that their order as strings is their order as values (DynamoDB orders sort keys as strings),
//! a template's leading fields give the prefix of a `begins_with` query, and a key reads back into
//! the values it was made of.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::model::Violations;
use crate::path::Segment;

/// One piece of a key template, as the derive emits it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPiece {
    /// Literal text.
    Text(&'static str),
    /// A field's value: the field's attribute name and how its type is written.
    Field {
        /// The field's attribute name.
        name: &'static str,
        /// How the value is written.
        encoding: KeyEncoding,
    },
}

/// How a value is written into a key.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEncoding {
    /// A string as it is stored.
    Text,
    /// An unsigned integer of `bits` bits, zero-padded to the digits of the type's largest value.
    Unsigned {
        /// The type's width.
        bits: u32,
    },
    /// A signed integer of `bits` bits: zero and above as unsigned, below zero `-` and the distance
    /// from the type's smallest value (`-` sorts before every digit).
    Signed {
        /// The type's width.
        bits: u32,
    },
}

/// A key template: its pieces, text and fields alternating (the derive refuses two fields with no
/// text between them).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTemplate(pub &'static [KeyPiece]);

impl KeyTemplate {
    /// The attribute names of the fields the template holds, in order.
    pub(crate) fn fields(self) -> impl Iterator<Item = &'static str> {
        self.0.iter().filter_map(|piece| match piece {
            KeyPiece::Field { name, .. } => Some(*name),
            KeyPiece::Text(_) => None,
        })
    }

    /// The key of the values `value` gives by attribute name; `None` when one is absent (or
    /// `NULL`). A value that could not be read back from the key (one holding the text that
    /// follows it) or of the wrong stored type is a problem at its field.
    pub(crate) fn render<'a>(
        self,
        value: impl FnMut(&str) -> Option<&'a AttributeValue>,
    ) -> Result<Option<String>, Violations> {
        let (key, given) = self.leading(value)?;
        Ok((given == self.fields().count()).then_some(key))
    }

    /// What every key whose first fields hold the values `value` gives starts with: the text up to
    /// the first field without a value, the text that follows the last given one included (so that
    /// `2026-12-0` does not match `2026-12-04`); and how many fields were given.
    pub(crate) fn leading<'a>(
        self,
        mut value: impl FnMut(&str) -> Option<&'a AttributeValue>,
    ) -> Result<(String, usize), Violations> {
        let mut key = String::new();
        let mut given = 0;
        for (index, piece) in self.0.iter().enumerate() {
            match *piece {
                KeyPiece::Text(text) => key.push_str(text),
                KeyPiece::Field { name, encoding } => {
                    let Some(stored) =
                        value(name).filter(|v| !matches!(v, AttributeValue::Null(_)))
                    else {
                        break;
                    };
                    let written = write(stored, encoding)
                        .map_err(|problem| problem.inside(Segment::Field(name)))?;
                    if let Some(KeyPiece::Text(next)) = self.0.get(index + 1) {
                        if written.contains(next) {
                            return Err(Violations::new(format!(
                                "{written:?} holds {next:?}, which follows it in the key template, \
                                 so the key could not be read back"
                            ))
                            .inside(Segment::Field(name)));
                        }
                    }
                    key.push_str(&written);
                    given += 1;
                }
            }
        }
        Ok((key, given))
    }

    /// The stored values a key was rendered from, by attribute name; a problem when `key` does not
    /// follow the template.
    pub(crate) fn read(self, key: &str) -> Result<Vec<(&'static str, AttributeValue)>, Violations> {
        let mut rest = key;
        let mut values = Vec::new();
        let mismatch = || Violations::new(format!("{key:?} does not follow the key template"));
        for (index, piece) in self.0.iter().enumerate() {
            match *piece {
                KeyPiece::Text(text) => rest = rest.strip_prefix(text).ok_or_else(mismatch)?,
                KeyPiece::Field { name, encoding } => {
                    let end = match self.0.get(index + 1) {
                        Some(KeyPiece::Text(next)) => rest.find(next).ok_or_else(mismatch)?,
                        _ => rest.len(),
                    };
                    let (written, after) = rest.split_at(end);
                    values.push((name, read(written, encoding).ok_or_else(mismatch)?));
                    rest = after;
                }
            }
        }
        if rest.is_empty() {
            Ok(values)
        } else {
            Err(mismatch())
        }
    }
}

/// A stored value as written into a key.
pub(crate) fn write(value: &AttributeValue, encoding: KeyEncoding) -> Result<String, Violations> {
    let unexpected = || {
        Violations::new(format!(
            "{value:?} cannot be written into a key as {encoding:?}"
        ))
    };
    match (encoding, value) {
        (KeyEncoding::Text, AttributeValue::S(text)) => Ok(text.clone()),
        (KeyEncoding::Unsigned { bits }, AttributeValue::N(number)) => number
            .parse::<u128>()
            .ok()
            .map(|number| write_unsigned(number, bits))
            .ok_or_else(unexpected),
        (KeyEncoding::Signed { bits }, AttributeValue::N(number)) => number
            .parse::<i128>()
            .ok()
            .map(|number| write_signed(number, bits))
            .ok_or_else(unexpected),
        _ => Err(unexpected()),
    }
}

/// A value written into a key, back in its stored form; `None` if it was not written so.
fn read(written: &str, encoding: KeyEncoding) -> Option<AttributeValue> {
    match encoding {
        KeyEncoding::Text => Some(AttributeValue::S(written.to_owned())),
        KeyEncoding::Unsigned { bits } => {
            if written.len() != unsigned_digits(bits)
                || !written.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let number = written.parse::<u128>().ok()?;
            Some(AttributeValue::N(number.to_string()))
        }
        KeyEncoding::Signed { bits } => {
            let (negative, digits) = match written.strip_prefix('-') {
                Some(digits) => (true, digits),
                None => (false, written),
            };
            if digits.len() != signed_digits(bits) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let magnitude = digits.parse::<i128>().ok()?;
            let number = if negative {
                signed_min(bits).checked_add(magnitude)?
            } else {
                magnitude
            };
            Some(AttributeValue::N(number.to_string()))
        }
    }
}

/// The digits of the largest unsigned integer of `bits` bits.
fn unsigned_digits(bits: u32) -> usize {
    (u128::MAX >> (128 - bits.clamp(1, 128))).to_string().len()
}

/// The digits of the largest signed integer of `bits` bits.
fn signed_digits(bits: u32) -> usize {
    (i128::MAX >> (128 - bits.clamp(1, 128))).to_string().len()
}

/// The smallest signed integer of `bits` bits.
fn signed_min(bits: u32) -> i128 {
    i128::MIN >> (128 - bits.clamp(1, 128))
}

/// An unsigned integer written in the digits of its type's largest value, so that string order is
/// numeric order: `42` as a `u32` is `0000000042`.
pub(crate) fn write_unsigned(value: u128, bits: u32) -> String {
    let digits = unsigned_digits(bits);
    format!("{value:0digits$}")
}

/// A signed integer of `bits` bits written so that string order is numeric order: zero and above
/// in the digits of the type's largest value, below zero as `-` and the distance from the type's
/// smallest value in as many digits (`-` sorts before every digit). `-1` as an `i32` is
/// `-2147483647`; `i32::MIN` is `-0000000000`.
pub(crate) fn write_signed(value: i128, bits: u32) -> String {
    let digits = signed_digits(bits);
    if value >= 0 {
        format!("{value:0digits$}")
    } else {
        // Below zero and at least the type's smallest value, so the distance is in 0..=max.
        let from_min = value.wrapping_sub(signed_min(bits));
        format!("-{from_min:0digits$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: KeyEncoding = KeyEncoding::Text;

    const ORDER: KeyTemplate = KeyTemplate(&[
        KeyPiece::Text("ORDER#"),
        KeyPiece::Field {
            name: "createdAt",
            encoding: TEXT,
        },
        KeyPiece::Text("#"),
        KeyPiece::Field {
            name: "orderId",
            encoding: TEXT,
        },
    ]);

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn values<'a>(
        pairs: &'a [(&'static str, AttributeValue)],
    ) -> impl Fn(&str) -> Option<&'a AttributeValue> {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    #[test]
    fn renders_and_reads_back() {
        let pairs = [("createdAt", s("2026-12-04")), ("orderId", s("o#9"))];
        let key = ORDER.render(values(&pairs)).unwrap().unwrap();
        assert_eq!(key, "ORDER#2026-12-04#o#9");
        assert_eq!(ORDER.read(&key).unwrap(), pairs.to_vec());
        assert_eq!(ORDER.render(values(&pairs[..1])).unwrap(), None);
        assert!(ORDER.read("CUSTOMER#c1").is_err());
        assert_eq!(ORDER.fields().collect::<Vec<_>>(), ["createdAt", "orderId"]);
    }

    #[test]
    fn a_value_holding_the_text_after_it_is_refused() {
        let pairs = [("createdAt", s("2026#12")), ("orderId", s("o9"))];
        let problem = ORDER.render(values(&pairs)).unwrap_err();
        assert!(problem.to_string().contains("createdAt"), "{problem}");
    }

    #[test]
    fn prefixes_end_with_the_text_after_the_last_given_field() {
        assert_eq!(ORDER.leading(values(&[])).unwrap(), ("ORDER#".into(), 0));
        let day = [("createdAt", s("2026-12-04"))];
        assert_eq!(
            ORDER.leading(values(&day)).unwrap(),
            ("ORDER#2026-12-04#".into(), 1)
        );
        let order = [("orderId", s("o9"))];
        assert_eq!(
            ORDER.leading(values(&order)).unwrap(),
            ("ORDER#".into(), 0),
            "only leading fields count"
        );
    }

    #[test]
    fn integers_are_written_readably() {
        assert_eq!(write_unsigned(42, 32), "0000000042");
        assert_eq!(write_signed(42, 32), "0000000042");
        assert_eq!(write_signed(-1, 32), "-2147483647");
        assert_eq!(write_signed(i128::from(i32::MIN), 32), "-0000000000");
        assert_eq!(write_signed(i128::from(i64::MAX), 64), i64::MAX.to_string());
        assert_eq!(write_signed(i128::MIN, 128), format!("-{}", "0".repeat(39)));
        assert_eq!(write_unsigned(u128::MAX, 128), u128::MAX.to_string());
    }

    proptest! {
        /// String order is numeric order, for every width, and keys read back.
        #[test]
        fn signed_integers_keep_their_order_and_read_back(a: i64, b: i64) {
            let encoding = KeyEncoding::Signed { bits: 64 };
            let (wa, wb) = (write_signed(a.into(), 64), write_signed(b.into(), 64));
            prop_assert_eq!(wa.cmp(&wb), a.cmp(&b));
            prop_assert_eq!(read(&wa, encoding), Some(AttributeValue::N(a.to_string())));
            let (a8, b8) = (a as i8, b as i8);
            prop_assert_eq!(
                write_signed(a8.into(), 8).cmp(&write_signed(b8.into(), 8)),
                a8.cmp(&b8)
            );
            prop_assert_eq!(
                read(&write_signed(a8.into(), 8), KeyEncoding::Signed { bits: 8 }),
                Some(AttributeValue::N(a8.to_string()))
            );
        }

        #[test]
        fn unsigned_integers_keep_their_order_and_read_back(a: u64, b: u64) {
            let (wa, wb) = (write_unsigned(a.into(), 64), write_unsigned(b.into(), 64));
            prop_assert_eq!(wa.cmp(&wb), a.cmp(&b));
            prop_assert_eq!(
                read(&wa, KeyEncoding::Unsigned { bits: 64 }),
                Some(AttributeValue::N(a.to_string()))
            );
        }

        /// A key starts with the prefix of any of its leading values, and no key of other leading
        /// values does; it reads back into its values.
        #[test]
        fn keys_start_with_the_prefixes_of_their_leading_values(
            a in "[a-z0-9-]{1,6}", b in "[a-z0-9#]{0,6}", other in "[a-z0-9-]{1,6}",
        ) {
            let pairs = [("createdAt", s(&a)), ("orderId", s(&b))];
            let key = ORDER.render(values(&pairs)).unwrap().unwrap();
            let prefix = |first: &str| {
                let given = [("createdAt", s(first))];
                ORDER.leading(values(&given)).unwrap().0
            };
            prop_assert!(key.starts_with(&ORDER.leading(values(&[])).unwrap().0));
            prop_assert!(key.starts_with(&prefix(&a)));
            if other != a {
                prop_assert!(!key.starts_with(&prefix(&other)));
            }
            prop_assert_eq!(ORDER.read(&key).unwrap(), pairs.to_vec());
        }
    }
}
