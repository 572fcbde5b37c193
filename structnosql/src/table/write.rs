//! Field writes: one UpdateItem per section of writes, and at most one more when parent maps are
//! missing.
//!
//! The first attempt is conditioned on the parents of every written path existing (and, for removes or
//! update-only tables, on the record existing), and asks DynamoDB for the current item if the condition
//! fails. The second attempt writes each missing subtree whole at its highest missing ancestor, itself
//! conditioned on that ancestor still being absent, so a concurrent writer is never overwritten. A
//! race with such a writer is retried a bounded number of times.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::core::TableCore;
use crate::document;
use crate::error::{Error, Result};
use crate::expr::{plan_update, Placeholders, UpdateAction, UpdateSection};
use crate::model::Item;
use crate::path::{DocumentPath, Segment};
use crate::size;

/// How many times a section is re-planned after losing a race with another writer.
const MAX_ATTEMPTS: usize = 4;

/// What the written paths held before a write (a fragment of the item, navigable by the paths;
/// empty unless old values were asked for).
type OldFragment = Item;

/// Whether a write should fetch what the written paths held before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldValues {
    /// Do not fetch.
    Skip,
    /// Fetch (for return-old operations, removes and deletes).
    Fetch,
}

/// Applies `actions` to the record `key_item`; see the module documentation for the requests sent.
pub(crate) async fn apply(
    core: &TableCore,
    key_item: &Item,
    actions: Vec<UpdateAction>,
    old_values: OldValues,
) -> Result<OldFragment> {
    // Whatever the record holds already, values this large cannot be stored in it.
    let written: usize = actions
        .iter()
        .map(|action| match action {
            UpdateAction::Set(path, value) => path_bytes(path) + size::value_bytes(value),
            UpdateAction::Remove(_) => 0,
        })
        .sum();
    if written > size::MAX_ITEM_BYTES {
        return Err(Error::TooLarge {
            what: format!("the values written to {}", core.describe_record(key_item)),
            bytes: written,
            limit: "400 KB per item",
        });
    }
    let mut old = OldFragment::new();
    for section in plan_update(actions)? {
        let found = apply_section(core, key_item, section, Vec::new(), old_values, false).await?;
        // Sections may touch the same top-level attribute: merge, do not replace.
        merge_fragment(&mut old, found);
    }
    Ok(old)
}

/// Like [`apply`], for writes whose parents are partly known already (the caching table's knowledge of
/// the record): writes below parents known to be missing create them in the first request, so no
/// request is spent discovering what is known. `existing` answers how many leading segments of a path
/// are known to exist (`None`: not known); `present` whether a value is known to be there.
pub(crate) async fn apply_with_knowledge(
    core: &TableCore,
    key_item: &Item,
    actions: Vec<UpdateAction>,
    existing: impl Fn(&DocumentPath) -> Option<usize>,
    present: impl Fn(&DocumentPath) -> Option<bool>,
    creates_record: bool,
) -> Result<()> {
    for section in plan_update(actions)? {
        let (actions, created) = rewrite(section.actions, &existing, &present);
        apply_section(
            core,
            key_item,
            single_section(core, key_item, actions)?,
            created,
            OldValues::Skip,
            creates_record,
        )
        .await?;
    }
    Ok(())
}

/// Plans writes that must stay one request (a section rewritten after a failed condition).
pub(crate) fn single_section(
    core: &TableCore,
    key_item: &Item,
    actions: Vec<UpdateAction>,
) -> Result<UpdateSection> {
    let mut sections = plan_update(actions)?;
    match sections.pop() {
        None => Ok(UpdateSection::default()),
        Some(section) if sections.is_empty() => Ok(section),
        // A split would mean a rewrite crossed a limit.
        Some(_) => Err(Error::TooLarge {
            what: format!("the writes to {}", core.describe_record(key_item)),
            bytes: 0,
            limit: "4 KB of expression per request",
        }),
    }
}

