//! What is wrong with a value, and where.

use std::fmt;

use crate::path::segment::{DocumentPath, Segment};

/// One problem with a value: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where the problem is, from the record's root.
    pub path: DocumentPath,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The problems found in one value, with paths relative to that value until [`Violations::at`] places
/// them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// One problem with the value itself.
    pub fn new(message: impl Into<String>) -> Self {
        Self(vec![Violation {
            path: DocumentPath::root(),
            message: message.into(),
        }])
    }

    /// The same problems, one level down: inside `segment` of the value.
    pub fn inside(mut self, segment: Segment) -> Self {
        for violation in &mut self.0 {
            let mut segments = Vec::with_capacity(violation.path.depth() + 1);
            segments.push(segment.clone());
            segments.extend_from_slice(violation.path.segments());
            violation.path = DocumentPath::from_segments(segments);
        }
        self
    }

    /// The same problems for a value stored at `base`.
    pub fn at(mut self, base: &DocumentPath) -> Self {
        for violation in &mut self.0 {
            violation.path = base.join(&violation.path);
        }
        self
    }

    /// Adds the problems of `other`.
    pub fn extend(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// `Ok(value)` if no problem was found.
    pub fn into_result<T>(self, value: T) -> Result<T, Violations> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, violation) in self.0.iter().enumerate() {
            if position > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}
