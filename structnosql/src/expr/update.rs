//! Update expressions: overlapping writes merged, then packed into as few requests as DynamoDB's
//! limits allow.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Placeholders, MAX_EXPRESSION_BYTES, MAX_SUBSTITUTION_BYTES, MAX_UPDATE_CLAUSES};
use crate::document;
use crate::error::{Error, Result};
use crate::path::DocumentPath;

/// One write to a path of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    /// Write a value at the path.
    Set(DocumentPath, AttributeValue),
    /// Remove the value at the path.
    Remove(DocumentPath),
}

impl UpdateAction {
    /// The path written.
    pub fn path(&self) -> &DocumentPath {
        match self {
            UpdateAction::Set(path, _) | UpdateAction::Remove(path) => path,
        }
    }
}

/// Merges overlapping writes, keeping the caller's order: a later write to a path replaces earlier
/// writes at or below it; a write below an earlier SET is folded into that SET's value; a SET below an
/// earlier REMOVE becomes the creation of the removed subtree. DynamoDB rejects overlapping paths in
/// one expression, so none are left.
pub fn normalize(actions: impl IntoIterator<Item = UpdateAction>) -> Result<Vec<UpdateAction>> {
    let mut merged: Vec<UpdateAction> = Vec::new();
    for action in actions {
        merged.retain(|earlier| !earlier.path().starts_with(action.path()));
        let ancestor = merged
            .iter()
            .position(|earlier| action.path().starts_with(earlier.path()));
        let ancestor = ancestor.and_then(|index| merged.get_mut(index));
        match (ancestor, action) {
            (None, action) => merged.push(action),
            (Some(UpdateAction::Set(base, value)), UpdateAction::Set(path, new)) => {
                let relative = path.suffix(base.depth());
                if !document::set_within(value, relative, new) {
                    return Err(Error::InvalidPath {
                        path: path.to_string(),
                        reason: format!(
                            "it lies inside {base}, which is being set to a plain value"
                        ),
                    });
                }
            }
            (Some(UpdateAction::Set(base, value)), UpdateAction::Remove(path)) => {
                let relative = path.suffix(base.depth());
                document::remove_within(value, relative);
            }
            (Some(removed @ UpdateAction::Remove(_)), UpdateAction::Set(path, new)) => {
                let base = removed.path().clone();
                let relative = path.suffix(base.depth());
                *removed = UpdateAction::Set(base, document::build_subtree(relative, new));
            }
            // Already removed with its ancestor.
            (Some(UpdateAction::Remove(_)), UpdateAction::Remove(_)) => {}
        }
    }
    Ok(merged)
}

/// The writes of one UpdateItem request, rendered.
#[derive(Debug, Clone, Default)]
pub struct UpdateSection {
    /// The placeholders the expression uses; a condition may add more.
    pub placeholders: Placeholders,
    set_clauses: Vec<String>,
    remove_clauses: Vec<String>,
    /// Bytes of the clauses in each list, so the expression's length is known without rendering it.
    set_bytes: usize,
    remove_bytes: usize,
    /// The writes in this section.
    pub actions: Vec<UpdateAction>,
}

impl UpdateSection {
    /// The UpdateExpression.
    pub fn expression(&self) -> String {
        let mut expression = String::with_capacity(self.expression_len());
        if !self.set_clauses.is_empty() {
            expression.push_str("SET ");
            expression.push_str(&self.set_clauses.join(", "));
        }
        if !self.remove_clauses.is_empty() {
            if !expression.is_empty() {
                expression.push(' ');
            }
            expression.push_str("REMOVE ");
            expression.push_str(&self.remove_clauses.join(", "));
        }
        expression
    }

    /// The length of [`UpdateSection::expression`].
    fn expression_len(&self) -> usize {
        let list = |clauses: &[String], bytes: usize, keyword: usize| match clauses.len() {
            0 => 0,
            count => keyword + bytes + 2 * (count - 1),
        };
        let set = list(&self.set_clauses, self.set_bytes, "SET ".len());
        let remove = list(&self.remove_clauses, self.remove_bytes, "REMOVE ".len());
        set + remove + usize::from(set > 0 && remove > 0)
    }

    fn clause_count(&self) -> usize {
        self.set_clauses.len() + self.remove_clauses.len()
    }

    /// Adds `action` if the section stays within DynamoDB's limits; otherwise leaves the section as it
    /// was and hands the action back.
    fn try_add(&mut self, action: UpdateAction) -> std::result::Result<(), UpdateAction> {
        let checkpoint = self.placeholders.checkpoint();
        let mut clause = String::new();
        let is_set = match &action {
            UpdateAction::Set(path, value) => {
                self.placeholders.push_path(&mut clause, path);
                clause.push_str(" = ");
                self.placeholders.push_value(&mut clause, value.clone());
                true
            }
            UpdateAction::Remove(path) => {
                self.placeholders.push_path(&mut clause, path);
                false
            }
        };
        let clause_bytes = clause.len();
        let (clauses, bytes) = if is_set {
            (&mut self.set_clauses, &mut self.set_bytes)
        } else {
            (&mut self.remove_clauses, &mut self.remove_bytes)
        };
        clauses.push(clause);
        *bytes += clause_bytes;
        let fits = self.expression_len() <= MAX_EXPRESSION_BYTES
            && self.clause_count() <= MAX_UPDATE_CLAUSES
            && self.placeholders.substitution_bytes() <= MAX_SUBSTITUTION_BYTES;
        if fits {
            self.actions.push(action);
            return Ok(());
        }
        let (clauses, bytes) = if is_set {
            (&mut self.set_clauses, &mut self.set_bytes)
        } else {
            (&mut self.remove_clauses, &mut self.remove_bytes)
        };
        clauses.pop();
        *bytes -= clause_bytes;
        self.placeholders.rollback(checkpoint);
        Err(action)
    }
}

