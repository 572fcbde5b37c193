//! What every operation needs: the client, the table's names and keys, and their checks.

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    self as ddb, AttributeDefinition, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

use super::computed::{EntityTable, DEFAULT_ENTITY_TYPE_ATTRIBUTE};
use super::config::{BillingMode, GlobalSecondaryIndex, PrimaryIndex, Projection};
use super::key::RecordKey;
use crate::error::{Error, Result};
use crate::model::{Item, ModelSchema, TableDataModel, TypeSchema};
use crate::path::DocumentPath;

/// Where a table's operations go.
#[derive(Debug, Clone)]
pub(crate) enum Store {
    /// To DynamoDB, through the SDK.
    DynamoDb(Client),
    /// To an application's own HTTP API (see `crate::external`).
    #[cfg(feature = "external-client")]
    External(crate::external::ExternalApi),
}

/// A configured table, shared by the table types.
#[derive(Debug, Clone)]
pub struct TableCore {
    pub(crate) store: Store,
    pub(crate) table_name: String,
    pub(crate) primary_index: PrimaryIndex,
    pub(crate) global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    pub(crate) updates_create_records: bool,
    pub(crate) commit_concurrency: usize,
    pub(crate) model: &'static ModelSchema,
    /// Whether requests ask for the capacity they consume (reported in tracing spans).
    pub(crate) report_consumed_capacity: bool,
    /// The prefix of every hash key value this table stores; see the `leading_key` module.
    pub(crate) leading_key: Option<String>,
    /// Whether a caching table reads a record it does not know whole (see
    /// `TableBuilder::whole_record_reads`).
    pub(crate) whole_record_reads: bool,
    /// The most records a caching table keeps (see `TableBuilder::cache_capacity`).
    pub(crate) cache_capacity: Option<usize>,
    /// The entity whose records the table holds, for a model that is one (see `computed`).
    pub(crate) entity: Option<EntityTable>,
    /// How long a caching table trusts what it read (see `TableBuilder::cache_max_age`).
    pub(crate) cache_max_age: Option<std::time::Duration>,
}

impl TableCore {
    /// Checks that the model and the key schema agree: key fields exist, are required (table keys),
    /// and have the key type's DynamoDB type; an entity's templates fit the table's indexes.
    pub(crate) fn new<M: TableDataModel, K: RecordKey>(
        store: Store,
        table_name: String,
        primary_index: PrimaryIndex,
        global_secondary_indexes: Vec<GlobalSecondaryIndex>,
        updates_create_records: bool,
        commit_concurrency: usize,
    ) -> Result<Self> {
        let model = M::model_schema();
        let schema_error = |message: String| Error::Schema {
            table: table_name.clone(),
            message,
        };
        let entity = match (M::entity_schema(), K::entity_schema()) {
            (None, None) => None,
            (Some(entity), Some(keyed)) if std::ptr::eq(entity, keyed) => Some(
                EntityTable::new(
                    entity,
                    model,
                    &primary_index,
                    &global_secondary_indexes,
                    DEFAULT_ENTITY_TYPE_ATTRIBUTE,
                )
                .map_err(&schema_error)?,
            ),
            (Some(_), _) => {
                return Err(schema_error(format!(
                    "{} is an entity: its records are addressed by EntityKey<{}>",
                    model.name(),
                    model.name()
                )))
            }
            (None, Some(keyed)) => {
                return Err(schema_error(format!(
                    "the record key type is an EntityKey of {}, which {} is not",
                    keyed.name,
                    model.name()
                )))
            }
        };
        if entity.is_none() {
            check_model_keys::<K>(model, &primary_index, &global_secondary_indexes)
                .map_err(&schema_error)?;
        }
        let mut core = Self::shared(
            store,
            table_name,
            primary_index,
            global_secondary_indexes,
            model,
            commit_concurrency,
        );
        core.updates_create_records = updates_create_records;
        core.entity = entity;
        Ok(core)
    }

