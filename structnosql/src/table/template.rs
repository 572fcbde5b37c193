//! Key templates for single-table design: a key attribute's value built from a record's fields,
//! such as `"ORDER#{created_at}#{order_id}"`. Field values are written so that their order as
//! strings is their order as values (DynamoDB orders sort keys as strings), and a template's
//! leading fields give the prefix a `begins_with` query of a partition uses.

use std::fmt;

/// A parsed key template: literal text and the fields whose values go between it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyTemplate {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(String),
}

/// Why a key template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TemplateError {
    /// A `{` without its `}`.
    Unclosed { at: usize },
    /// A `}` without its `{`.
    Stray { at: usize },
    /// `{}`, or a name that is not a field name.
    BadName { at: usize, name: String },
    /// Two fields with no text between them: the key could not be read back, nor queried by the
    /// first alone.
    Adjacent { first: String, second: String },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Unclosed { at } => write!(f, "the `{{` at byte {at} is not closed"),
            TemplateError::Stray { at } => write!(f, "the `}}` at byte {at} closes nothing"),
            TemplateError::BadName { at, name } => {
                write!(f, "{name:?} (at byte {at}) is not a field name")
            }
            TemplateError::Adjacent { first, second } => write!(
                f,
                "{{{first}}} and {{{second}}} need text between them (such as `#`)"
            ),
        }
    }
}

impl KeyTemplate {
    /// Parses `text`: literal text with `{field}` where a field's value goes (`{{` and `}}` are
    /// literal braces).
    pub(crate) fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|&(_, next)| next) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, next)| next) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(TemplateError::Stray { at }),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '}')) => break,
                            Some((_, c)) => name.push(c),
                            None => return Err(TemplateError::Unclosed { at }),
                        }
                    }
                    if !is_field_name(&name) {
                        return Err(TemplateError::BadName { at, name });
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    } else if let Some(Piece::Field(first)) = pieces.last() {
                        return Err(TemplateError::Adjacent {
                            first: first.clone(),
                            second: name,
                        });
                    }
                    pieces.push(Piece::Field(name));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Self { pieces })
    }

    /// The fields the template names, in order.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Field(name) => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// The key for `values`, one written value (see [`write_unsigned`], [`write_signed`]) per field
    /// in order; `None` when there are fewer values than fields.
    pub(crate) fn render(&self, values: &[&str]) -> Option<String> {
        let count = self.fields().count();
        values.get(..count).map(|values| self.prefix(values))
    }

    /// What every key whose first fields hold `values` starts with: the text up to the first
    /// field without a value, the text that follows the last given field included (so that a
    /// value is not taken for the start of a longer one).
    pub(crate) fn prefix(&self, values: &[&str]) -> String {
        let mut key = String::new();
        let mut values = values.iter();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => key.push_str(text),
                Piece::Field(_) => match values.next() {
                    Some(value) => key.push_str(value),
                    None => break,
                },
            }
        }
        key
    }
}

/// Whether `name` can be a field's name (a Rust identifier, raw identifiers aside).
fn is_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// An unsigned integer written in `digits` digits (the widest value of its type), so that string
/// order is numeric order: `42` as a `u32` is `0000000042`.
pub(crate) fn write_unsigned(value: u64, digits: usize) -> String {
    format!("{value:0digits$}")
}

