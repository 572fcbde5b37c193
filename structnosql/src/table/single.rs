//! A table shared by several entities (single-table design, see [`crate::entity`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::types::ScalarAttributeType;
use aws_sdk_dynamodb::Client;
use futures::Stream;

use super::backend::Backend;
use super::computed::{EntityTable, DEFAULT_ENTITY_TYPE_ATTRIBUTE};
use super::config::{BillingMode, GlobalSecondaryIndex, PrimaryIndex};
use super::core::{table_creation, CreateTable, Store, TableCore};
use super::{
    BasicTable, Cached, CachingTable, Query, DEFAULT_COMMIT_CONCURRENCY, DEFAULT_CREATE_TIMEOUT,
};
use crate::entity::{Collection, CollectionPage, Entity, EntityKey};
use crate::error::{Error, Result};
use crate::model::{Item, ModelSchema};

/// The model of a shared table itself, which holds no fields of its own.
static SHARED: ModelSchema = ModelSchema::new("SingleTable", &[]);

/// One DynamoDB table holding the records of several entities: the client, the table's name, its
/// key attributes (every one a string, shared by all entities) and its indexes. Each entity gets a
/// typed table over it with [`SingleTable::entity`] (every operation of [`BasicTable`]), or a
/// [`CachingTable`] from the [`SharedCache`] of [`SingleTable::cache`].
///
/// ```no_run
/// use structnosql::table::{GlobalSecondaryIndex, SingleTable};
/// use structnosql::TableDataModel;
///
/// #[derive(TableDataModel)]
/// #[structnosql(rename_all = "camelCase", entity = "Customer", pk = "CUSTOMER#{username}", sk = "CUSTOMER#{username}")]
/// struct Customer { username: String, email: String }
///
/// #[derive(TableDataModel)]
/// #[structnosql(rename_all = "camelCase", entity = "Order", pk = "CUSTOMER#{username}", sk = "#ORDER#{order_id}",
///     index(name = "gsi1", pk = "ORDER#{order_id}", sk = "ORDER#{order_id}"))]
/// struct Order { username: String, order_id: String, status: String }
///
/// # async fn run(client: structnosql::aws_sdk_dynamodb::Client) -> structnosql::Result<()> {
/// let shop = SingleTable::builder()
///     .table_name("shop")
///     .client(client)
///     .global_secondary_index(GlobalSecondaryIndex::hash("gsi1pk").sort_key("gsi1sk").index_name("gsi1"))
///     .auto_create_table(true)
///     .build()
///     .await?;
/// let customers = shop.entity::<Customer>()?;
/// let orders = shop.entity::<Order>()?;
/// customers.put_record(&Customer { username: "alexdebrie".into(), email: "alex@example.com".into() }).await?;
/// orders.put_record(&Order { username: "alexdebrie".into(), order_id: "1e499a".into(), status: "PLACED".into() }).await?;
/// let order = orders.get_record(Order::key("alexdebrie", "1e499a")).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SingleTable {
    core: TableCore,
    type_attribute: String,
}

impl SingleTable {
    /// Configures a shared table.
    pub fn builder() -> SingleTableBuilder {
        SingleTableBuilder::default()
    }

    /// The DynamoDB table's name.
    pub fn table_name(&self) -> &str {
        &self.core.table_name
    }

    /// The table of the entity `E`: its records, with their computed attributes (keys, index keys,
    /// entity type), every operation going to DynamoDB at once. Fails when `E`'s templates do not
    /// fit the table (a sort key template without a sort key, an index the table lacks) or name
    /// an attribute the table computes.
    pub fn entity<E: Entity>(&self) -> Result<BasicTable<E, EntityKey<E>>> {
        Ok(BasicTable::from_core(self.entity_core::<E>()?))
    }

    /// A cache over the table: the caching tables of several entities it gives are committed
    /// together by [`SharedCache::commit_operations`].
    pub fn cache(&self) -> SharedCache {
        SharedCache {
            table: self.clone(),
            caches: Arc::default(),
        }
    }

    /// One page of the items a query finds (a partition, or an index's partition), each decoded as
    /// the entity its entity-type attribute names: records of the collection `C`'s entities, and the
    /// other items listed apart. One Query, reading whole items from DynamoDB (an entity's caching
    /// table's pending writes are not in it until they are committed).
    pub async fn query_collection<C: Collection>(
        &self,
        query: &Query,
    ) -> Result<CollectionPage<C>> {
        read_collection(&self.core, &self.type_attribute, query).await
    }

