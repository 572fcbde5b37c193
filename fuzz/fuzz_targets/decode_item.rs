//! Decoding arbitrary stored items into a model, strictly and leniently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::{Attribute, TableDataModel};

#[path = "common.rs"]
mod common;

fuzz_target!(|value: common::Value| {
    let stored = value.attribute();
    if let AttributeValue::M(item) = stored.clone() {
        let strict = common::Account::from_item(item.clone());
        let lenient = common::Account::from_item_lenient(item);
        if let Ok(record) = strict {
            // What strict reading accepts, lenient reading accepts unchanged; writing it back and
            // reading it again is stable after one round (free-form numbers may turn from float to
            // integer once: DynamoDB numbers carry no such distinction).
            assert_eq!(lenient.map(|l| l.value).ok().as_ref(), Some(&record));
            if let Ok(first) = record.to_item() {
                let reread = common::Account::from_item(first).ok();
                let second = reread.as_ref().and_then(|r| r.to_item().ok());
                let third = second
                    .clone()
                    .and_then(|item| common::Account::from_item(item).ok())
                    .and_then(|r| r.to_item().ok());
                assert!(reread.is_some());
                assert_eq!(second, third);
            }
        }
    }
    let _ = <common::Token as Attribute>::from_attribute(stored.clone());
    let _ = <serde_json::Value as Attribute>::from_attribute(stored);
});
