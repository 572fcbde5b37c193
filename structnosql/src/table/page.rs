//! One page of a Query or a Scan, read the same way for both: the index checked, the filter and the
//! projection rendered, the metadata kept, and only the records visible through this table returned.

use super::config::GlobalSecondaryIndex;
use super::core::TableCore;
use super::read::projection;
use super::trace::traced;
use crate::error::{Error, Result};
use crate::expr::{Condition, Placeholders, MAX_EXPRESSION_BYTES};
use crate::model::Item;
use crate::path::DocumentPath;

/// What DynamoDB said about a page.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryMetadata {
    /// The records in the page (after the filter).
    pub count: i32,
    /// Whether there is nothing after this page (`last_evaluated_key` is `None`). A page that ends
    /// exactly on the last record may still carry a key, and the next page is then empty.
    pub has_reached_end: bool,
    /// Where the next page starts; pass it to [`Query::start_after`](super::Query::start_after).
    pub last_evaluated_key: Option<Item>,
}

/// One page of query results: each record's key with the values read, in DynamoDB's order.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPage<K, V> {
    /// The records.
    pub records: Vec<(K, V)>,
    /// The page's metadata.
    pub metadata: QueryMetadata,
}

/// The request of a page: what only a Query or only a Scan has.
pub(crate) enum PageRequest {
    /// A Query: its key condition (rendered with the page's placeholders) and its order.
    Query {
        key_condition: String,
        ascending: bool,
    },
    /// A Scan, or one segment (`segment` of `total_segments`) of a parallel scan.
    Scan {
        segment: Option<i32>,
        total_segments: Option<i32>,
    },
}

/// One page to read.
pub(crate) struct Page<'a> {
    pub(crate) request: PageRequest,
    /// The global secondary index read, or `None` for the table.
    pub(crate) index: Option<&'a str>,
    pub(crate) filter: Option<&'a Condition>,
    /// The paths read, or `None` for whole items.
    pub(crate) projected: Option<&'a [DocumentPath]>,
    pub(crate) limit: Option<i32>,
    pub(crate) start: Option<Item>,
    pub(crate) consistent: bool,
    /// What errors name: `table[query]`, `table[scan]`.
    pub(crate) describe: String,
}

/// Sends a page's request (`$builder`, a Query or a Scan with its own parts set) with the parts both
/// share, and returns its items, count and last evaluated key: the two SDK builders are different
/// types with the same setters.
macro_rules! send_page {
    ($operation:literal, $builder:expr, $core:expr, $page:expr, $rendered:expr) => {{
        let (filter, projection, names, values) = $rendered;
        let describe = &$page.describe;
        let output = traced(
            $core,
            $operation,
            None,
            $builder
                .table_name(&$core.table_name)
                .set_index_name($page.index.map(str::to_owned))
                .set_filter_expression(filter)
                .set_projection_expression(projection)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .set_limit($page.limit)
                .set_exclusive_start_key($page.start)
                .set_consistent_read($page.consistent.then_some(true))
                .set_return_consumed_capacity($core.consumed_capacity()),
        )
        .await
        .map_err(|error| Error::from_sdk($operation, error).for_record(|| describe.clone()))?;
        (output.items, output.count, output.last_evaluated_key)
    }};
}

/// The table's global secondary index `name`, or [`Error::UnknownIndex`].
/// Whether a page is read strongly consistently: as `requested`, else when it reads the table (an
/// index is read eventually consistently, and cannot be read otherwise). `describe` names the
/// request in the error.
pub(crate) fn consistency(
    requested: Option<bool>,
    index: Option<&str>,
    describe: impl FnOnce() -> String,
) -> Result<bool> {
    match (requested, index) {
        (Some(true), Some(_)) => Err(Error::Config {
            message: format!(
                "{}: a global secondary index cannot be read consistently",
                describe()
            ),
        }),
        (Some(consistent), _) => Ok(consistent),
        (None, index) => Ok(index.is_none()),
    }
}

pub(crate) fn index<'a>(core: &'a TableCore, name: &str) -> Result<&'a GlobalSecondaryIndex> {
    core.global_secondary_indexes
        .iter()
        .find(|index| index.name == name)
        .ok_or_else(|| Error::UnknownIndex {
            table: core.table_name.clone(),
            index: name.to_owned(),
        })
}

fn check_filter_length(filter: &str, describe: &str) -> Result<()> {
    if filter.len() > MAX_EXPRESSION_BYTES {
        return Err(Error::TooLarge {
            what: format!("the filter of {describe}"),
            bytes: filter.len(),
            limit: "4 KB of FilterExpression",
        });
    }
    Ok(())
}

/// Refuses a filter too long for one request, for a table whose pages another program sends (an
/// external API's server), so that it refuses as a direct table does.
#[cfg(feature = "external-client")]
pub(crate) fn check_filter(
    core: &TableCore,
    filter: Option<&crate::expr::Condition>,
    describe: &str,
) -> Result<()> {
    match filter {
        Some(condition) => check_filter_length(
            &condition.render(core.model, &mut Placeholders::new())?,
            describe,
        ),
        None => Ok(()),
    }
}

/// Sends one page's request; `placeholders` holds what the request's own part (a key condition)
/// uses already.
pub(crate) async fn read_page(
    core: &TableCore,
    mut placeholders: Placeholders,
    page: Page<'_>,
) -> Result<(Vec<Item>, QueryMetadata)> {
    if let Some(name) = page.index {
        index(core, name)?;
    }
    let filter = page
        .filter
        .map(|condition| condition.render(core.model, &mut placeholders))
        .transpose()?;
    if let Some(filter) = &filter {
        check_filter_length(filter, &page.describe)?;
    }
    let projection = page
        .projected
        .map(|paths| projection(paths, &mut placeholders))
        .transpose()?;
    let (names, values) = placeholders.into_maps();
    let rendered = (filter, projection, names, values);
    let (items, count, last_evaluated_key) = match page.request {
        PageRequest::Query {
            key_condition,
            ascending,
        } => send_page!(
            "Query",
            core.client()?
                .query()
                .key_condition_expression(key_condition)
                .scan_index_forward(ascending),
            core,
            page,
            rendered
        ),
        PageRequest::Scan {
            segment,
            total_segments,
        } => send_page!(
            "Scan",
            core.client()?
                .scan()
                .set_segment(segment)
                .set_total_segments(total_segments),
            core,
            page,
            rendered
        ),
    };
    let metadata = QueryMetadata {
        count,
        has_reached_end: last_evaluated_key.is_none(),
        last_evaluated_key,
    };
    // Records of other logical tables sharing the table or an index are not visible through this
    // one.
    let mut items = items.unwrap_or_default();
    items.retain(|item| core.is_visible(item));
    Ok((items, metadata))
}
