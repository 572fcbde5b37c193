//! One table an executor serves: every request checked against the table's model (keys, paths,
//! values, conditions, versions), then shown to the table's policy, then carried out. The
//! operations on many records are in [`super::many`].

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value as Json};

use aws_sdk_dynamodb::types::{TransactGetItem, TransactWriteItem};

use super::executor::{condition_failed, refusal, refusal_of, Pending, Served, MAX_PATHS};
use super::many::QueryRequest;
use super::policy::{self, Access, Caller, Policy};
use super::transact::Rendered;
use super::wire::{self, item_to_json, Refusal, RefusalKind, Write};
use crate::error::Error;
use crate::expr::{Condition, UpdateAction};
use crate::model::transform::schema_at;
use crate::model::validation::{check_at, check_writable, check_write};
use crate::model::{Item, TableDataModel, TypeSchema};
use crate::path::{DocumentPath, ResolvedPath};
use crate::table::backend::{Backend, OldValues, PutCondition};
use crate::table::retry::ExpectedVersion;
use crate::table::{BasicTable, RecordKey};

pub(super) struct ServedTable<M: TableDataModel, K: RecordKey> {
    pub(super) table: BasicTable<M, K>,
    pub(super) policy: Arc<dyn Policy>,
}

/// A request checked against the model: what the policy is shown, and what will be done.
struct Checked {
    operation: policy::Operation,
    /// The key as the caller gave it.
    key: Item,
    /// The key as stored (with the table's leading key).
    key_item: Item,
    reads: Vec<DocumentPath>,
    writes: Vec<DocumentPath>,
    whole_record: bool,
    action: Action,
}

enum Action {
    GetFields,
    GetRecord,
    Update {
        actions: Vec<UpdateAction>,
        return_old: bool,
        condition: Option<Condition>,
        creates_record: bool,
        version: Option<ExpectedVersion>,
        known: Vec<wire::KnownPath>,
    },
    PutRecord {
        record: Item,
        if_absent: bool,
        condition: Option<Condition>,
    },
    DeleteRecord {
        condition: Option<Condition>,
    },
    RemoveRecord,
}

impl<M: TableDataModel, K: RecordKey> Served for ServedTable<M, K> {
    fn execute<'a>(
        &'a self,
        caller: &'a Caller,
        name: &'a str,
        operation: wire::Operation,
    ) -> Pending<'a> {
        Box::pin(async move {
            let operation = match operation {
                wire::Operation::Commit { records } => {
                    return self.commit(caller, name, records).await
                }
                wire::Operation::AtomicCommit { records } => {
                    return self.atomic_commit(caller, name, records).await
                }
                wire::Operation::Scan {
                    index,
                    filter,
                    limit,
                    start,
                    consistent,
                    segment,
                    paths,
                } => {
                    let (filter, filter_paths) = self.condition(filter)?;
                    let scan = crate::table::Scan {
                        index,
                        filter,
                        limit,
                        start: start.map(|start| start.0),
                        consistent,
                        segment: segment.map(|segment| (segment.total, segment.index)),
                    };
                    let paths = paths.map(|paths| paths.into_iter().map(|p| p.0).collect());
                    return self.scan(caller, name, scan, paths, filter_paths).await;
                }
                wire::Operation::BatchGet { keys, paths } => {
                    return self.batch_get(caller, name, keys, paths).await
                }
                wire::Operation::BatchWrite { writes } => {
                    return self.batch_write(caller, name, writes).await
                }
                wire::Operation::Query {
                    index,
                    hash,
                    sort,
                    filter,
                    limit,
                    start,
                    descending,
                    consistent,
                    paths,
                } => {
                    let query = QueryRequest {
                        index,
                        hash: hash.0,
                        sort,
                        filter,
                        limit,
                        start: start.map(|start| start.0),
                        descending,
                        consistent,
                        paths: paths.into_iter().map(|path| path.0).collect(),
                    };
                    return self.query(caller, name, query).await;
                }
                other => other,
            };
            let checked = self.check(operation)?;
            let access = Access {
                caller,
                table: name,
                operation: checked.operation,
                key: &checked.key,
                reads: &checked.reads,
                writes: &checked.writes,
                whole_record: checked.whole_record,
            };
            self.authorized(&access)?;
            let key = checked.key.clone();
            self.run(checked).await.map_err(|error| match error {
                // The record as stored, to a caller who may read it.
                Error::ConditionFailed {
                    current: Some(current),
                    ..
                } => condition_failed(self.shown(caller, name, &key, *current)),
                error => refusal_of(error),
            })
        })
    }

    fn transact_action(
        &self,
        caller: &Caller,
        name: &str,
        action: wire::TransactAction,
    ) -> Result<Rendered<TransactWriteItem>, Refusal> {
        self.plan_action(caller, name, action)
    }

    fn transact_read(
        &self,
        caller: &Caller,
        name: &str,
        key: &Item,
    ) -> Result<Rendered<TransactGetItem>, Refusal> {
        self.plan_read(caller, name, key)
    }

    fn answer_record(&self, record: Option<Item>) -> Json {
        record_json(self.table.core(), record)
    }

    fn shown(&self, caller: &Caller, name: &str, key: &Item, item: Item) -> Option<wire::WireItem> {
        self.allow(caller, name, policy::Operation::GetRecord, key, &[], &[])
            .ok()?;
        Some(wire::WireItem(self.table.core().strip_leading_key(item)))
    }
}

