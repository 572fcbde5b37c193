//! Field writes: one UpdateItem per section of writes, and at most one more when parent maps are
//! missing.
//!
//! The first attempt is conditioned on the parents of every written path existing (and, for removes or
//! update-only tables, on the record existing), and asks DynamoDB for the current item if the condition
//! fails. The second attempt writes each missing subtree whole at its highest missing ancestor, itself
//! conditioned on that ancestor still being absent, so a concurrent writer is never overwritten. A
//! race with such a writer is retried a bounded number of times.

use std::collections::VecDeque;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure, Update,
};

use super::core::TableCore;
use super::read::projected_paths;
use super::retry::{already_applied, check_current, replan, rewrite, Attempt, ExpectedVersion};
use super::trace::traced_attempts;
use crate::document;
use crate::error::{Error, Result};
use crate::expr::{plan_update, Condition, UpdateAction, UpdateSection, MAX_EXPRESSION_BYTES};
use crate::model::defaults;
use crate::model::Item;
use crate::path::{DocumentPath, Segment};
use crate::size;

/// Sets the parts of an update request that an UpdateItem and a transaction's Update share: the two
/// SDK builders are different types with the same setters.
macro_rules! update_request {
    ($builder:expr, $core:expr, $key_item:expr, $prepared:expr) => {{
        let PreparedUpdate {
            expression,
            condition,
            names,
            values,
        } = $prepared;
        $builder
            .table_name(&$core.table_name)
            .set_key(Some($key_item.clone()))
            .update_expression(expression)
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
    }};
}

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
    condition: Option<&Condition>,
) -> Result<OldFragment> {
    check_written_size(core, key_item, &actions)?;
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        let return_old = old_values == OldValues::Fetch;
        let update = crate::external::client::Update {
            actions,
            return_old,
            condition,
            creates_record: false,
            version: None,
            known: Vec::new(),
        };
        return crate::external::client::update(api, core, key_item, update).await;
    }
    let sections = plan_update(actions, &[])?;
    one_request_if_conditional(core, key_item, condition, sections.len())?;
    let mut old = OldFragment::new();
    let mut version = Some(ExpectedVersion::Any);
    for section in sections {
        let found = apply_section(
            core,
            key_item,
            section,
            old_values,
            false,
            condition,
            version.take(),
        )
        .await?;
        // Sections may touch the same top-level attribute: merge, do not replace.
        merge_fragment(&mut old, found);
    }
    Ok(old)
}

/// Refuses a conditional write planned as several `requests`: a condition checked before each could
/// hold for some and not others.
fn one_request_if_conditional(
    core: &TableCore,
    key_item: &Item,
    condition: Option<&Condition>,
    requests: usize,
) -> Result<()> {
    if condition.is_some() && requests > 1 {
        return Err(Error::NotOneRequest {
            what: format!(
                "the conditional write to {}",
                core.describe_record(key_item)
            ),
            requests,
        });
    }
    Ok(())
}

/// Refuses writes whose values alone pass DynamoDB's 400 KB: whatever the record holds already, they
/// cannot be stored in it.
pub(crate) fn check_written_size(
    core: &TableCore,
    key_item: &Item,
    actions: &[UpdateAction],
) -> Result<()> {
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
    Ok(())
}

