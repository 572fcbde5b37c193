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
/// segment in several paths) gets one placeholder.
#[derive(Debug, Default, Clone)]
pub struct Placeholders {
    names: HashMap<String, String>,
    /// The names in the order their placeholders were given, so additions can be undone.
    name_order: Vec<String>,
    values: HashMap<String, AttributeValue>,
    substitution_bytes: usize,
}

/// What [`Placeholders::rollback`] returns to.
#[derive(Debug, Clone, Copy)]
pub struct Checkpoint {
    names: usize,
    values: usize,
    substitution_bytes: usize,
}

impl Placeholders {
    /// A fresh set of placeholders.
    pub fn new() -> Self {
        Self::default()
    }

    /// The placeholder of attribute name (or map key) `name`.
    pub fn name(&mut self, name: &str) -> String {
        if let Some(placeholder) = self.names.get(name) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.substitution_bytes += placeholder.len() + name.len();
        self.names.insert(name.to_owned(), placeholder.clone());
        self.name_order.push(name.to_owned());
        placeholder
    }

    /// A new placeholder for `value`.
    pub fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.substitution_bytes += placeholder.len() + size::value_bytes(&value);
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// The expression form of `path`: `#n0.#n1[3].#n2`.
    pub fn path(&mut self, path: &DocumentPath) -> String {
        let mut rendered = String::new();
        for segment in path.segments() {
            match segment {
                Segment::Index(index) => {
                    rendered.push('[');
                    rendered.push_str(&index.to_string());
                    rendered.push(']');
                }
                named => {
                    if !rendered.is_empty() {
                        rendered.push('.');
                    }
                    let placeholder = self.name(named.name().unwrap_or_default());
                    rendered.push_str(&placeholder);
                }
            }
        }
        rendered
    }

    /// The state to return to if what is added next must be undone.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            names: self.name_order.len(),
            values: self.values.len(),
            substitution_bytes: self.substitution_bytes,
        }
    }

    /// Forgets every placeholder given since `checkpoint`.
    pub fn rollback(&mut self, checkpoint: Checkpoint) {
        for name in self.name_order.drain(checkpoint.names..) {
            self.names.remove(&name);
        }
        for index in checkpoint.values..self.values.len() {
            self.values.remove(&format!(":v{index}"));
        }
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
                .map(|(name, placeholder)| (placeholder, name))
                .collect()
        });
        let values = (!self.values.is_empty()).then_some(self.values);
        (names, values)
    }
}
