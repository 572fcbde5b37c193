//! Property tests of the parts that take arbitrary input: the string-path parser, decoding of
//! arbitrary stored items, the update planner, and the external tables' server on arbitrary
//! request bodies. None may panic; what they accept must be valid.
//! (The same targets run under coverage-guided fuzzing in `fuzz/`.)

use proptest::prelude::*;
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::internals::{plan_update, UpdateAction, MAX_EXPRESSION_BYTES, MAX_UPDATE_CLAUSES};
use structnosql::path::{DocumentPath, KeyValue, Segment, MAX_DEPTH};
use structnosql::{MapModel, TableDataModel};

use crate::basic_table::Account;

/// A recursive model, with one placeholder name per level.
#[derive(TableDataModel, Debug, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Parameter {
    pub name: String,
    #[structnosql(key_name = "childKey{i}")]
    pub children: Option<std::collections::HashMap<String, Parameter>>,
    pub values: Option<Vec<Parameter>>,
}

/// Stored values of any shape, with awkward numbers and strings.
fn attribute_value() -> impl Strategy<Value = AttributeValue> {
    let number = prop_oneof![
        "-?[0-9]{1,45}(\\.[0-9]{0,5})?([eE][-+]?[0-9]{1,4})?",
        Just("NaN".to_owned()),
        Just("1e999999999999".to_owned()),
        ".{0,5}",
    ];
    let leaf = prop_oneof![
        ".{0,8}".prop_map(AttributeValue::S),
        number.clone().prop_map(AttributeValue::N),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null(true)),
        proptest::collection::vec(any::<u8>(), 0..4).prop_map(|b| AttributeValue::B(b.into())),
        proptest::collection::vec(".{0,3}", 0..3).prop_map(AttributeValue::Ss),
        proptest::collection::vec(number, 0..3).prop_map(AttributeValue::Ns),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(AttributeValue::L),
            proptest::collection::hash_map(
                prop_oneof![
                    "[a-zA-Z]{1,16}",
                    Just("tokens".to_owned()),
                    Just("friends".to_owned()),
                    Just("data".to_owned())
                ],
                inner,
                0..5
            )
            .prop_map(AttributeValue::M),
        ]
    })
}

fn segment() -> impl Strategy<Value = Segment> {
    prop_oneof![
        prop_oneof![Just("a"), Just("b"), Just("c")].prop_map(Segment::Field),
        ".{0,4}".prop_map(|key| Segment::Key(key.into())),
        (0usize..4).prop_map(Segment::Index),
    ]
}

fn document_path() -> impl Strategy<Value = DocumentPath> {
    proptest::collection::vec(segment(), 1..5).prop_map(DocumentPath::from_segments)
}

fn action() -> impl Strategy<Value = UpdateAction> {
    prop_oneof![
        (document_path(), attribute_value()).prop_map(|(p, v)| UpdateAction::Set(p, v)),
        document_path().prop_map(UpdateAction::Remove),
    ]
}

proptest! {
    #[test]
    fn string_paths_never_panic_and_resolve_within_limits(
        path in "[a-zA-Z.{}() ,\\[\\]]{0,60}",
        key in ".{0,6}",
        index in 0usize..5,
    ) {
        let keys = [("tokenId", KeyValue::from(key.as_str())), ("friendIndex", KeyValue::Index(index))];
        for model in [Account::model_schema(), Parameter::model_schema()] {
            if let Ok(resolved) = structnosql::path::resolve(model, &path, &keys) {
                for member in resolved {
                    prop_assert!(member.path.depth() <= MAX_DEPTH);
                    prop_assert!(!member.path.is_root());
                }
            }
        }
    }

    #[test]
    fn arbitrary_stored_items_decode_or_fail_without_panicking(value in attribute_value()) {
        if let AttributeValue::M(item) = value.clone() {
            let strict = Account::from_item(item.clone());
            let lenient = Account::from_item_lenient(item);
            // Whatever strict reading accepts, lenient reading accepts unchanged.
            if let Ok(record) = strict {
                prop_assert_eq!(lenient.map(|l| l.value).ok(), Some(record));
            }
        }
        let _ = <Parameter as structnosql::Attribute>::from_attribute(value);
    }

    #[test]
    fn the_planner_never_sends_overlapping_paths_or_passes_limits(
        actions in proptest::collection::vec(action(), 0..40),
    ) {
        if let Ok(sections) = plan_update(actions, &[]) {
            for mut section in sections {
                prop_assert!(section.expression().len() <= MAX_EXPRESSION_BYTES);
                prop_assert!(section.condition(true, "id").map_or(0, |c| c.len()) <= MAX_EXPRESSION_BYTES);
                prop_assert!(section.actions.len() <= MAX_UPDATE_CLAUSES);
                for (i, a) in section.actions.iter().enumerate() {
                    for b in section.actions.iter().skip(i + 1) {
                        prop_assert!(!a.path().starts_with(b.path()) && !b.path().starts_with(a.path()),
                            "{} overlaps {}", a.path(), b.path());
                    }
                }
            }
        }
    }

    #[test]
    fn merging_writes_agrees_with_the_pairwise_definition(
        actions in proptest::collection::vec(action(), 0..40),
    ) {
        let fast = structnosql::internals::normalize(actions.clone());
        let reference = pairwise_normalize(actions);
        prop_assert_eq!(fast.ok(), reference);
    }
}

