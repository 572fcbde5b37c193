//! Tests of the listing of a model's paths.

use crate::model::test_models::{resolve_one, DOCS_RECORD, PARAMETER, PARAMETERS_RECORD, USER};
use crate::model::{ModelSchema, TypeSchema};
use crate::path::{self, KeyValue};

fn listed_paths(model: &'static ModelSchema) -> Vec<String> {
    path::paths(model)
        .into_iter()
        .map(|info| info.path)
        .collect()
}

fn path_info(model: &'static ModelSchema, path: &str) -> path::PathInfo {
    path::paths(model)
        .into_iter()
        .find(|info| info.path == path)
        .unwrap_or_else(|| panic!("{path:?} is not listed"))
}

#[test]
fn lists_the_docs_model_like_the_fields_switch() {
    assert_eq!(
        listed_paths(&DOCS_RECORD),
        [
            "id",
            "container",
            "container.{{itemId}}",
            "container.{{itemId}}.name",
            "container.{{itemId}}.metadata",
            "container.{{itemId}}.metadata.{{metaItemId}}",
            "container.{{itemId}}.metadata.{{metaItemId}}.type",
            "container.{{itemId}}.metadata.{{metaItemId}}.value",
        ]
    );
}

#[test]
fn listing_gives_required_flags_placeholders_and_key_names() {
    let required: Vec<bool> = path::paths(&DOCS_RECORD)
        .iter()
        .map(|info| info.required)
        .collect();
    assert_eq!(required, [true, true, false, true, true, false, true, true]);

    let deepest = path_info(
        &DOCS_RECORD,
        "container.{{itemId}}.metadata.{{metaItemId}}.value",
    );
    assert_eq!(deepest.placeholders, ["itemId", "metaItemId"]);
    assert!(matches!(deepest.schema, TypeSchema::String));
    assert_eq!(deepest.key_name, None);
    assert!(!deepest.recursive);

    let container = path_info(&DOCS_RECORD, "container");
    assert_eq!(container.key_name.as_deref(), Some("itemId"));
    assert!(container.placeholders.is_empty());
    let metadata = path_info(&DOCS_RECORD, "container.{{itemId}}.metadata");
    assert_eq!(metadata.key_name.as_deref(), Some("metaItemId"));
    assert_eq!(metadata.placeholders, ["itemId"]);
}

#[test]
fn lists_every_path_of_the_users_model() {
    assert_eq!(
        listed_paths(&USER),
        [
            "userId",
            "username",
            "tokens",
            "tokens.{{tokenId}}",
            "tokens.{{tokenId}}.expirationTimestamp",
            "orderedFriends",
            "orderedFriends.{{friendIndex}}",
            "orderedFriends.{{friendIndex}}.friendId",
            "dd",
            "dd.{{ddKey}}",
            "dd.{{ddKey}}.{{ddKeyChild}}",
            "tags",
            "data",
        ]
    );
    assert!(path_info(&USER, "userId").required);
    assert!(!path_info(&USER, "username").required);
    assert!(!path_info(&USER, "tokens").required);
    assert!(!path_info(&USER, "tokens.{{tokenId}}").required);
    assert!(path_info(&USER, "tokens.{{tokenId}}.expirationTimestamp").required);
    assert_eq!(
        path_info(&USER, "dd.{{ddKey}}").key_name.as_deref(),
        Some("ddKeyChild")
    );
    assert_eq!(
        path_info(&USER, "data").key_name.as_deref(),
        Some("dataKey")
    );
    assert_eq!(
        path_info(&USER, "dd.{{ddKey}}.{{ddKeyChild}}").placeholders,
        ["ddKey", "ddKeyChild"]
    );
}

#[test]
fn listing_gives_no_key_name_to_values_without_addressable_items() {
    for path in [
        "userId",
        "tags", // set members cannot be addressed one by one
        "tokens.{{tokenId}}",
        "orderedFriends.{{friendIndex}}",
        "dd.{{ddKey}}.{{ddKeyChild}}",
    ] {
        assert_eq!(path_info(&USER, path).key_name, None, "{path}");
    }
}

#[test]
fn listing_of_a_recursive_model_stops_at_the_repeated_model() {
    let listed = path::paths(&PARAMETER);
    let summary: Vec<(&str, bool)> = listed
        .iter()
        .map(|info| (info.path.as_str(), info.recursive))
        .collect();
    assert_eq!(
        summary,
        [
            ("name", false),
            ("childParameters", false),
            ("childParameters.{{childParameterKey0}}", true),
        ]
    );
    assert_eq!(listed[1].key_name.as_deref(), Some("childParameterKey0"));

    let below_record: Vec<(String, bool)> = path::paths(&PARAMETERS_RECORD)
        .into_iter()
        .map(|info| (info.path, info.recursive))
        .collect();
    assert_eq!(
        below_record,
        [
            ("id".to_owned(), false),
            ("parameters".to_owned(), false),
            ("parameters.{{parameterKey}}".to_owned(), false),
            ("parameters.{{parameterKey}}.name".to_owned(), false),
            (
                "parameters.{{parameterKey}}.childParameters".to_owned(),
                false
            ),
            (
                "parameters.{{parameterKey}}.childParameters.{{childParameterKey0}}".to_owned(),
                true
            ),
        ]
    );
}

/// A value for each placeholder: an index for list placeholders (named `…Index` in these models), a
/// key otherwise.
fn sample_key_values(placeholders: &[String]) -> Vec<(String, KeyValue)> {
    placeholders
        .iter()
        .map(|name| {
            let value = if name.contains("Index") {
                KeyValue::Index(0)
            } else {
                KeyValue::from("k")
            };
            (name.clone(), value)
        })
        .collect()
}

#[test]
fn every_listed_path_resolves_to_the_listed_type() {
    for model in [&DOCS_RECORD, &USER, &PARAMETERS_RECORD, &PARAMETER] {
        for info in path::paths(model) {
            let keys = sample_key_values(&info.placeholders);
            let resolved = resolve_one(model, &info.path, keys.as_slice());
            assert_eq!(
                resolved.schema.describe(),
                info.schema.describe(),
                "{}",
                info.path
            );
            assert_eq!(
                resolved.path.depth(),
                info.path.split('.').count(),
                "{}",
                info.path
            );
        }
    }
}