    /// A table of `model` with the default settings, unchecked (checked by [`TableCore::new`]; a
    /// shared table's, whose entities are not known yet).
    pub(crate) fn shared(
        store: Store,
        table_name: String,
        primary_index: PrimaryIndex,
        global_secondary_indexes: Vec<GlobalSecondaryIndex>,
        model: &'static ModelSchema,
        commit_concurrency: usize,
    ) -> Self {
        Self {
            store,
            table_name,
            primary_index,
            global_secondary_indexes,
            updates_create_records: true,
            commit_concurrency,
            model,
            report_consumed_capacity: false,
            leading_key: None,
            whole_record_reads: true,
            cache_capacity: None,
            cache_max_age: None,
            entity: None,
        }
    }

    /// The DynamoDB client, for the operations an external API does not carry.
    pub(crate) fn client(&self) -> Result<&Client> {
        match &self.store {
            Store::DynamoDb(client) => Ok(client),
            #[cfg(feature = "external-client")]
            Store::External(_) => Err(Error::Config {
                message: format!(
                    "table {} goes through an external API, which carries the operations on one \
                     record (reads, field writes without conditions, puts, deletes), not this one",
                    self.table_name
                ),
            }),
        }
    }

    /// The external API the table goes through, if it does.
    #[cfg(feature = "external-client")]
    pub(crate) fn external(&self) -> Option<&crate::external::ExternalApi> {
        match &self.store {
            Store::External(api) => Some(api),
            Store::DynamoDb(_) => None,
        }
    }

    /// The key attributes of the record `key`.
    pub(crate) fn key_item<K: RecordKey>(&self, key: &K) -> Result<Item> {
        let (hash, sort) = key
            .key_values()
            .map_err(|violations| Error::validation_at(&DocumentPath::root(), violations))?;
        // The caller's value must not be empty; the stored one (with the leading key) must fit.
        check_key_value(&self.primary_index.hash_key, &hash, MAX_HASH_KEY_BYTES)?;
        let hash = self.with_leading_key(hash);
        check_key_value(&self.primary_index.hash_key, &hash, MAX_HASH_KEY_BYTES)?;
        let mut item = Item::with_capacity(2);
        item.insert(self.primary_index.hash_key.clone(), hash);
        if let (Some(name), Some(sort)) = (&self.primary_index.sort_key, sort) {
            check_key_value(name, &sort, MAX_SORT_KEY_BYTES)?;
            item.insert(name.clone(), sort);
        }
        Ok(item)
    }

    /// Whether reading through `index` (`None`: the table) returns each record's own values: the
    /// table does, and an index that projects every attribute; an index projecting fewer would make
    /// the values it leaves out look absent, so a cache must not learn from it.
    pub(crate) fn index_holds_records(&self, index: Option<&str>) -> bool {
        match index {
            None => true,
            Some(name) => self
                .global_secondary_indexes
                .iter()
                .any(|index| index.name == name && index.projection == Projection::All),
        }
    }

    /// The key attributes of a whole item, checked as [`TableCore::key_item`] checks keys (not
    /// empty, within DynamoDB's key sizes), so a bad key is refused before anything is sent.
    pub(crate) fn key_item_of<K: RecordKey>(&self, item: &Item) -> Result<Item> {
        self.key_item(&self.key_of::<K>(item)?)
    }

