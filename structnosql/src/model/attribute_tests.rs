//! Tests of the standard types' [`Attribute`] implementations: schemas, round trips and problems.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

use crate::model::test_models::{
    at_key, list, listed, map, n, null, s, string_set, user_schema, user_with, write_problems,
};
use crate::model::validation::check_write;
use crate::model::{Attribute, FloatKind, IntegerKind, NumberKind, TypeSchema};
use crate::path::Segment;

/// Stores `value`, reads it back, checks it is unchanged, and returns its stored form.
fn round_trip<T: Attribute + PartialEq + Debug>(value: T) -> AttributeValue {
    let stored = value
        .to_attribute()
        .unwrap_or_else(|violations| panic!("{value:?} cannot be stored: {violations}"));
    let back = T::from_attribute(stored.clone())
        .unwrap_or_else(|violations| panic!("{stored:?} cannot be read back: {violations}"));
    assert_eq!(back, value, "read back from {stored:?}");
    stored
}

/// The problem of storing `value`, which must be refused.
fn store_error<T: Attribute + Debug>(value: T) -> String {
    match value.to_attribute() {
        Ok(stored) => panic!("{value:?} should be refused, but was stored as {stored:?}"),
        Err(violations) => violations.to_string(),
    }
}

/// The problems of reading `stored` as a `T`, which must fail.
fn read_problems<T: Attribute + Debug>(stored: AttributeValue) -> Vec<String> {
    match T::from_attribute(stored.clone()) {
        Ok(value) => panic!("{stored:?} should not read as {value:?}"),
        Err(violations) => listed(&violations),
    }
}

// ---------------------------------------------------------------------------------------------------
// Schemas of the standard types
// ---------------------------------------------------------------------------------------------------

#[test]
fn standard_types_have_the_documented_schema() {
    use TypeSchema as T;
    assert!(matches!(<String as Attribute>::schema(), T::String));
    assert!(matches!(<bool as Attribute>::schema(), T::Bool));
    assert!(matches!(
        <u8 as Attribute>::schema(),
        T::Integer(IntegerKind::U8)
    ));
    assert!(matches!(
        <isize as Attribute>::schema(),
        T::Integer(IntegerKind::Isize)
    ));
    assert!(matches!(
        <f32 as Attribute>::schema(),
        T::Float(FloatKind::F32)
    ));
    assert!(matches!(<Vec<u8> as Attribute>::schema(), T::Binary));
    assert!(matches!(<Vec<String> as Attribute>::schema(), T::List(_)));
    assert!(matches!(
        <BTreeMap<String, i32> as Attribute>::schema(),
        T::Map(_)
    ));
    assert!(matches!(
        <HashSet<String> as Attribute>::schema(),
        T::StringSet
    ));
    assert!(matches!(
        <BTreeSet<i64> as Attribute>::schema(),
        T::NumberSet(NumberKind::Integer(IntegerKind::I64))
    ));
    assert!(matches!(
        <HashSet<Vec<u8>> as Attribute>::schema(),
        T::BinarySet
    ));
    assert!(matches!(
        <Box<i32> as Attribute>::schema(),
        T::Integer(IntegerKind::I32)
    ));
    assert!(matches!(
        <Option<bool> as Attribute>::schema(),
        T::Optional(_)
    ));
    assert!(matches!(<serde_json::Value as Attribute>::schema(), T::Any));
}

#[test]
fn nesting_depth_counts_containers_but_not_bytes() {
    assert_eq!(<String as Attribute>::DEPTH, 1);
    assert_eq!(<Vec<u8> as Attribute>::DEPTH, 1);
    const { assert!(!<Vec<u8> as Attribute>::CONTAINER) };
    assert_eq!(<Vec<String> as Attribute>::DEPTH, 2);
    assert_eq!(<HashMap<String, Vec<i32>> as Attribute>::DEPTH, 3);
    assert_eq!(<Option<HashMap<String, Vec<u8>>> as Attribute>::DEPTH, 2);
    const { assert!(<Option<Vec<i32>> as Attribute>::CONTAINER) };
}

// ---------------------------------------------------------------------------------------------------
// Round trips of the standard types
// ---------------------------------------------------------------------------------------------------

macro_rules! assert_integer_limits_round_trip {
    ($($ty:ty),* $(,)?) => {$(
        for value in [<$ty>::MIN, <$ty>::MAX, 0, 1] {
            assert_eq!(round_trip(value), AttributeValue::N(value.to_string()), stringify!($ty));
        }
    )*};
}

