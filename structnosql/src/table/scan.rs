//! Scans: every record of the table or of a global secondary index, a page at a time, as a lazy
//! stream of pages, or as several segments scanned in parallel and merged into one stream.
//!
//! A scan reads every item of the table (or index) and costs read capacity for all of it, filter or
//! not; prefer a query wherever a key is known. On a `CachingTable` the records read are cached (as
//! queries' are) and the values returned include the caller's pending writes; a large scan through a
//! caching table therefore holds what it read in memory.

use crate::model::transform::read_fields;
use std::sync::Arc;

use futures::Stream;

use super::api::Table;
use super::backend::Backend;
use super::backend::Learned;
use super::batch::{key_attributes, projection_with_keys};
use super::core::TableCore;
use super::key::RecordKey;
use super::page::{self, read_page, Page, PageRequest};
use super::page::{QueryMetadata, QueryPage};
use super::read::values_at;
use super::selectors::{Getters, NamedValues};
use super::values::{check_field_path, decode_at, named_values};
use crate::document;
use crate::error::{Error, Result};
use crate::expr::{Condition, Placeholders};
use crate::model::{Item, TableDataModel};
use crate::path::{DocumentPath, ReadablePath, Selection};

/// DynamoDB's most segments of a parallel scan.
const MAX_SEGMENTS: u32 = 1_000_000;

/// What to scan: the table or an index, and the options of a page.
///
/// ```
/// # use structnosql::expr::Condition;
/// # use structnosql::table::Scan;
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)] struct Movie { id: String, rating: Option<f64> }
/// let good = Scan::table().filter(Condition::ge(Movie::fields().rating(), 8.0)).limit(100);
/// let first_quarter = Scan::table().segment(4, 0);
/// let by_type = Scan::index("primaryType");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scan {
    pub(crate) index: Option<String>,
    pub(crate) filter: Option<Condition>,
    pub(crate) limit: Option<i32>,
    pub(crate) start: Option<Item>,
    pub(crate) consistent: Option<bool>,
    pub(crate) segment: Option<(u32, u32)>,
}

impl Scan {
    /// Every record of the table. Reads are strongly consistent unless
    /// [`Scan::consistent_read`] says otherwise.
    pub fn table() -> Self {
        Self::default()
    }

    /// Every item of the global secondary index `index` (eventually consistent, as DynamoDB reads
    /// indexes). The values read are those the index projects.
    pub fn index(index: impl Into<String>) -> Self {
        Self {
            index: Some(index.into()),
            ..Self::default()
        }
    }

    /// Only records that meet `condition` (applied by DynamoDB after reading, so a page may hold
    /// fewer records than its limit, even none, and still not be the last).
    pub fn filter(mut self, condition: Condition) -> Self {
        self.filter = Some(condition);
        self
    }

