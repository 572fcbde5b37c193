//! Tables: configuration, creation, and the operations on records and their fields.
//!
//! [`BasicTable`] sends every operation to DynamoDB at once.
//! The operations are written once, on [`Table`], over a [`Backend`].

mod api;
pub(crate) mod backend;
pub(crate) mod batch;
pub(crate) mod caching;
mod computed;
mod config;
pub(crate) mod core;
pub(crate) mod key;
mod leading_key;
mod lifecycle;
mod page;
mod query;
pub(crate) mod read;
mod records;
pub(crate) mod retry;
pub(crate) mod scan;
mod selectors;
mod single;
mod trace;
pub(crate) mod transaction;
mod unvalidated;
pub(crate) mod values;
pub(crate) mod write;

pub use api::{BasicTable, FromCache, Table};
pub use backend::{Backend, Direct};
pub use batch::{BatchGetReport, BatchRetry, BatchWriteReport};
pub use caching::stats::CacheStats;
pub use caching::{Cached, CachingTable, CommitReport};
pub use config::{BillingMode, GlobalSecondaryIndex, PrimaryIndex, Projection};
pub use key::{KeyPart, KeyValueInput, RecordKey};
pub use lifecycle::wait_until_active;
pub use page::{QueryMetadata, QueryPage};
pub use query::{Query, SortCondition};
pub use scan::Scan;
pub use selectors::{Getters, ModelSelection, NamedValues, Removers, Setters};
pub use single::{SharedCache, SharedCommitReport, SingleTable, SingleTableBuilder};
pub use transaction::{ReadResults, ReadTransaction, Slot, WriteTransaction};

use std::marker::PhantomData;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::types::ScalarAttributeType;
use aws_sdk_dynamodb::Client;

use self::core::{table_creation, CreateTable, Store, TableCore};
use crate::error::{Error, Result};
use crate::model::TableDataModel;

/// The types a builder builds for, held without owning any.
type Marker<M, K, B> = fn() -> (M, K, B);

/// How many records a caching table's commit writes at the same time, by default.
const DEFAULT_COMMIT_CONCURRENCY: usize = 16;

/// How long `build` waits for a table it created to become `ACTIVE`.
const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(120);

/// Configures a table: name, client, key schema, indexes, billing, creation.
///
/// ```no_run
/// # use structnosql::table::{BasicTable, PrimaryIndex};
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)] #[structnosql(rename_all = "camelCase")] struct User { user_id: String }
/// # async fn run(client: structnosql::aws_sdk_dynamodb::Client) -> structnosql::Result<()> {
/// let users = BasicTable::<User>::builder()
///     .table_name("accounts-data")
///     .client(client)
///     .primary_index(PrimaryIndex::hash("userId"))
///     .auto_create_table(true)
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TableBuilder<M, K, B> {
    table_name: Option<String>,
    client: Option<Client>,
    primary_index: Option<PrimaryIndex>,
    global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    billing_mode: BillingMode,
    /// Set by `auto_create_table(true)`.
    create_table: Option<CreateTable>,
    create_timeout: Duration,
    updates_create_records: bool,
    commit_concurrency: usize,
    retry_config: Option<RetryConfig>,
    timeout_config: Option<TimeoutConfig>,
    report_consumed_capacity: bool,
    leading_key: Option<String>,
    whole_record_reads: bool,
    cache_capacity: Option<usize>,
    cache_max_age: Option<Duration>,
    #[cfg(feature = "external-client")]
    external_api: Option<crate::external::ExternalApi>,
    model: PhantomData<Marker<M, K, B>>,
}

impl<M, K, B> Default for TableBuilder<M, K, B> {
    fn default() -> Self {
        Self {
            table_name: None,
            client: None,
            primary_index: None,
            global_secondary_indexes: Vec::new(),
            billing_mode: BillingMode::OnDemand,
            create_table: None,
            create_timeout: DEFAULT_CREATE_TIMEOUT,
            updates_create_records: true,
            commit_concurrency: DEFAULT_COMMIT_CONCURRENCY,
            retry_config: None,
            timeout_config: None,
            report_consumed_capacity: false,
            leading_key: None,
            whole_record_reads: true,
            cache_capacity: None,
            cache_max_age: None,
            #[cfg(feature = "external-client")]
            external_api: None,
            model: PhantomData,
        }
    }
}

