//! Tests of the write checks (strict), of read pruning (lenient) and of read-only fields.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

use super::{check_write, prune_read};
use crate::error::Error;
use crate::model::test_models::{
    friends_schema, list, listed, map, n, null, profile_schema, resolve_one, role_schema, s,
    string_set, token_schema, user_schema, user_with, valid_user_entries, write_problems,
    DOCS_RECORD, GUARDED, USER,
};
use crate::model::{Attribute, FloatKind, IntegerKind, NumberKind, TypeSchema, Violations};
use crate::path::MAX_DEPTH;

fn valid_user() -> AttributeValue {
    user_with(|_| {})
}

/// The path of each violation, sorted.
fn violation_paths(violations: &Violations) -> Vec<String> {
    let mut paths: Vec<String> = violations.iter().map(|v| v.path.to_string()).collect();
    paths.sort();
    paths
}

/// The one problem `check_write` finds in a scalar written at the record's root.
fn write_problem(schema: TypeSchema, value: &AttributeValue) -> String {
    let problems = write_problems(schema, value);
    assert_eq!(problems.len(), 1, "{schema:?} <- {value:?}: {problems:?}");
    let message = problems[0].strip_prefix("<record>: ");
    message
        .unwrap_or_else(|| panic!("not at the root: {}", problems[0]))
        .to_owned()
}

/// Checks `value` in the profile field `name`, returning the problems.
fn profile_field_problems(name: &str, value: AttributeValue) -> Vec<String> {
    write_problems(profile_schema(), &map([(name, value)]))
}

// ---------------------------------------------------------------------------------------------------
// Write checks (strict)
// ---------------------------------------------------------------------------------------------------

#[test]
fn check_write_accepts_valid_records() {
    assert_eq!(
        write_problems(user_schema(), &valid_user()),
        Vec::<String>::new()
    );
    let docs = map([
        ("id", s("r1")),
        (
            "container",
            map([(
                "i1",
                map([
                    ("name", s("box")),
                    (
                        "metadata",
                        map([("m1", map([("type", s("t")), ("value", s("v"))]))]),
                    ),
                ]),
            )]),
        ),
    ]);
    assert_eq!(
        write_problems(TypeSchema::Model(&DOCS_RECORD), &docs),
        Vec::<String>::new()
    );
    assert!(check_write(profile_schema(), &map([])).is_ok());
}

#[test]
fn check_write_reports_values_of_the_wrong_kind() {
    let cases = [
        (
            TypeSchema::String,
            n("1"),
            "expected a string, found a number",
        ),
        (
            TypeSchema::Bool,
            s("true"),
            "expected a boolean, found a string",
        ),
        (
            TypeSchema::Integer(IntegerKind::I64),
            s("1"),
            "expected an integer (i64), found a string",
        ),
        (
            TypeSchema::Float(FloatKind::F64),
            AttributeValue::Bool(true),
            "expected a number (f64), found a boolean",
        ),
        (
            TypeSchema::Binary,
            s("AAEC"),
            "expected bytes, found a string",
        ),
        (
            TypeSchema::StringSet,
            list([s("a")]),
            "expected a string set, found a list",
        ),
        (
            TypeSchema::BinarySet,
            string_set(&["a"]),
            "expected a binary set, found a string set",
        ),
        (
            friends_schema(),
            map([]),
            "expected a list of Friend map, found a map",
        ),
        (
            <HashMap<String, String> as Attribute>::schema(),
            list([]),
            "expected a map of string, found a list",
        ),
        (
            role_schema(),
            n("1"),
            r#"expected one of ["admin", "member"], found a number"#,
        ),
    ];
    for (schema, value, expected) in cases {
        assert_eq!(write_problem(schema, &value), expected);
    }
    let not_a_token = write_problem(token_schema(), &s("x"));
    assert!(not_a_token.contains("AuthToken") && not_a_token.ends_with("found a string"));
}

#[test]
fn check_write_reports_wrong_kinds_inside_a_record_with_their_paths() {
    let user = user_with(|user| {
        user.insert("userId".into(), n("1"));
        user.insert("dd".into(), map([("a", map([("b", s("yes"))]))]));
        user.insert(
            "tokens".into(),
            map([("t32", map([("expirationTimestamp", s("1618322249"))]))]),
        );
    });
    assert_eq!(
        write_problems(user_schema(), &user),
        [
            "dd.a.b: expected a boolean, found a string",
            "tokens.t32.expirationTimestamp: expected an integer (i64), found a string",
            "userId: expected a string, found a number",
        ]
    );
}