#[test]
fn integers_round_trip_at_their_limits() {
    assert_integer_limits_round_trip!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
}

#[test]
fn integers_of_38_digits_round_trip_exactly() {
    let nines = "9".repeat(38);
    let max_38 = 10_i128.pow(38) - 1;
    assert_eq!(round_trip(max_38), n(&nines));
    assert_eq!(round_trip(-max_38), n(&format!("-{nines}")));
    assert_eq!(round_trip(10_u128.pow(38) - 1), n(&nines));
    let near_max = 12_345_678_901_234_567_890_123_456_789_012_345_678_i128;
    assert_eq!(
        round_trip(near_max),
        n("12345678901234567890123456789012345678")
    );
    assert_eq!(round_trip(u128::MIN), n("0"));
    // Trailing zeros are not significant digits.
    assert_eq!(round_trip(10_u128.pow(38)), n(&10_u128.pow(38).to_string()));
}

#[test]
fn integers_of_more_than_38_digits_are_refused() {
    for problem in [
        store_error(i128::MAX),
        store_error(i128::MIN),
        store_error(u128::MAX),
        store_error(10_i128.pow(38) + 1),
    ] {
        assert!(problem.contains("39 significant digits"), "{problem}");
    }
}

#[test]
fn integers_read_any_whole_decimal_form_and_refuse_the_rest() {
    assert_eq!(i64::from_attribute(n("3.0")), Ok(3));
    assert_eq!(i64::from_attribute(n("1.5E+1")), Ok(15));
    assert_eq!(u8::from_attribute(n("255")), Ok(255));
    assert_eq!(
        read_problems::<u8>(n("256")),
        ["<record>: 256 is out of range for u8"]
    );
    assert_eq!(
        read_problems::<i32>(n("2.5")),
        ["<record>: 2.5 is not an integer of type i32"]
    );
    assert_eq!(
        read_problems::<i64>(s("1")),
        ["<record>: expected an integer (i64), found a string"]
    );
}

#[test]
fn floats_round_trip_and_whole_floats_read_back_as_floats() {
    assert_eq!(round_trip(3.0_f64), n("3e0"));
    for text in ["3", "3.0", "30E-1", "3e0"] {
        assert_eq!(f64::from_attribute(n(text)), Ok(3.0), "{text}");
        assert_eq!(f32::from_attribute(n(text)), Ok(3.0), "{text}");
    }
    for value in [
        0.1_f64,
        -2.5e-100,
        1.0e125,
        123_456.789,
        f64::EPSILON,
        -0.0,
        1.0e-130,
    ] {
        round_trip(value);
    }
    for value in [
        0.1_f32,
        3.0,
        -1.5,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        f32::EPSILON,
    ] {
        round_trip(value);
    }
    assert_eq!(round_trip(0.1_f32), n("1e-1"));
}

#[test]
fn floats_dynamodb_cannot_store_are_refused() {
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(store_error(value).contains("finite"), "{value}");
    }
    for value in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(store_error(value).contains("finite"), "{value}");
    }
    assert!(store_error(1.0e200_f64).contains("larger than"));
    assert!(store_error(f64::MAX).contains("larger than"));
    assert!(store_error(1.0e-200_f64).contains("closer to zero"));
    assert_eq!(
        read_problems::<f64>(s("1.5")),
        ["<record>: expected a number (f64), found a string"]
    );
    assert!(read_problems::<f64>(n("NaN"))[0].contains("not a number"));
    assert!(read_problems::<f64>(n("inf"))[0].contains("not a number"));
}

#[test]
fn a_stored_number_beyond_the_float_range_is_not_read_as_infinity() {
    // DynamoDB stores up to 9.99E+125, far beyond f32::MAX.
    assert!(f32::from_attribute(n("1E+100")).is_err());
    assert!(check_write(TypeSchema::Float(FloatKind::F32), &n("1E+100")).is_err());
    // Not storable in DynamoDB either, but data can come from elsewhere.
    assert!(f64::from_attribute(n("1E+400")).is_err());
}

#[test]
fn absurd_exponents_are_refused_without_panicking() {
    assert!(i64::from_attribute(n("1e9223372036854775807")).is_err());
    assert!(i64::from_attribute(n("10e9223372036854775807")).is_err());
}

#[test]
fn strings_and_booleans_round_trip() {
    assert_eq!(round_trip(String::new()), s(""));
    assert_eq!(round_trip("héllo wörld 🌍".to_owned()), s("héllo wörld 🌍"));
    assert_eq!(round_trip(true), AttributeValue::Bool(true));
    assert_eq!(round_trip(false), AttributeValue::Bool(false));
    assert_eq!(
        read_problems::<bool>(s("true")),
        ["<record>: expected a boolean, found a string"]
    );
}