/// The definition of merging, checked against every earlier write (quadratic, for comparison).
fn pairwise_normalize(actions: Vec<UpdateAction>) -> Option<Vec<UpdateAction>> {
    use structnosql::internals::document;
    let mut merged: Vec<UpdateAction> = Vec::new();
    for action in actions {
        let path = action.path().clone();
        merged.retain(|earlier| !earlier.path().starts_with(&path));
        let ancestor = merged
            .iter_mut()
            .find(|earlier| path.starts_with(earlier.path()));
        match (ancestor, action) {
            (None, action) => merged.push(action),
            (Some(UpdateAction::Set(base, value)), UpdateAction::Set(_, new)) => {
                if !document::set_within(value, path.suffix(base.depth()), new) {
                    return None;
                }
            }
            (Some(UpdateAction::Set(base, value)), UpdateAction::Remove(_)) => {
                document::remove_within(value, path.suffix(base.depth()));
            }
            (Some(removed @ UpdateAction::Remove(_)), UpdateAction::Set(_, new)) => {
                let base = removed.path().clone();
                let subtree = document::build_subtree(path.suffix(base.depth()), new);
                *removed = UpdateAction::Set(base, subtree);
            }
            (Some(UpdateAction::Remove(_)), UpdateAction::Remove(_)) => {}
        }
    }
    Some(merged)
}

/// Names a request body may use, so that arbitrary bodies often look like requests.
const WIRE_NAMES: [&str; 25] = [
    "version",
    "table",
    "request_id",
    "operation",
    "get_fields",
    "get_record",
    "update",
    "put_record",
    "delete_record",
    "remove_record",
    "commit",
    "key",
    "paths",
    "writes",
    "set",
    "remove",
    "path",
    "value",
    "condition",
    "records",
    "groups",
    "S",
    "N",
    "M",
    "accountId",
];

/// JSON of any shape, its object keys mostly the wire format's own names.
fn wire_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as Json;
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        Just(Json::from(1)),
        ".{0,6}".prop_map(Json::String),
        Just(Json::String("accounts".into())),
        Just(Json::String("u1".into())),
    ];
    leaf.prop_recursive(8, 64, 4, |inner| {
        let key = prop_oneof![
            prop::sample::select(WIRE_NAMES.to_vec()).prop_map(str::to_owned),
            ".{0,4}"
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            proptest::collection::btree_map(key, inner, 0..4)
                .prop_map(|entries| Json::Object(entries.into_iter().collect())),
        ]
    })
}

/// An executor whose policy denies everything, over a table whose client is never used.
fn denying_executor() -> &'static (tokio::runtime::Runtime, structnosql::external::Executor) {
    use structnosql::external::policy::{Access, Denied};
    static SERVER: std::sync::OnceLock<(tokio::runtime::Runtime, structnosql::external::Executor)> =
        std::sync::OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let table = runtime
            .block_on(
                structnosql::BasicTable::<Account>::builder()
                    .table_name("accounts")
                    .client(structnosql::client_for_local_endpoint("http://127.0.0.1:9"))
                    .primary_index(structnosql::PrimaryIndex::hash("accountId"))
                    .build(),
            )
            .unwrap();
        let executor =
            structnosql::external::Executor::new().serve("accounts", table, |_: &Access<'_>| {
                Err(Denied::new("robustness"))
            });
        (runtime, executor)
    })
}

proptest! {
    /// The external tables' server answers any body, JSON or not, with a refusal in the wire
    /// format and the status of its kind (its policy denies everything, so nothing is carried out).
    #[test]
    fn external_requests_are_refused_in_the_wire_format_without_panicking(
        body in prop_oneof![
            wire_json().prop_map(|json| serde_json::to_vec(&json).unwrap()),
            wire_json().prop_map(|operation| serde_json::to_vec(&serde_json::json!({
                "version": 1, "table": "accounts", "operation": operation
            })).unwrap()),
            proptest::collection::vec(any::<u8>(), 0..64),
        ]
    ) {
        let (runtime, executor) = denying_executor();
        let caller = structnosql::external::policy::Caller::new("u1");
        let (status, answer) = runtime.block_on(executor.execute(&caller, &body));
        let answer: structnosql::external::wire::Answer = serde_json::from_slice(&answer).unwrap();
        prop_assert!(!answer.success);
        let refusal = answer.error.unwrap();
        prop_assert_eq!(status, refusal.kind.status());
    }
}