impl<M: TableDataModel, K: RecordKey> ServedTable<M, K> {
    /// A whole record checked against the model and DynamoDB's item size.
    pub(super) fn checked_record(&self, record: Item) -> Result<Item, Refusal> {
        check_write(
            TypeSchema::Model(self.model()),
            &AttributeValue::M(record.clone()),
        )
        .map_err(|violations| {
            refusal_of(Error::validation_at(&DocumentPath::root(), violations))
        })?;
        let bytes = crate::size::item_bytes(&record);
        if bytes > crate::size::MAX_ITEM_BYTES {
            return Err(refusal(
                RefusalKind::TooLarge,
                format!("the record has {bytes} bytes; DynamoDB stores at most 400 KB"),
            ));
        }
        Ok(record)
    }

    /// Asks the policy whether `caller` may do `operation` to the record `key` of the table served
    /// as `name`, reading `reads` and writing `writes` (a whole record for puts and deletes).
    pub(super) fn allow(
        &self,
        caller: &Caller,
        name: &str,
        operation: policy::Operation,
        key: &Item,
        reads: &[DocumentPath],
        writes: &[DocumentPath],
    ) -> Result<(), Refusal> {
        let whole_record = matches!(
            operation,
            policy::Operation::GetRecord
                | policy::Operation::PutRecord
                | policy::Operation::DeleteRecord
                | policy::Operation::RemoveRecord
        );
        self.authorized(&Access {
            caller,
            table: name,
            operation,
            key,
            reads,
            writes,
            whole_record,
        })
    }

    /// Asks the policy about `access`; a denial answers only that it was denied (the reason stays
    /// in the server's log).
    pub(super) fn authorized(&self, access: &Access<'_>) -> Result<(), Refusal> {
        self.policy.authorize(access).map_err(|denied| {
            tracing::debug!(table = access.table, reason = denied.reason(), "denied");
            refusal(
                RefusalKind::Denied,
                "the caller may not do this to this record",
            )
        })
    }