impl<M: TableDataModel, K: RecordKey, B: Backend> TableBuilder<M, K, B> {
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

    /// Sends the table's operations to an application's own HTTP API instead of DynamoDB (cargo
    /// feature `external-client`): for programs that hold no AWS credentials. The table's name is
    /// the name the API serves it under; see [`crate::external`].
    #[cfg(feature = "external-client")]
    pub fn external_api(mut self, api: crate::external::ExternalApi) -> Self {
        self.external_api = Some(api);
        self
    }

    /// A client built from `config` (see [`crate::client_from_sdk_config`]).
    pub fn sdk_config(mut self, config: &SdkConfig) -> Result<Self> {
        self.client = Some(crate::client_from_sdk_config(config)?);
        Ok(self)
    }

    /// The table's primary key.
    pub fn primary_index(mut self, index: PrimaryIndex) -> Self {
        self.primary_index = Some(index);
        self
    }

    /// Adds a global secondary index.
    pub fn global_secondary_index(mut self, index: GlobalSecondaryIndex) -> Self {
        self.global_secondary_indexes.push(index);
        self
    }

    /// How a table created by `auto_create_table` is billed (on-demand by default).
    pub fn billing_mode(mut self, mode: BillingMode) -> Self {
        self.billing_mode = mode;
        self
    }

    /// Creates the table and its indexes if it does not exist, and waits until it is `ACTIVE`.
    pub fn auto_create_table(mut self, create: bool) -> Self {
        self.create_table = create.then(table_creation);
        self
    }

    /// How long to wait for a created table to become `ACTIVE` (2 minutes by default).
    pub fn create_timeout(mut self, timeout: Duration) -> Self {
        self.create_timeout = timeout;
        self
    }

    /// Whether a field update on a record that does not exist creates it (the default, as DynamoDB and
    /// StructNoSQL do). With `false`, such an update fails with [`Error::RecordNotFound`] and writes
    /// nothing.
    pub fn updates_create_records(mut self, create: bool) -> Self {
        self.updates_create_records = create;
        self
    }

    /// The SDK's retry settings for this table's requests (by default the client's: standard retries,
    /// 3 attempts with jittered backoff, for throttling, 5xx and connection errors).
    pub fn retry_config(mut self, config: RetryConfig) -> Self {
        self.retry_config = Some(config);
        self
    }

    /// The SDK's time-outs for this table's requests (connect, per attempt, per operation).
    pub fn timeout_config(mut self, config: TimeoutConfig) -> Self {
        self.timeout_config = Some(config);
        self
    }

    /// How many records a caching table's commit writes at the same time (16 by default).
    pub fn commit_concurrency(mut self, records: usize) -> Self {
        self.commit_concurrency = records.max(1);
        self
    }

    /// On a caching table, whether a record the cache does not know is read whole (the default) or
    /// only at the paths asked for.
    ///
    /// DynamoDB charges a GetItem by the size of the whole item, whatever its projection, so a whole
    /// read costs no more capacity, and afterwards every path of the record is known: later reads,
    /// the old values of removes and deletes, and the parents a commit must create are answered
    /// from memory instead of by more requests. Turn it off for records far larger than what is
    /// read of them, where moving the whole item costs more time than the requests it saves.
    pub fn whole_record_reads(mut self, whole: bool) -> Self {
        self.whole_record_reads = whole;
        self
    }

    /// On a caching table, the most records kept in memory (unbounded by default). When a new record
    /// would pass it, the least recently used records are forgotten (a tenth of the capacity at a
    /// time), except those with pending writes, which are kept until committed however many there
    /// are. A forgotten record is read again when next used. [`CacheStats`]
    /// reports the records held and those forgotten.
    pub fn cache_capacity(mut self, records: usize) -> Self {
        self.cache_capacity = Some(records.max(1));
        self
    }

    /// On a caching table, how long what was read of a record is trusted (forever by default): a
    /// record used after that is read again, as DynamoDB Accelerator's item cache does after its TTL.
    /// For long-lived tables whose records other programs also write. A record with pending writes
    /// keeps what it knows until they are committed.
    pub fn cache_max_age(mut self, age: Duration) -> Self {
        self.cache_max_age = Some(age);
        self
    }

