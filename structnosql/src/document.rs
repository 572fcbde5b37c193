//! Navigation of stored values by path: reading a value out of an item or a returned fragment, and
//! writing or removing one inside a value (to fold overlapping writes together).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::path::{DocumentPath, Segment};

/// The value at `path` inside `item`, if there is one.
pub fn get<'a>(
    item: &'a HashMap<String, AttributeValue>,
    path: &DocumentPath,
) -> Option<&'a AttributeValue> {
    let (first, rest) = path.segments().split_first()?;
    let mut value = item.get(first.name()?)?;
    for segment in rest {
        value = child(value, segment)?;
    }
    Some(value)
}

/// Removes and returns the value at `path` inside `item`.
pub fn take(
    item: &mut HashMap<String, AttributeValue>,
    path: &DocumentPath,
) -> Option<AttributeValue> {
    let (last, init) = path.segments().split_last()?;
    if init.is_empty() {
        return item.remove(last.name()?);
    }
    let (first, middle) = init.split_first()?;
    let mut value = item.get_mut(first.name()?)?;
    for segment in middle {
        value = child_mut(value, segment)?;
    }
    match (value, last) {
        (AttributeValue::M(entries), segment) => entries.remove(segment.name()?),
        (AttributeValue::L(items), Segment::Index(index)) if *index < items.len() => {
            Some(items.remove(*index))
        }
        _ => None,
    }
}

/// Whether `value` is DynamoDB's `NULL`, which stands for `None` and counts as absent for writes.
pub(crate) fn is_null(value: &AttributeValue) -> bool {
    matches!(value, AttributeValue::Null(_))
}

fn child<'a>(value: &'a AttributeValue, segment: &Segment) -> Option<&'a AttributeValue> {
    match (value, segment) {
        (AttributeValue::M(entries), Segment::Field(name)) => entries.get(*name),
        (AttributeValue::M(entries), Segment::Key(key)) => entries.get(key.as_ref()),
        (AttributeValue::L(items), Segment::Index(index)) => items.get(*index),
        _ => None,
    }
}

fn child_mut<'a>(
    value: &'a mut AttributeValue,
    segment: &Segment,
) -> Option<&'a mut AttributeValue> {
    match (value, segment) {
        (AttributeValue::M(entries), Segment::Field(name)) => entries.get_mut(*name),
        (AttributeValue::M(entries), Segment::Key(key)) => entries.get_mut(key.as_ref()),
        (AttributeValue::L(items), Segment::Index(index)) => items.get_mut(*index),
        _ => None,
    }
}

/// Writes `new` at `relative` inside `value`, creating the maps on the way as DynamoDB would after
/// creating missing parents; a `NULL` on the way counts as missing, and is replaced. An index past the
/// end of a list appends, as DynamoDB's SET does. Returns `false` (and changes nothing) when the path
/// crosses a value that is neither a map, a list nor `NULL`.
pub fn set_within(value: &mut AttributeValue, relative: &[Segment], new: AttributeValue) -> bool {
    let Some((first, rest)) = relative.split_first() else {
        *value = new;
        return true;
    };
    if is_null(value) {
        *value = build_subtree(relative, new);
        return true;
    }
    match (value, first) {
        (AttributeValue::M(entries), segment) => {
            let Some(name) = segment.name() else {
                return false;
            };
            match entries.get_mut(name) {
                Some(existing) if !rest.is_empty() => set_within(existing, rest, new),
                _ => {
                    entries.insert(name.to_owned(), build_subtree(rest, new));
                    true
                }
            }
        }
        (AttributeValue::L(items), Segment::Index(index)) => match items.get_mut(*index) {
            Some(existing) => set_within(existing, rest, new),
            None => {
                items.push(build_subtree(rest, new));
                true
            }
        },
        _ => false,
    }
}

/// The value that holds `leaf` at `relative`: nested maps for names, a one-item list for an index.
pub fn build_subtree(relative: &[Segment], leaf: AttributeValue) -> AttributeValue {
    relative
        .iter()
        .rev()
        .fold(leaf, |inner, segment| match segment {
            Segment::Index(_) => AttributeValue::L(vec![inner]),
            named => AttributeValue::M(HashMap::from([(
                named.name().unwrap_or_default().to_owned(),
                inner,
            )])),
        })
}

/// Removes the value at `relative` inside `value`; `false` if it was not there.
pub fn remove_within(value: &mut AttributeValue, relative: &[Segment]) -> bool {
    let Some((last, init)) = relative.split_last() else {
        return false;
    };
    let mut parent = value;
    for segment in init {
        match child_mut(parent, segment) {
            Some(next) => parent = next,
            None => return false,
        }
    }
    match (parent, last) {
        (AttributeValue::M(entries), segment) => segment
            .name()
            .is_some_and(|name| entries.remove(name).is_some()),
        (AttributeValue::L(items), Segment::Index(index)) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}

/// The deepest prefix of `path` that exists in `item`, as a number of segments (0: not even the
/// top-level attribute). A `NULL` counts as absent: a write below it creates the map or list there.
pub fn existing_depth(item: &HashMap<String, AttributeValue>, path: &DocumentPath) -> usize {
    let segments = path.segments();
    let Some(first) = segments.first().and_then(Segment::name) else {
        return 0;
    };
    let Some(mut value) = item.get(first).filter(|value| !is_null(value)) else {
        return 0;
    };
    let mut depth = 1;
    for segment in segments.iter().skip(1) {
        match child(value, segment).filter(|value| !is_null(value)) {
            Some(next) => {
                value = next;
                depth += 1;
            }
            None => break,
        }
    }
    depth
}