#[test]
fn check_write_rejects_integers_out_of_range_for_their_kind() {
    let out_of_range = [
        (IntegerKind::I8, "128"),
        (IntegerKind::I8, "-129"),
        (IntegerKind::U8, "256"),
        (IntegerKind::U8, "-1"),
        (IntegerKind::I16, "32768"),
        (IntegerKind::U16, "65536"),
        (IntegerKind::I32, "2147483648"),
        (IntegerKind::U32, "4294967296"),
        (IntegerKind::I64, "9223372036854775808"),
        (IntegerKind::U64, "18446744073709551616"),
        (IntegerKind::U128, "-1"),
    ];
    for (kind, text) in out_of_range {
        let problem = write_problem(TypeSchema::Integer(kind), &n(text));
        assert!(
            problem.contains("out of range"),
            "{kind:?} {text}: {problem}"
        );
    }
    let in_range = [
        (IntegerKind::I8, "-128"),
        (IntegerKind::I8, "127"),
        (IntegerKind::U8, "255"),
        (IntegerKind::I64, "-9223372036854775808"),
        (IntegerKind::U64, "18446744073709551615"),
        (IntegerKind::Usize, "0"),
    ];
    for (kind, text) in in_range {
        assert!(
            check_write(TypeSchema::Integer(kind), &n(text)).is_ok(),
            "{kind:?} {text}"
        );
    }
    assert_eq!(
        profile_field_problems("age", n("300")),
        ["age: 300 is out of range for u8"]
    );
}

#[test]
fn check_write_rejects_numbers_of_39_digits() {
    let digits_39 = "123456789012345678901234567890123456789";
    for schema in [
        TypeSchema::Integer(IntegerKind::I128),
        TypeSchema::Integer(IntegerKind::U128),
        TypeSchema::Float(FloatKind::F64),
        TypeSchema::Any,
    ] {
        let problem = write_problem(schema, &n(digits_39));
        assert!(
            problem.contains("39 significant digits"),
            "{schema:?}: {problem}"
        );
    }
    let set = AttributeValue::Ns(vec!["1".into(), digits_39.into()]);
    let problem = write_problem(
        TypeSchema::NumberSet(NumberKind::Integer(IntegerKind::I128)),
        &set,
    );
    assert!(problem.contains("39 significant digits"), "{problem}");
    let digits_38 = "99999999999999999999999999999999999999";
    assert!(check_write(TypeSchema::Integer(IntegerKind::I128), &n(digits_38)).is_ok());
    assert!(check_write(
        TypeSchema::Integer(IntegerKind::I128),
        &n(&format!("-{digits_38}"))
    )
    .is_ok());
}

#[test]
fn check_write_rejects_magnitudes_dynamodb_cannot_store() {
    for schema in [TypeSchema::Float(FloatKind::F64), TypeSchema::Any] {
        assert!(
            write_problem(schema, &n("1E+126")).contains("larger than"),
            "{schema:?}"
        );
        assert!(
            write_problem(schema, &n("1E-131")).contains("closer to zero"),
            "{schema:?}"
        );
        assert!(check_write(schema, &n("9.99E+125")).is_ok(), "{schema:?}");
        assert!(check_write(schema, &n("1E-130")).is_ok(), "{schema:?}");
    }
    assert!(check_write(TypeSchema::Integer(IntegerKind::I128), &n("1E+126")).is_err());
}

#[test]
fn check_write_rejects_a_fraction_in_an_integer_field() {
    assert_eq!(
        write_problem(TypeSchema::Integer(IntegerKind::I64), &n("1.5")),
        "1.5 is not an integer of type i64"
    );
    assert!(
        write_problem(TypeSchema::Integer(IntegerKind::U8), &n("1E-1")).contains("not an integer")
    );
    // A whole number written with a point or an exponent is still an integer.
    for whole in ["3.0", "1.5E+1", "1200E-2"] {
        assert!(
            check_write(TypeSchema::Integer(IntegerKind::I64), &n(whole)).is_ok(),
            "{whole}"
        );
    }
    assert!(
        write_problem(TypeSchema::Integer(IntegerKind::I64), &n("abc")).contains("not a number")
    );
}