/// Like [`apply`], for writes whose parents are partly known already (the caching table's knowledge of
/// the record): writes below parents known to be missing create them in the first request, so no
/// request is spent discovering what is known. `existing` answers how many leading segments of a path
/// are known to exist (`None`: not known); `present` whether a value is known to be there. With the
/// caller's `condition`, the writes must fit one request ([`Error::NotOneRequest`] otherwise, and
/// nothing is sent).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_with_knowledge(
    core: &TableCore,
    key_item: &Item,
    actions: Vec<UpdateAction>,
    existing: impl Fn(&DocumentPath) -> Option<usize>,
    present: impl Fn(&DocumentPath) -> Option<bool>,
    creates_record: bool,
    version: Option<ExpectedVersion>,
    condition: Option<&Condition>,
) -> Result<()> {
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        // The server plans the request with what is known here, as this table would.
        let known = crate::external::client::known_paths(&actions, &existing, &present);
        let update = crate::external::client::Update {
            actions,
            return_old: false,
            condition,
            creates_record,
            version: version.as_ref(),
            known,
        };
        return crate::external::client::update(api, core, key_item, update)
            .await
            .map(drop);
    }
    let (actions, created) = rewrite(core.model, actions, &existing, &present, None);
    let sections = plan_update(actions, &created)?;
    one_request_if_conditional(core, key_item, condition, sections.len())?;
    let mut version = version;
    for section in sections {
        apply_section(
            core,
            key_item,
            section,
            OldValues::Skip,
            creates_record,
            condition,
            version.take(),
        )
        .await?;
    }
    Ok(())
}

/// Sends one section, and when its condition finds parents missing, the writes re-planned on the
/// item DynamoDB returned (more sections only if creating the parents makes the conditions longer).
/// The caller's `condition`, if any, is checked by every request; when the item DynamoDB returns
/// shows that the section's own conditions held, it is the caller's that failed. For a versioned
/// model, `version` (once per write, so on its first section) increments the version and checks it,
/// in every request until one succeeds.
#[allow(clippy::too_many_arguments)]
async fn apply_section(
    core: &TableCore,
    key_item: &Item,
    section: UpdateSection,
    old_values: OldValues,
    creates_record: bool,
    caller_condition: Option<&Condition>,
    mut version: Option<ExpectedVersion>,
) -> Result<OldFragment> {
    let mut old = OldFragment::new();
    // Each section to send, with the attempt it is; after a failed condition the old values are
    // known from the item DynamoDB returned, and the rewritten sections' answers are not used.
    let mut queue = VecDeque::from([(section, Attempt::FIRST, false)]);
    while let Some((mut section, attempt, old_known)) = queue.pop_front() {
        if section.actions.is_empty() {
            continue;
        }
        let removes_only = section
            .actions
            .iter()
            .all(|a| matches!(a, UpdateAction::Remove(_)));
        // Removes alone must not create an empty record, unless the caller's writes did create it
        // (a write later superseded by a remove of the same path).
        // A record whose own fields have defaults is created by a second request that stores them,
        // so the first one must not create it.
        let record_defaults = attempt.is_first()
            && !removes_only
            && core.updates_create_records
            && defaults::record_has_defaults(core.model);
        let must_exist =
            (removes_only && !creates_record) || !core.updates_create_records || record_defaults;
        let prepared = render_update(
            core,
            key_item,
            &mut section,
            must_exist,
            version.as_ref(),
            caller_condition,
        )?;
        let return_values = match old_values {
            OldValues::Skip => ReturnValue::None,
            // Real DynamoDB returns only the touched list items, compacted; the whole item keeps
            // indexes meaningful.
            OldValues::Fetch if section.actions.iter().any(|a| has_index(a.path())) => {
                ReturnValue::AllOld
            }
            OldValues::Fetch => ReturnValue::UpdatedOld,
        };
        let (outcome, attempts) = traced_attempts(
            core,
            "UpdateItem",
            Some(key_item),
            update_request!(core.client()?.update_item(), core, key_item, prepared)
                .return_values(return_values)
                .set_return_consumed_capacity(core.consumed_capacity()),
            // Only a failed retry of a conditioned write can be recognised as this write's own.
            caller_condition.is_some()
                || version
                    .as_ref()
                    .is_some_and(|expected| *expected != ExpectedVersion::Any),
        )
        .await;
        let error = match outcome {
            Ok(output) => {
                version = None;
                if !old_known {
                    merge_fragment(&mut old, output.attributes.unwrap_or_default());
                }
                continue;
            }
            Err(error) => error,
        };
        let current = match error.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                failed.item().cloned()
            }
            _ => {
                return Err(Error::from_sdk("UpdateItem", error)
                    .for_record(|| core.describe_record(key_item)))
            }
        };
        // The SDK sent the write again after DynamoDB had applied it (its answer was lost): the
        // retry's version check or the caller's condition failed against the write's own result.
        // Recognised when the old values are not needed (they are gone with the lost answer).
        if attempts > 1
            && (old_values == OldValues::Skip || old_known)
            && already_applied(
                core,
                version.as_ref(),
                &section.actions,
                current.as_ref().unwrap_or(&Item::new()),
            )
        {
            version = None;
            continue;
        }
        check_current(
            core,
            key_item,
            version.as_ref(),
            current.as_ref(),
            !removes_only,
        )?;
        let exists = current.is_some();
        let current = current.unwrap_or_default();
        // What the written paths held comes from the item DynamoDB returned.
        if !old_known {
            merge_fragment(&mut old, old_fragment(&current, &section.actions));
        }
        if !exists && removes_only && !creates_record {
            continue;
        }
        // The first attempt's own conditions are the record's existence (when required) and the
        // parents of its writes; when they hold, the caller's condition failed. Later attempts
        // also create parents: there, nothing left to re-plan tells the same.
        let original =
            (caller_condition.is_some() && !attempt.is_first()).then(|| section.actions.clone());
        if caller_condition.is_some()
            && attempt.is_first()
            && (exists || !must_exist)
            && own_conditions_hold(&current, &section.actions)
        {
            return Err(Error::ConditionFailed {
                operation: "UpdateItem",
                record: core.describe_record(key_item),
                current: exists.then(|| Box::new(current)),
            });
        }
        let (actions, created) = replan(core, key_item, section.actions, &current, exists);
        if original.is_some_and(|original| original == actions) {
            return Err(Error::ConditionFailed {
                operation: "UpdateItem",
                record: core.describe_record(key_item),
                current: exists.then(|| Box::new(current)),
            });
        }
        if actions.is_empty() {
            continue;
        }
        let next = attempt.next("UpdateItem", || Some(core.describe_record(key_item)))?;
        for (position, rewritten) in plan_update(actions, &created)?.into_iter().enumerate() {
            queue.insert(position, (rewritten, next, true));
        }
    }
    Ok(old)
}

