//! Queries on the primary index or a global secondary index: a page at a time, or as a lazy stream
//! of pages.

use aws_sdk_dynamodb::types::AttributeValue;

use super::core::TableCore;
use super::key::KeyValueInput;
use super::page::{self, read_page, Page, PageRequest, QueryMetadata};
use crate::error::{Error, Result};
use crate::expr::{Condition, Placeholders};
use crate::model::Item;
use crate::path::DocumentPath;

/// A condition on the sort key of the queried index.
#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    /// `sort = value`
    Eq(AttributeValue),
    /// `sort < value`
    Lt(AttributeValue),
    /// `sort <= value`
    Le(AttributeValue),
    /// `sort > value`
    Gt(AttributeValue),
    /// `sort >= value`
    Ge(AttributeValue),
    /// `low <= sort <= high`
    Between(AttributeValue, AttributeValue),
    /// The sort key starts with the prefix.
    BeginsWith(AttributeValue),
}

macro_rules! sort_condition {
    ($($name:ident => $variant:ident),*) => {$(
        #[doc = concat!("Sort key `", stringify!($variant), "` `value`.")]
        pub fn $name(value: impl KeyValueInput) -> Result<Self> {
            Ok(SortCondition::$variant(encode(value)?))
        }
    )*};
}

fn encode(value: impl KeyValueInput) -> Result<AttributeValue> {
    value
        .into_key_value()
        .map_err(|violations| Error::validation_at(&DocumentPath::root(), violations))
}

impl SortCondition {
    sort_condition!(eq => Eq, lt => Lt, le => Le, gt => Gt, ge => Ge, begins_with => BeginsWith);

    /// Sort key between `low` and `high`, inclusive.
    pub fn between(low: impl KeyValueInput, high: impl KeyValueInput) -> Result<Self> {
        Ok(SortCondition::Between(encode(low)?, encode(high)?))
    }
}

/// What to query: the index, the hash key value, and the options of a page.
///
/// ```
/// # use structnosql::table::{Query, SortCondition};
/// # fn run() -> structnosql::Result<()> {
/// let thrillers = Query::index("primaryType", "Thriller")?.limit(3);
/// let recent = Query::primary("c1")?.sort(SortCondition::ge(100_i64)?).descending();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub(crate) index: Option<String>,
    pub(crate) hash: AttributeValue,
    pub(crate) sort: Option<SortCondition>,
    pub(crate) filter: Option<Condition>,
    pub(crate) limit: Option<i32>,
    pub(crate) start: Option<Item>,
    pub(crate) ascending: bool,
    pub(crate) consistent: Option<bool>,
}

impl Query {
    /// The records whose primary hash key is `hash`.
    pub fn primary(hash: impl KeyValueInput) -> Result<Self> {
        Ok(Self::new(None, encode(hash)?))
    }

    /// The records whose hash key in the global secondary index `index` is `hash`.
    pub fn index(index: impl Into<String>, hash: impl KeyValueInput) -> Result<Self> {
        Ok(Self::new(Some(index.into()), encode(hash)?))
    }

    fn new(index: Option<String>, hash: AttributeValue) -> Self {
        Self {
            index,
            hash,
            sort: None,
            filter: None,
            limit: None,
            start: None,
            ascending: true,
            consistent: None,
        }
    }

    /// Only records whose sort key meets `condition`.
    pub fn sort(mut self, condition: SortCondition) -> Self {
        self.sort = Some(condition);
        self
    }

    /// Only records that meet `condition` (applied by DynamoDB after reading, so a page may hold
    /// fewer records than its limit).
    pub fn filter(mut self, condition: Condition) -> Self {
        self.filter = Some(condition);
        self
    }

