//! Update expressions: overlapping writes merged, then packed into as few requests as DynamoDB's
//! limits allow.

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Placeholders, MAX_EXPRESSION_BYTES, MAX_SUBSTITUTION_BYTES, MAX_UPDATE_CLAUSES};
use crate::document;
use crate::error::{Error, Result};
use crate::path::{DocumentPath, Segment};

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
    let actions: Vec<UpdateAction> = actions.into_iter().collect();
    if actions.len() <= FEW_WRITES {
        return normalize_few(actions);
    }
    let mut merged: Vec<Option<UpdateAction>> = Vec::new();
    // Where each kept write is in `merged`, by path. Kept paths never overlap, so the writes at or
    // below a path are the keys from it on that start with it, and its ancestor (if any) is the
    // greatest key before it: every key between an ancestor and the path would lie inside the
    // ancestor too.
    let mut positions: BTreeMap<DocumentPath, usize> = BTreeMap::new();
    for action in actions {
        let path = action.path();
        let below: Vec<DocumentPath> = positions
            .range::<DocumentPath, _>((Bound::Included(path), Bound::Unbounded))
            .take_while(|(kept, _)| kept.starts_with(path))
            .map(|(kept, _)| kept.clone())
            .collect();
        for kept in below {
            if let Some(slot) = positions.remove(&kept).and_then(|at| merged.get_mut(at)) {
                *slot = None;
            }
        }
        let ancestor = positions
            .range::<DocumentPath, _>((Bound::Unbounded, Bound::Excluded(path)))
            .next_back()
            .filter(|(kept, _)| path.starts_with(kept))
            .and_then(|(_, at)| merged.get_mut(*at))
            .and_then(Option::as_mut);
        match ancestor {
            None => {
                positions.insert(action.path().clone(), merged.len());
                merged.push(Some(action));
            }
            Some(ancestor) => merge_into(ancestor, action)?,
        }
    }
    Ok(merged.into_iter().flatten().collect())
}

/// Up to this many writes, merging compares each with the writes kept so far, which is cheaper than
/// indexing their paths.
const FEW_WRITES: usize = 16;

/// [`normalize`] for a few writes.
fn normalize_few(actions: Vec<UpdateAction>) -> Result<Vec<UpdateAction>> {
    // Paths that start at different attributes cannot overlap: the usual writes of distinct fields
    // need no more.
    fn first(action: &UpdateAction) -> Option<&Segment> {
        action.path().segments().first()
    }
    let distinct = actions.iter().enumerate().all(|(position, action)| {
        first(action).is_some()
            && !actions
                .iter()
                .take(position)
                .any(|earlier| first(earlier) == first(action))
    });
    if distinct {
        return Ok(actions);
    }
    let mut merged: Vec<UpdateAction> = Vec::with_capacity(actions.len());
    for action in actions {
        merged.retain(|earlier| !earlier.path().starts_with(action.path()));
        match merged
            .iter_mut()
            .find(|earlier| action.path().starts_with(earlier.path()))
        {
            None => merged.push(action),
            Some(ancestor) => merge_into(ancestor, action)?,
        }
    }
    Ok(merged)
}

/// Folds `action` into the kept write `ancestor`, whose path contains `action`'s.
fn merge_into(ancestor: &mut UpdateAction, action: UpdateAction) -> Result<()> {
    match (ancestor, action) {
        (UpdateAction::Set(base, value), UpdateAction::Set(path, new)) => {
            let relative = path.suffix(base.depth());
            if !document::set_within(value, relative, new) {
                return Err(Error::InvalidPath {
                    path: path.to_string(),
                    reason: format!("it lies inside {base}, which is being set to a plain value"),
                });
            }
        }
        (UpdateAction::Set(base, value), UpdateAction::Remove(path)) => {
            let relative = path.suffix(base.depth());
            document::remove_within(value, relative);
        }
        (removed @ UpdateAction::Remove(_), UpdateAction::Set(path, new)) => {
            let base = removed.path().clone();
            let relative = path.suffix(base.depth());
            *removed = UpdateAction::Set(base, document::build_subtree(relative, new));
        }
        // Already removed with its ancestor.
        (UpdateAction::Remove(_), UpdateAction::Remove(_)) => {}
    }
    Ok(())
}

/// Bytes kept free in the condition for the clauses a request may add itself: that the record exists
/// (`attribute_exists(#nNNN) AND `) and its version (`#nNNN = :vNNN AND `).
const RECORD_CLAUSE_BYTES: usize = 64;

/// Bytes kept free in the update expression for a version increment:
/// `, #nNNN = if_not_exists(#nNNN, :vNNN) + :vNNN`.
const VERSION_CLAUSE_BYTES: usize = 48;