/// One update request, rendered.
struct PreparedUpdate {
    expression: String,
    condition: Option<String>,
    names: Option<std::collections::HashMap<String, String>>,
    values: Option<std::collections::HashMap<String, AttributeValue>>,
}

/// Renders `actions` as one transaction action: the writes' own conditions (parents exist, `created`
/// paths absent, the record exists when `must_exist`), the version check and increment for a
/// versioned model (`version`), and the caller's condition. Fails if the writes do not fit one
/// request.
pub(crate) fn transact_update(
    core: &TableCore,
    key_item: &Item,
    actions: Vec<UpdateAction>,
    created: &[DocumentPath],
    must_exist: bool,
    version: Option<&ExpectedVersion>,
    caller: Option<&Condition>,
) -> Result<Update> {
    let mut sections = plan_update(actions, created)?;
    let (Some(mut section), true) = (sections.pop(), sections.is_empty()) else {
        return Err(Error::NotOneRequest {
            what: format!(
                "the writes to {} in a transaction",
                core.describe_record(key_item)
            ),
            requests: sections.len() + 1,
        });
    };
    let prepared = render_update(core, key_item, &mut section, must_exist, version, caller)?;
    update_request!(Update::builder(), core, key_item, prepared)
        .build()
        .map_err(|error| Error::request_build("TransactWriteItems", error))
}