#[test]
fn check_write_rejects_unknown_attributes_of_a_model() {
    let user = user_with(|user| {
        user.insert("nickname".into(), s("P"));
        user.insert(
            "tokens".into(),
            map([(
                "t32",
                map([("expirationTimestamp", n("1")), ("scope", s("all"))]),
            )]),
        );
    });
    assert_eq!(
        write_problems(user_schema(), &user),
        [
            r#"nickname: User has no field "nickname""#,
            r#"tokens.t32.scope: AuthToken has no field "scope""#,
        ]
    );
}

#[test]
fn check_write_reports_every_missing_required_field_with_its_path() {
    assert_eq!(
        violation_paths(&check_write(user_schema(), &map([])).unwrap_err()),
        ["data", "dd", "orderedFriends", "userId"]
    );
    let user = user_with(|user| {
        user.remove("userId");
        user.insert("tokens".into(), map([("t1", map([])), ("t2", map([]))]));
        user.insert(
            "orderedFriends".into(),
            list([map([("friendId", s("f1"))]), map([])]),
        );
    });
    let violations = check_write(user_schema(), &user).unwrap_err();
    assert_eq!(
        violation_paths(&violations),
        [
            "orderedFriends[1].friendId",
            "tokens.t1.expirationTimestamp",
            "tokens.t2.expirationTimestamp",
            "userId",
        ]
    );
    assert!(violations
        .iter()
        .all(|v| v.message == "required attribute is missing"));
}

#[test]
fn check_write_violation_paths_equal_the_resolved_paths() {
    let user = user_with(|user| {
        user.insert(
            "tokens".into(),
            map([("t32", map([("expirationTimestamp", s("x"))]))]),
        );
    });
    let violations = check_write(user_schema(), &user).unwrap_err();
    let expected = resolve_one(
        &USER,
        "tokens.{{tokenId}}.expirationTimestamp",
        &[("tokenId", "t32")],
    );
    assert_eq!(violations.iter().next().unwrap().path, expected.path);
}

#[test]
fn check_write_rejects_empty_sets() {
    let empty = "DynamoDB cannot store an empty set";
    assert_eq!(
        profile_field_problems("ids", AttributeValue::Ns(vec![])),
        [format!("ids: {empty}")]
    );
    assert_eq!(
        profile_field_problems("blobs", AttributeValue::Bs(vec![])),
        [format!("blobs: {empty}")]
    );
    let user = user_with(|user| {
        user.insert("tags".into(), string_set(&[]));
    });
    assert_eq!(
        write_problems(user_schema(), &user),
        [format!("tags: {empty}")]
    );
}

#[test]
fn check_write_checks_every_member_of_a_number_set() {
    let u8_set = TypeSchema::NumberSet(NumberKind::Integer(IntegerKind::U8));
    let members =
        |texts: &[&str]| AttributeValue::Ns(texts.iter().map(|t| (*t).to_owned()).collect());
    assert!(check_write(u8_set, &members(&["0", "255"])).is_ok());
    assert!(write_problem(u8_set, &members(&["1", "300"])).contains("out of range"));
    let f64_set = TypeSchema::NumberSet(NumberKind::Float(FloatKind::F64));
    assert!(check_write(f64_set, &members(&["1.5", "-2E+10"])).is_ok());
    assert!(write_problem(f64_set, &members(&["1.5", "x"])).contains("not a number"));
}

#[test]
fn check_write_rejects_duplicate_set_members() {
    let duplicates = [
        (TypeSchema::StringSet, string_set(&["a", "b", "a"])),
        (
            TypeSchema::NumberSet(NumberKind::Integer(IntegerKind::I64)),
            AttributeValue::Ns(vec!["1".into(), "1".into()]),
        ),
        (
            TypeSchema::NumberSet(NumberKind::Float(FloatKind::F64)),
            AttributeValue::Ns(vec!["1.5".into(), "15E-1".into()]),
        ),
        (
            TypeSchema::BinarySet,
            AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![1])]),
        ),
    ];
    for (schema, value) in duplicates {
        assert_eq!(
            write_problem(schema, &value),
            "DynamoDB does not accept a set with duplicate members",
            "{value:?}"
        );
    }
    assert!(check_write(TypeSchema::StringSet, &string_set(&["a", "A", "a "])).is_ok());
}