/// Room made for one clause of an expression or condition: most fit, so a clause is one allocation
/// rather than several growths.
const CLAUSE_CAPACITY: usize = 64;

/// An empty clause starting with `start`, with room for the rest.
fn clause_starting(start: &str) -> String {
    let mut clause = String::with_capacity(CLAUSE_CAPACITY.max(start.len()));
    clause.push_str(start);
    clause
}

/// The writes of one UpdateItem request, rendered, with the condition they need: the parents of SETs
/// exist, the parents of REMOVEs are containers, and subtrees being created are still absent.
#[derive(Debug, Clone, Default)]
pub struct UpdateSection {
    /// The placeholders the expressions use.
    pub placeholders: Placeholders,
    /// The SET clauses, then the REMOVE clauses, each list written as the expression has it
    /// (`a = :v0, b = :v1`), so that a clause costs no allocation of its own.
    sets: Clauses,
    removes: Clauses,
    /// The condition's clauses, each once, in the order added (rendered sorted).
    conditions: Vec<String>,
    condition_bytes: usize,
    /// The value placeholders of the container types REMOVEs check, `M` and `L`.
    type_placeholders: Vec<(&'static str, String)>,
    /// The writes in this section.
    pub actions: Vec<UpdateAction>,
}

/// The clauses of one kind of an update expression, separated by commas.
#[derive(Debug, Clone, Default)]
struct Clauses {
    text: String,
    count: usize,
}

impl Clauses {
    /// Starts a new clause, to be written to the returned text.
    fn start(&mut self) -> &mut String {
        if self.count > 0 {
            self.text.push_str(", ");
        } else if self.text.capacity() == 0 {
            self.text.reserve(CLAUSE_CAPACITY * 4);
        }
        self.count += 1;
        &mut self.text
    }

    /// Where to return to if what is added next must be undone.
    fn checkpoint(&self) -> (usize, usize) {
        (self.text.len(), self.count)
    }

    fn rollback(&mut self, (length, count): (usize, usize)) {
        self.text.truncate(length);
        self.count = count;
    }

    /// The length of the clauses after `keyword`, none without clauses.
    fn len_with(&self, keyword: &str) -> usize {
        match self.count {
            0 => 0,
            _ => keyword.len() + self.text.len(),
        }
    }
}

impl UpdateSection {
    /// The UpdateExpression.
    pub fn expression(&self) -> String {
        let mut expression = String::with_capacity(self.expression_len());
        for (keyword, clauses) in [("SET ", &self.sets), ("REMOVE ", &self.removes)] {
            if clauses.count > 0 {
                if !expression.is_empty() {
                    expression.push(' ');
                }
                expression.push_str(keyword);
                expression.push_str(&clauses.text);
            }
        }
        expression
    }

    /// The ConditionExpression: the section's conditions, and that the record exists when
    /// `record_must_exist` (`hash_key` names its hash key attribute).
    pub fn condition(&mut self, record_must_exist: bool, hash_key: &str) -> Option<String> {
        let record_clause = record_must_exist.then(|| {
            let mut clause = String::from("attribute_exists(");
            clause.push_str(&self.placeholders.name(hash_key));
            clause.push(')');
            clause
        });
        let mut clauses: Vec<&str> = self.conditions.iter().map(String::as_str).collect();
        // Sorted, so that the same writes always send the same condition.
        clauses.sort_unstable();
        if let Some(clause) = &record_clause {
            let at = clauses.partition_point(|existing| *existing < clause.as_str());
            clauses.insert(at, clause);
        }
        (!clauses.is_empty()).then(|| clauses.join(" AND "))
    }

    /// Adds `version = version + 1` (1 when there is none yet), unless a write of this section touches
    /// the version itself.
    pub fn increment_version(&mut self, name: &str) {
        let touched = self.actions.iter().any(|action| {
            matches!(action.path().segments().first(), Some(first) if first.name() == Some(name))
        });
        if touched {
            return;
        }
        let mut version = String::new();
        self.placeholders
            .push_segments(&mut version, &[Segment::Key(name.into())]);
        let clause = self.sets.start();
        clause.push_str(&version);
        clause.push_str(" = if_not_exists(");
        clause.push_str(&version);
        clause.push_str(", ");
        self.placeholders
            .push_value(clause, AttributeValue::N("0".into()));
        clause.push_str(") + ");
        self.placeholders
            .push_value(clause, AttributeValue::N("1".into()));
    }

    /// The length of [`UpdateSection::expression`].
    fn expression_len(&self) -> usize {
        let set = self.sets.len_with("SET ");
        let remove = self.removes.len_with("REMOVE ");
        set + remove + usize::from(set > 0 && remove > 0)
    }