#[test]
fn bytes_are_stored_as_binary_not_as_a_list() {
    assert_eq!(
        round_trip(vec![0_u8, 1, 255]),
        AttributeValue::B(Blob::new(vec![0, 1, 255]))
    );
    assert_eq!(
        round_trip(Vec::<u8>::new()),
        AttributeValue::B(Blob::new(Vec::new()))
    );
    assert_eq!(
        read_problems::<Vec<u8>>(list([n("1")])),
        ["<record>: expected bytes, found a list"]
    );
    assert_eq!(
        round_trip(vec![vec![1_u8], vec![]]),
        list([
            AttributeValue::B(Blob::new(vec![1])),
            AttributeValue::B(Blob::new(Vec::new()))
        ])
    );
}

#[test]
fn lists_round_trip_as_l() {
    assert_eq!(
        round_trip(vec!["a".to_owned(), String::new()]),
        list([s("a"), s("")])
    );
    assert_eq!(round_trip(vec![1_i32, -2]), list([n("1"), n("-2")]));
    assert_eq!(round_trip(Vec::<String>::new()), list([]));
    assert_eq!(round_trip(vec![Some(1_u16), None]), list([n("1"), null()]));
}

#[test]
fn maps_round_trip_as_m_with_any_keys() {
    let hash: HashMap<String, i32> = [
        ("a".to_owned(), 1),
        (" ".to_owned(), -2),
        ("x.y#z".to_owned(), 3),
    ]
    .into();
    assert_eq!(
        round_trip(hash),
        map([("a", n("1")), (" ", n("-2")), ("x.y#z", n("3"))])
    );
    let tree: BTreeMap<String, Vec<String>> = [("k".to_owned(), vec!["v".to_owned()])].into();
    assert_eq!(round_trip(tree), map([("k", list([s("v")]))]));
    let nested: HashMap<String, HashMap<String, bool>> =
        [("a".to_owned(), [("b".to_owned(), true)].into())].into();
    assert_eq!(
        round_trip(nested),
        map([("a", map([("b", AttributeValue::Bool(true))]))])
    );
    assert_eq!(round_trip(HashMap::<String, String>::new()), map([]));
    assert_eq!(round_trip(BTreeMap::<String, f64>::new()), map([]));
}

#[test]
fn empty_map_keys_are_refused() {
    let refused = r#"[""]: DynamoDB does not accept an empty map key"#;
    let hash: HashMap<String, i32> = [(String::new(), 1), ("a".to_owned(), 2)].into();
    assert_eq!(store_error(hash), refused);
    assert_eq!(store_error(json!({"": 1})), refused);
    let user = user_with(|user| {
        user.insert("dd".into(), map([("", map([]))]));
        user.insert("data".into(), map([("", n("1"))]));
    });
    assert_eq!(
        write_problems(user_schema(), &user),
        [
            r#"data[""]: DynamoDB does not accept an empty map key"#,
            r#"dd[""]: DynamoDB does not accept an empty map key"#,
        ]
    );
}

fn sorted_members(stored: AttributeValue) -> AttributeValue {
    match stored {
        AttributeValue::Ss(mut members) => {
            members.sort();
            AttributeValue::Ss(members)
        }
        AttributeValue::Bs(mut members) => {
            members.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
            AttributeValue::Bs(members)
        }
        other => other,
    }
}

#[test]
fn sets_round_trip_as_dynamodb_sets() {
    let strings: HashSet<String> = ["b".to_owned(), "a".to_owned(), String::new()].into();
    assert_eq!(
        sorted_members(round_trip(strings)),
        string_set(&["", "a", "b"])
    );
    let numbers: BTreeSet<i64> = [7, -5, i64::MAX].into();
    assert_eq!(
        round_trip(numbers),
        AttributeValue::Ns(vec!["-5".into(), "7".into(), "9223372036854775807".into()])
    );
    let small: BTreeSet<u8> = [255, 1].into();
    assert_eq!(
        round_trip(small),
        AttributeValue::Ns(vec!["1".into(), "255".into()])
    );
    let blobs: HashSet<Vec<u8>> = [vec![3], vec![1, 2]].into();
    assert_eq!(
        sorted_members(round_trip(blobs)),
        AttributeValue::Bs(vec![Blob::new(vec![1, 2]), Blob::new(vec![3])])
    );
}