    /// Every page of [`SingleTable::query_collection`], as a stream that sends the next request
    /// only when the next page is polled.
    pub fn paginated_query_collection<C: Collection>(
        &self,
        query: Query,
    ) -> impl Stream<Item = Result<CollectionPage<C>>> + Send + 'static {
        let (core, type_attribute) = (
            Arc::new(self.core.clone()),
            Arc::new(self.type_attribute.clone()),
        );
        crate::entity::paginate_collection(query, move |query| {
            let (core, type_attribute) = (Arc::clone(&core), Arc::clone(&type_attribute));
            async move { read_collection(&core, &type_attribute, &query).await }
        })
    }

    fn entity_core<E: Entity>(&self) -> Result<TableCore> {
        let mut core = self.core.clone();
        core.model = E::model_schema();
        let entity = EntityTable::new(
            E::ENTITY,
            core.model,
            &core.primary_index,
            &core.global_secondary_indexes,
            &self.type_attribute,
        )
        .map_err(|message| Error::Schema {
            table: core.table_name.clone(),
            message,
        })?;
        core.entity = Some(entity);
        Ok(core)
    }
}

/// The caching tables of a shared table's entities, committed together: each entity's
/// [`CachingTable`] (from [`SharedCache::entity`]) serves its reads from memory and queues its
/// writes, as any caching table does (its own `commit_operations` sends its records' writes), and
/// [`SharedCache::commit_operations`] sends the pending writes of every entity's records at once:
/// one request per record, the entities' commits concurrent.
///
/// ```no_run
/// # use structnosql::table::SingleTable;
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)]
/// # #[structnosql(entity = "Customer", pk = "CUSTOMER#{username}", sk = "CUSTOMER#{username}")]
/// # struct Customer { username: String, visits: Option<u32> }
/// # #[derive(TableDataModel)]
/// # #[structnosql(entity = "Order", pk = "CUSTOMER#{username}", sk = "#ORDER#{order_id}")]
/// # struct Order { username: String, order_id: String, note: Option<String> }
/// # async fn run(shop: SingleTable) -> structnosql::Result<()> {
/// let cache = shop.cache();
/// let customers = cache.entity::<Customer>()?;
/// let orders = cache.entity::<Order>()?;
/// customers.update_field(Customer::key("alexdebrie"), Customer::fields().visits(), 3u32).await?;
/// orders.update_field(Order::key("alexdebrie", "1e499a"), Order::fields().note(), "gift".to_owned()).await?;
/// let report = cache.commit_operations().await; // two UpdateItems, sent concurrently
/// assert!(report.failed.is_empty());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SharedCache {
    table: SingleTable,
    /// The backends of the caching tables given so far.
    caches: Arc<Mutex<Vec<Arc<Cached>>>>,
}

/// What [`SharedCache::commit_operations`] did, per record by its key attributes.
#[derive(Debug)]
pub struct SharedCommitReport {
    /// The key attributes of the records whose writes were committed.
    pub committed: Vec<Item>,
    /// The records whose writes failed (they stay pending), with the error.
    pub failed: Vec<(Item, Error)>,
}

impl SharedCache {
    /// The caching table of the entity `E`, whose writes this cache's commits send.
    pub fn entity<E: Entity>(&self) -> Result<CachingTable<E, EntityKey<E>>> {
        let backend = Arc::new(<Cached as Backend>::new(self.table.entity_core::<E>()?));
        self.caches
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(Arc::clone(&backend));
        Ok(CachingTable::from_backend(backend))
    }

    /// [`SingleTable::query_collection`], after the pending writes of the records it could return are
    /// committed (those of the queried partition; every record's for a query of an index), so that
    /// it shows them as the caching tables' own reads do.
    pub async fn query_collection<C: Collection>(
        &self,
        query: &Query,
    ) -> Result<CollectionPage<C>> {
        let hash = query.index.is_none().then_some(&query.hash);
        for cache in self.backends() {
            cache.commit_before_reading(hash).await?;
        }
        self.table.query_collection(query).await
    }