async fn apply_section(
    core: &TableCore,
    key_item: &Item,
    mut section: UpdateSection,
    mut created: Vec<DocumentPath>,
    old_values: OldValues,
    creates_record: bool,
) -> Result<OldFragment> {
    let mut before: Option<OldFragment> = None;
    for _ in 0..MAX_ATTEMPTS {
        if section.actions.is_empty() {
            return Ok(before.unwrap_or_default());
        }
        let removes_only = section
            .actions
            .iter()
            .all(|a| matches!(a, UpdateAction::Remove(_)));
        // Removes alone must not create an empty record, unless the caller's writes did create it
        // (a write later superseded by a remove of the same path).
        let must_exist = (removes_only && !creates_record) || !core.updates_create_records;
        let condition = condition(core, &mut section, must_exist, &created);
        let return_values = match old_values {
            OldValues::Skip => ReturnValue::None,
            // Real DynamoDB returns only the touched list items, compacted; the whole item keeps
            // indexes meaningful.
            OldValues::Fetch if section.actions.iter().any(|a| has_index(a.path())) => {
                ReturnValue::AllOld
            }
            OldValues::Fetch => ReturnValue::UpdatedOld,
        };
        let expression = section.expression();
        // A retry re-plans the rewritten actions, so the placeholders are not needed again.
        let (names, values) = std::mem::take(&mut section.placeholders).into_maps();
        let outcome = core
            .client
            .update_item()
            .table_name(&core.table_name)
            .set_key(Some(key_item.clone()))
            .update_expression(expression)
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values(return_values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match outcome {
            Ok(output) => {
                return Ok(before.unwrap_or(output.attributes.unwrap_or_default()));
            }
            Err(error) => {
                let current = match error.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                        failed.item().cloned()
                    }
                    _ => {
                        return Err(Error::from_sdk("UpdateItem", error)
                            .for_record(|| core.describe_record(key_item)))
                    }
                };
                let exists = current.is_some();
                let current = current.unwrap_or_default();
                if !exists && !core.updates_create_records && !removes_only {
                    return Err(Error::RecordNotFound {
                        record: core.describe_record(key_item),
                    });
                }
                // What the written paths held comes from the item DynamoDB returned.
                before.get_or_insert_with(|| old_fragment(&current, &section.actions));
                if !exists && removes_only && !creates_record {
                    return Ok(before.unwrap_or_default());
                }
                let actions;
                (actions, created) = rewrite(
                    std::mem::take(&mut section.actions),
                    &|path: &DocumentPath| Some(document::existing_depth(&current, path)),
                    &|path: &DocumentPath| Some(document::get(&current, path).is_some()),
                );
                section = single_section(core, key_item, actions)?;
            }
        }
    }
    Err(Error::Service {
        operation: "UpdateItem",
        record: Some(core.describe_record(key_item)),
        code: "ConditionalCheckFailedException".into(),
        message: format!("the record kept changing during {MAX_ATTEMPTS} attempts to write it"),
        source: "concurrent writers".into(),
    })
}

/// The bytes of the attribute names along a path.
fn path_bytes(path: &DocumentPath) -> usize {
    path.segments()
        .iter()
        .filter_map(Segment::name)
        .map(str::len)
        .sum()
}

fn has_index(path: &DocumentPath) -> bool {
    path.segments()
        .iter()
        .any(|s| matches!(s, Segment::Index(_)))
}

/// The condition of an attempt: the parents of the written paths exist, the subtrees about to be
/// created do not, and (where required) the record exists.
pub(crate) fn condition(
    core: &TableCore,
    section: &mut UpdateSection,
    record_must_exist: bool,
    created: &[DocumentPath],
) -> Option<String> {
    let mut clauses: BTreeSet<String> = BTreeSet::new();
    let placeholders: &mut Placeholders = &mut section.placeholders;
    if record_must_exist {
        let key = placeholders.name(&core.primary_index.hash_key);
        clauses.insert(format!("attribute_exists({key})"));
    }
    let mut container_types: Vec<(&str, String)> = Vec::new();
    for action in &section.actions {
        let Some(parent) = action.path().parent().filter(|p| !p.is_root()) else {
            continue;
        };
        let parent_path = placeholders.path(&parent);
        match action {
            UpdateAction::Set(..) => {
                clauses.insert(format!("attribute_exists({parent_path})"));
            }
            // Removing inside a plain value fails in DynamoDB; it is simply not there, so the
            // condition checks the parent's type and a failed check drops the remove.
            UpdateAction::Remove(path) => {
                let kind = match path.segments().last() {
                    Some(Segment::Index(_)) => "L",
                    _ => "M",
                };
                let type_value = match container_types.iter().find(|(k, _)| *k == kind) {
                    Some((_, placeholder)) => placeholder.clone(),
                    None => {
                        let placeholder = placeholders
                            .value(aws_sdk_dynamodb::types::AttributeValue::S(kind.into()));
                        container_types.push((kind, placeholder.clone()));
                        placeholder
                    }
                };
                clauses.insert(format!("attribute_type({parent_path}, {type_value})"));
            }
        }
    }
    for path in created {
        clauses.insert(format!("attribute_not_exists({})", placeholders.path(path)));
    }
    (!clauses.is_empty()).then(|| clauses.into_iter().collect::<Vec<_>>().join(" AND "))
}

