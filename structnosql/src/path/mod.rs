//! Paths to values inside a record.
//!
//! Typed paths ([`TypedPath`]) come from the generated accessors (`User::fields().username()`); string
//! paths (`"tokens.{{tokenId}}.expirationTimestamp"`) are resolved with [`resolve`]. Both become a
//! [`DocumentPath`], the one representation every operation works on.

mod catalog;
mod model_path;
pub(crate) mod segment;
mod string;
mod typed;

pub use catalog::{paths, PathInfo};
pub use model_path::ModelPath;
pub use segment::{DocumentPath, Segment, MAX_DEPTH};
pub(crate) use string::StringPath;
pub use string::{resolve, KeyValue, KeyValues, ResolvedPath};
pub use typed::{
    AnyPath, FieldPath, FromPath, ListPath, MapPath, ReadOnlyPath, ReadablePath, Selection,
    TypedPath,
};
