//! Models and input shapes shared by the fuzz targets.

use std::collections::HashMap;

use arbitrary::Arbitrary;
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::path::{DocumentPath, Segment};
use structnosql::{MapModel, TableDataModel};

#[derive(TableDataModel, Debug, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Account {
    pub account_id: String,
    pub username: Option<String>,
    #[structnosql(key_name = "tokenId")]
    pub tokens: Option<HashMap<String, Token>>,
    #[structnosql(key_name = "friendIndex")]
    pub friends: Option<Vec<Token>>,
    pub scores: Option<Vec<i64>>,
    pub ratio: Option<f64>,
    pub big: Option<u128>,
    pub tags: Option<std::collections::BTreeSet<String>>,
    pub avatar: Option<Vec<u8>>,
    pub data: Option<serde_json::Value>,
    #[structnosql(key_name = "childKey{i}")]
    pub children: Option<HashMap<String, Account>>,
}

#[derive(MapModel, Debug, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Token {
    pub expiration_timestamp: i64,
    pub label: Option<String>,
}

/// A stored value of any shape.
#[derive(Arbitrary, Debug)]
pub enum Value {
    S(String),
    N(String),
    B(Vec<u8>),
    Bool(bool),
    Null,
    L(Vec<Value>),
    M(Vec<(Name, Value)>),
    Ss(Vec<String>),
    Ns(Vec<String>),
}

/// Attribute names: mostly the model's, sometimes anything.
#[derive(Arbitrary, Debug)]
pub enum Name {
    Known(u8),
    Other(String),
}

const KNOWN: [&str; 12] = [
    "accountId", "username", "tokens", "friends", "scores", "ratio", "big", "tags", "avatar", "data",
    "children", "expirationTimestamp",
];

impl Name {
    pub fn text(&self) -> String {
        match self {
            Name::Known(n) => KNOWN[usize::from(*n) % KNOWN.len()].to_owned(),
            Name::Other(text) => text.clone(),
        }
    }
}

impl Value {
    pub fn attribute(&self) -> AttributeValue {
        match self {
            Value::S(text) => AttributeValue::S(text.clone()),
            Value::N(text) => AttributeValue::N(text.clone()),
            Value::B(bytes) => AttributeValue::B(bytes.clone().into()),
            Value::Bool(flag) => AttributeValue::Bool(*flag),
            Value::Null => AttributeValue::Null(true),
            Value::L(items) => AttributeValue::L(items.iter().map(Value::attribute).collect()),
            Value::M(entries) => AttributeValue::M(
                entries.iter().map(|(name, value)| (name.text(), value.attribute())).collect(),
            ),
            Value::Ss(members) => AttributeValue::Ss(members.clone()),
            Value::Ns(members) => AttributeValue::Ns(members.clone()),
        }
    }
}

/// A path step.
#[derive(Arbitrary, Debug)]
pub enum Step {
    Field(Name),
    Key(String),
    Index(u8),
}

pub fn document_path(steps: &[Step]) -> DocumentPath {
    DocumentPath::from_segments(
        steps
            .iter()
            .map(|step| match step {
                Step::Field(name) => Segment::Key(name.text().into()),
                Step::Key(key) => Segment::Key(key.as_str().into()),
                Step::Index(index) => Segment::Index(usize::from(*index)),
            })
            .collect(),
    )
}
