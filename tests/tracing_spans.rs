//! Tracing spans of requests and commits. A test binary of its own: its subscriber is the global one,
//! so no other test's spans (or callsite caching) interfere.

#[path = "integration/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};
use structnosql::TableDataModel;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Session {
    session_id: String,
    secret: Option<String>,
    #[structnosql(ttl)]
    expires_at: Option<i64>,
}

/// One span as recorded: its name and every field recorded on it.
#[derive(Debug, Clone, Default)]
struct SpanRecord {
    name: &'static str,
    fields: BTreeMap<String, String>,
}

/// A subscriber that keeps every span and its fields.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<SpanRecord>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut record = SpanRecord {
            name: attributes.metadata().name(),
            ..SpanRecord::default()
        };
        attributes.record(&mut Fields(&mut record.fields));
        // Span ids are positions in the list, from 1.
        let mut spans = self.spans.lock().unwrap();
        spans.push(record);
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some(record) = spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Fields(&mut record.fields));
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
    fn event(&self, _event: &Event<'_>) {}
    fn enter(&self, _span: &Id) {}
    fn exit(&self, _span: &Id) {}
}

impl Recorder {
    /// The spans named `name`, created since `mark` spans had been.
    fn named(&self, mark: usize, name: &str) -> Vec<SpanRecord> {
        self.spans
            .lock()
            .unwrap()
            .iter()
            .skip(mark)
            .filter(|span| span.name == name)
            .cloned()
            .collect()
    }

    /// How many spans there have been so far.
    fn mark(&self) -> usize {
        self.spans.lock().unwrap().len()
    }
}

/// One test runs every scenario in turn under one global subscriber.
#[test]
fn spans() {
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(
        every_request_has_a_span_with_table_operation_record_and_attempts_and_no_values(&recorder),
    );
    runtime.block_on(a_commit_has_a_span_around_its_requests(&recorder));
}

async fn every_request_has_a_span_with_table_operation_record_and_attempts_and_no_values(
    recorder: &Recorder,
) {
    let mark = recorder.mark();
    let name = harness::unique_table_name("sessions");
    {
        let table = BasicTable::<Session>::builder()
            .table_name(&name)
            .client(harness::client())
            .primary_index(PrimaryIndex::hash("sessionId"))
            .report_consumed_capacity(true)
            .auto_create_table(true)
            .build()
            .await
            .unwrap();
        table
            .put_record(&Session {
                session_id: "s1".into(),
                secret: Some("hunter2-value".into()),
                expires_at: Some(4_102_444_800),
            })
            .await
            .unwrap();
        let secret = table
            .get_field("s1", Session::fields().secret())
            .await
            .unwrap();
        assert_eq!(secret.as_deref(), Some("hunter2-value"));
    }
    let requests = recorder.named(mark, "dynamodb.request");
    let operations: Vec<&str> = requests
        .iter()
        .map(|span| span.fields["operation"].as_str())
        .collect();
    assert_eq!(operations, ["PutItem", "GetItem"]);
    for span in &requests {
        assert_eq!(span.fields["table"], name);
        assert!(span.fields["record"].contains("s1"), "{span:?}");
        assert_eq!(span.fields["attempts"], "1", "{span:?}");
        assert_eq!(span.fields["outcome"], "ok", "{span:?}");
        assert!(
            span.fields["consumed_capacity"]
                .parse::<f64>()
                .is_ok_and(|units| units > 0.0),
            "{span:?}"
        );
    }
    let everything = format!("{:?}", recorder.spans.lock().unwrap()[mark..].to_vec());
    assert!(
        !everything.contains("hunter2"),
        "a value reached a span: {everything}"
    );
}

async fn a_commit_has_a_span_around_its_requests(recorder: &Recorder) {
    let mark = recorder.mark();
    {
        let table = CachingTable::<Session>::builder()
            .table_name(harness::unique_table_name("sessions"))
            .client(harness::client())
            .primary_index(PrimaryIndex::hash("sessionId"))
            .auto_create_table(true)
            .build()
            .await
            .unwrap();
        for id in ["a", "b"] {
            table
                .update_field(id, Session::fields().secret(), "x".to_owned())
                .await
                .unwrap();
        }
        assert!(table.commit_operations().await.is_success());
    }
    let commits = recorder.named(mark, "structnosql.commit");
    assert_eq!(commits.len(), 1);
    assert_eq!(commits[0].fields["records"], "2");
    assert_eq!(commits[0].fields["committed"], "2");
    assert_eq!(commits[0].fields["failed"], "0");
    let updates = recorder
        .named(mark, "dynamodb.request")
        .into_iter()
        .filter(|span| span.fields["operation"] == "UpdateItem")
        .count();
    assert_eq!(updates, 2);
}