    /// The record key stored in `item` (without the leading key); an entity's rendered from its
    /// fields when the item does not hold its key attributes yet.
    pub(crate) fn key_of<K: RecordKey>(&self, item: &Item) -> Result<K> {
        let rendered;
        let item = match self.rendered_key(item)? {
            Some(key_item) => {
                rendered = key_item;
                &rendered
            }
            None => item,
        };
        let hash_of = |item: &Item| {
            item.get(&self.primary_index.hash_key)
                .and_then(|hash| self.without_leading_key(hash))
        };
        let sort_of = |item: &Item| {
            self.primary_index
                .sort_key
                .as_ref()
                .and_then(|name| item.get(name).cloned())
        };
        let hash = hash_of(item).ok_or_else(|| Error::InvalidStoredData {
            violations: vec![crate::model::Violation {
                path: DocumentPath::from_segments(vec![crate::path::Segment::Key(
                    self.primary_index.hash_key.as_str().into(),
                )]),
                message: "the item has no hash key (with the table's leading key, if any)".into(),
            }],
        })?;
        K::from_key_values(hash, sort_of(item)).map_err(|violations| {
            // The error names the key attribute whose value the key type refuses (found again
            // here: most keys are read without error, and checking each value costs).
            let (hash_schema, sort_schema) = K::key_schemas();
            let hash_refused = hash_of(item).is_none_or(|hash| {
                crate::model::validation::check_write(hash_schema, &hash).is_err()
            });
            let refused_at = match (&self.primary_index.sort_key, sort_schema, sort_of(item)) {
                (Some(name), Some(schema), Some(value))
                    if !hash_refused
                        && crate::model::validation::check_write(schema, &value).is_err() =>
                {
                    name
                }
                _ => &self.primary_index.hash_key,
            };
            let at = DocumentPath::from_segments(vec![crate::path::Segment::Key(
                refused_at.as_str().into(),
            )]);
            Error::stored_data_at(&at, violations)
        })
    }

    /// `table[key]`, for error messages.
    pub(crate) fn describe_record(&self, key_item: &Item) -> String {
        describe_record(&self.table_name, &self.primary_index, key_item)
    }

    /// Creates the table and its indexes unless the table exists, then waits until it is `ACTIVE`.
    /// Reached only through [`table_creation`].
    async fn create_table(
        &self,
        (hash_type, sort_type): (ScalarAttributeType, Option<ScalarAttributeType>),
        billing_mode: BillingMode,
        timeout: Duration,
    ) -> Result<()> {
        let mut definitions = Definitions::default();
        definitions.add(&self.primary_index.hash_key, hash_type);
        if let (Some(name), Some(kind)) = (&self.primary_index.sort_key, sort_type) {
            definitions.add(name, kind);
        }
        let mut request = self
            .client()?
            .create_table()
            .table_name(&self.table_name)
            .set_key_schema(Some(key_schema(
                &self.primary_index.hash_key,
                self.primary_index.sort_key.as_deref(),
            )?));
        for index in &self.global_secondary_indexes {
            definitions.add(&index.hash_key, index_key_type(self.model, &index.hash_key));
            if let Some(sort_key) = &index.sort_key {
                definitions.add(sort_key, index_key_type(self.model, sort_key));
            }
            let mut gsi = ddb::GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(key_schema(
                    &index.hash_key,
                    index.sort_key.as_deref(),
                )?))
                .projection(projection(&index.projection));
            if let BillingMode::Provisioned {
                read_capacity,
                write_capacity,
            } = billing_mode
            {
                gsi = gsi.provisioned_throughput(throughput(read_capacity, write_capacity)?);
            }
            request = request.global_secondary_indexes(
                gsi.build()
                    .map_err(|error| Error::request_build("CreateTable", error))?,
            );
        }
        request = request.set_attribute_definitions(Some(definitions.build()?));
        request = match billing_mode {
            BillingMode::OnDemand => request.billing_mode(ddb::BillingMode::PayPerRequest),
            BillingMode::Provisioned {
                read_capacity,
                write_capacity,
            } => request
                .billing_mode(ddb::BillingMode::Provisioned)
                .provisioned_throughput(throughput(read_capacity, write_capacity)?),
        };
        let created = match request.send().await {
            Ok(_) => true,
            Err(error) => {
                let error = Error::from_sdk("CreateTable", error);
                if error.service_code() != Some("ResourceInUseException") {
                    return Err(error);
                }
                false
            }
        };
        super::lifecycle::wait_until_active(self.client()?, &self.table_name, timeout).await?;
        match self.model.ttl_field() {
            Some(attribute) if created => self.enable_ttl(attribute).await,
            _ => Ok(()),
        }
    }

    /// Turns on DynamoDB's time to live on `attribute` (a table created here; an existing table's
    /// TTL setting is left as it is).
    async fn enable_ttl(&self, attribute: &str) -> Result<()> {
        let specification = ddb::TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(attribute)
            .build()
            .map_err(|error| Error::request_build("CreateTable", error))?;
        self.client()?
            .update_time_to_live()
            .table_name(&self.table_name)
            .time_to_live_specification(specification)
            .send()
            .await
            .map_err(|error| Error::from_sdk("UpdateTimeToLive", error))?;
        Ok(())
    }
}

