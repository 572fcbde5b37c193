//! What is known of a record: a sparse document that records the values read or written, and also what
//! is known to be absent, so that a read can tell a cached "nothing there" from "not known".

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::document;
use crate::expr::UpdateAction;
use crate::model::Item;
use crate::path::{DocumentPath, Segment};

/// Knowledge of one value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Known {
    /// Nothing is stored there.
    Absent,
    /// The whole value.
    Value(AttributeValue),
    /// A map of which only the listed entries are known; others may or may not exist.
    Partial(HashMap<String, Known>),
}

/// The answer of the cache for one path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lookup {
    /// Known: the value, or `None` when nothing is stored there.
    Hit(Option<AttributeValue>),
    /// Not known.
    Miss,
}

impl Known {
    /// Nothing known yet about a record.
    pub(crate) fn unknown() -> Self {
        Known::Partial(HashMap::new())
    }

    /// What is known at `path`.
    pub(crate) fn lookup(&self, path: &DocumentPath) -> Lookup {
        self.lookup_segments(path.segments())
    }

    fn lookup_segments(&self, segments: &[Segment]) -> Lookup {
        match self {
            Known::Absent => Lookup::Hit(None),
            Known::Value(value) => Lookup::Hit(navigate(value, segments).cloned()),
            Known::Partial(children) => {
                let Some((first, rest)) = segments.split_first() else {
                    return Lookup::Miss;
                };
                match first.name().and_then(|name| children.get(name)) {
                    Some(child) => child.lookup_segments(rest),
                    None => Lookup::Miss,
                }
            }
        }
    }

    /// How many leading segments of `path` are known to exist (`Some(depth)`: the prefix of `depth`
    /// segments exists and, if `depth` is shorter than the path, the next segment does not), or `None`
    /// when that is not known. The record itself counts as existing: a write creates it.
    pub(crate) fn existing_depth(&self, path: &DocumentPath) -> Option<usize> {
        let segments = path.segments();
        let mut node = self;
        // Whether the prefix of `depth` segments is known to exist.
        let mut prefix_exists = true;
        for depth in 0..=segments.len() {
            match node {
                Known::Absent if depth == 0 => return Some(0),
                Known::Absent => return prefix_exists.then_some(depth - 1),
                Known::Value(value) => {
                    // A `NULL` counts as absent (see `document::existing_depth`).
                    let rest = path.suffix(depth);
                    let found = (0..=rest.len()).rev().find(|&n| {
                        rest.get(..n).is_some_and(|head| {
                            navigate(value, head).is_some_and(|found| !document::is_null(found))
                        })
                    });
                    return Some(match found {
                        Some(found) => depth + found,
                        None => depth.saturating_sub(1),
                    });
                }
                Known::Partial(children) => {
                    let exists = depth == 0 || node.known_to_exist();
                    if depth == segments.len() {
                        return exists.then_some(depth);
                    }
                    match segments
                        .get(depth)
                        .and_then(Segment::name)
                        .and_then(|name| children.get(name))
                    {
                        Some(child) => {
                            prefix_exists = exists;
                            node = child;
                        }
                        None => return None,
                    }
                }
            }
        }
        None
    }

    /// For a path whose existing depth is not known, the depth below which it is known to be
    /// missing: `Some(depth)` when the prefix of `depth + 1` segments, an ancestor of `path`, is
    /// known absent, so a write of `path` creates that prefix whatever holds above it.
    pub(crate) fn missing_below(&self, path: &DocumentPath) -> Option<usize> {
        (1..path.depth())
            .find(|&len| {
                matches!(
                    self.lookup(&path.prefix(len)),
                    Lookup::Hit(None) | Lookup::Hit(Some(AttributeValue::Null(_)))
                )
            })
            .map(|len| len - 1)
    }

    /// Whether this value is known to exist.
    pub(crate) fn known_to_exist(&self) -> bool {
        match self {
            Known::Absent => false,
            Known::Value(_) => true,
            Known::Partial(children) => children.values().any(Known::known_to_exist),
        }
    }

    /// Records what a read found at `path` (`None`: nothing there).
    pub(crate) fn learn(&mut self, path: &DocumentPath, found: Option<AttributeValue>) {
        let known = found.map_or(Known::Absent, Known::Value);
        self.put(path.segments(), known);
    }

    /// Applies a write the way DynamoDB would.
    pub(crate) fn apply(&mut self, action: &UpdateAction) {
        match action {
            UpdateAction::Set(path, value) => {
                self.put(path.segments(), Known::Value(value.clone()))
            }
            UpdateAction::Remove(path) => self.put(path.segments(), Known::Absent),
        }
    }

