//! The concrete document path every operation works on, whether it came from a typed accessor or a
//! string path.

use std::fmt;
use std::sync::Arc;

/// The depth DynamoDB allows: an attribute and up to 31 levels of nesting inside it.
pub const MAX_DEPTH: usize = 32;

/// One step of a [`DocumentPath`]. A field and a map key of the same name are the same step
/// (DynamoDB sees names only): they compare, hash and order alike.
#[derive(Debug, Clone)]
pub enum Segment {
    /// A field of a model (its attribute name).
    Field(&'static str),
    /// A key of a map.
    Key(Arc<str>),
    /// An index of a list.
    Index(usize),
}

impl Segment {
    /// What equality, hashing and order look at: the name, or the index.
    fn identity(&self) -> Result<&str, usize> {
        match self {
            Segment::Field(name) => Ok(name),
            Segment::Key(key) => Ok(key),
            Segment::Index(index) => Err(*index),
        }
    }

    /// The attribute or map key name, for the steps that have one.
    pub fn name(&self) -> Option<&str> {
        match self {
            Segment::Field(name) => Some(name),
            Segment::Key(key) => Some(key),
            Segment::Index(_) => None,
        }
    }
}

impl PartialEq for Segment {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for Segment {}

impl std::hash::Hash for Segment {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

impl PartialOrd for Segment {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Segment {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.identity().cmp(&other.identity())
    }
}

/// A path to a value inside a record: `tokens.t32.expirationTimestamp`, `friends[3].name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentPath {
    segments: Vec<Segment>,
}

impl DocumentPath {
    /// The empty path: the record itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// A path made of `segments`.
    pub fn from_segments(segments: Vec<Segment>) -> Self {
        Self { segments }
    }

    /// The steps of the path.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// How many levels deep the path reaches (a top-level attribute is 1).
    pub fn depth(&self) -> usize {
        self.segments.len()
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// This path extended by one step.
    pub fn child(&self, segment: Segment) -> Self {
        let mut segments = Vec::with_capacity(self.segments.len() + 1);
        segments.extend_from_slice(&self.segments);
        segments.push(segment);
        Self { segments }
    }

    /// Adds a step in place.
    pub fn push(&mut self, segment: Segment) {
        self.segments.push(segment);
    }

    /// The path without its last step, or `None` at the root.
    pub fn parent(&self) -> Option<Self> {
        let (_, init) = self.segments.split_last()?;
        Some(Self {
            segments: init.to_vec(),
        })
    }

    /// The first `len` steps (all of them if the path is shorter).
    pub fn prefix(&self, len: usize) -> Self {
        Self {
            segments: self.segments.iter().take(len).cloned().collect(),
        }
    }

    /// The steps after the first `len` (none if the path is not longer).
    pub fn suffix(&self, len: usize) -> &[Segment] {
        self.segments.get(len..).unwrap_or_default()
    }

    /// Whether `self` is `other` or lies inside it.
    pub fn starts_with(&self, other: &DocumentPath) -> bool {
        self.segments.starts_with(&other.segments)
    }

    /// `self` followed by the steps of `relative`.
    pub fn join(&self, relative: &DocumentPath) -> Self {
        let mut segments = self.segments.clone();
        segments.extend_from_slice(&relative.segments);
        Self { segments }
    }
}

/// Map keys are shown plainly when that is unambiguous, else quoted: `tokens["a.b"]`.
impl fmt::Display for DocumentPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("<record>");
        }
        for (position, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Field(name) if position == 0 => f.write_str(name)?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Key(key) if is_plain(key) => {
                    if position > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => write!(f, "[{key:?}]")?,
            }
        }
        Ok(())
    }
}

fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_models::{resolve_one, USER};

    #[test]
    fn displays_fields_keys_and_indexes() {
        let path = DocumentPath::from_segments(vec![
            Segment::Field("tokens"),
            Segment::Key("t32".into()),
            Segment::Field("expirationTimestamp"),
        ]);
        assert_eq!(path.to_string(), "tokens.t32.expirationTimestamp");
        let odd = DocumentPath::from_segments(vec![
            Segment::Field("friends"),
            Segment::Index(3),
            Segment::Key("a.b".into()),
        ]);
        assert_eq!(odd.to_string(), "friends[3][\"a.b\"]");
    }

    #[test]
    fn a_field_and_a_key_of_one_name_are_one_step() {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let hash = |segment: &Segment| {
            let mut hasher = DefaultHasher::new();
            segment.hash(&mut hasher);
            hasher.finish()
        };
        let (field, key) = (Segment::Field("takenAt"), Segment::Key("takenAt".into()));
        assert_eq!(field, key);
        assert_eq!(hash(&field), hash(&key));
        assert_eq!(field.cmp(&key), std::cmp::Ordering::Equal);
        assert_ne!(field, Segment::Key("takenat".into()));
        assert!(Segment::Key("z".into()) < Segment::Index(0));
        assert!(Segment::Index(1) < Segment::Index(2));
        let typed = DocumentPath::from_segments(vec![field, Segment::Index(0)]);
        assert!(typed.starts_with(&DocumentPath::from_segments(vec![key])));
    }

    #[test]
    fn document_paths_quote_keys_that_are_not_plain() {
        let with_key = |key: &str| {
            resolve_one(&USER, "tokens.{{tokenId}}", &[("tokenId", key)])
                .path
                .to_string()
        };
        assert_eq!(with_key("t32"), "tokens.t32");
        assert_eq!(with_key("ключ"), "tokens.ключ");
        assert_eq!(with_key("a.b"), r#"tokens["a.b"]"#);
        assert_eq!(with_key(""), r#"tokens[""]"#);
        assert_eq!(with_key("[0]"), r#"tokens["[0]"]"#);
        assert_eq!(DocumentPath::root().to_string(), "<record>");
    }
}
