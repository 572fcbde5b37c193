//! Integration tests against a real DynamoDB-compatible server (see `harness`).

mod basic_table;
mod batch_scan;
mod caching_table;
mod commit_as_shown;
mod concurrency;
mod conditions;
mod connection;
mod derived_attributes;
mod ecosystem_types;
mod equivalence;
mod equivalence_versioned;
mod external_server;
mod faults;
mod harness;
mod hostile;
mod leading_key;
mod migration;
mod models;
mod parity;
mod queries;
mod request_economy;
mod request_order;
mod robustness;
mod string_paths;
mod transactions;
mod ttl;
