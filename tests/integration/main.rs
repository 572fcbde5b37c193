//! Integration tests against a real DynamoDB-compatible server (see `harness`).

mod connection;
mod harness;
mod models;