    /// At most `limit` items are read per page (DynamoDB's `Limit`, counted before the filter).
    pub fn limit(mut self, limit: i32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues after the page that returned `last_evaluated_key`.
    pub fn start_after(mut self, last_evaluated_key: Option<Item>) -> Self {
        self.start = last_evaluated_key;
        self
    }

    /// Whether reads are strongly consistent (twice the read cost) or eventually consistent. A scan
    /// of the table is consistent by default; an index cannot be read consistently.
    pub fn consistent_read(mut self, consistent: bool) -> Self {
        self.consistent = Some(consistent);
        self
    }

    /// Scans only segment `index` (from 0) of `total` (1 to 1,000,000): the segments of one table
    /// together hold every record exactly once, so that workers can scan them in parallel. Checked
    /// when the scan is sent.
    pub fn segment(mut self, total: u32, index: u32) -> Self {
        self.segment = Some((total, index));
        self
    }
}

/// The table's name and the scan's description, for errors.
fn describe(core: &TableCore, scan: &Scan) -> String {
    match scan.segment {
        Some((total, index)) => format!("{}[scan segment {index} of {total}]", core.table_name),
        None => format!("{}[scan]", core.table_name),
    }
}

fn config(core: &TableCore, scan: &Scan, problem: &str) -> Error {
    Error::Config {
        message: format!("{}: {problem}", describe(core, scan)),
    }
}

/// Sends one Scan projecting `projected` (whole items when `None`).
pub(crate) async fn scan_page(
    core: &TableCore,
    scan: &Scan,
    projected: Option<&[DocumentPath]>,
) -> Result<(Vec<Item>, QueryMetadata)> {
    let consistent = page::consistency(scan.consistent, scan.index.as_deref(), || {
        describe(core, scan)
    })?;
    let (segment, total_segments) =
        match scan.segment {
            None => (None, None),
            Some((total, index)) if (1..=MAX_SEGMENTS).contains(&total) && index < total => {
                (i32::try_from(index).ok(), i32::try_from(total).ok())
            }
            Some(_) => return Err(config(
                core,
                scan,
                "a scan has 1 to 1,000,000 segments, and the segment's index is below their number",
            )),
        };
    // Checked here for every table, so that an external one refuses as a direct one does.
    if let Some(name) = &scan.index {
        super::page::index(core, name)?;
    }
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        super::page::check_filter(core, scan.filter.as_ref(), &describe(core, scan))?;
        return crate::external::client::scan(api, core, scan, projected).await;
    }
    read_page(
        core,
        Placeholders::new(),
        Page {
            request: PageRequest::Scan {
                segment,
                total_segments,
            },
            index: scan.index.as_deref(),
            filter: scan.filter.as_ref(),
            projected,
            limit: scan.limit,
            start: scan.start.clone(),
            consistent,
            describe: describe(core, scan),
        },
    )
    .await
}