/// `levels` lists nested in each other around a number: `[[…[1]…]]`.
fn nested_lists(levels: usize) -> AttributeValue {
    (0..levels).fold(n("1"), |inner, _| AttributeValue::L(vec![inner]))
}

/// Whether `value`, written at the resolved `path` of a user, stays within DynamoDB's 32 levels.
fn fits_at(path: &str, value: &AttributeValue) -> bool {
    let base = resolve_one(&USER, path, &()).path;
    match crate::model::validation::check_depth(&base, value) {
        Ok(()) => true,
        Err(Error::TooDeep { depth, .. }) => {
            assert!(depth > MAX_DEPTH, "{depth}");
            false
        }
        Err(other) => panic!("expected TooDeep, got {other:?}"),
    }
}

#[test]
fn a_value_may_reach_32_levels_counting_the_path_it_is_written_at() {
    // A top-level attribute and 31 lists inside it: the number is at level 32.
    assert!(fits_at("data", &nested_lists(31)));
    assert!(!fits_at("data", &nested_lists(32)));
    // Written one level down, the same value reaches one level deeper.
    assert!(fits_at("data.x", &nested_lists(30)));
    assert!(!fits_at("data.x", &nested_lists(31)));
    assert!(fits_at("data", &map([])));
    let json = (0..31).fold(json!(1), |inner, _| json!([inner]));
    assert!(fits_at("data", &json.to_attribute().unwrap()));
}

#[test]
fn check_write_accepts_null_only_for_optional_fields() {
    for name in ["username", "tokens", "tags"] {
        let user = user_with(|user| {
            user.insert(name.into(), null());
        });
        assert!(check_write(user_schema(), &user).is_ok(), "{name}");
    }
    let user = user_with(|user| {
        user.insert("userId".into(), null());
        user.insert("orderedFriends".into(), null());
        user.insert("tokens".into(), map([("t1", null())]));
        user.insert("data".into(), null());
    });
    let problems = write_problems(user_schema(), &user);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(
        problems[0],
        "orderedFriends: expected a list of Friend map, found null"
    );
    assert!(
        problems[1].starts_with("tokens.t1: expected a") && problems[1].ends_with("found null")
    );
    assert_eq!(problems[2], "userId: expected a string, found null");
}

#[test]
fn check_write_rejects_an_enum_value_not_in_the_list() {
    assert_eq!(
        profile_field_problems("role", s("root")),
        [r#"role: "root" is not one of ["admin", "member"]"#]
    );
    assert_eq!(
        profile_field_problems("role", s("admin")),
        Vec::<String>::new()
    );
    assert_eq!(
        write_problem(role_schema(), &s("Admin")),
        r#""Admin" is not one of ["admin", "member"]"#
    );
}

#[test]
fn check_write_runs_a_field_check_on_valid_values_only() {
    assert_eq!(
        profile_field_problems("nickname", s("")),
        ["nickname: a nickname must not be empty"]
    );
    assert_eq!(
        profile_field_problems("nickname", s("Paulo")),
        Vec::<String>::new()
    );
    assert_eq!(
        profile_field_problems("nickname", null()),
        Vec::<String>::new()
    );
    // A value of the wrong kind is reported once, without running the check.
    assert_eq!(
        profile_field_problems("nickname", n("1")),
        ["nickname: expected a string, found a number"]
    );
}

#[test]
fn check_write_checks_numbers_inside_free_form_data() {
    let user = user_with(|user| {
        user.insert(
            "data".into(),
            map([("x", list([n("1"), map([("deep", n("1E+200"))])]))]),
        );
    });
    let problems = write_problems(user_schema(), &user);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("data.x[1].deep: 1E+200 is larger"),
        "{problems:?}"
    );
}

#[test]
fn check_write_checks_each_kind_of_profile_field() {
    let cases = [
        ("avatar", AttributeValue::B(Blob::new(vec![1, 2])), true),
        ("avatar", list([n("1")]), false),
        (
            "ids",
            AttributeValue::Ns(vec!["-5".into(), "7".into()]),
            true,
        ),
        ("ids", AttributeValue::Ns(vec!["1.5".into()]), false),
        ("blobs", AttributeValue::Bs(vec![Blob::new(vec![0])]), true),
        ("ratio", n("0.25"), true),
        ("ratio", s("0.25"), false),
        (
            "balance",
            n("-99999999999999999999999999999999999999"),
            true,
        ),
    ];
    for (name, value, valid) in cases {
        let problems = profile_field_problems(name, value.clone());
        assert_eq!(
            problems.is_empty(),
            valid,
            "{name} = {value:?}: {problems:?}"
        );
    }
}

