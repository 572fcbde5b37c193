//! A DynamoDB item, the unit every layer passes around (defined below all of them).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// A DynamoDB item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;