/// DynamoDB's limits on key values: 1 to 2,048 bytes for a hash key, 1 to 1,024 for a sort key.
const MAX_HASH_KEY_BYTES: usize = 2048;
const MAX_SORT_KEY_BYTES: usize = 1024;

/// Refuses a key value DynamoDB would reject: empty, or longer than its limit.
fn check_key_value(name: &str, value: &ddb::AttributeValue, limit: usize) -> Result<()> {
    let bytes = crate::size::value_bytes(value);
    let empty = match value {
        ddb::AttributeValue::S(text) => text.is_empty(),
        ddb::AttributeValue::B(blob) => blob.as_ref().is_empty(),
        _ => false,
    };
    let problem = if empty {
        Some("a key value cannot be empty".to_owned())
    } else if bytes > limit {
        Some(format!(
            "a key value is at most {limit} bytes; this one is {bytes}"
        ))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(message) => Err(Error::Validation {
            violations: vec![crate::model::Violation {
                path: DocumentPath::from_segments(vec![crate::path::Segment::Key(name.into())]),
                message,
            }],
        }),
    }
}

/// A key value for messages, shortened if long.
fn describe_key_value(value: &ddb::AttributeValue) -> String {
    const SHOWN: usize = 64;
    match value {
        ddb::AttributeValue::S(text) if text.chars().count() > SHOWN => {
            format!("{}…", text.chars().take(SHOWN).collect::<String>())
        }
        ddb::AttributeValue::S(text) => text.clone(),
        ddb::AttributeValue::N(number) => number.clone(),
        ddb::AttributeValue::B(bytes) => format!("{} bytes", bytes.as_ref().len()),
        other => format!("{other:?}"),
    }
}

/// Checks that a model (not an entity) and the key schema agree: key fields exist, are required
/// (table keys), and have the key type's DynamoDB type.
fn check_model_keys<K: RecordKey>(
    model: &'static ModelSchema,
    primary_index: &PrimaryIndex,
    global_secondary_indexes: &[GlobalSecondaryIndex],
) -> std::result::Result<(), String> {
    let (hash_type, sort_type) = K::scalar_types();
    check_key_field(model, &primary_index.hash_key, Some(hash_type), true)?;
    match (&primary_index.sort_key, sort_type) {
            (Some(sort_key), Some(sort_type)) => {
                check_key_field(model, sort_key, Some(sort_type), true)?
            }
            (None, None) => {}
            (Some(sort_key), None) => {
                return Err(format!(
                    "the primary index has sort key {sort_key:?}, so the record key type must be a (hash, sort) pair"
                ))
            }
            (None, Some(_)) => {
                return Err(
                    "the record key type is a (hash, sort) pair, but the primary index has no sort key".into(),
                )
            }
        }
    for index in global_secondary_indexes {
        check_key_field(model, &index.hash_key, None, false)?;
        if let Some(sort_key) = &index.sort_key {
            check_key_field(model, sort_key, None, false)?;
        }
    }
    Ok(())
}

/// Checks that `name` is a field of the model with a key-compatible type.
fn check_key_field(
    model: &'static ModelSchema,
    name: &str,
    expected: Option<ScalarAttributeType>,
    must_be_required: bool,
) -> std::result::Result<(), String> {
    let field = model
        .field(name)
        .ok_or_else(|| format!("key attribute {name:?} is not a field of {}", model.name()))?;
    if must_be_required && !field.is_required() {
        return Err(format!(
            "key attribute {name:?} must be a required field (not an Option) of {}",
            model.name()
        ));
    }
    let actual = scalar_type(field.type_schema()).ok_or_else(|| {
        format!(
            "key attribute {name:?} is {}; keys are strings, numbers or bytes",
            field.type_schema().describe()
        )
    })?;
    match expected {
        Some(expected) if expected != actual => Err(format!(
            "key attribute {name:?} is {:?} in the model but {expected:?} in the record key type",
            actual
        )),
        _ => Ok(()),
    }
}