    /// The length of the condition without the record clause.
    fn condition_len(&self) -> usize {
        self.condition_bytes + " AND ".len() * self.conditions.len().saturating_sub(1)
    }

    fn clause_count(&self) -> usize {
        self.sets.count + self.removes.count
    }

    fn fits(&self) -> bool {
        self.expression_len() + VERSION_CLAUSE_BYTES <= MAX_EXPRESSION_BYTES
            && self.condition_len() + RECORD_CLAUSE_BYTES <= MAX_EXPRESSION_BYTES
            && self.clause_count() <= MAX_UPDATE_CLAUSES
            && self.placeholders.substitution_bytes() <= MAX_SUBSTITUTION_BYTES
    }

    /// The condition clauses `action` needs; `created` tells whether a SET creates its path.
    ///
    /// A `NULL` counts as absent (StructNoSQL and `none_as_null` store `None` so): a SET's parent
    /// must exist and not be `NULL`, and a path a SET creates may be absent or `NULL`.
    fn conditions_of(&mut self, action: &UpdateAction, created: bool) -> Vec<String> {
        let mut clauses = Vec::new();
        let segments = action.path().segments();
        let parent = segments.split_last().map_or(&[][..], |(_, parent)| parent);
        match action {
            UpdateAction::Set(path, _) => {
                if !parent.is_empty() {
                    let null = self.type_value("NULL");
                    let mut clause = clause_starting("attribute_exists(");
                    self.placeholders.push_segments(&mut clause, parent);
                    clause.push_str(") AND NOT attribute_type(");
                    self.placeholders.push_segments(&mut clause, parent);
                    clause.push_str(", ");
                    clause.push_str(&null);
                    clause.push(')');
                    clauses.push(clause);
                }
                if created {
                    let null = self.type_value("NULL");
                    let mut clause = clause_starting("(attribute_not_exists(");
                    self.placeholders.push_path(&mut clause, path);
                    clause.push_str(") OR attribute_type(");
                    self.placeholders.push_path(&mut clause, path);
                    clause.push_str(", ");
                    clause.push_str(&null);
                    clause.push_str("))");
                    clauses.push(clause);
                }
            }
            // Removing inside a plain value fails in DynamoDB; it is simply not there, so the
            // condition checks the parent's type and a failed check drops the remove.
            UpdateAction::Remove(_) if !parent.is_empty() => {
                let kind = match segments.last() {
                    Some(Segment::Index(_)) => "L",
                    _ => "M",
                };
                let type_value = self.type_value(kind);
                let mut clause = clause_starting("attribute_type(");
                self.placeholders.push_segments(&mut clause, parent);
                clause.push_str(", ");
                clause.push_str(&type_value);
                clause.push(')');
                clauses.push(clause);
            }
            UpdateAction::Remove(_) => {}
        }
        clauses
    }

    /// The placeholder of the type name `kind` (`M`, `L`, `NULL`), one per section.
    fn type_value(&mut self, kind: &'static str) -> String {
        if let Some((_, placeholder)) = self.type_placeholders.iter().find(|(k, _)| *k == kind) {
            return placeholder.clone();
        }
        let placeholder = self.placeholders.value(AttributeValue::S(kind.into()));
        self.type_placeholders.push((kind, placeholder.clone()));
        placeholder
    }

