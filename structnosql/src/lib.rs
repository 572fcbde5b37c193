//! A typed, validated client for Amazon DynamoDB.
//!
//! Records are plain Rust structs with `#[derive(TableDataModel)]`; nested structured maps use
//! `#[derive(MapModel)]`. Application code reads and writes individual nested fields by typed path,
//! without loading or overwriting the whole item.
//!
//! # Connecting
//!
//! Tables use an [`aws_sdk_dynamodb::Client`]. Obtain one from the standard AWS configuration with
//! [`ClientBuilder`], from an [`aws_config::SdkConfig`] with [`client_from_sdk_config`], bring your own, or
//! run a DynamoDB-compatible server inside the process with [`EmbeddedDynamoDb`] (cargo feature
//! `embedded`) for examples and tests.
//!
//! ```no_run
//! # async fn run() -> structnosql::Result<()> {
//! let client = structnosql::ClientBuilder::new().region("eu-west-1").build().await?;
//! structnosql::connection::ping(&client).await?;
//! # Ok(()) }
//! ```
//!
//! # Errors
//!
//! Every fallible call returns [`Result`] with the one [`Error`] enum.
//!
//! # Cargo features
//!
//! - `embedded`: [`EmbeddedDynamoDb`], a DynamoDB-compatible server inside the process (no AWS
//!   account), for examples and tests.
//! - `external-server`, `external-client`, `axum`: tables through an application's own HTTP API
//!   (module `external`): the server's executor, the client side, and the executor as an axum route.
//! - `uuid`, `chrono`, `time`, `rust_decimal`, `url`: those crates' types as fields and keys.
//! - `internals`: internals that benchmarks and fuzz targets measure; not part of the public API.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo
    )
)]

pub mod connection;
pub(crate) mod document;
mod embedded;
pub mod entity;
mod error;
pub mod expr;
#[cfg(any(feature = "external-server", feature = "external-client"))]
pub mod external;
mod item;
pub mod model;
pub mod path;
pub(crate) mod size;
pub mod table;

#[doc(hidden)]
pub mod __private;

/// Internals that benchmarks, fuzz targets and white-box tests measure (cargo feature `internals`).
/// Not part of the public API: they change without notice.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    /// Reading and writing values inside an item by path.
    pub mod document {
        pub use crate::document::{build_subtree, get, remove_within, set_within, take};
    }
    pub use crate::expr::limits::{MAX_EXPRESSION_BYTES, MAX_UPDATE_CLAUSES};
    pub use crate::expr::update::{normalize, plan_update, UpdateAction};
    pub use crate::model::validation::encode_at;
    pub use crate::size::{item_bytes, value_bytes};
}

pub use connection::{client_from_sdk_config, ClientBuilder};
pub use embedded::{client_for_local_endpoint, EmbeddedDynamoDb};
pub use error::{BoxError, CancelledAction, Error, Result};
pub use model::{Attribute, EpochSeconds, Item, Lenient, MapModel, Serde, TableDataModel};
pub use path::{DocumentPath, KeyValue, TypedPath};
pub use structnosql_derive::{Attribute, MapModel, StringEnum, TableDataModel};
pub use table::{BasicTable, CachingTable, GlobalSecondaryIndex, PrimaryIndex};

/// The AWS SDK crates whose types appear in structnosql's API, re-exported so that versions match.
pub use {aws_config, aws_sdk_dynamodb};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
