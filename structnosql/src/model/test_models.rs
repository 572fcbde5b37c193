//! Hand-written schemas (as the derive macros generate them) and the helpers the unit tests share.

use std::collections::{BTreeSet, HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::model::validation::check_write;
use crate::model::{
    Attribute, AttributeCheck, FieldSchema, ModelSchema, SchemaFn, TypeSchema, Violations,
};
use crate::path::{self, KeyValues, ResolvedPath, Segment};

// ---------------------------------------------------------------------------------------------------
// Hand-written schemas
// ---------------------------------------------------------------------------------------------------

pub(crate) const fn field(
    name: &'static str,
    rust_name: &'static str,
    schema: SchemaFn,
) -> FieldSchema {
    FieldSchema::new(name, rust_name, schema)
}

const fn keyed(
    name: &'static str,
    rust_name: &'static str,
    key_name: &'static str,
    schema: SchemaFn,
) -> FieldSchema {
    field(name, rust_name, schema).with_key_name(key_name)
}

const fn checked(
    name: &'static str,
    rust_name: &'static str,
    schema: SchemaFn,
    check: AttributeCheck,
) -> FieldSchema {
    field(name, rust_name, schema).with_check(check)
}

// (1) The docs' model of spec §4.1: `id`, `container: Dict[str, Container]` with key `itemId`,
// `Container { name, metadata: Dict[str, Meta] }` with key `metaItemId`, `Meta { type, value }`.

pub(crate) static DOCS_RECORD: ModelSchema = ModelSchema::new(
    "DocsRecord",
    &[
        field("id", "id", <String as Attribute>::schema),
        keyed("container", "container", "itemId", containers_schema),
    ],
);

static CONTAINER: ModelSchema = ModelSchema::new(
    "Container",
    &[
        field("name", "name", <String as Attribute>::schema),
        keyed("metadata", "metadata", "metaItemId", metadata_schema),
    ],
);

static META: ModelSchema = ModelSchema::new(
    "Meta",
    &[
        field("type", "type_", <String as Attribute>::schema),
        field("value", "value", <String as Attribute>::schema),
    ],
);

fn container_schema() -> TypeSchema {
    TypeSchema::Model(&CONTAINER)
}
fn containers_schema() -> TypeSchema {
    TypeSchema::Map(container_schema)
}
fn meta_schema() -> TypeSchema {
    TypeSchema::Model(&META)
}
fn metadata_schema() -> TypeSchema {
    TypeSchema::Map(meta_schema)
}

// (2) The users model of the docs' samples.

pub(crate) static USER: ModelSchema = ModelSchema::new(
    "User",
    &[
        field("userId", "user_id", <String as Attribute>::schema),
        field(
            "username",
            "username",
            <Option<String> as Attribute>::schema,
        ),
        keyed("tokens", "tokens", "tokenId", tokens_schema),
        keyed(
            "orderedFriends",
            "ordered_friends",
            "friendIndex",
            friends_schema,
        ),
        field(
            "dd",
            "dd",
            <HashMap<String, HashMap<String, bool>> as Attribute>::schema,
        ),
        field(
            "tags",
            "tags",
            <Option<HashSet<String>> as Attribute>::schema,
        ),
        field("data", "data", <serde_json::Value as Attribute>::schema),
    ],
);

static AUTH_TOKEN: ModelSchema = ModelSchema::new(
    "AuthToken",
    &[field(
        "expirationTimestamp",
        "expiration_timestamp",
        <i64 as Attribute>::schema,
    )],
);

static FRIEND: ModelSchema = ModelSchema::new(
    "Friend",
    &[field(
        "friendId",
        "friend_id",
        <String as Attribute>::schema,
    )],
);

pub(crate) fn user_schema() -> TypeSchema {
    TypeSchema::Model(&USER)
}
pub(crate) fn token_schema() -> TypeSchema {
    TypeSchema::Model(&AUTH_TOKEN)
}
pub(crate) fn token_map_schema() -> TypeSchema {
    TypeSchema::Map(token_schema)
}
pub(crate) fn tokens_schema() -> TypeSchema {
    TypeSchema::Optional(token_map_schema)
}
pub(crate) fn friend_schema() -> TypeSchema {
    TypeSchema::Model(&FRIEND)
}
pub(crate) fn friends_schema() -> TypeSchema {
    TypeSchema::List(friend_schema)
}

// (3) A recursive model (spec §2.7), on its own and below a record.

pub(crate) static PARAMETER: ModelSchema = ModelSchema::new(
    "Parameter",
    &[
        field("name", "name", <String as Attribute>::schema),
        keyed(
            "childParameters",
            "child_parameters",
            "childParameterKey{i}",
            child_parameters_schema,
        ),
    ],
);

pub(crate) static PARAMETERS_RECORD: ModelSchema = ModelSchema::new(
    "ParametersRecord",
    &[
        field("id", "id", <String as Attribute>::schema),
        keyed(
            "parameters",
            "parameters",
            "parameterKey",
            parameter_map_schema,
        ),
    ],
);

fn parameter_schema() -> TypeSchema {
    TypeSchema::Model(&PARAMETER)
}
fn parameter_map_schema() -> TypeSchema {
    TypeSchema::Map(parameter_schema)
}
fn child_parameters_schema() -> TypeSchema {
    TypeSchema::Optional(parameter_map_schema)
}

// (4) Optional scalar fields of every other kind, for the write checks.

static PROFILE: ModelSchema = ModelSchema::new(
    "Profile",
    &[
        field("age", "age", <Option<u8> as Attribute>::schema),
        field("balance", "balance", <Option<i128> as Attribute>::schema),
        field("ratio", "ratio", <Option<f32> as Attribute>::schema),
        field("role", "role", optional_role_schema),
        checked(
            "nickname",
            "nickname",
            <Option<String> as Attribute>::schema,
            nickname_is_not_empty,
        ),
        field("avatar", "avatar", <Option<Vec<u8>> as Attribute>::schema),
        field("ids", "ids", <Option<BTreeSet<i64>> as Attribute>::schema),
        field(
            "blobs",
            "blobs",
            <Option<HashSet<Vec<u8>>> as Attribute>::schema,
        ),
    ],
);

const ROLES: &[&str] = &["admin", "member"];

pub(crate) fn role_schema() -> TypeSchema {
    TypeSchema::Enum(ROLES)
}
fn optional_role_schema() -> TypeSchema {
    TypeSchema::Optional(role_schema)
}
pub(crate) fn profile_schema() -> TypeSchema {
    TypeSchema::Model(&PROFILE)
}

fn nickname_is_not_empty(value: &AttributeValue) -> Result<(), String> {
    match value {
        AttributeValue::S(text) if text.is_empty() => Err("a nickname must not be empty".into()),
        _ => Ok(()),
    }
}

// (5) Read-only fields and transformers.

fn upper(value: AttributeValue) -> Result<AttributeValue, String> {
    match value {
        AttributeValue::S(text) => Ok(AttributeValue::S(text.to_uppercase())),
        other => Ok(other),
    }
}

fn short(value: &AttributeValue) -> Result<(), String> {
    match value {
        AttributeValue::S(text) if text.len() > 3 => Err("too long".into()),
        _ => Ok(()),
    }
}

pub(crate) static GUARDED: ModelSchema = ModelSchema::new(
    "Guarded",
    &[
        field("id", "id", <String as Attribute>::schema),
        field("created", "created", <i64 as Attribute>::schema).with_read_only(true),
        keyed(
            "limits",
            "limits",
            "limit",
            <HashMap<String, i64> as Attribute>::schema,
        )
        .with_read_only(true),
        field("code", "code", <Option<String> as Attribute>::schema)
            .with_write_transform(upper)
            .with_check(short),
        keyed("items", "items", "item", guarded_items_schema),
    ],
);

static GUARDED_ITEM: ModelSchema = ModelSchema::new(
    "GuardedItem",
    &[
        field("serial", "serial", <String as Attribute>::schema).with_read_only(true),
        field("label", "label", <Option<String> as Attribute>::schema).with_read_transform(upper),
    ],
);

fn guarded_item_schema() -> TypeSchema {
    TypeSchema::Model(&GUARDED_ITEM)
}
fn guarded_items_schema() -> TypeSchema {
    TypeSchema::Map(guarded_item_schema)
}

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

pub(crate) fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

pub(crate) fn n(text: &str) -> AttributeValue {
    AttributeValue::N(text.to_owned())
}

pub(crate) fn null() -> AttributeValue {
    AttributeValue::Null(true)
}

pub(crate) fn list<const LEN: usize>(items: [AttributeValue; LEN]) -> AttributeValue {
    AttributeValue::L(items.into())
}

pub(crate) fn map<const LEN: usize>(entries: [(&str, AttributeValue); LEN]) -> AttributeValue {
    AttributeValue::M(
        entries
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

pub(crate) fn string_set(members: &[&str]) -> AttributeValue {
    AttributeValue::Ss(members.iter().map(|member| (*member).to_owned()).collect())
}

/// A user item that passes every check.
pub(crate) fn valid_user_entries() -> HashMap<String, AttributeValue> {
    let AttributeValue::M(entries) = map([
        ("userId", s("u1")),
        ("username", s("Paul")),
        (
            "tokens",
            map([("t32", map([("expirationTimestamp", n("1618322249"))]))]),
        ),
        ("orderedFriends", list([map([("friendId", s("f1"))])])),
        ("dd", map([("a", map([("b", AttributeValue::Bool(true))]))])),
        ("tags", string_set(&["x", "y"])),
        ("data", map([("free", list([n("1"), s("form")]))])),
    ]) else {
        unreachable!()
    };
    entries
}

/// The valid user item, changed by `edit`.
pub(crate) fn user_with(edit: impl FnOnce(&mut HashMap<String, AttributeValue>)) -> AttributeValue {
    let mut entries = valid_user_entries();
    edit(&mut entries);
    AttributeValue::M(entries)
}

/// Each violation as `path: message`, sorted (map entries are visited in no fixed order).
pub(crate) fn listed(violations: &Violations) -> Vec<String> {
    let mut listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
    listed.sort();
    listed
}

/// The problems `check_write` finds, as `path: message`; empty when the value is accepted.
pub(crate) fn write_problems(schema: TypeSchema, value: &AttributeValue) -> Vec<String> {
    match check_write(schema, value) {
        Ok(()) => Vec::new(),
        Err(violations) => listed(&violations),
    }
}

pub(crate) fn at_key(key: &str) -> Segment {
    Segment::Key(key.into())
}

pub(crate) fn resolve_all(
    model: &'static ModelSchema,
    path: &str,
    keys: &(impl KeyValues + ?Sized),
) -> Vec<ResolvedPath> {
    path::resolve(model, path, keys).unwrap_or_else(|error| panic!("{path:?}: {error}"))
}

pub(crate) fn resolve_one(
    model: &'static ModelSchema,
    path: &str,
    keys: &(impl KeyValues + ?Sized),
) -> ResolvedPath {
    let mut resolved = resolve_all(model, path, keys);
    assert_eq!(resolved.len(), 1, "{path:?} is a single path");
    resolved.remove(0)
}