#[test]
fn empty_sets_are_refused() {
    let expected =
        "<record>: DynamoDB cannot store an empty set; make the field an Option and store None";
    assert_eq!(store_error(HashSet::<String>::new()), expected);
    assert_eq!(store_error(BTreeSet::<i64>::new()), expected);
    assert_eq!(store_error(BTreeSet::<u8>::new()), expected);
    assert_eq!(store_error(HashSet::<Vec<u8>>::new()), expected);
}

#[test]
fn sets_refuse_stored_values_of_the_wrong_kind() {
    assert_eq!(
        read_problems::<HashSet<String>>(list([s("a")])),
        ["<record>: expected a string set, found a list"]
    );
    assert_eq!(
        read_problems::<BTreeSet<i64>>(string_set(&["1"])),
        ["<record>: expected a number set, found a string set"]
    );
    assert_eq!(
        read_problems::<BTreeSet<u8>>(AttributeValue::Ns(vec!["1".into(), "256".into()])),
        ["<record>: 256 is out of range for u8"]
    );
}

#[test]
fn options_store_none_as_null_and_boxes_are_transparent() {
    assert_eq!(round_trip(None::<String>), null());
    assert_eq!(round_trip(Some("x".to_owned())), s("x"));
    assert_eq!(round_trip(Some(5_i32)), n("5"));
    assert_eq!(
        Option::<i32>::from_attribute(AttributeValue::Null(true)),
        Ok(None)
    );
    assert_eq!(round_trip(Box::new("x".to_owned())), s("x"));
    assert_eq!(round_trip(Box::new(vec![1_i32])), list([n("1")]));
    assert_eq!(
        read_problems::<String>(null()),
        ["<record>: expected a string, found null"]
    );
}

#[test]
fn free_form_json_round_trips() {
    let value = json!({
        "a": 1,
        "b": [true, null, "x", 1.5, {"c": []}],
        "empty": {},
        "list": [],
        "text": "",
    });
    assert_eq!(
        round_trip(value),
        map([
            ("a", n("1")),
            (
                "b",
                list([
                    AttributeValue::Bool(true),
                    null(),
                    s("x"),
                    n("1.5"),
                    map([("c", list([]))]),
                ]),
            ),
            ("empty", map([])),
            ("list", list([])),
            ("text", s("")),
        ])
    );
    for scalar in [
        json!(42),
        json!(-7.25),
        json!(u64::MAX),
        json!(i64::MIN),
        json!("s"),
        json!(null),
        json!([]),
    ] {
        round_trip(scalar);
    }
}

#[test]
fn free_form_json_numbers_dynamodb_cannot_store_are_refused() {
    let problem = store_error(json!({"a": [1, 1.0e300]}));
    assert!(problem.starts_with("a[1]: "), "{problem}");
    assert!(problem.contains("larger than"), "{problem}");
}

#[test]
fn read_problems_carry_the_path_of_the_nested_value() {
    let stored = map([
        ("a", list([n("1"), s("two"), n("3")])),
        ("b", list([n("2.5")])),
        ("c", list([])),
    ]);
    assert_eq!(
        read_problems::<HashMap<String, Vec<i32>>>(stored),
        [
            "a[1]: expected an integer (i32), found a string",
            "b[0]: 2.5 is not an integer of type i32",
        ]
    );
    let nested = list([
        map([("ok", AttributeValue::Bool(true))]),
        map([("a.b", s("no"))]),
    ]);
    let violations = Vec::<BTreeMap<String, bool>>::from_attribute(nested).unwrap_err();
    let violation = violations.iter().next().unwrap();
    assert_eq!(
        violation.path.segments(),
        [Segment::Index(1), at_key("a.b")]
    );
    assert_eq!(
        violation.to_string(),
        r#"[1]["a.b"]: expected a boolean, found a string"#
    );
}

#[test]
fn store_problems_carry_the_path_of_the_nested_value() {
    let value: BTreeMap<String, Vec<f64>> = [
        ("x.y".to_owned(), vec![1.0, f64::NAN]),
        ("ok".to_owned(), vec![2.0]),
    ]
    .into();
    let problem = store_error(value);
    assert!(
        problem.starts_with(r#"["x.y"][1]: NaN cannot be stored"#),
        "{problem}"
    );
    let violations = vec![None, Some(f64::INFINITY)].to_attribute().unwrap_err();
    assert_eq!(
        violations.iter().next().unwrap().path.segments(),
        [Segment::Index(1)]
    );
}