    pub(super) fn model(&self) -> &'static crate::model::ModelSchema {
        self.table.core().model
    }

    /// Checks a request against the model, without sending anything.
    fn check(&self, operation: wire::Operation) -> Result<Checked, Refusal> {
        let checked = |operation, key: Item, reads, writes, whole_record, action| {
            let key_item = self.key_item(&key)?;
            Ok(Checked {
                operation,
                key,
                key_item,
                reads,
                writes,
                whole_record,
                action,
            })
        };
        match operation {
            wire::Operation::GetFields { key, paths } => {
                let paths = limited(paths.into_iter().map(|path| path.0).collect())?;
                for path in &paths {
                    self.described(path)?;
                }
                // A position of a list is read with the whole list (so that positions keep their
                // meaning), and the policy sees that.
                checked(
                    policy::Operation::GetFields,
                    key.0,
                    crate::table::read::projected_paths(&paths),
                    Vec::new(),
                    false,
                    Action::GetFields,
                )
            }
            wire::Operation::GetRecord { key } => checked(
                policy::Operation::GetRecord,
                key.0,
                Vec::new(),
                Vec::new(),
                true,
                Action::GetRecord,
            ),
            wire::Operation::Update {
                key,
                writes,
                return_old,
                condition,
                creates_record,
                version,
                known,
            } => {
                let version = self.version(version)?;
                let known = limited(known)?;
                if (creates_record || version.is_some() || !known.is_empty()) && return_old {
                    return Err(refusal(
                        RefusalKind::BadRequest,
                        "an update that creates its record, checks a version or brings knowledge \
                         answers no old values",
                    ));
                }
                let (condition, mut reads) = self.condition(condition)?;
                let writes = limited(writes)?;
                if writes.is_empty() {
                    return Err(refusal(RefusalKind::BadRequest, "an update needs writes"));
                }
                let (actions, paths) = self.checked_writes(&key.0, writes)?;
                if return_old {
                    // What the written paths held is answered: the policy sees them read too.
                    reads.extend(paths.iter().cloned());
                }
                checked(
                    policy::Operation::Update,
                    key.0,
                    reads,
                    paths,
                    false,
                    Action::Update {
                        actions,
                        return_old,
                        condition,
                        creates_record,
                        version,
                        known,
                    },
                )
            }
            wire::Operation::PutRecord {
                record,
                if_absent,
                condition,
            } => {
                let (condition, reads) = self.condition(condition)?;
                let record = self.checked_record(record.0)?;
                let key = self.key_of_record(&record)?;
                checked(
                    policy::Operation::PutRecord,
                    key,
                    reads,
                    Vec::new(),
                    true,
                    Action::PutRecord {
                        record,
                        if_absent,
                        condition,
                    },
                )
            }
            wire::Operation::DeleteRecord { key, condition } => {
                let (condition, reads) = self.condition(condition)?;
                checked(
                    policy::Operation::DeleteRecord,
                    key.0,
                    reads,
                    Vec::new(),
                    true,
                    Action::DeleteRecord { condition },
                )
            }
            wire::Operation::Commit { .. }
            | wire::Operation::AtomicCommit { .. }
            | wire::Operation::TransactWrite { .. }
            | wire::Operation::TransactGet { .. }
            | wire::Operation::Query { .. }
            | wire::Operation::Scan { .. }
            | wire::Operation::BatchGet { .. }
            | wire::Operation::BatchWrite { .. } => Err(refusal(
                RefusalKind::BadRequest,
                "operations on many records are checked record by record",
            )),
            wire::Operation::RemoveRecord { key } => checked(
                policy::Operation::RemoveRecord,
                key.0,
                Vec::new(),
                Vec::new(),
                true,
                Action::RemoveRecord,
            ),
        }
    }

    /// A request's condition, and the paths it reads (each a path of the model: a condition reads
    /// what it tests, so the policy sees them as reads).
    pub(super) fn condition(
        &self,
        condition: Option<wire::WireCondition>,
    ) -> Result<(Option<Condition>, Vec<DocumentPath>), Refusal> {
        let Some(wire) = condition else {
            return Ok((None, Vec::new()));
        };
        let (condition, paths) = Condition::from_wire(wire).map_err(refusal_of)?;
        let paths = limited(paths)?;
        for path in &paths {
            self.described(path)?;
        }
        Ok((Some(condition), paths))
    }

    /// The version a write expects, for a model with a version field.
    pub(super) fn version(
        &self,
        version: Option<wire::WireVersion>,
    ) -> Result<Option<ExpectedVersion>, Refusal> {
        let Some(version) = version else {
            return Ok(None);
        };
        if self.model().version_field().is_none() {
            return Err(refusal(
                RefusalKind::BadRequest,
                "the table's model has no version field",
            ));
        }
        Ok(Some(match version {
            wire::WireVersion::Any => ExpectedVersion::Any,
            wire::WireVersion::Absent => ExpectedVersion::Absent,
            wire::WireVersion::Is(value) => ExpectedVersion::Is(value.0),
        }))
    }

    /// The stored key of the record the caller names: exactly the table's key attributes, of the
    /// key type's types.
    pub(super) fn key_item(&self, key: &Item) -> Result<Item, Refusal> {
        let record_key = self.record_key(key)?;
        self.table
            .core()
            .key_item(&record_key)
            .map_err(|error| Refusal::new(RefusalKind::InvalidKey, error.to_string()))
    }

    /// A record's field writes, checked, and the paths of the caller's own (what the policy sees).
    /// The caller's own writes are checked as [`ServedTable::checked_write`] checks them. To an
    /// entity's, the caller's table added what a table computes (see
    /// `TableCore::computed_writes`), each call's before its pending writes were merged: each must
    /// be what this table computes (its entity type and key fields, or the index keys the caller's
    /// own writes give), and the index keys those writes change are written whatever was sent.
    pub(super) fn checked_writes(
        &self,
        key: &Item,
        writes: Vec<Write>,
    ) -> Result<(Vec<UpdateAction>, Vec<DocumentPath>), Refusal> {
        let core = self.table.core();
        let (computed, own): (Vec<Write>, Vec<Write>) = writes
            .into_iter()
            .partition(|write| core.is_computed_write(write_path(write)));
        let mut actions = own
            .into_iter()
            .map(|write| self.checked_write(write))
            .collect::<Result<Vec<_>, _>>()?;
        let paths: Vec<DocumentPath> = actions.iter().map(|a| a.path().clone()).collect();
        if computed.is_empty() && core.entity.is_none() {
            return Ok((actions, paths));
        }
        let record_key = self.record_key(key)?;
        let mut expected = actions.clone();
        core.computed_writes(&record_key, &mut expected)
            .map_err(refusal_of)?;
        let expected = expected.split_off(actions.len());
        let identity = core.identity_writes(&record_key);
        for write in computed {
            let action = match write {
                Write::Set { path, value } => UpdateAction::Set(path.0, value.0),
                Write::Remove { path } => UpdateAction::Remove(path.0),
            };
            if expected.contains(&action) {
                continue;
            }
            if !identity.contains(&action) {
                return Err(Refusal::new(
                    RefusalKind::Validation,
                    format!("{} is computed by the table, not written so", action.path()),
                )
                .at(action.path().to_string()));
            }
            actions.push(action);
        }
        actions.extend(expected);
        Ok((actions, paths))
    }

    /// The record key the caller's key attributes give.
    fn record_key(&self, key: &Item) -> Result<K, Refusal> {
        let index = &self.table.core().primary_index;
        let names: Vec<&String> = std::iter::once(&index.hash_key)
            .chain(&index.sort_key)
            .collect();
        if key.len() != names.len() || names.iter().any(|name| !key.contains_key(*name)) {
            return Err(refusal(
                RefusalKind::InvalidKey,
                format!("a key has exactly the attributes {names:?}"),
            ));
        }
        let hash = key.get(&index.hash_key).cloned();
        let sort = index
            .sort_key
            .as_ref()
            .and_then(|name| key.get(name).cloned());
        hash.ok_or_else(|| refusal(RefusalKind::InvalidKey, "the key has no hash key"))
            .and_then(|hash| {
                K::from_key_values(hash, sort)
                    .map_err(|violations| refusal(RefusalKind::InvalidKey, violations.to_string()))
            })
    }

    /// The key attributes of a whole record, as the caller would name it.
    pub(super) fn key_of_record(&self, record: &Item) -> Result<Item, Refusal> {
        let core = self.table.core();
        if let Some(key) = core.key_from_fields(record).map_err(refusal_of)? {
            return Ok(key);
        }
        let index = &core.primary_index;
        Ok(std::iter::once(&index.hash_key)
            .chain(&index.sort_key)
            .filter_map(|name| record.get(name).map(|value| (name.clone(), value.clone())))
            .collect())
    }

    /// The type the model stores at `path`; refused when the model has no such path.
    pub(super) fn described(&self, path: &DocumentPath) -> Result<ResolvedPath, Refusal> {
        crate::table::values::check_field_path(path).map_err(refusal_of)?;
        let key = &self.table.core().primary_index;
        if let Some(first) = path.segments().first().and_then(|s| s.name()) {
            if path.depth() > 1 && (first == key.hash_key || key.sort_key.as_deref() == Some(first))
            {
                return Err(Refusal::new(
                    RefusalKind::UnknownPath,
                    format!("{path} is inside a key attribute"),
                )
                .at(path.to_string()));
            }
        }
        let (schema, field) = schema_at(self.model(), path)
            .or_else(|| inside_free_form(self.model(), path))
            .ok_or_else(|| {
                Refusal::new(
                    RefusalKind::UnknownPath,
                    format!("the model has no path {path}"),
                )
                .at(path.to_string())
            })?;
        Ok(ResolvedPath {
            path: path.clone(),
            schema,
            field,
            label: path.to_string(),
        })
    }

    /// A write checked as the table's own string-path writes are: a path of the model, not read-only
    /// nor a key attribute, and a value of its type.
    pub(super) fn checked_write(&self, write: Write) -> Result<UpdateAction, Refusal> {
        let path = match &write {
            Write::Set { path, .. } | Write::Remove { path } => &path.0,
        };
        let resolved = self.described(path)?;
        check_writable(self.model(), path).map_err(refusal_of)?;
        let key = &self.table.core().primary_index;
        if path.depth() == 1 {
            let name = path.segments().first().and_then(|s| s.name());
            if name == Some(key.hash_key.as_str()) || name == key.sort_key.as_deref() {
                return Err(Refusal::new(
                    RefusalKind::ReadOnly,
                    format!("{path} is a key attribute"),
                )
                .at(path.to_string()));
            }
        }
        match write {
            Write::Set { path, value } => {
                let value = check_at(&resolved, value.0).map_err(refusal_of)?;
                Ok(UpdateAction::Set(path.0, value))
            }
            Write::Remove { path } => Ok(UpdateAction::Remove(path.0)),
        }
    }

    /// Carries out a checked request.
    async fn run(&self, checked: Checked) -> Result<Json, Error> {
        let backend = &*self.table.backend;
        let core = self.table.core();
        let key_item = &checked.key_item;
        match checked.action {
            Action::GetFields => {
                let item = crate::table::read::get_paths(core, key_item, &checked.reads).await?;
                Ok(json!({ "record": record_json(core, item) }))
            }
            Action::GetRecord => {
                let record = backend.read_record(key_item).await?;
                Ok(json!({ "record": record_json(core, record) }))
            }
            Action::Update {
                actions,
                creates_record,
                condition,
                version,
                known,
                ..
            } if creates_record || version.is_some() || !known.is_empty() => {
                write_as_committed(
                    core,
                    key_item,
                    actions,
                    Planning {
                        creates_record,
                        version,
                        known: &known,
                    },
                    condition.as_ref(),
                )
                .await?;
                Ok(json!({ "old": {} }))
            }
            Action::Update {
                actions,
                return_old,
                condition,
                ..
            } => {
                let old = if return_old {
                    OldValues::Fetch
                } else {
                    OldValues::Skip
                };
                let written = backend
                    .write(key_item, actions, old, condition.as_ref())
                    .await?;
                Ok(json!({ "old": item_to_json(&written.old) }))
            }
            Action::PutRecord {
                record,
                if_absent,
                condition,
            } => {
                let condition = match (if_absent, &condition) {
                    (true, _) => PutCondition::Absent,
                    (false, Some(condition)) => PutCondition::Holds(condition),
                    (false, None) => PutCondition::None,
                };
                let written = self.table.put_item(record, condition).await?;
                Ok(json!({ "written": written }))
            }
            Action::DeleteRecord { condition } => {
                let existed = backend.delete_record(key_item, condition.as_ref()).await?;
                Ok(json!({ "existed": existed }))
            }
            Action::RemoveRecord => {
                let record = backend.remove_record(key_item).await?;
                Ok(json!({ "record": record_json(core, record) }))
            }
        }
    }
}