fn scalar_type(schema: TypeSchema) -> Option<ScalarAttributeType> {
    match schema.required() {
        TypeSchema::Custom(custom) => scalar_type(custom.stored()),
        TypeSchema::String | TypeSchema::Enum(_) => Some(ScalarAttributeType::S),
        TypeSchema::Integer(_) | TypeSchema::Float(_) => Some(ScalarAttributeType::N),
        TypeSchema::Binary => Some(ScalarAttributeType::B),
        _ => None,
    }
}

fn index_key_type(model: &'static ModelSchema, name: &str) -> ScalarAttributeType {
    model
        .field(name)
        .and_then(|field| scalar_type(field.type_schema()))
        .unwrap_or(ScalarAttributeType::S)
}

fn key_schema(hash: &str, sort: Option<&str>) -> Result<Vec<KeySchemaElement>> {
    let mut schema = vec![KeySchemaElement::builder()
        .attribute_name(hash)
        .key_type(KeyType::Hash)
        .build()
        .map_err(|error| Error::request_build("CreateTable", error))?];
    if let Some(sort) = sort {
        schema.push(
            KeySchemaElement::builder()
                .attribute_name(sort)
                .key_type(KeyType::Range)
                .build()
                .map_err(|error| Error::request_build("CreateTable", error))?,
        );
    }
    Ok(schema)
}

fn projection(projection: &Projection) -> ddb::Projection {
    match projection {
        Projection::All => ddb::Projection::builder()
            .projection_type(ddb::ProjectionType::All)
            .build(),
        Projection::KeysOnly => ddb::Projection::builder()
            .projection_type(ddb::ProjectionType::KeysOnly)
            .build(),
        Projection::Include(attributes) => ddb::Projection::builder()
            .projection_type(ddb::ProjectionType::Include)
            .set_non_key_attributes(Some(attributes.clone()))
            .build(),
    }
}

fn throughput(read: i64, write: i64) -> Result<ddb::ProvisionedThroughput> {
    ddb::ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .map_err(|error| Error::request_build("CreateTable", error))
}

/// Attribute definitions, each attribute once.
#[derive(Default)]
struct Definitions(Vec<(String, ScalarAttributeType)>);

impl Definitions {
    fn add(&mut self, name: &str, kind: ScalarAttributeType) {
        if !self.0.iter().any(|(existing, _)| existing == name) {
            self.0.push((name.to_owned(), kind));
        }
    }

    fn build(self) -> Result<Vec<AttributeDefinition>> {
        self.0
            .into_iter()
            .map(|(name, kind)| {
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(kind)
                    .build()
                    .map_err(|error| Error::request_build("CreateTable", error))
            })
            .collect()
    }
}

/// A record of table `table_name` (keyed by `primary_index`) as errors name it: `table[hash, sort]`.
pub(crate) fn describe_record(
    table_name: &str,
    primary_index: &PrimaryIndex,
    key_item: &Item,
) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(2);
    for name in std::iter::once(&primary_index.hash_key).chain(&primary_index.sort_key) {
        if let Some(value) = key_item.get(name) {
            parts.push(describe_key_value(value));
        }
    }
    format!("{table_name}[{}]", parts.join(", "))
}

/// The key attributes' types of a table to create: hash, and sort if the key has one.
pub(crate) type KeyTypes = (ScalarAttributeType, Option<ScalarAttributeType>);

/// Creates a table (as `auto_create_table(true)` asks) and waits until it is `ACTIVE`.
pub(crate) type CreateTable =
    for<'a> fn(
        &'a TableCore,
        KeyTypes,
        BillingMode,
        Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>>;

/// The table creation, as a function pointer the builders keep only when asked to create tables:
/// a program that never creates tables does not carry CreateTable, DescribeTable and their types.
pub(crate) fn table_creation() -> CreateTable {
    |core, key_types, billing_mode, timeout| {
        Box::pin(core.create_table(key_types, billing_mode, timeout))
    }
}