    /// At most `limit` records are read per page (DynamoDB's `Limit`).
    pub fn limit(mut self, limit: i32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues after the page that returned `last_evaluated_key`.
    pub fn start_after(mut self, last_evaluated_key: Option<Item>) -> Self {
        self.start = last_evaluated_key;
        self
    }

    /// Highest sort keys first.
    pub fn descending(mut self) -> Self {
        self.ascending = false;
        self
    }

    /// Whether reads are strongly consistent or eventually consistent (half the read capacity, but
    /// a write DynamoDB acknowledged a moment ago may not show yet). A query of the table is
    /// consistent by default, so that it shows every write made before it; an index cannot be read
    /// consistently.
    pub fn consistent_read(mut self, consistent: bool) -> Self {
        self.consistent = Some(consistent);
        self
    }
}

/// Sends one Query for `paths` (plus the primary key, to key the results).
pub(crate) async fn query_page(
    core: &TableCore,
    query: &Query,
    paths: &[DocumentPath],
) -> Result<(Vec<Item>, QueryMetadata)> {
    // After the index is checked, so that an external table refuses an unknown one as a direct
    // table does.
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        key_names(core, query)?;
        consistency(core, query)?;
        let describe = format!("{}[query]", core.table_name);
        page::check_filter(core, query.filter.as_ref(), &describe)?;
        return crate::external::client::query(api, core, query, paths).await;
    }
    let projected = super::batch::projection_with_keys(core, paths);
    query_items(core, query, Some(&projected)).await
}

/// The names of the queried index's hash and sort keys; an error for an index the table lacks.
fn key_names(core: &TableCore, query: &Query) -> Result<(String, Option<String>)> {
    Ok(match &query.index {
        None => (
            core.primary_index.hash_key.clone(),
            core.primary_index.sort_key.clone(),
        ),
        Some(name) => {
            let index = page::index(core, name)?;
            (index.hash_key.clone(), index.sort_key.clone())
        }
    })
}

/// Whether the query reads consistently (see [`page::consistency`]).
fn consistency(core: &TableCore, query: &Query) -> Result<bool> {
    page::consistency(query.consistent, query.index.as_deref(), || {
        format!("{}[query]", core.table_name)
    })
}

/// Sends one Query to DynamoDB, for the `projected` attributes (whole items when `None`).
pub(crate) async fn query_items(
    core: &TableCore,
    query: &Query,
    projected: Option<&[DocumentPath]>,
) -> Result<(Vec<Item>, QueryMetadata)> {
    let (hash_name, sort_name) = key_names(core, query)?;
    let consistent = consistency(core, query)?;
    let mut placeholders = Placeholders::new();
    let hash = placeholders.name(&hash_name);
    // Record keys carry the table's leading key; index keys are the caller's own values.
    let hash_value = match &query.index {
        None => placeholders.value(core.with_leading_key(query.hash.clone())),
        Some(_) => placeholders.value(query.hash.clone()),
    };
    let mut key_condition = format!("{hash} = {hash_value}");
    if let Some(condition) = &query.sort {
        let sort_name = sort_name.ok_or_else(|| Error::Config {
            message: format!(
                "the queried index of table {} has no sort key",
                core.table_name
            ),
        })?;
        let sort = placeholders.name(&sort_name);
        let clause = match condition {
            SortCondition::Eq(v) => format!("{sort} = {}", placeholders.value(v.clone())),
            SortCondition::Lt(v) => format!("{sort} < {}", placeholders.value(v.clone())),
            SortCondition::Le(v) => format!("{sort} <= {}", placeholders.value(v.clone())),
            SortCondition::Gt(v) => format!("{sort} > {}", placeholders.value(v.clone())),
            SortCondition::Ge(v) => format!("{sort} >= {}", placeholders.value(v.clone())),
            SortCondition::Between(low, high) => format!(
                "{sort} BETWEEN {} AND {}",
                placeholders.value(low.clone()),
                placeholders.value(high.clone())
            ),
            SortCondition::BeginsWith(v) => {
                format!("begins_with({sort}, {})", placeholders.value(v.clone()))
            }
        };
        key_condition = format!("{key_condition} AND {clause}");
    }
    read_page(
        core,
        placeholders,
        Page {
            request: PageRequest::Query {
                key_condition,
                ascending: query.ascending,
            },
            index: query.index.as_deref(),
            filter: query.filter.as_ref(),
            projected,
            limit: query.limit,
            start: query.start.clone(),
            consistent,
            describe: format!("{}[query]", core.table_name),
        },
    )
    .await
}