/// Merges the writes and packs them into as few sections (requests) as DynamoDB's limits allow:
/// 4 KB of expression, 300 clauses, 2 MB of substitutions. A single write that alone passes a limit is
/// an error, never a request sent to fail.
pub fn plan_update(actions: impl IntoIterator<Item = UpdateAction>) -> Result<Vec<UpdateSection>> {
    let mut sections = Vec::new();
    let mut current = UpdateSection::default();
    for action in normalize(actions)? {
        let Err(action) = current.try_add(action) else {
            continue;
        };
        let mut fresh = UpdateSection::default();
        match fresh.try_add(action) {
            Ok(()) => sections.push(std::mem::replace(&mut current, fresh)),
            Err(action) => {
                return Err(Error::TooLarge {
                    what: format!("the write of {}", action.path()),
                    bytes: crate::size::value_bytes(match &action {
                        UpdateAction::Set(_, value) => value,
                        UpdateAction::Remove(_) => &AttributeValue::Null(true),
                    }),
                    limit: "4 KB of expression or 2 MB of substitutions per request",
                });
            }
        }
    }
    if !current.actions.is_empty() {
        sections.push(current);
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::Segment;

    fn path(names: &[&'static str]) -> DocumentPath {
        DocumentPath::from_segments(names.iter().map(|n| Segment::Field(n)).collect())
    }

    fn n(value: i64) -> AttributeValue {
        AttributeValue::N(value.to_string())
    }

    #[test]
    fn later_writes_replace_earlier_ones_at_or_below() {
        let merged = normalize([
            UpdateAction::Set(path(&["a", "b"]), n(1)),
            UpdateAction::Set(path(&["a"]), n(2)),
        ])
        .unwrap();
        assert_eq!(merged, [UpdateAction::Set(path(&["a"]), n(2))]);
    }

    #[test]
    fn a_write_below_a_set_is_folded_into_its_value() {
        let merged = normalize([
            UpdateAction::Set(path(&["a"]), AttributeValue::M(Default::default())),
            UpdateAction::Set(path(&["a", "b", "c"]), n(1)),
            UpdateAction::Remove(path(&["a", "x"])),
        ])
        .unwrap();
        let expected = document::build_subtree(path(&["b", "c"]).segments(), n(1));
        assert_eq!(merged, [UpdateAction::Set(path(&["a"]), expected)]);
    }

    #[test]
    fn a_set_below_a_remove_recreates_the_subtree() {
        let merged = normalize([
            UpdateAction::Remove(path(&["a"])),
            UpdateAction::Set(path(&["a", "b"]), n(1)),
        ])
        .unwrap();
        let expected = document::build_subtree(&[Segment::Field("b")], n(1));
        assert_eq!(merged, [UpdateAction::Set(path(&["a"]), expected)]);
    }

    #[test]
    fn names_are_placeholders_and_reused() {
        let sections = plan_update([
            UpdateAction::Set(path(&["a", "b"]), n(1)),
            UpdateAction::Set(path(&["c", "b"]), n(2)),
            UpdateAction::Remove(path(&["d"])),
        ])
        .unwrap();
        assert_eq!(sections.len(), 1);
        assert_eq!(
            sections[0].expression(),
            "SET #n0.#n1 = :v0, #n2.#n1 = :v1 REMOVE #n3"
        );
    }

    #[test]
    fn many_writes_are_sectioned_within_the_limits() {
        let names: Vec<&'static str> = (0..700)
            .map(|i| &*Box::leak(format!("field{i}").into_boxed_str()))
            .collect();
        let sections = plan_update(
            names
                .iter()
                .map(|name| UpdateAction::Set(path(&[name]), n(1))),
        )
        .unwrap();
        assert!(sections.len() >= 3, "{}", sections.len());
        for section in &sections {
            assert!(section.expression().len() <= MAX_EXPRESSION_BYTES);
            assert!(section.clause_count() <= MAX_UPDATE_CLAUSES);
        }
        let total: usize = sections.iter().map(|s| s.actions.len()).sum();
        assert_eq!(total, 700);
        for section in sections {
            // The write that did not fit left no placeholder behind in the section it was tried in.
            let expression = section.expression();
            let clauses = section.actions.len();
            let (names, values) = section.placeholders.into_maps();
            let (names, values) = (names.unwrap(), values.unwrap());
            assert_eq!((names.len(), values.len()), (clauses, clauses));
            assert!(names.keys().all(|name| expression.contains(name.as_str())));
            assert!(values
                .keys()
                .all(|value| expression.contains(value.as_str())));
        }
    }

    #[test]
    fn the_expression_length_is_known_without_rendering() {
        let sections = plan_update([
            UpdateAction::Set(path(&["a"]), n(1)),
            UpdateAction::Remove(path(&["b"])),
            UpdateAction::Set(path(&["c", "d"]), n(2)),
            UpdateAction::Remove(path(&["e"])),
        ])
        .unwrap();
        let [section] = sections.as_slice() else {
            panic!("one section expected")
        };
        assert_eq!(section.expression_len(), section.expression().len());
        assert_eq!(UpdateSection::default().expression_len(), 0);
    }
}
