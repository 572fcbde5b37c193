//! Placeholder allocation for one request.

use std::collections::HashMap;

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
    /// The number of each name's placeholder, once there are too many names to search `names`.
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

/// Up to this many names, a name's placeholder is found by searching the names in order, which is
/// cheaper than hashing for the few names of a typical request.
const SEARCHED_NAMES: usize = 32;

/// The fewest items room is made for at first use: requests and setters usually hold a few names,
/// values and writes, and one allocation is cheaper than several growths.
const INITIAL_CAPACITY: usize = 8;

/// The largest block the allocator serves from its per-thread cache of small blocks (glibc's holds
/// blocks of up to 1,032 bytes); a larger one costs several times more to allocate or grow.
const SMALL_BLOCK_BYTES: usize = 1024;

/// Makes room in a vector not yet allocated for as many items as fit in one small block (and at
/// least a few), so that the usual requests never grow it.
pub(crate) fn reserve_first<T>(items: &mut Vec<T>) {
    if items.capacity() == 0 {
        let fitting = SMALL_BLOCK_BYTES / std::mem::size_of::<T>().max(1);
        items.reserve_exact(fitting.clamp(INITIAL_CAPACITY, 4 * INITIAL_CAPACITY));
    }
}

/// Appends `prefix` and `number` in decimal to `out` (without the formatting machinery: this runs for
/// every name and value of every request).
fn push_placeholder(out: &mut String, prefix: &str, number: usize) {
    out.push_str(prefix);
    if number < 10 {
        // Most placeholders: one digit.
        out.push(char::from(b'0' + number as u8));
        return;
    }
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = number;
    while let Some(digit) = start.checked_sub(1).and_then(|at| digits.get_mut(at)) {
        *digit = b'0' + (rest % 10) as u8;
        start -= 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // ASCII digits are UTF-8.
    out.push_str(std::str::from_utf8(digits.get(start..).unwrap_or_default()).unwrap_or_default());
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
        let known = if self.names.len() <= SEARCHED_NAMES {
            self.names.iter().position(|known| known == name)
        } else {
            if self.numbers.is_empty() {
                self.numbers = (self.names.iter().cloned()).zip(0..).collect();
            }
            self.numbers.get(name).copied()
        };
        let number = known.unwrap_or_else(|| {
            let number = self.names.len();
            self.substitution_bytes += placeholder_len("#n", number) + name.len();
            if !self.numbers.is_empty() {
                self.numbers.insert(name.to_owned(), number);
            }
            // Requests usually name a few attributes: one allocation rather than several growths.
            reserve_first(&mut self.names);
            self.names.push(name.to_owned());
            number
        });
        push_placeholder(out, "#n", number);
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
        reserve_first(&mut self.values);
        self.values.push(value);
        push_placeholder(out, ":v", number);
    }

    /// The expression form of `path`: `#n0.#n1[3].#n2`.
    pub fn path(&mut self, path: &DocumentPath) -> String {
        let mut rendered = String::new();
        self.push_path(&mut rendered, path);
        rendered
    }

    /// Appends the expression form of `path` to `out`.
    pub(crate) fn push_path(&mut self, out: &mut String, path: &DocumentPath) {
        self.push_segments(out, path.segments());
    }

    /// Appends the expression form of the path made of `segments` to `out`.
    pub(crate) fn push_segments(&mut self, out: &mut String, segments: &[Segment]) {
        for (position, segment) in segments.iter().enumerate() {
            match segment {
                Segment::Index(index) => {
                    push_placeholder(out, "[", *index);
                    out.push(']');
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
        if self.names.len() <= SEARCHED_NAMES {
            self.numbers.clear();
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
        fn numbered<T>(prefix: &str, items: Vec<T>) -> Option<HashMap<String, T>> {
            (!items.is_empty()).then(|| {
                items
                    .into_iter()
                    .enumerate()
                    .map(|(number, item)| {
                        let mut placeholder =
                            String::with_capacity(placeholder_len(prefix, number));
                        push_placeholder(&mut placeholder, prefix, number);
                        (placeholder, item)
                    })
                    .collect()
            })
        }
        (numbered("#n", self.names), numbered(":v", self.values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_written_in_decimal() {
        for number in [0, 7, 9, 10, 99, 100, 12345, usize::MAX] {
            let mut out = String::from("x");
            push_placeholder(&mut out, "#n", number);
            assert_eq!(out, format!("x#n{number}"));
            assert_eq!(placeholder_len("#n", number), out.len() - 1, "{number}");
        }
    }

    #[test]
    fn many_names_keep_one_placeholder_each() {
        let mut placeholders = Placeholders::new();
        let names: Vec<String> = (0..100).map(|i| format!("name{i}")).collect();
        for _ in 0..2 {
            for (number, name) in names.iter().enumerate() {
                assert_eq!(placeholders.name(name), format!("#n{number}"));
            }
        }
        let checkpoint = placeholders.checkpoint();
        assert_eq!(placeholders.name("extra"), "#n100");
        placeholders.rollback(checkpoint);
        assert_eq!(placeholders.name("name5"), "#n5");
        assert_eq!(placeholders.name("other"), "#n100");
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