/// Renders `section` as one UpdateItem: its own conditions (parents exist, created paths absent, the
/// record exists when `must_exist`), the version check and increment for a versioned model
/// (`version`), and the caller's condition. The section keeps its actions; its placeholders move
/// into the result.
fn render_update(
    core: &TableCore,
    key_item: &Item,
    section: &mut UpdateSection,
    must_exist: bool,
    version: Option<&ExpectedVersion>,
    caller: Option<&Condition>,
) -> Result<PreparedUpdate> {
    let mut condition = section.condition(must_exist, &core.primary_index.hash_key);
    if let (Some(name), Some(expected)) = (core.model.version_field(), version) {
        section.increment_version(name);
        if let Some(check) = version_check(expected, name, section) {
            condition = Some(match condition {
                Some(own) => format!("{own} AND {check}"),
                None => check,
            });
        }
    }
    if let Some(caller) = caller {
        let rendered = caller.render(core.model, &mut section.placeholders)?;
        condition = Some(match condition {
            // `own` is a conjunction already: parentheses around it would be redundant, which
            // DynamoDB refuses.
            Some(own) => format!("{own} AND ({rendered})"),
            None => rendered,
        });
    }
    if let Some(condition) = &condition {
        if condition.len() > MAX_EXPRESSION_BYTES {
            return Err(Error::TooLarge {
                what: format!(
                    "the condition of the write to {}",
                    core.describe_record(key_item)
                ),
                bytes: condition.len(),
                limit: "4 KB of condition expression",
            });
        }
    }
    let expression = section.expression();
    let (names, values) = std::mem::take(&mut section.placeholders).into_maps();
    Ok(PreparedUpdate {
        expression,
        condition,
        names,
        values,
    })
}

/// The condition clause checking the version, if `expected` names one.
pub(crate) fn version_check(
    expected: &ExpectedVersion,
    name: &str,
    section: &mut UpdateSection,
) -> Option<String> {
    match expected {
        ExpectedVersion::Any => None,
        ExpectedVersion::Absent => Some(format!(
            "attribute_not_exists({})",
            section.placeholders.name(name)
        )),
        ExpectedVersion::Is(value) => Some(format!(
            "{} = {}",
            section.placeholders.name(name),
            section.placeholders.value(value.clone())
        )),
    }
}

/// The bytes of the attribute names along a path.
fn path_bytes(path: &DocumentPath) -> usize {
    path.segments()
        .iter()
        .filter_map(Segment::name)
        .map(str::len)
        .sum()
}

/// Whether `path` goes through a list position.
pub(crate) fn has_index(path: &DocumentPath) -> bool {
    path.segments()
        .iter()
        .any(|s| matches!(s, Segment::Index(_)))
}

/// Adds the entries of `from` (a later section's old values) to `into`, merging maps present in
/// both. What `into` already holds wins: an earlier section saw the value before any section wrote
/// it (DynamoDB Local returns whole attributes, which include what earlier sections wrote).
fn merge_fragment(into: &mut Item, from: Item) {
    if into.is_empty() {
        // The first (often the only) section's old values: nothing to merge them with.
        *into = from;
        return;
    }
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

/// The values the written paths held in `current`, navigable by those paths: a path inside a list
/// brings the whole list, so that positions keep their meaning.
fn old_fragment(current: &Item, actions: &[UpdateAction]) -> Item {
    let mut fragment = AttributeValue::M(Item::new());
    for path in projected_paths(actions.iter().map(UpdateAction::path)) {
        if let Some(value) = document::get(current, &path) {
            document::set_within(&mut fragment, path.segments(), value.clone());
        }
    }
    match fragment {
        AttributeValue::M(item) => item,
        _ => Item::new(),
    }
}

/// Whether the conditions a section puts on its own writes hold on `current` (the item a failed
/// condition returned): the parent of every SET exists, the parent of every REMOVE is a map or a
/// list. When they hold, it is the caller's condition that failed.
fn own_conditions_hold(current: &Item, actions: &[UpdateAction]) -> bool {
    actions.iter().all(|action| match action {
        UpdateAction::Set(path, _) => document::existing_depth(current, path) + 1 >= path.depth(),
        UpdateAction::Remove(path) => path.parent().is_none_or(|parent| {
            parent.is_root()
                || matches!(
                    document::get(current, &parent),
                    Some(AttributeValue::M(_) | AttributeValue::L(_))
                )
        }),
    })
}