/// How a commit's writes are planned: whether they create the record even when they are only
/// removes (which replaced writes that would have created it), the version to check and increment,
/// and what the client knows of the written paths.
pub(super) struct Planning<'a> {
    pub(super) creates_record: bool,
    pub(super) version: Option<ExpectedVersion>,
    pub(super) known: &'a [wire::KnownPath],
}

/// Writes as a caching table's commit sends them, planned as `planning` says.
pub(super) async fn write_as_committed(
    core: &crate::table::core::TableCore,
    key_item: &Item,
    actions: Vec<UpdateAction>,
    planning: Planning<'_>,
    condition: Option<&Condition>,
) -> Result<(), Error> {
    let known = |path: &DocumentPath| planning.known.iter().find(|known| known.path.0 == *path);
    crate::table::write::apply_with_knowledge(
        core,
        key_item,
        actions,
        |path| {
            known(path)
                .and_then(|known| known.existing)
                .map(|depth| depth as usize)
        },
        |path| known(path).and_then(|known| known.present),
        planning.creates_record,
        planning.version,
        condition,
    )
    .await
}

/// A stored record as the caller sees it (without the table's leading key).
fn record_json(core: &crate::table::core::TableCore, record: Option<Item>) -> Json {
    record.map_or(Json::Null, |item| {
        item_to_json(&core.strip_leading_key(item))
    })
}

/// Free-form data (`TypeSchema::Any`) for a path below a free-form field of `model`, which holds
/// anything at any path.
fn inside_free_form(
    model: &'static crate::model::ModelSchema,
    path: &DocumentPath,
) -> Option<(TypeSchema, Option<&'static crate::model::FieldSchema>)> {
    (1..path.depth()).find_map(|depth| {
        let (schema, _) = schema_at(model, &path.prefix(depth))?;
        matches!(schema.required(), TypeSchema::Any).then_some((TypeSchema::Any, None))
    })
}

/// At most [`MAX_PATHS`] paths or writes.
pub(super) fn limited<T>(items: Vec<T>) -> Result<Vec<T>, Refusal> {
    if items.len() > MAX_PATHS {
        return Err(refusal(
            RefusalKind::TooLarge,
            format!("a request may name at most {MAX_PATHS} paths"),
        ));
    }
    Ok(items)
}

/// The path a write names.
fn write_path(write: &Write) -> &DocumentPath {
    match write {
        Write::Set { path, .. } | Write::Remove { path } => &path.0,
    }
}