/// One page, each record keyed and decoded. `paths` are the fields read (`None`: whole records).
async fn scanned<K: RecordKey, V, B: Backend>(
    backend: &B,
    scan: &Scan,
    paths: Option<&[DocumentPath]>,
    decode: impl Fn(Item) -> Result<V>,
) -> Result<QueryPage<K, V>> {
    let core = backend.core();
    for path in paths.into_iter().flatten() {
        check_field_path(path)?;
    }
    let projected = paths.map(|paths| projection_with_keys(core, paths));
    backend.commit_before_reading(None).await?;
    let (items, metadata) = scan_page(core, scan, projected.as_deref()).await?;
    let items: Vec<Item> = if core.index_holds_records(scan.index.as_deref()) {
        let how = match &projected {
            Some(projected) => Learned::Paths(projected),
            None => Learned::Records,
        };
        let records = items
            .into_iter()
            .map(|item| (key_attributes(core, &item), Some(item)))
            .collect();
        backend
            .learn_records(records, how)
            .into_iter()
            .flatten()
            .collect()
    } else {
        items
    };
    let records = items
        .into_iter()
        .map(|item| {
            let key = core.key_of::<K>(&item)?;
            let item = read_fields(core.model, paths, core.strip_leading_key(item))?;
            Ok((key, decode(item)?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(QueryPage { records, metadata })
}

/// Pages of a scan as a lazy stream; an error ends the stream after it is yielded.
fn paginate<K, V, B, D>(
    backend: Arc<B>,
    scan: Scan,
    paths: Option<Vec<DocumentPath>>,
    decode: Arc<D>,
) -> impl Stream<Item = Result<QueryPage<K, V>>> + Send + 'static
where
    K: RecordKey,
    V: Send + 'static,
    B: Backend,
    D: Fn(Item) -> Result<V> + Send + Sync + 'static,
{
    futures::stream::unfold(Some(scan), move |next| {
        let (backend, paths, decode) = (Arc::clone(&backend), paths.clone(), Arc::clone(&decode));
        async move {
            let scan = next?;
            match scanned(&*backend, &scan, paths.as_deref(), |item| decode(item)).await {
                Ok(page) => {
                    let following = (!page.metadata.has_reached_end)
                        .then(|| scan.start_after(page.metadata.last_evaluated_key.clone()));
                    Some((Ok(page), following))
                }
                Err(error) => Some((Err(error), None)),
            }
        }
    })
}

/// The segments of `scan`, each as a lazy stream of pages, merged: pages come as they arrive, so up to
/// `total` requests are in flight.
fn parallel<K, V, B, D>(
    backend: &Arc<B>,
    scan: Scan,
    total: u32,
    paths: Option<Vec<DocumentPath>>,
    decode: D,
) -> impl Stream<Item = Result<QueryPage<K, V>>> + Send + 'static
where
    K: RecordKey,
    V: Send + 'static,
    B: Backend,
    D: Fn(Item) -> Result<V> + Send + Sync + 'static,
{
    let decode = Arc::new(decode);
    // With no segments at all, one stream still runs, to report the invalid count.
    let segments = (0..total.max(1)).map(|index| {
        Box::pin(paginate(
            Arc::clone(backend),
            scan.clone().start_after(None).segment(total, index),
            paths.clone(),
            Arc::clone(&decode),
        ))
    });
    futures::stream::select_all(segments)
}

impl<M: TableDataModel, K: RecordKey, B: Backend> Table<M, K, B> {
    // ---- Scans -----------------------------------------------------------------------------

    /// Reads one field of every record a scan finds (one page, one Scan request).
    ///
    /// ```no_run
    /// # use structnosql::expr::Condition;
    /// # use structnosql::table::{BasicTable, Scan};
    /// # use structnosql::TableDataModel;
    /// # #[derive(TableDataModel)] struct User { user_id: String, username: Option<String>, score: Option<i64> }
    /// # async fn run(users: BasicTable<User>) -> structnosql::Result<()> {
    /// let f = User::fields();
    /// let page = users.scan_field(&Scan::table().filter(Condition::ge(f.score(), 100)), f.username()).await?;
    /// for (user_id, username) in page.records {
    ///     println!("{user_id}: {username:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn scan_field<P: ReadablePath>(
        &self,
        scan: &Scan,
        path: P,
    ) -> Result<QueryPage<K, Option<P::Value>>> {
        let path = path.read_path().clone();
        scanned(
            &*self.backend,
            scan,
            Some(std::slice::from_ref(&path)),
            |item| decode_at(&path, document::get(&item, &path).cloned()),
        )
        .await
    }

    /// Reads several fields (a tuple of typed paths) of every record a scan finds (one page).
    pub async fn scan_fields<S: Selection>(
        &self,
        scan: &Scan,
        selection: S,
    ) -> Result<QueryPage<K, S::Values>> {
        let paths: Vec<DocumentPath> = selection.document_paths().into_iter().cloned().collect();
        scanned(&*self.backend, scan, Some(&paths), |item| {
            selection
                .decode(values_at(Some(&item), &paths))
                .map_err(|violations| Error::stored_data_at(&DocumentPath::root(), violations))
        })
        .await
    }

    /// Reads named fields of every record a scan finds (one page).
    pub async fn scan_multiple_fields(
        &self,
        scan: &Scan,
        getters: &Getters,
    ) -> Result<QueryPage<K, NamedValues>> {
        let named = getters.resolve(self.backend.core().model)?;
        let paths: Vec<DocumentPath> = named.iter().map(|(_, path)| path.clone()).collect();
        scanned(&*self.backend, scan, Some(&paths), |item| {
            Ok(named_values(&named, &item))
        })
        .await
    }

    /// Reads the whole records a scan finds (one page).
    pub async fn scan_records(&self, scan: &Scan) -> Result<QueryPage<K, M>> {
        scanned(&*self.backend, scan, None, M::from_item).await
    }

    /// Every page of [`Table::scan_field`], as a stream that sends the next request only when the
    /// next page is polled. The stream ends after the page that reaches the end (which may be
    /// empty).
    pub fn paginated_scan_field<P: ReadablePath>(
        &self,
        scan: Scan,
        path: P,
    ) -> impl Stream<Item = Result<QueryPage<K, Option<P::Value>>>> + Send + 'static {
        let path = path.read_path().clone();
        paginate(
            Arc::clone(&self.backend),
            scan,
            Some(vec![path.clone()]),
            Arc::new(move |item: Item| {
                decode_at::<P::Value>(&path, document::get(&item, &path).cloned())
            }),
        )
    }

    /// Every page of [`Table::scan_multiple_fields`], as a lazy stream.
    pub fn paginated_scan_multiple_fields(
        &self,
        scan: Scan,
        getters: &Getters,
    ) -> Result<impl Stream<Item = Result<QueryPage<K, NamedValues>>> + Send + 'static> {
        let named = getters.resolve(self.backend.core().model)?;
        let paths = named.iter().map(|(_, path)| path.clone()).collect();
        Ok(paginate(
            Arc::clone(&self.backend),
            scan,
            Some(paths),
            Arc::new(move |item: Item| Ok(named_values(&named, &item))),
        ))
    }

    /// Every page of [`Table::scan_records`], as a lazy stream.
    pub fn paginated_scan_records(
        &self,
        scan: Scan,
    ) -> impl Stream<Item = Result<QueryPage<K, M>>> + Send + 'static {
        paginate(
            Arc::clone(&self.backend),
            scan,
            None,
            Arc::new(M::from_item),
        )
    }

    /// [`Table::paginated_scan_field`] over `total_segments` segments scanned in parallel: the
    /// pages of every segment, merged in the order they arrive (up to `total_segments` requests in
    /// flight). Together they hold every record exactly once. The scan's own segment and start key
    /// are replaced; a page's `last_evaluated_key` belongs to its segment. An error ends its
    /// segment's stream after it is yielded; the other segments go on.
    pub fn parallel_scan_field<P: ReadablePath>(
        &self,
        scan: Scan,
        total_segments: u32,
        path: P,
    ) -> impl Stream<Item = Result<QueryPage<K, Option<P::Value>>>> + Send + 'static {
        let path = path.read_path().clone();
        parallel(
            &self.backend,
            scan,
            total_segments,
            Some(vec![path.clone()]),
            move |item: Item| decode_at::<P::Value>(&path, document::get(&item, &path).cloned()),
        )
    }

    /// [`Table::paginated_scan_multiple_fields`] over `total_segments` segments scanned in parallel
    /// (see [`Table::parallel_scan_field`]).
    pub fn parallel_scan_multiple_fields(
        &self,
        scan: Scan,
        total_segments: u32,
        getters: &Getters,
    ) -> Result<impl Stream<Item = Result<QueryPage<K, NamedValues>>> + Send + 'static> {
        let named = getters.resolve(self.backend.core().model)?;
        let paths = named.iter().map(|(_, path)| path.clone()).collect();
        Ok(parallel(
            &self.backend,
            scan,
            total_segments,
            Some(paths),
            move |item: Item| Ok(named_values(&named, &item)),
        ))
    }

    /// [`Table::paginated_scan_records`] over `total_segments` segments scanned in parallel (see
    /// [`Table::parallel_scan_field`]).
    ///
    /// ```no_run
    /// # use futures::TryStreamExt;
    /// # use structnosql::table::{BasicTable, Scan};
    /// # use structnosql::TableDataModel;
    /// # #[derive(TableDataModel)] struct User { user_id: String }
    /// # async fn run(users: BasicTable<User>) -> structnosql::Result<()> {
    /// let pages: Vec<_> = users.parallel_scan_records(Scan::table(), 4).try_collect().await?;
    /// let count: usize = pages.iter().map(|page| page.records.len()).sum();
    /// # Ok(()) }
    /// ```
    pub fn parallel_scan_records(
        &self,
        scan: Scan,
        total_segments: u32,
    ) -> impl Stream<Item = Result<QueryPage<K, M>>> + Send + 'static {
        parallel(&self.backend, scan, total_segments, None, M::from_item)
    }
}