/// Adds the entries of `from` (a later section's old values) to `into`, merging maps present in
/// both. What `into` already holds wins: an earlier section saw the value before any section wrote
/// it (DynamoDB Local returns whole attributes, which include what earlier sections wrote).
fn merge_fragment(into: &mut Item, from: Item) {
    for (name, value) in from {
        match (into.get_mut(&name), value) {
            (
                Some(aws_sdk_dynamodb::types::AttributeValue::M(existing)),
                aws_sdk_dynamodb::types::AttributeValue::M(added),
            ) => merge_fragment(existing, added),
            (Some(_), _) => {}
            (None, value) => {
                into.insert(name, value);
            }
        }
    }
}

/// The values the written paths held in `current`.
fn old_fragment(current: &Item, actions: &[UpdateAction]) -> Item {
    let mut fragment = Item::new();
    for action in actions {
        let path = action.path();
        if let Some(value) = document::get(current, path) {
            let Some((first, rest)) = path.segments().split_first() else {
                continue;
            };
            let Some(name) = first.name() else { continue };
            let subtree = document::build_subtree(rest, value.clone());
            match fragment.get_mut(name) {
                Some(existing) => {
                    document::set_within(existing, rest, value.clone());
                }
                None => {
                    fragment.insert(name.to_owned(), subtree);
                }
            }
        }
    }
    fragment
}

/// The writes that make sense on what is known of the record: SETs whose parent is known to be missing
/// become the creation of their highest missing ancestor (several such SETs under one ancestor become
/// one value); REMOVEs of what is known not to be there are dropped; the rest is kept. Returns the
/// writes and the paths they create.
pub(crate) fn rewrite(
    actions: Vec<UpdateAction>,
    existing: &impl Fn(&DocumentPath) -> Option<usize>,
    present: &impl Fn(&DocumentPath) -> Option<bool>,
) -> (Vec<UpdateAction>, Vec<DocumentPath>) {
    let mut kept: Vec<UpdateAction> = Vec::with_capacity(actions.len());
    let mut created: Vec<(DocumentPath, aws_sdk_dynamodb::types::AttributeValue)> = Vec::new();
    for action in actions {
        match action {
            UpdateAction::Remove(path) => {
                if present(&path) != Some(false) {
                    kept.push(UpdateAction::Remove(path));
                }
            }
            UpdateAction::Set(path, value) => {
                let Some(existing) = existing(&path) else {
                    kept.push(UpdateAction::Set(path, value));
                    continue;
                };
                if existing + 1 >= path.depth() {
                    kept.push(UpdateAction::Set(path, value));
                    continue;
                }
                let ancestor = path.prefix(existing + 1);
                let relative = path.suffix(existing + 1);
                match created.iter_mut().find(|(root, _)| *root == ancestor) {
                    Some((_, subtree)) => {
                        document::set_within(subtree, relative, value);
                    }
                    None => created.push((ancestor, document::build_subtree(relative, value))),
                }
            }
        }
    }
    let created_paths = created.iter().map(|(path, _)| path.clone()).collect();
    kept.extend(
        created
            .into_iter()
            .map(|(path, value)| UpdateAction::Set(path, value)),
    );
    (kept, created_paths)
}
