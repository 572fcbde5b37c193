//! Tests of string paths: parsing, resolving, recursive models and depth, errors.

use std::collections::{BTreeMap, HashMap};

use super::{parse, Element};
use crate::error::Error;
use crate::model::test_models::{
    at_key, resolve_all, resolve_one, DOCS_RECORD, PARAMETER, PARAMETERS_RECORD, USER,
};
use crate::model::{IntegerKind, ModelSchema, TypeSchema};
use crate::path::{self, KeyValue, KeyValues, Segment, MAX_DEPTH};

fn at_field(name: &'static str) -> Segment {
    Segment::Field(name)
}

fn resolve_error(
    model: &'static ModelSchema,
    path: &str,
    keys: &(impl KeyValues + ?Sized),
) -> Error {
    match path::resolve(model, path, keys) {
        Ok(resolved) => panic!("{path:?} should not resolve, but gave {resolved:?}"),
        Err(error) => error,
    }
}

/// Asserts that `path` is an unknown path and returns the suggestion.
fn unknown_path_suggestion(
    model: &'static ModelSchema,
    path: &str,
    keys: &(impl KeyValues + ?Sized),
) -> Option<String> {
    match resolve_error(model, path, keys) {
        Error::UnknownPath {
            path: reported,
            suggestion,
        } => {
            assert_eq!(reported, path);
            suggestion
        }
        other => panic!("{path:?}: expected UnknownPath, got {other:?}"),
    }
}

/// `childParameters.{{childParameterKey0}}. … .childParameters.{{childParameterKey<levels - 1>}}`, and
/// a key value for each level.
fn nested_parameters(levels: usize) -> (String, Vec<(String, KeyValue)>) {
    let path = (0..levels)
        .map(|level| format!("childParameters.{{{{childParameterKey{level}}}}}"))
        .collect::<Vec<_>>()
        .join(".");
    let keys = (0..levels)
        .map(|level| {
            (
                format!("childParameterKey{level}"),
                KeyValue::from(format!("p{level}")),
            )
        })
        .collect();
    (path, keys)
}

// ---------------------------------------------------------------------------------------------------
// String paths: parsing
// ---------------------------------------------------------------------------------------------------

#[test]
fn parses_names_placeholders_and_selections() {
    let parsed = parse("tokens.{{tokenId}}.(a, b)").unwrap();
    assert_eq!(
        parsed.prefix,
        vec![Element::Name("tokens"), Element::Placeholder("tokenId")]
    );
    assert_eq!(
        parsed.selection,
        Some(vec![Element::Name("a"), Element::Name("b")])
    );
    assert_eq!(parse("(a,b)").unwrap().prefix, vec![]);
}

