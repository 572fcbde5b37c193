//! The string-path parser and resolver, on any text and placeholder values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use structnosql::path::{KeyValue, MAX_DEPTH};
use structnosql::MapModel;

#[path = "common.rs"]
mod common;

fuzz_target!(|input: (String, String, u8)| {
    let (path, key, index) = input;
    let keys = [
        ("tokenId", KeyValue::from(key.as_str())),
        ("friendIndex", KeyValue::Index(usize::from(index))),
        ("childKey0", KeyValue::from(key.as_str())),
        ("childKey1", KeyValue::from(key.as_str())),
    ];
    if let Ok(resolved) = structnosql::path::resolve(common::Account::model_schema(), &path, &keys) {
        for member in resolved {
            assert!(member.path.depth() <= MAX_DEPTH);
            assert!(!member.path.is_root());
        }
    }
});
