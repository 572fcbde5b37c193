//! Item size estimates, with DynamoDB's rules ("DynamoDB item sizes and formats"), so that an item
//! over 400 KB is refused before it is sent.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// DynamoDB's largest item: 400 KB.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The size of a value (without its name).
pub fn value_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(text) => number_bytes(text),
        AttributeValue::B(blob) => blob.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(members) => members.iter().map(String::len).sum(),
        AttributeValue::Ns(members) => members.iter().map(|n| number_bytes(n)).sum(),
        AttributeValue::Bs(members) => members.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(items) => {
            3 + items
                .iter()
                .map(|item| 1 + value_bytes(item))
                .sum::<usize>()
        }
        AttributeValue::M(entries) => {
            3 + entries
                .iter()
                .map(|(name, item)| 1 + name.len() + value_bytes(item))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// At most how much `action` can grow an item: its value, and every level of its path created.
pub(crate) fn growth_at_most(action: &crate::expr::UpdateAction) -> usize {
    match action {
        crate::expr::UpdateAction::Set(path, value) => {
            let levels: usize = path
                .segments()
                .iter()
                // An entry's name and separator, and a created map's own overhead.
                .map(|segment| segment.name().map_or(0, str::len) + 1 + 3)
                .sum();
            levels + value_bytes(value)
        }
        crate::expr::UpdateAction::Remove(_) => 0,
    }
}

/// About one byte per two significant digits, plus one.
fn number_bytes(text: &str) -> usize {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    digits.div_ceil(2) + 1
}

/// The size of an item: its attribute names and values.
pub fn item_bytes(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_bytes(value))
        .sum()
}
