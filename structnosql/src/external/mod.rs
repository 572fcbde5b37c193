//! External tables: the tables of an application's own HTTP API, for clients that hold no AWS
//! credentials (mobile, desktop, browser or partner programs).
//!
//! The server side is an [`Executor`]: it serves [`BasicTable`](crate::BasicTable)s under names
//! of its choosing, each with a [`Policy`](policy::Policy) that decides every request. A request names its record,
//! paths and values in the [`wire`] format; the executor checks each against the served table's
//! model (the server's model is authoritative: a path it does not have, a value of the wrong type, a
//! key of the wrong shape is refused), then asks the policy, and only then sends anything to
//! DynamoDB. There is no default policy: a server states who may do what (see [`policy`]).
//!
//! The client side is any table built with
//! [`external_api`](crate::table::TableBuilder::external_api) and an [`ExternalApi`]: the same
//! `BasicTable` and `CachingTable`, whose operations on one record go to the API instead of DynamoDB.
//!
//! Cargo features: `external-server` (the executor), `axum` (adds [`Executor::router`]),
//! `external-client` (the client side).

#[cfg(feature = "external-client")]
pub(crate) mod client;
#[cfg(feature = "external-server")]
mod executor;
#[cfg(all(
    feature = "internals",
    feature = "external-server",
    feature = "external-client"
))]
pub(crate) mod loopback;
#[cfg(feature = "external-server")]
mod many;
#[cfg(feature = "external-server")]
pub mod policy;
#[cfg(feature = "axum")]
mod router;
#[cfg(feature = "external-server")]
mod served;
#[cfg(feature = "external-server")]
mod transact;
pub mod wire;

#[cfg(feature = "external-client")]
pub use client::ExternalApi;
#[cfg(feature = "external-server")]
pub use executor::{Executor, DEFAULT_MAX_BODY_BYTES, MAX_PATHS};
#[cfg(feature = "axum")]
pub use router::Identify;

/// The axum crate [`Executor::router`] builds on, re-exported so that versions match
/// (`axum::serve` runs a router, `axum::http::HeaderMap` is what an [`Identify`] reads).
#[cfg(feature = "axum")]
pub use axum;
