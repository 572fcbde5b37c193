//! String paths as values of the typed-path traits: a string path resolved against a model once,
//! usable by every operation that takes a typed path.

use std::marker::PhantomData;

use super::segment::DocumentPath;
use super::string::{resolve, KeyValues, ResolvedPath};
use super::typed::TypedPath;
use crate::error::{Error, Result};
use crate::model::{Attribute, MapModel, TypeSchema};

/// A string path (`"tokens.{{tokenId}}.expirationTimestamp"`) resolved against the model `M`, with the
/// value type `V`. It is a [`TypedPath`], so every operation that takes a typed path takes it:
/// reads, writes, return-old writes, removes, conditions, queries, scans, batches, transactions.
///
/// `V` is the field's own type, or `serde_json::Value` to read and write a field without naming its
/// Rust type. Values written through it are checked against the model at run time, as with the
/// `..._path` operations; a `#[structnosql(read_only)]` field is refused at run time
/// ([`Error::ReadOnly`]).
///
/// ```
/// use structnosql::path::ModelPath;
/// use structnosql::TableDataModel;
///
/// #[derive(TableDataModel)]
/// #[structnosql(rename_all = "camelCase")]
/// struct User {
///     user_id: String,
///     #[structnosql(key_name = "tokenId")]
///     tokens: Option<std::collections::HashMap<String, i64>>,
/// }
///
/// let expiry = ModelPath::<i64>::new::<User>("tokens.{{tokenId}}", &[("tokenId", "t32")])?;
/// assert_eq!(expiry.document_path().to_string(), "tokens.t32");
/// // The value type must match the field (or be `serde_json::Value`).
/// assert!(ModelPath::<String>::new::<User>("tokens.{{tokenId}}", &[("tokenId", "t32")]).is_err());
/// # Ok::<(), structnosql::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ModelPath<V> {
    resolved: ResolvedPath,
    value: PhantomData<fn() -> V>,
}

impl<V: Attribute> ModelPath<V> {
    /// Resolves `path` against the model `M`, with `keys` for its `{{placeholders}}`. Fails when the
    /// path is malformed or unknown, names several values (a multi-selection: see
    /// [`crate::table::ModelSelection`]), or holds values of a type other than `V`.
    pub fn new<M: MapModel>(path: &str, keys: &(impl KeyValues + ?Sized)) -> Result<Self> {
        let mut targets = resolve(M::model_schema(), path, keys)?;
        let (Some(resolved), true) = (targets.pop(), targets.is_empty()) else {
            return Err(Error::InvalidPath {
                path: path.to_owned(),
                reason: "a path names one value; use a ModelSelection for a multi-selection".into(),
            });
        };
        let wanted = V::schema().required();
        let stored = resolved.schema.required();
        if !matches!(wanted, TypeSchema::Any) && wanted.describe() != stored.describe() {
            return Err(Error::InvalidPath {
                path: path.to_owned(),
                reason: format!("it holds {}, not {}", stored.describe(), wanted.describe()),
            });
        }
        Ok(Self {
            resolved,
            value: PhantomData,
        })
    }

    /// The concrete path.
    pub fn document_path(&self) -> &DocumentPath {
        &self.resolved.path
    }
}

impl<V: Attribute> TypedPath for ModelPath<V> {
    type Value = V;

    fn document_path(&self) -> &DocumentPath {
        &self.resolved.path
    }

    fn __resolved(&self) -> Option<&ResolvedPath> {
        Some(&self.resolved)
    }
}