    /// The backends of the caching tables given so far.
    fn backends(&self) -> Vec<Arc<Cached>> {
        self.caches
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Sends the pending writes of every entity's caching table: per record one UpdateItem (more
    /// only where DynamoDB's limits force it), the tables' commits concurrent, each up to its
    /// commit concurrency. The writes of records that fail stay pending.
    pub async fn commit_operations(&self) -> SharedCommitReport {
        let caches = self.backends();
        let commits = caches.iter().map(|cache| cache.commit_all());
        let mut report = SharedCommitReport {
            committed: Vec::new(),
            failed: Vec::new(),
        };
        for (committed, failed) in futures::future::join_all(commits).await {
            report.committed.extend(committed);
            report.failed.extend(failed);
        }
        report
    }
}

/// One page of a collection query.
async fn read_collection<C: Collection>(
    core: &TableCore,
    type_attribute: &str,
    query: &Query,
) -> Result<CollectionPage<C>> {
    let (items, metadata) = super::query::query_items(core, query, None).await?;
    CollectionPage::sort(items, type_attribute, metadata)
}

/// Configures a [`SingleTable`]: name, client, key attributes, indexes, creation.
#[derive(Debug)]
pub struct SingleTableBuilder {
    table_name: Option<String>,
    client: Option<Client>,
    primary_index: PrimaryIndex,
    global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    billing_mode: BillingMode,
    /// Set by `auto_create_table(true)`.
    create_table: Option<CreateTable>,
    create_timeout: Duration,
    type_attribute: String,
}

impl Default for SingleTableBuilder {
    fn default() -> Self {
        Self {
            table_name: None,
            client: None,
            primary_index: PrimaryIndex::hash_and_sort("pk", "sk"),
            global_secondary_indexes: Vec::new(),
            billing_mode: BillingMode::OnDemand,
            create_table: None,
            create_timeout: DEFAULT_CREATE_TIMEOUT,
            type_attribute: DEFAULT_ENTITY_TYPE_ATTRIBUTE.to_owned(),
        }
    }
}

impl SingleTableBuilder {
    /// The DynamoDB table's name.
    pub fn table_name(mut self, name: impl Into<String>) -> Self {
        self.table_name = Some(name.into());
        self
    }

    /// The client requests go through.
    pub fn client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The key attributes (strings): `pk` and `sk` unless set.
    pub fn primary_index(mut self, index: PrimaryIndex) -> Self {
        self.primary_index = index;
        self
    }

    /// Adds a global secondary index, its key attributes strings (such as `gsi1pk`, `gsi1sk`),
    /// which entities fill with `index(name = "...", pk = "...", sk = "...")` templates.
    pub fn global_secondary_index(mut self, index: GlobalSecondaryIndex) -> Self {
        self.global_secondary_indexes.push(index);
        self
    }

    /// The attribute naming each item's entity: `_et` unless set.
    pub fn entity_type_attribute(mut self, name: impl Into<String>) -> Self {
        self.type_attribute = name.into();
        self
    }

    /// How a table created by [`SingleTableBuilder::auto_create_table`] is billed (on demand unless
    /// set).
    pub fn billing_mode(mut self, mode: BillingMode) -> Self {
        self.billing_mode = mode;
        self
    }

    /// Whether `build` creates the table (and its indexes) when it does not exist, and waits until it
    /// is `ACTIVE`.
    pub fn auto_create_table(mut self, create: bool) -> Self {
        self.create_table = create.then(table_creation);
        self
    }

    /// The shared table, created first if asked.
    pub async fn build(self) -> Result<SingleTable> {
        let table_name = self.table_name.ok_or_else(|| Error::Config {
            message: "the table needs a name: call SingleTableBuilder::table_name".into(),
        })?;
        let client = self.client.ok_or_else(|| Error::Config {
            message: format!("table {table_name} needs a client: call SingleTableBuilder::client"),
        })?;
        if self.type_attribute.is_empty() {
            return Err(Error::Config {
                message: format!("table {table_name}: the entity-type attribute needs a name"),
            });
        }
        let core = TableCore::shared(
            Store::DynamoDb(client),
            table_name,
            self.primary_index,
            self.global_secondary_indexes,
            &SHARED,
            DEFAULT_COMMIT_CONCURRENCY,
        );
        if let Some(create_table) = self.create_table {
            let sort = core
                .primary_index
                .sort_key
                .as_ref()
                .map(|_| ScalarAttributeType::S);
            create_table(
                &core,
                (ScalarAttributeType::S, sort),
                self.billing_mode,
                self.create_timeout,
            )
            .await?;
        }
        Ok(SingleTable {
            core,
            type_attribute: self.type_attribute,
        })
    }
}