    fn put(&mut self, segments: &[Segment], known: Known) {
        let Some((first, rest)) = segments.split_first() else {
            *self = known;
            return;
        };
        match self {
            Known::Value(value) => match known {
                Known::Value(new) => {
                    document::set_within(value, segments, new);
                }
                Known::Absent => {
                    document::remove_within(value, segments);
                }
                Known::Partial(_) => {}
            },
            Known::Absent => {
                // A write below something absent creates the whole subtree; learning that a path
                // below an absent value is absent changes nothing.
                if let Known::Value(new) = known {
                    *self = Known::Value(document::build_subtree(segments, new));
                }
            }
            Known::Partial(children) => {
                let Some(name) = first.name() else {
                    // An index below a partly known map: the map itself is not what it seemed.
                    *self = Known::unknown();
                    return;
                };
                let child = children
                    .entry(name.to_owned())
                    .or_insert_with(Known::unknown);
                if rest.is_empty() {
                    *child = known;
                } else {
                    child.put(rest, known);
                }
            }
        }
    }

    /// The known part of a record as an item (entries known to be absent are left out).
    #[cfg(test)]
    pub(crate) fn known_item(&self) -> Option<Item> {
        match self {
            Known::Value(AttributeValue::M(item)) => Some(item.clone()),
            _ => None,
        }
    }
}

fn navigate<'a>(value: &'a AttributeValue, segments: &[Segment]) -> Option<&'a AttributeValue> {
    let mut current = value;
    for segment in segments {
        current = match (current, segment) {
            (AttributeValue::M(entries), named) => entries.get(named.name()?)?,
            (AttributeValue::L(items), Segment::Index(index)) => items.get(*index)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Knowledge of a record that a read of the whole record returned (`None`: no record).
pub(crate) fn whole_record(item: Option<Item>) -> Known {
    match item {
        Some(item) => Known::Value(AttributeValue::M(item)),
        None => Known::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(names: &[&'static str]) -> DocumentPath {
        DocumentPath::from_segments(names.iter().map(|n| Segment::Field(n)).collect())
    }

    fn n(value: i64) -> AttributeValue {
        AttributeValue::N(value.to_string())
    }

    #[test]
    fn unknown_paths_miss_and_learned_ones_hit() {
        let mut known = Known::unknown();
        assert_eq!(known.lookup(&path(&["a"])), Lookup::Miss);
        known.learn(&path(&["a", "b"]), Some(n(1)));
        known.learn(&path(&["c"]), None);
        assert_eq!(known.lookup(&path(&["a", "b"])), Lookup::Hit(Some(n(1))));
        assert_eq!(
            known.lookup(&path(&["a", "x"])),
            Lookup::Miss,
            "a is only partly known"
        );
        assert_eq!(known.lookup(&path(&["c"])), Lookup::Hit(None));
        assert_eq!(
            known.lookup(&path(&["c", "d"])),
            Lookup::Hit(None),
            "below an absent value"
        );
    }

    #[test]
    fn writes_below_absent_values_create_known_subtrees() {
        let mut known = whole_record(None);
        known.apply(&UpdateAction::Set(path(&["a", "b"]), n(1)));
        assert_eq!(known.lookup(&path(&["a", "b"])), Lookup::Hit(Some(n(1))));
        assert_eq!(
            known.lookup(&path(&["a", "z"])),
            Lookup::Hit(None),
            "created whole"
        );
        assert_eq!(known.existing_depth(&path(&["a", "z", "q"])), Some(1));
    }

    #[test]
    fn existing_depth_tells_known_from_unknown() {
        let mut known = Known::unknown();
        assert_eq!(known.existing_depth(&path(&["a", "b"])), None);
        known.learn(&path(&["a"]), Some(AttributeValue::M(HashMap::new())));
        assert_eq!(known.existing_depth(&path(&["a", "b", "c"])), Some(1));
        known.learn(&path(&["x"]), None);
        assert_eq!(known.existing_depth(&path(&["x", "y"])), Some(0));
    }

    #[test]
    fn removes_make_paths_known_absent() {
        let mut known = whole_record(Some(Item::from([("a".to_owned(), n(1))])));
        known.apply(&UpdateAction::Remove(path(&["a"])));
        assert_eq!(known.lookup(&path(&["a"])), Lookup::Hit(None));
        assert_eq!(known.known_item(), Some(Item::new()));
    }
}