    /// Adds `action` if the section stays within DynamoDB's limits; otherwise leaves the section as it
    /// was and hands the action back. `created`: the SET creates its path, which must still be absent.
    fn try_add(
        &mut self,
        action: UpdateAction,
        created: bool,
    ) -> std::result::Result<(), UpdateAction> {
        let checkpoint = self.placeholders.checkpoint();
        let types = self.type_placeholders.len();
        let (conditions, condition_bytes) = (self.conditions.len(), self.condition_bytes);
        let clauses = match &action {
            UpdateAction::Set(..) => &mut self.sets,
            UpdateAction::Remove(_) => &mut self.removes,
        };
        let clauses_checkpoint = clauses.checkpoint();
        let clause = clauses.start();
        match &action {
            UpdateAction::Set(path, value) => {
                self.placeholders.push_path(clause, path);
                clause.push_str(" = ");
                self.placeholders.push_value(clause, value.clone());
            }
            UpdateAction::Remove(path) => self.placeholders.push_path(clause, path),
        }
        for condition in self.conditions_of(&action, created) {
            if !self.conditions.contains(&condition) {
                self.condition_bytes += condition.len();
                self.conditions.push(condition);
            }
        }
        if self.fits() {
            super::reserve_first(&mut self.actions);
            self.actions.push(action);
            return Ok(());
        }
        match &action {
            UpdateAction::Set(..) => self.sets.rollback(clauses_checkpoint),
            UpdateAction::Remove(_) => self.removes.rollback(clauses_checkpoint),
        }
        self.conditions.truncate(conditions);
        self.condition_bytes = condition_bytes;
        self.type_placeholders.truncate(types);
        self.placeholders.rollback(checkpoint);
        Err(action)
    }
}

/// Merges the writes and packs them into as few sections (requests) as DynamoDB's limits allow:
/// 4 KB of update expression and of condition, 300 clauses, 2 MB of substitutions. `created` lists
/// the SETs that create their path (conditioned on it being absent). A single write that alone passes
/// a limit is an error, never a request sent to fail.
pub fn plan_update(
    actions: impl IntoIterator<Item = UpdateAction>,
    created: &[DocumentPath],
) -> Result<Vec<UpdateSection>> {
    let created: HashSet<&DocumentPath> = created.iter().collect();
    let mut sections = Vec::new();
    let mut current = UpdateSection::default();
    for action in normalize(actions)? {
        let creates = matches!(&action, UpdateAction::Set(path, _) if created.contains(path));
        let Err(action) = current.try_add(action, creates) else {
            continue;
        };
        let mut fresh = UpdateSection::default();
        match fresh.try_add(action, creates) {
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
        let sections = plan_update(
            [
                UpdateAction::Set(path(&["a", "b"]), n(1)),
                UpdateAction::Set(path(&["c", "b"]), n(2)),
                UpdateAction::Remove(path(&["d"])),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(sections.len(), 1);
        assert_eq!(
            sections[0].expression(),
            "SET #n0.#n1 = :v0, #n2.#n1 = :v2 REMOVE #n3"
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
            &[],
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
        let sections = plan_update(
            [
                UpdateAction::Set(path(&["a"]), n(1)),
                UpdateAction::Remove(path(&["b"])),
                UpdateAction::Set(path(&["c", "d"]), n(2)),
                UpdateAction::Remove(path(&["e"])),
            ],
            &[],
        )
        .unwrap();
        let [section] = sections.as_slice() else {
            panic!("one section expected")
        };
        assert_eq!(section.expression_len(), section.expression().len());
        assert_eq!(UpdateSection::default().expression_len(), 0);
    }

    #[test]
    fn conditions_are_rendered_once_per_parent_with_the_record_clause_in_order() {
        let created = [path(&["new"])];
        let mut sections = plan_update(
            [
                UpdateAction::Set(path(&["a", "b"]), n(1)),
                UpdateAction::Set(path(&["a", "c"]), n(2)),
                UpdateAction::Remove(path(&["m", "x"])),
                UpdateAction::Set(path(&["new"]), n(3)),
            ],
            &created,
        )
        .unwrap();
        let [section] = sections.as_mut_slice() else {
            panic!("one section expected")
        };
        assert_eq!(
            section.expression(),
            "SET #n0.#n1 = :v0, #n0.#n2 = :v2, #n5 = :v4 REMOVE #n3.#n4"
        );
        assert_eq!(
            section.condition(true, "id").as_deref(),
            Some(
                "(attribute_not_exists(#n5) OR attribute_type(#n5, :v1)) AND attribute_exists(#n0) \
                 AND NOT attribute_type(#n0, :v1) AND attribute_exists(#n6) \
                 AND attribute_type(#n3, :v3)"
            )
        );
    }

    #[test]
    fn long_conditions_split_the_writes_too() {
        // Each write needs its own condition clause (a distinct parent, created paths): the
        // condition, not the update expression, reaches 4 KB first.
        let keys: Vec<String> = (0..1500).map(|i| format!("k{i}")).collect();
        let paths: Vec<DocumentPath> = keys
            .iter()
            .map(|key| {
                DocumentPath::from_segments(vec![
                    Segment::Field("items"),
                    Segment::Key(key.as_str().into()),
                ])
            })
            .collect();
        let mut sections = plan_update(
            paths
                .iter()
                .map(|path| UpdateAction::Set(path.clone(), n(1))),
            &paths,
        )
        .unwrap();
        assert!(sections.len() > 1);
        let mut total = 0;
        for section in &mut sections {
            total += section.actions.len();
            let condition = section.condition(true, "id").unwrap();
            assert!(
                condition.len() <= MAX_EXPRESSION_BYTES,
                "{}",
                condition.len()
            );
            assert!(section.expression().len() <= MAX_EXPRESSION_BYTES);
        }
        assert_eq!(total, 1500);
    }
}
