//! Key templates as written in `#[structnosql(pk = "CUSTOMER#{customer_id}")]`: literal text with
//! `{field}` where a field's value goes (`{{` and `}}` are literal braces), parsed here so that a
//! mistake is a compile error on the template.

use std::fmt;

/// A parsed key template: literal text and the fields whose values go between it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTemplate {
    pub pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// A field, by its Rust name.
    Field(String),
}

/// Why a key template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
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
            TemplateError::Stray { at } => {
                write!(
                    f,
                    "the `}}` at byte {at} closes nothing (`}}}}` is a literal `}}`)"
                )
            }
            TemplateError::BadName { at, name } => {
                write!(f, "{name:?} (at byte {at}) is not a field name")
            }
            TemplateError::Adjacent { first, second } => write!(
                f,
                "{{{first}}} and {{{second}}} need text between them (such as `#`), or the key \
                 could not be read back"
            ),
        }
    }
}

impl KeyTemplate {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
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
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Field(name) => Some(name.as_str()),
            Piece::Text(_) => None,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_and_fields() {
        let template = KeyTemplate::parse("ORDER#{created_at}#{order_id}").unwrap();
        assert_eq!(
            template.pieces,
            [
                Piece::Text("ORDER#".into()),
                Piece::Field("created_at".into()),
                Piece::Text("#".into()),
                Piece::Field("order_id".into()),
            ]
        );
        assert_eq!(KeyTemplate::parse("METADATA").unwrap().fields().count(), 0);
        let braces = KeyTemplate::parse("{{x}}#{id}").unwrap();
        assert_eq!(
            braces.pieces,
            [Piece::Text("{x}#".into()), Piece::Field("id".into())]
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
}