#[test]
fn check_write_rejects_absurd_exponents_without_panicking() {
    for text in ["1e9223372036854775807", "10e9223372036854775807"] {
        for schema in [
            TypeSchema::Any,
            TypeSchema::Float(FloatKind::F64),
            TypeSchema::Integer(IntegerKind::I64),
        ] {
            assert!(check_write(schema, &n(text)).is_err(), "{schema:?} {text}");
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Read pruning (lenient)
// ---------------------------------------------------------------------------------------------------

fn entries_of(value: Option<AttributeValue>) -> HashMap<String, AttributeValue> {
    match value {
        Some(AttributeValue::M(entries)) => entries,
        other => panic!("expected a map, got {other:?}"),
    }
}

#[test]
fn prune_read_keeps_valid_data_unchanged() {
    let pruned = prune_read(user_schema(), valid_user());
    assert!(pruned.dropped.is_empty(), "{}", pruned.dropped);
    assert_eq!(pruned.value, Some(valid_user()));
}

#[test]
fn prune_read_drops_and_reports_an_invalid_optional_field() {
    let pruned = prune_read(
        user_schema(),
        user_with(|user| {
            user.insert("username".into(), n("5"));
        }),
    );
    assert_eq!(
        listed(&pruned.dropped),
        ["username: expected a string, found a number"]
    );
    let kept = entries_of(pruned.value);
    assert!(!kept.contains_key("username"));
    assert_eq!(kept.len(), valid_user_entries().len() - 1);
}

#[test]
fn prune_read_drops_and_reports_an_invalid_map_entry() {
    let pruned = prune_read(
        user_schema(),
        user_with(|user| {
            user.insert(
                "tokens".into(),
                map([
                    ("good", map([("expirationTimestamp", n("1"))])),
                    ("bad", map([("expirationTimestamp", s("1"))])),
                    ("worse", s("not a token")),
                ]),
            );
        }),
    );
    let mut paths = violation_paths(&pruned.dropped);
    paths.dedup();
    assert_eq!(paths, ["tokens.bad.expirationTimestamp", "tokens.worse"]);
    let kept = entries_of(pruned.value);
    assert_eq!(
        kept["tokens"],
        map([("good", map([("expirationTimestamp", n("1"))]))])
    );
}

#[test]
fn prune_read_reports_an_invalid_required_field_once() {
    let pruned = prune_read(token_schema(), map([("expirationTimestamp", s("1"))]));
    assert_eq!(pruned.value, None);
    assert_eq!(
        listed(&pruned.dropped),
        ["expirationTimestamp: expected an integer (i64), found a string"]
    );
}

#[test]
fn prune_read_drops_and_reports_invalid_list_items() {
    let pruned = prune_read(
        user_schema(),
        user_with(|user| {
            user.insert(
                "orderedFriends".into(),
                list([
                    map([("friendId", s("f1"))]),
                    map([("friendId", n("2"))]),
                    s("f3"),
                    map([("friendId", s("f4"))]),
                ]),
            );
        }),
    );
    let mut paths = violation_paths(&pruned.dropped);
    paths.dedup();
    assert_eq!(paths, ["orderedFriends[1].friendId", "orderedFriends[2]"]);
    assert_eq!(
        entries_of(pruned.value)["orderedFriends"],
        list([map([("friendId", s("f1"))]), map([("friendId", s("f4"))])])
    );
}

#[test]
fn prune_read_drops_invalid_entries_of_nested_maps() {
    let pruned = prune_read(
        user_schema(),
        user_with(|user| {
            user.insert(
                "dd".into(),
                map([
                    (
                        "a",
                        map([("ok", AttributeValue::Bool(true)), ("no", n("1"))]),
                    ),
                    ("b", list([])),
                ]),
            );
        }),
    );
    assert_eq!(
        listed(&pruned.dropped),
        [
            "dd.a.no: expected a boolean, found a number",
            "dd.b: expected a map of boolean, found a list"
        ]
    );
    assert_eq!(
        entries_of(pruned.value)["dd"],
        map([("a", map([("ok", AttributeValue::Bool(true))]))])
    );
}

#[test]
fn prune_read_makes_a_record_missing_a_required_field_invalid() {
    let pruned = prune_read(
        user_schema(),
        user_with(|user| {
            user.remove("userId");
        }),
    );
    assert_eq!(pruned.value, None);
    assert_eq!(
        listed(&pruned.dropped),
        ["userId: required attribute is missing"]
    );
}

#[test]
fn prune_read_makes_a_record_with_an_invalid_required_field_invalid() {
    let pruned = prune_read(
        user_schema(),
        user_with(|user| {
            user.insert("userId".into(), null());
        }),
    );
    assert_eq!(pruned.value, None);
    assert!(violation_paths(&pruned.dropped).contains(&"userId".to_owned()));
}

#[test]
fn prune_read_keeps_unknown_attributes_and_nulls_of_optional_fields() {
    let pruned = prune_read(
        user_schema(),
        user_with(|user| {
            user.insert("legacyField".into(), s("kept"));
            user.insert("username".into(), null());
            user.insert(
                "tokens".into(),
                map([(
                    "t1",
                    map([("expirationTimestamp", n("1")), ("extra", n("2"))]),
                )]),
            );
        }),
    );
    assert!(pruned.dropped.is_empty(), "{}", pruned.dropped);
    let kept = entries_of(pruned.value);
    assert_eq!(kept["legacyField"], s("kept"));
    assert_eq!(kept["username"], null());
    assert_eq!(
        kept["tokens"],
        map([(
            "t1",
            map([("expirationTimestamp", n("1")), ("extra", n("2"))])
        )])
    );
}

#[test]
fn reads_accept_numbers_past_dynamodbs_write_limits_when_the_type_holds_them() {
    // 53 digits: DynamoDB would refuse to store it, but an f64 holds it, and strict decoding reads
    // it; lenient reading must not drop it.
    let long = "5".repeat(53);
    assert!(f64::from_attribute(AttributeValue::N(long.clone())).is_ok());
    let pruned = prune_read(
        TypeSchema::Float(FloatKind::F64),
        AttributeValue::N(long.clone()),
    );
    assert!(pruned.dropped.is_empty());
    assert_eq!(pruned.value, Some(AttributeValue::N(long.clone())));
    assert!(check_write(TypeSchema::Float(FloatKind::F64), &AttributeValue::N(long)).is_err());
}

#[test]
fn prune_read_keeps_what_strict_decoding_accepts_such_as_an_empty_set() {
    // DynamoDB's write rules (no empty sets) do not apply to reads: lenient reading keeps what
    // strict decoding accepts.
    let pruned = prune_read(
        user_schema(),
        user_with(|user| {
            user.insert("tags".into(), string_set(&[]));
        }),
    );
    assert!(pruned.dropped.is_empty());
    assert_eq!(entries_of(pruned.value).get("tags"), Some(&string_set(&[])));
}

// ---------------------------------------------------------------------------------------------------
// Read-only fields
// ---------------------------------------------------------------------------------------------------

#[test]
fn read_only_fields_and_everything_inside_them_are_not_writable() {
    let writable = |path: &str, keys: &[(&str, &str)]| {
        let resolved = resolve_one(&GUARDED, path, keys);
        crate::model::validation::check_writable(&GUARDED, &resolved.path)
    };
    assert!(writable("id", &[]).is_ok());
    assert!(writable("code", &[]).is_ok());
    assert!(writable("items.{{item}}", &[("item", "a")]).is_ok());
    assert!(writable("items.{{item}}.label", &[("item", "a")]).is_ok());
    for (path, keys, expected) in [
        ("created", &[][..], "created"),
        ("limits", &[][..], "limits"),
        (
            "limits.{{limit}}",
            &[("limit", "daily")][..],
            "limits.daily",
        ),
        (
            "items.{{item}}.serial",
            &[("item", "a")][..],
            "items.a.serial",
        ),
    ] {
        match writable(path, keys) {
            Err(Error::ReadOnly { path }) => assert_eq!(path, expected),
            other => panic!("{path}: {other:?}"),
        }
    }
}
