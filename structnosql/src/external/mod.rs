//! External tables: the tables of an application's own HTTP API, for clients that hold no AWS
//! credentials (mobile, desktop, browser or partner programs).
//!
//! The server side is an [`Executor`]: it serves [`BasicTable`](crate::BasicTable)s under names
//! of its choosing, each with a [`Policy`] that decides every request. A request names its record,
//! paths and values in the [`wire`] format; the executor checks each against the served table's
//! model (the server's model is authoritative: a path it does not have, a value of the wrong type, a
//! key of the wrong shape is refused), then asks the policy, and only then sends anything to
//! DynamoDB. There is no default policy: a server states who may do what (see [`policy`]).
//!
//! Cargo feature `external-server`; `axum` adds [`Executor::router`].

mod executor;
pub mod policy;
#[cfg(feature = "axum")]
mod router;
pub mod wire;

pub use executor::{Executor, DEFAULT_MAX_BODY_BYTES, MAX_PATHS};
#[cfg(feature = "axum")]
pub use router::Identify;

/// The axum crate [`Executor::router`] builds on, re-exported so that versions match
/// (`axum::serve` runs a router, `axum::http::HeaderMap` is what an [`Identify`] reads).
#[cfg(feature = "axum")]
pub use axum;
pub use policy::{Access, Caller, Denied, Policy};