    /// Stores every record's hash key with `prefix` in front, so that several logical tables or
    /// tenants share one physical table. Keys are given and returned without it; records whose hash
    /// key lacks it are not visible through this table (queries and scans skip them). Needs a string
    /// hash key.
    pub fn leading_key(mut self, prefix: impl Into<String>) -> Self {
        self.leading_key = Some(prefix.into());
        self
    }

    /// Asks DynamoDB for the capacity each request consumes (`ReturnConsumedCapacity=TOTAL`) and
    /// reports it in the request's tracing span (`consumed_capacity`). Off by default.
    pub fn report_consumed_capacity(mut self, report: bool) -> Self {
        self.report_consumed_capacity = report;
        self
    }

    /// Checks the configuration against the model, creates the table if asked, and returns the table.
    pub async fn build(self) -> Result<Table<M, K, B>> {
        Ok(Table::from_core(self.build_core().await?))
    }

    /// Where the table's operations go: the external API if one was given, else the client with the
    /// table's retry and time-out settings.
    fn store(&mut self, table_name: &str) -> Result<Store> {
        #[cfg(feature = "external-client")]
        if let Some(api) = self.external_api.take() {
            if self.client.is_some() || self.leading_key.is_some() {
                return Err(Error::Config {
                    message: format!(
                        "table {table_name} goes through an external API: it takes no DynamoDB \
                         client, and the API's server decides any leading key"
                    ),
                });
            }
            return Ok(Store::External(api));
        }
        let client = self.client.take().ok_or_else(|| Error::Config {
            message: format!("table {table_name} needs a client: call TableBuilder::client"),
        })?;
        if self.retry_config.is_none() && self.timeout_config.is_none() {
            return Ok(Store::DynamoDb(client));
        }
        let mut config = client.config().to_builder();
        if let Some(retry) = self.retry_config.take() {
            config = config.retry_config(retry);
        }
        if let Some(timeout) = self.timeout_config.take() {
            config = config.timeout_config(timeout);
        }
        Ok(Store::DynamoDb(Client::from_conf(config.build())))
    }

    pub(crate) async fn build_core(mut self) -> Result<TableCore> {
        let table_name = self.table_name.take().ok_or_else(|| Error::Config {
            message: "the table needs a name: call TableBuilder::table_name".into(),
        })?;
        let store = self.store(&table_name)?;
        let primary_index = self.primary_index.take().ok_or_else(|| Error::Config {
            message: format!(
                "table {table_name} needs a primary index: call TableBuilder::primary_index"
            ),
        })?;
        let mut core = TableCore::new::<M, K>(
            store,
            table_name,
            primary_index,
            std::mem::take(&mut self.global_secondary_indexes),
            self.updates_create_records,
            self.commit_concurrency,
        )?;
        core.report_consumed_capacity = self.report_consumed_capacity;
        core.whole_record_reads = self.whole_record_reads;
        core.cache_capacity = self.cache_capacity;
        core.cache_max_age = self.cache_max_age;
        if core.entity.is_some() && self.leading_key.is_some() {
            return Err(Error::Config {
                message: format!(
                    "table {}: an entity's keys are its templates', which take no leading key",
                    core.table_name
                ),
            });
        }
        if let Some(prefix) = self.leading_key {
            let string_hash = K::scalar_types().0 == ScalarAttributeType::S;
            if prefix.is_empty() || !string_hash {
                return Err(Error::Config {
                    message: format!(
                        "table {}: a leading key must be a non-empty prefix of a string hash key",
                        core.table_name
                    ),
                });
            }
            core.leading_key = Some(prefix);
        }
        if let Some(create_table) = self.create_table {
            create_table(
                &core,
                K::scalar_types(),
                self.billing_mode,
                self.create_timeout,
            )
            .await?;
        }
        #[cfg(all(
            feature = "internals",
            feature = "external-server",
            feature = "external-client"
        ))]
        let core = crate::external::loopback::route::<M, K>(core);
        Ok(core)
    }
}