/// A signed integer of `bits` bits written so that string order is numeric order: zero and above
/// as [`write_unsigned`] in the digits of the type's largest value, below zero as `-` and the
/// distance from the type's smallest value in as many digits (`-` sorts before every digit).
/// `-1` as an `i32` is `-2147483647`; `i32::MIN` is `-0000000000`.
pub(crate) fn write_signed(value: i64, bits: u32) -> String {
    let max = (1u64 << (bits - 1)) - 1;
    let digits = max.to_string().len();
    match u64::try_from(value) {
        Ok(value) => write_unsigned(value, digits),
        Err(_) => {
            let from_min = (value as i128 + (1i128 << (bits - 1))) as u64;
            format!("-{}", write_unsigned(from_min, digits))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_text_and_fields() {
        let template = KeyTemplate::parse("ORDER#{created_at}#{order_id}").unwrap();
        assert_eq!(
            template.fields().collect::<Vec<_>>(),
            ["created_at", "order_id"]
        );
        assert_eq!(
            template.render(&["2026-12-04", "o9"]).as_deref(),
            Some("ORDER#2026-12-04#o9")
        );
        assert_eq!(template.render(&["2026-12-04"]), None);
        let constant = KeyTemplate::parse("METADATA").unwrap();
        assert_eq!(constant.fields().count(), 0);
        assert_eq!(constant.render(&[]).as_deref(), Some("METADATA"));
        let braces = KeyTemplate::parse("{{x}}#{id}").unwrap();
        assert_eq!(braces.render(&["7"]).as_deref(), Some("{x}#7"));
    }

    #[test]
    fn prefixes_end_with_the_text_after_the_last_given_field() {
        let template = KeyTemplate::parse("ORDER#{created_at}#{order_id}").unwrap();
        assert_eq!(template.prefix(&[]), "ORDER#");
        assert_eq!(template.prefix(&["2026-12-04"]), "ORDER#2026-12-04#");
        assert_eq!(
            template.prefix(&["2026-12-04", "o9"]),
            "ORDER#2026-12-04#o9"
        );
    }

    #[test]
    fn refuses_templates_it_cannot_use() {
        assert_eq!(
            KeyTemplate::parse("A#{id"),
            Err(TemplateError::Unclosed { at: 2 })
        );
        assert_eq!(
            KeyTemplate::parse("A}#{id}"),
            Err(TemplateError::Stray { at: 1 })
        );
        assert!(matches!(
            KeyTemplate::parse("A#{}"),
            Err(TemplateError::BadName { .. })
        ));
        assert!(matches!(
            KeyTemplate::parse("A#{order id}"),
            Err(TemplateError::BadName { .. })
        ));
        assert_eq!(
            KeyTemplate::parse("A#{a}{b}"),
            Err(TemplateError::Adjacent {
                first: "a".into(),
                second: "b".into()
            })
        );
    }

    #[test]
    fn integers_are_written_readably() {
        assert_eq!(write_unsigned(42, 10), "0000000042");
        assert_eq!(write_signed(42, 32), "0000000042");
        assert_eq!(write_signed(-1, 32), "-2147483647");
        assert_eq!(write_signed(i64::from(i32::MIN), 32), "-0000000000");
        assert_eq!(write_signed(i64::MAX, 64), i64::MAX.to_string());
        assert_eq!(write_signed(i64::MIN, 64), "-0000000000000000000");
    }

    proptest! {
        /// String order is numeric order, for every width.
        #[test]
        fn signed_integers_keep_their_order(a: i64, b: i64) {
            prop_assert_eq!(write_signed(a, 64).cmp(&write_signed(b, 64)), a.cmp(&b));
            let (a32, b32) = (a as i32, b as i32);
            prop_assert_eq!(
                write_signed(i64::from(a32), 32).cmp(&write_signed(i64::from(b32), 32)),
                a32.cmp(&b32)
            );
            let (a8, b8) = (a as i8, b as i8);
            prop_assert_eq!(
                write_signed(i64::from(a8), 8).cmp(&write_signed(i64::from(b8), 8)),
                a8.cmp(&b8)
            );
        }

        #[test]
        fn unsigned_integers_keep_their_order(a: u64, b: u64) {
            prop_assert_eq!(write_unsigned(a, 20).cmp(&write_unsigned(b, 20)), a.cmp(&b));
        }

        /// A key starts with the prefix of any of its leading values, and no key of other leading
        /// values (without the separator inside them) does.
        #[test]
        fn keys_start_with_the_prefixes_of_their_leading_values(
            a in "[a-z0-9]{1,6}", b in "[a-z0-9]{1,6}", other in "[a-z0-9]{1,6}",
        ) {
            let template = KeyTemplate::parse("T#{a}#{b}").unwrap();
            let key = template.render(&[&a, &b]).unwrap();
            prop_assert!(key.starts_with(&template.prefix(&[])));
            prop_assert!(key.starts_with(&template.prefix(&[&a])));
            if other != a {
                prop_assert!(!key.starts_with(&template.prefix(&[&other])));
            }
        }
    }
}
