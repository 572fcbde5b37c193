//! Who may do what through an [`Executor`](super::Executor): a policy decides every request, after
//! the request has been checked against the table's model and before anything reaches DynamoDB.
//! There is no policy that allows everything by default; a server states its own.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::model::Item;
use crate::path::DocumentPath;

/// Who sent a request, as the application authenticated them (a session, a token's claims). The
/// executor never reads identity from the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    id: String,
    claims: BTreeMap<String, String>,
}

impl Caller {
    /// A caller known by `id` (a user id, a token's subject).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            claims: BTreeMap::new(),
        }
    }

    /// Adds a claim (a role, a tenant) that policies can read.
    pub fn with_claim(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// The caller's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A claim, if the caller has it.
    pub fn claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).map(String::as_str)
    }
}

/// What an operation does, for policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// Reads fields of a record.
    GetFields,
    /// Reads a whole record.
    GetRecord,
    /// Sets and removes fields of a record (also each record of a caching table's commit).
    Update,
    /// Writes a whole record.
    PutRecord,
    /// Deletes a record.
    DeleteRecord,
    /// Deletes a record and returns it.
    RemoveRecord,
    /// Reads one page of a partition: [`Access::key`] holds the queried hash key attribute
    /// (of the index, when an index is queried) and its value.
    Query,
    /// Reads one page of every record of the table or an index: [`Access::key`] is empty.
    Scan,
}

impl Operation {
    /// Whether the operation changes what is stored.
    pub fn writes(self) -> bool {
        !matches!(
            self,
            Operation::GetFields | Operation::GetRecord | Operation::Query | Operation::Scan
        )
    }
}

/// One request, checked against the table's model, as a policy sees it.
#[derive(Debug)]
pub struct Access<'a> {
    /// Who asks.
    pub caller: &'a Caller,
    /// The table, by the name it is served under.
    pub table: &'a str,
    /// What the request does.
    pub operation: Operation,
    /// The record's key attributes, as the caller gave them (without any leading key the server's
    /// table adds).
    pub key: &'a Item,
    /// The paths read (empty for a whole record): those asked for, those a condition tests, and
    /// the written ones when their old values are answered.
    pub reads: &'a [DocumentPath],
    /// The paths written (empty for a whole record: see [`Access::whole_record`]).
    pub writes: &'a [DocumentPath],
    /// Whether the operation reads or writes the whole record rather than paths of it.
    pub whole_record: bool,
}

/// Why a policy refused a request; the caller is told only that it was denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    reason: String,
}

impl Denied {
    /// A denial, with the reason a server may log (the caller is not told it).
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// Why the request was denied.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Decides whether a request may be carried out. Implemented by closures
/// `Fn(&Access) -> Result<(), Denied>` and by the ready policies of this module, which [`all`]
/// combines.
pub trait Policy: Send + Sync + 'static {
    /// `Ok` to allow the request.
    fn authorize(&self, access: &Access<'_>) -> Result<(), Denied>;
}

impl<F> Policy for F
where
    F: Fn(&Access<'_>) -> Result<(), Denied> + Send + Sync + 'static,
{
    fn authorize(&self, access: &Access<'_>) -> Result<(), Denied> {
        self(access)
    }
}

/// Allows a request only when every one of `policies` allows it.
pub fn all(policies: Vec<Arc<dyn Policy>>) -> AllOf {
    AllOf(policies)
}

/// Every one of several policies: see [`all`].
pub struct AllOf(Vec<Arc<dyn Policy>>);

impl Policy for AllOf {
    fn authorize(&self, access: &Access<'_>) -> Result<(), Denied> {
        self.0
            .iter()
            .try_for_each(|policy| policy.authorize(access))
    }
}

/// Allows a caller only the records whose key attribute `attribute` equals the caller's id (a
/// string, or a number written the same way). Every other record is denied, whether it exists or
/// not.
pub struct OwnRecords {
    attribute: String,
}

impl OwnRecords {
    /// Records owned through the key attribute `attribute`.
    pub fn by(attribute: impl Into<String>) -> Self {
        Self {
            attribute: attribute.into(),
        }
    }
}

impl Policy for OwnRecords {
    fn authorize(&self, access: &Access<'_>) -> Result<(), Denied> {
        let owner = match access.key.get(&self.attribute) {
            Some(AttributeValue::S(text)) | Some(AttributeValue::N(text)) => Some(text),
            _ => None,
        };
        if owner.is_some_and(|owner| owner == access.caller.id()) {
            Ok(())
        } else {
            Err(Denied::new(format!(
                "the record's {} is not the caller's id",
                self.attribute
            )))
        }
    }
}

/// Denies writes at, inside or above the given paths (so neither the field nor a map holding it can
/// be overwritten), and writes of whole records, which would overwrite them too.
pub struct ReadOnlyPaths {
    paths: Vec<DocumentPath>,
}

impl ReadOnlyPaths {
    /// Paths given by their field names, such as `["balance"]` or `["profile", "verified"]`.
    pub fn new<I, P, S>(paths: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            paths: paths
                .into_iter()
                .map(|steps| {
                    DocumentPath::from_segments(
                        steps
                            .into_iter()
                            .map(|step| crate::path::Segment::Key(step.into().into()))
                            .collect(),
                    )
                })
                .collect(),
        }
    }
}

impl Policy for ReadOnlyPaths {
    fn authorize(&self, access: &Access<'_>) -> Result<(), Denied> {
        if !access.operation.writes() {
            return Ok(());
        }
        if access.whole_record && !self.paths.is_empty() {
            return Err(Denied::new("the record has read-only paths"));
        }
        match access.writes.iter().find(|written| {
            self.paths
                .iter()
                .any(|kept| written.starts_with(kept) || kept.starts_with(written))
        }) {
            Some(written) => Err(Denied::new(format!("{written} is read-only"))),
            None => Ok(()),
        }
    }
}

/// Allows only the listed operations.
pub struct Operations {
    allowed: Vec<Operation>,
}

impl Operations {
    /// Only `allowed`.
    pub fn only(allowed: impl IntoIterator<Item = Operation>) -> Self {
        Self {
            allowed: allowed.into_iter().collect(),
        }
    }

    /// The operations that read.
    pub fn reads() -> Self {
        Self::only([Operation::GetFields, Operation::GetRecord, Operation::Query])
    }
}

impl Policy for Operations {
    fn authorize(&self, access: &Access<'_>) -> Result<(), Denied> {
        if self.allowed.contains(&access.operation) {
            Ok(())
        } else {
            Err(Denied::new(format!(
                "{:?} is not allowed on {}",
                access.operation, access.table
            )))
        }
    }
}