#[test]
fn rejects_malformed_paths() {
    for path in [
        "",
        "a..b",
        "a.",
        ".a",
        "a.{{x",
        "a.{{}}",
        "a.(b",
        "a.(b).c",
        "a(b)",
        "a.b]",
        "a.{{x.y}}",
        "a.()",
    ] {
        assert!(
            matches!(parse(path), Err(Error::InvalidPath { .. })),
            "{path:?} should be malformed"
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// String paths: resolving
// ---------------------------------------------------------------------------------------------------

#[test]
fn resolves_a_top_level_field() {
    let resolved = resolve_one(&USER, "userId", &());
    assert_eq!(resolved.path.segments(), [at_field("userId")]);
    assert!(matches!(resolved.schema, TypeSchema::String));
    assert_eq!(resolved.field.map(|field| field.name()), Some("userId"));
    assert_eq!(resolved.label, "userId");
}

#[test]
fn resolves_an_optional_field_to_its_optional_type() {
    let resolved = resolve_one(&USER, "username", &());
    assert_eq!(resolved.schema.describe(), "a string or null");
    assert!(!resolved.field.unwrap().is_required());
}

#[test]
fn resolves_a_map_item_placeholder_to_a_key() {
    let resolved = resolve_one(&USER, "tokens.{{tokenId}}", &[("tokenId", "t32")]);
    assert_eq!(
        resolved.path.segments(),
        [at_field("tokens"), at_key("t32")]
    );
    assert!(matches!(resolved.schema, TypeSchema::Model(model) if model.name() == "AuthToken"));
    assert!(resolved.field.is_none(), "a map item is not a field");
    assert_eq!(resolved.label, "{{tokenId}}");
}

#[test]
fn resolves_a_field_inside_a_map_item() {
    let resolved = resolve_one(
        &USER,
        "tokens.{{tokenId}}.expirationTimestamp",
        &[("tokenId", "t32")],
    );
    assert_eq!(
        resolved.path.segments(),
        [
            at_field("tokens"),
            at_key("t32"),
            at_field("expirationTimestamp")
        ]
    );
    assert_eq!(resolved.path.to_string(), "tokens.t32.expirationTimestamp");
    assert!(matches!(
        resolved.schema,
        TypeSchema::Integer(IntegerKind::I64)
    ));
    assert_eq!(
        resolved.field.map(|field| field.rust_name()),
        Some("expiration_timestamp")
    );
    assert_eq!(resolved.label, "expirationTimestamp");
}

#[test]
fn resolves_a_list_item_placeholder_to_an_index() {
    let resolved = resolve_one(
        &USER,
        "orderedFriends.{{friendIndex}}.friendId",
        &[("friendIndex", 3usize)],
    );
    assert_eq!(
        resolved.path.segments(),
        [
            at_field("orderedFriends"),
            Segment::Index(3),
            at_field("friendId")
        ]
    );
    assert_eq!(resolved.path.to_string(), "orderedFriends[3].friendId");
    assert!(matches!(resolved.schema, TypeSchema::String));
}

#[test]
fn resolves_nested_map_placeholders_with_child_key_names() {
    let keys = [
        ("ddKey", KeyValue::from("a")),
        ("ddKeyChild", KeyValue::from("b")),
    ];
    let resolved = resolve_one(&USER, "dd.{{ddKey}}.{{ddKeyChild}}", &keys);
    assert_eq!(
        resolved.path.segments(),
        [at_field("dd"), at_key("a"), at_key("b")]
    );
    assert!(matches!(resolved.schema, TypeSchema::Bool));
}

#[test]
fn resolves_the_deepest_path_of_the_docs_model() {
    let keys: HashMap<String, KeyValue> = [
        ("itemId".to_owned(), KeyValue::from("i1")),
        ("metaItemId".to_owned(), KeyValue::from("m1")),
    ]
    .into();
    let resolved = resolve_one(
        &DOCS_RECORD,
        "container.{{itemId}}.metadata.{{metaItemId}}.type",
        &keys,
    );
    assert_eq!(
        resolved.path.segments(),
        [
            at_field("container"),
            at_key("i1"),
            at_field("metadata"),
            at_key("m1"),
            at_field("type"),
        ]
    );
    assert_eq!(resolved.field.map(|field| field.rust_name()), Some("type_"));
}

#[test]
fn resolves_free_form_data_by_name_key_or_index() {
    let by_name = resolve_one(&USER, "data.settings.theme", &());
    assert_eq!(
        by_name.path.segments(),
        [at_field("data"), at_key("settings"), at_key("theme")]
    );
    assert!(matches!(by_name.schema, TypeSchema::Any));
    assert!(by_name.field.is_none());

    let by_key = resolve_one(&USER, "data.{{dataKey}}", &[("dataKey", "a.b")]);
    assert_eq!(by_key.path.segments(), [at_field("data"), at_key("a.b")]);

    let by_index = resolve_one(
        &USER,
        "data.{{dataKey}}.{{dataKeyChild}}",
        &[
            ("dataKey", KeyValue::from("list")),
            ("dataKeyChild", KeyValue::Index(2)),
        ],
    );
    assert_eq!(
        by_index.path.segments(),
        [at_field("data"), at_key("list"), Segment::Index(2)]
    );
}

#[test]
fn resolves_a_multi_selection_after_a_placeholder() {
    let resolved = resolve_all(
        &USER,
        "tokens.{{tokenId}}.(expirationTimestamp)",
        &[("tokenId", "t32")],
    );
    assert_eq!(resolved.len(), 1);
    assert_eq!(
        resolved[0].path.segments(),
        [
            at_field("tokens"),
            at_key("t32"),
            at_field("expirationTimestamp")
        ]
    );
    assert_eq!(resolved[0].label, "expirationTimestamp");
}

#[test]
fn resolves_a_top_level_multi_selection_in_order() {
    let resolved = resolve_all(&USER, "(userId, username)", &());
    let labels: Vec<&str> = resolved.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["userId", "username"]);
    assert_eq!(resolved[0].path.segments(), [at_field("userId")]);
    assert_eq!(resolved[1].path.segments(), [at_field("username")]);
    assert!(matches!(resolved[0].schema, TypeSchema::String));
    assert!(resolved[1].schema.is_optional());
    let spaced = resolve_all(&USER, "( userId ,username )", &());
    assert_eq!(spaced[1].label, "username");
}

#[test]
fn multi_selection_members_may_be_placeholders() {
    let resolved = resolve_all(&USER, "tokens.({{tokenId}})", &[("tokenId", "t1")]);
    assert_eq!(
        resolved[0].path.segments(),
        [at_field("tokens"), at_key("t1")]
    );
    assert_eq!(resolved[0].label, "{{tokenId}}");
}

#[test]
fn key_values_come_from_slices_arrays_and_maps() {
    let expected = [at_field("tokens"), at_key("t32")];
    let pairs = vec![("tokenId".to_owned(), "t32".to_owned())];
    assert_eq!(
        resolve_one(&USER, "tokens.{{tokenId}}", pairs.as_slice())
            .path
            .segments(),
        expected
    );
    let tree: BTreeMap<String, KeyValue> = [("tokenId".to_owned(), KeyValue::from("t32"))].into();
    assert_eq!(
        resolve_one(&USER, "tokens.{{tokenId}}", &tree)
            .path
            .segments(),
        expected
    );
    let typed = [("tokenId", KeyValue::Key("t32".into()))];
    assert_eq!(
        resolve_one(&USER, "tokens.{{tokenId}}", &typed)
            .path
            .segments(),
        expected
    );
}

#[test]
fn adversarial_map_keys_are_passed_through_unchanged() {
    let keys = [
        ".",
        "#",
        ":",
        "[0]",
        "{{x}}",
        "a b",
        " ",
        "ключ",
        "🔑",
        "",
        "a.b.c",
        "#attr",
        ":value",
        "tokens.{{tokenId}}",
        "\"quoted\"",
        "(a, b)",
        "0",
    ];
    for key in keys {
        let resolved = resolve_one(
            &USER,
            "tokens.{{tokenId}}.expirationTimestamp",
            &[("tokenId", key)],
        );
        assert_eq!(
            resolved.path.segments(),
            [
                at_field("tokens"),
                at_key(key),
                at_field("expirationTimestamp")
            ],
            "key {key:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// String paths: recursive models and depth
// ---------------------------------------------------------------------------------------------------

#[test]
fn recursive_key_names_count_the_levels() {
    let keys = [("childParameterKey0", "a"), ("childParameterKey1", "b")];
    let resolved = resolve_one(
        &PARAMETER,
        "childParameters.{{childParameterKey0}}.childParameters.{{childParameterKey1}}.name",
        &keys,
    );
    assert_eq!(
        resolved.path.segments(),
        [
            at_field("childParameters"),
            at_key("a"),
            at_field("childParameters"),
            at_key("b"),
            at_field("name"),
        ]
    );
    assert!(matches!(resolved.schema, TypeSchema::String));
}

#[test]
fn recursive_levels_start_at_zero_below_a_record() {
    let keys = [
        ("parameterKey", "x42"),
        ("childParameterKey0", "a"),
        ("childParameterKey1", "b"),
    ];
    let resolved = resolve_one(
        &PARAMETERS_RECORD,
        "parameters.{{parameterKey}}.childParameters.{{childParameterKey0}}.childParameters.{{childParameterKey1}}",
        &keys,
    );
    assert_eq!(
        resolved.path.to_string(),
        "parameters.x42.childParameters.a.childParameters.b"
    );
    assert!(matches!(resolved.schema, TypeSchema::Model(model) if model.name() == "Parameter"));
}

#[test]
fn reusing_a_level_key_name_at_the_next_level_is_unknown() {
    let keys = [("childParameterKey0", "a")];
    let path = "childParameters.{{childParameterKey0}}.childParameters.{{childParameterKey0}}.name";
    let suggestion = unknown_path_suggestion(&PARAMETER, path, &keys);
    assert!(suggestion.is_some());
    let unexpanded = "childParameters.{{childParameterKey{i}}}";
    assert!(matches!(
        resolve_error(&PARAMETER, unexpanded, &keys),
        Error::InvalidPath { .. }
    ));
}

#[test]
fn a_recursive_path_may_reach_exactly_32_levels() {
    let (path, keys) = nested_parameters(16);
    let resolved = resolve_one(&PARAMETER, &path, keys.as_slice());
    assert_eq!(resolved.path.depth(), MAX_DEPTH);
    assert_eq!(resolved.path.segments()[31], at_key("p15"));
}

#[test]
fn a_recursive_path_deeper_than_32_levels_is_too_deep() {
    let (prefix, keys) = nested_parameters(16);
    for path in [
        format!("{prefix}.name"),
        format!("{prefix}.(name, childParameters)"),
    ] {
        match resolve_error(&PARAMETER, &path, keys.as_slice()) {
            Error::TooDeep { depth, path: shown } => {
                assert_eq!(depth, 33);
                assert!(shown.ends_with("childParameters.p15.name"), "{shown}");
            }
            other => panic!("{path}: expected TooDeep, got {other:?}"),
        }
    }
    let (much_deeper, keys) = nested_parameters(40);
    assert!(matches!(
        resolve_error(&PARAMETER, &much_deeper, keys.as_slice()),
        Error::TooDeep { depth: 80, .. }
    ));
}

// ---------------------------------------------------------------------------------------------------
// String paths: errors
// ---------------------------------------------------------------------------------------------------

#[test]
fn a_typo_is_unknown_with_the_closest_path_suggested() {
    let keys = [("tokenId", "t32")];
    let cases = [
        ("usrename", "username"),
        ("userID", "userId"),
        (
            "tokens.{{tokenId}}.expirationTimestmp",
            "tokens.{{tokenId}}.expirationTimestamp",
        ),
        (
            "tokens.{{tokenID}}.expirationTimestamp",
            "tokens.{{tokenId}}.expirationTimestamp",
        ),
        (
            "orderedFriend.{{friendIndex}}.friendId",
            "orderedFriends.{{friendIndex}}.friendId",
        ),
    ];
    for (typo, closest) in cases {
        assert_eq!(
            unknown_path_suggestion(&USER, typo, &keys).as_deref(),
            Some(closest),
            "{typo:?}"
        );
    }
    assert_eq!(
        unknown_path_suggestion(
            &DOCS_RECORD,
            "container.{{itemId}}.metadata.{{metaItemID}}.valeu",
            &()
        )
        .as_deref(),
        Some("container.{{itemId}}.metadata.{{metaItemId}}.value")
    );
}

#[test]
fn paths_that_do_not_follow_the_model_are_unknown() {
    let keys = [("tokenId", "t32"), ("userIdKey", "x")];
    for path in [
        "tokens.t32",           // a map item needs its placeholder
        "userId.{{userIdKey}}", // a string has no items
        "{{tokenId}}",          // the record is not a map
        "userId.length",        // a string has no fields
        "tokens.{{ tokenId }}", // placeholder names match exactly
        "tokens.{{tokenId}}.(expirationTimestamp, nope)",
        "orderedFriends.{{tokenId}}", // another field's key name
    ] {
        unknown_path_suggestion(&USER, path, &keys);
    }
}

#[test]
fn a_placeholder_without_a_value_is_a_missing_key_value() {
    for (path, placeholder) in [
        ("tokens.{{tokenId}}.expirationTimestamp", "tokenId"),
        ("orderedFriends.{{friendIndex}}", "friendIndex"),
        ("dd.{{ddKey}}.{{ddKeyChild}}", "ddKey"),
    ] {
        match resolve_error(&USER, path, &()) {
            Error::MissingKeyValue {
                path: reported,
                placeholder: missing,
            } => {
                assert_eq!(reported, path);
                assert_eq!(missing, placeholder);
            }
            other => panic!("{path}: expected MissingKeyValue, got {other:?}"),
        }
    }
    match resolve_error(&USER, "dd.{{ddKey}}.{{ddKeyChild}}", &[("ddKey", "a")]) {
        Error::MissingKeyValue { placeholder, .. } => assert_eq!(placeholder, "ddKeyChild"),
        other => panic!("expected MissingKeyValue, got {other:?}"),
    }
}

#[test]
fn a_typo_after_a_placeholder_without_a_value_is_reported_as_the_typo() {
    let suggestion = unknown_path_suggestion(&USER, "tokens.{{tokenId}}.expirationTimestmp", &());
    assert_eq!(
        suggestion.as_deref(),
        Some("tokens.{{tokenId}}.expirationTimestamp")
    );
}

#[test]
fn an_index_for_a_map_or_a_key_for_a_list_is_an_invalid_key_value() {
    let index_for_map = resolve_error(&USER, "tokens.{{tokenId}}", &[("tokenId", 3usize)]);
    assert!(
        matches!(&index_for_map, Error::InvalidKeyValue { placeholder, reason, .. }
            if placeholder == "tokenId" && reason.contains("needs a key")),
        "{index_for_map:?}"
    );
    let key_for_list = resolve_error(
        &USER,
        "orderedFriends.{{friendIndex}}",
        &[("friendIndex", "3")],
    );
    assert!(
        matches!(&key_for_list, Error::InvalidKeyValue { placeholder, reason, .. }
            if placeholder == "friendIndex" && reason.contains("needs an index")),
        "{key_for_list:?}"
    );
}

#[test]
fn malformed_paths_are_invalid() {
    for path in [
        "",
        ".",
        "userId.",
        ".userId",
        "tokens..expirationTimestamp",
        "tokens.{{tokenId",
        "tokens.{{}}",
        "tokens.{{a.b}}",
        "tokens.{{tokenId}}x",
        "tokens[0]",
        "(userId",
        "userId)",
        "()",
        "(userId,)",
        "(userId).username",
        "tokens(userId)",
        "(a)(b)",
    ] {
        let error = resolve_error(&USER, path, &[("tokenId", "t")]);
        assert!(
            matches!(error, Error::InvalidPath { .. }),
            "{path:?}: {error:?}"
        );
    }
}

#[test]
fn addressing_a_set_member_is_invalid() {
    for (path, keys) in [
        ("tags.{{tagsIndex}}", [("tagsIndex", KeyValue::Index(0))]),
        ("tags.{{tagsIndex}}", [("tagsIndex", KeyValue::from("x"))]),
    ] {
        let error = resolve_error(&USER, path, &keys);
        assert!(
            matches!(&error, Error::InvalidPath { reason, .. } if reason.contains("set")),
            "{error:?}"
        );
    }
    assert!(matches!(
        resolve_error(&USER, "tags.x", &()),
        Error::InvalidPath { .. }
    ));
}
