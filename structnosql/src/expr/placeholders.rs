//! Placeholder allocation for one request.

use std::collections::HashMap;
use std::fmt::Write as _;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::path::{DocumentPath, Segment};
use crate::size;

/// `ExpressionAttributeNames` and `ExpressionAttributeValues`, each `None` when empty.
pub type ExpressionMaps = (
    Option<HashMap<String, String>>,
    Option<HashMap<String, AttributeValue>>,
);

/// The `#n` name and `:v` value placeholders of one request. A name used several times (the same
/// segment in several paths) gets one placeholder. Placeholders are numbered in the order they are
/// given: `#n0`, `#n1`, … and `:v0`, `:v1`, …
#[derive(Debug, Default, Clone)]
pub struct Placeholders {
    /// The number of each name's placeholder.
    numbers: HashMap<String, usize>,
    /// The names by placeholder number.
    names: Vec<String>,
    /// The values by placeholder number.
    values: Vec<AttributeValue>,
    substitution_bytes: usize,
}

/// What [`Placeholders::rollback`] returns to.
#[derive(Debug, Clone, Copy)]
pub struct Checkpoint {
    names: usize,
    values: usize,
    substitution_bytes: usize,
}

/// The length of `prefix` followed by `number` in decimal.
fn placeholder_len(prefix: &str, number: usize) -> usize {
    prefix.len()
        + number
            .checked_ilog10()
            .map_or(1, |digits| digits as usize + 1)
}

impl Placeholders {
    /// A fresh set of placeholders.
    pub fn new() -> Self {
        Self::default()
    }

    /// The placeholder of attribute name (or map key) `name`.
    pub fn name(&mut self, name: &str) -> String {
        let mut placeholder = String::new();
        self.push_name(&mut placeholder, name);
        placeholder
    }

    /// Appends the placeholder of `name` to `out`.
    fn push_name(&mut self, out: &mut String, name: &str) {
        let number = match self.numbers.get(name) {
            Some(number) => *number,
            None => {
                let number = self.names.len();
                self.substitution_bytes += placeholder_len("#n", number) + name.len();
                self.numbers.insert(name.to_owned(), number);
                self.names.push(name.to_owned());
                number
            }
        };
        // Writing to a String cannot fail.
        let _ = write!(out, "#n{number}");
    }

    /// A new placeholder for `value`.
    pub fn value(&mut self, value: AttributeValue) -> String {
        let mut placeholder = String::new();
        self.push_value(&mut placeholder, value);
        placeholder
    }

    /// Appends a new placeholder for `value` to `out`.
    pub(crate) fn push_value(&mut self, out: &mut String, value: AttributeValue) {
        let number = self.values.len();
        self.substitution_bytes += placeholder_len(":v", number) + size::value_bytes(&value);
        self.values.push(value);
        let _ = write!(out, ":v{number}");
    }

    /// The expression form of `path`: `#n0.#n1[3].#n2`.
    pub fn path(&mut self, path: &DocumentPath) -> String {
        let mut rendered = String::new();
        self.push_path(&mut rendered, path);
        rendered
    }

    /// Appends the expression form of `path` to `out`.
    pub(crate) fn push_path(&mut self, out: &mut String, path: &DocumentPath) {
        for (position, segment) in path.segments().iter().enumerate() {
            match segment {
                Segment::Index(index) => {
                    let _ = write!(out, "[{index}]");
                }
                named => {
                    if position > 0 {
                        out.push('.');
                    }
                    self.push_name(out, named.name().unwrap_or_default());
                }
            }
        }
    }

    /// The state to return to if what is added next must be undone.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            names: self.names.len(),
            values: self.values.len(),
            substitution_bytes: self.substitution_bytes,
        }
    }

    /// Forgets every placeholder given since `checkpoint`.
    pub fn rollback(&mut self, checkpoint: Checkpoint) {
        for name in self.names.drain(checkpoint.names..) {
            self.numbers.remove(&name);
        }
        self.values.truncate(checkpoint.values);
        self.substitution_bytes = checkpoint.substitution_bytes;
    }

    /// How many bytes of names and values the placeholders stand for.
    pub fn substitution_bytes(&self) -> usize {
        self.substitution_bytes
    }

    /// Takes the maps out for a request.
    pub fn into_maps(self) -> ExpressionMaps {
        let names = (!self.names.is_empty()).then(|| {
            self.names
                .into_iter()
                .enumerate()
                .map(|(number, name)| (format!("#n{number}"), name))
                .collect()
        });
        let values = (!self.values.is_empty()).then(|| {
            self.values
                .into_iter()
                .enumerate()
                .map(|(number, value)| (format!(":v{number}"), value))
                .collect()
        });
        (names, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_lengths_count_every_digit() {
        for number in [0, 9, 10, 99, 100, 12345] {
            assert_eq!(
                placeholder_len("#n", number),
                format!("#n{number}").len(),
                "{number}"
            );
        }
    }

    #[test]
    fn a_rollback_forgets_names_and_values_given_after_the_checkpoint() {
        let mut placeholders = Placeholders::new();
        assert_eq!(placeholders.name("a"), "#n0");
        let checkpoint = placeholders.checkpoint();
        let bytes = placeholders.substitution_bytes();
        assert_eq!(placeholders.name("b"), "#n1");
        assert_eq!(placeholders.value(AttributeValue::N("1".into())), ":v0");
        placeholders.rollback(checkpoint);
        assert_eq!(placeholders.substitution_bytes(), bytes);
        assert_eq!(placeholders.name("a"), "#n0");
        assert_eq!(placeholders.name("c"), "#n1");
        let (names, values) = placeholders.into_maps();
        assert_eq!(
            names.unwrap(),
            HashMap::from([("#n0".into(), "a".into()), ("#n1".into(), "c".into())])
        );
        assert!(values.is_none());
    }
}
