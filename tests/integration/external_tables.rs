//! External tables end to end: a `BasicTable` and a `CachingTable` built with `external_api`,
//! talking over HTTP (127.0.0.1) to an `Executor` over the test server. The same calls on a direct
//! `BasicTable` and on both external tables answer the same and leave the same items.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::external::policy::{self, Caller};
use structnosql::external::{axum, Executor, ExternalApi};
use structnosql::table::{
    Backend, BasicTable, BatchRetry, CachingTable, PrimaryIndex, Query, Table,
};
use structnosql::{Error, MapModel, TableDataModel};

use crate::harness::{self, RequestCounter};

#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Note {
    pub(crate) owner: String,
    pub(crate) title: Option<String>,
    pub(crate) body: Option<Body>,
    pub(crate) labels: Option<HashSet<String>>,
    pub(crate) views: Option<i64>,
}

#[derive(MapModel, Debug, Clone, PartialEq)]
pub struct Body {
    text: Option<String>,
    words: Option<i64>,
}

pub(crate) fn note(owner: &str) -> Note {
    Note {
        owner: owner.into(),
        title: Some("first".into()),
        body: None,
        labels: Some(HashSet::from(["x".to_owned()])),
        views: Some(1),
    }
}

struct Api {
    url: String,
    /// A direct table on the same DynamoDB table.
    direct: BasicTable<Note>,
    /// The DynamoDB requests the executor sent.
    sent: RequestCounter,
}

/// Serves `notes` (each caller their own, by `owner`) over HTTP on 127.0.0.1; the caller is the
/// `x-caller` header.
async fn api() -> Api {
    serve("notes", policy::OwnRecords::by("owner")).await
}

/// Serves a new table as `name`, every request decided by `policy`.
async fn serve(name: &str, policy: impl policy::Policy) -> Api {
    let table_name = harness::unique_table_name("ext-notes");
    let direct = BasicTable::<Note>::builder()
        .table_name(&table_name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("owner"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let (client, sent) = harness::counted_client();
    let served = BasicTable::<Note>::builder()
        .table_name(&table_name)
        .client(client)
        .primary_index(PrimaryIndex::hash("owner"))
        .build()
        .await
        .unwrap();
    let url = listen(Executor::new().serve(name, served, policy)).await;
    Api { url, direct, sent }
}

/// `executor` as a route whose callers are named by the `x-caller` header.
fn by_caller(executor: Executor) -> axum::Router {
    executor.router(|headers: &axum::http::HeaderMap| {
        Some(Caller::new(headers.get("x-caller")?.to_str().ok()?))
    })
}

/// Serves `executor` over HTTP on 127.0.0.1 (see [`by_caller`]); its URL.
pub(crate) async fn listen(executor: Executor) -> String {
    let router = by_caller(executor);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// A policy allowing `caller` everything, and everyone else nothing.
fn only(caller: &'static str) -> impl policy::Policy {
    move |access: &policy::Access<'_>| {
        if access.caller.id() == caller {
            Ok(())
        } else {
            Err(policy::Denied::new(format!("only {caller} may")))
        }
    }
}

/// The API as `caller` sees it, counting the HTTP requests sent.
fn external(api: &Api, caller: &str) -> (ExternalApi, Arc<AtomicU64>) {
    let requests = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&requests);
    let external = ExternalApi::new(&api.url)
        .header("x-caller", caller)
        .header_from("x-request-count", move || {
            Some(counted.fetch_add(1, Ordering::SeqCst).to_string())
        });
    (external, requests)
}

/// A table of kind `B` through the API as `caller` sees it, and the count of its HTTP requests.
async fn external_table<B: Backend>(
    api: &Api,
    caller: &str,
) -> (Table<Note, String, B>, Arc<AtomicU64>) {
    let (external, requests) = external(api, caller);
    let table = Table::<Note, String, B>::builder()
        .table_name("notes")
        .external_api(external)
        .primary_index(PrimaryIndex::hash("owner"))
        .build()
        .await
        .unwrap();
    (table, requests)
}

async fn external_basic(api: &Api, caller: &str) -> (BasicTable<Note>, Arc<AtomicU64>) {
    external_table(api, caller).await
}

async fn external_caching(api: &Api, caller: &str) -> (CachingTable<Note>, Arc<AtomicU64>) {
    external_table(api, caller).await
}

/// The same calls on any table; what each answered, as text.
async fn session<B: Backend>(table: &Table<Note, String, B>, owner: &str) -> Vec<String> {
    let f = Note::fields();
    let key = || owner.to_owned();
    let mut seen = Vec::new();
    table.put_record(&note(owner)).await.unwrap();
    seen.push(format!(
        "{:?}",
        table.put_record_if_absent(&note(owner)).await.unwrap()
    ));
    seen.push(format!(
        "{:?}",
        table.get_field(key(), f.title()).await.unwrap()
    ));
    table
        .update_field(key(), f.body().text(), "hello".to_owned())
        .await
        .unwrap();
    seen.push(format!(
        "{:?}",
        table
            .update_field_return_old(key(), f.views(), 2)
            .await
            .unwrap()
    ));
    seen.push(format!(
        "{:?}",
        table.remove_field(key(), f.labels()).await.unwrap()
    ));
    seen.push(format!(
        "{:?}",
        table.delete_field(key(), f.title()).await.unwrap()
    ));
    seen.push(format!(
        "{:?}",
        table.delete_field(key(), f.title()).await.unwrap()
    ));
    table
        .update_field(key(), f.body().words(), 1)
        .await
        .unwrap();
    seen.push(format!(
        "{:?}",
        table.get_field(key(), f.body()).await.unwrap()
    ));
    seen.push(format!("{:?}", table.get_record(key()).await.unwrap()));
    seen
}

/// The same session on a direct BasicTable, an external BasicTable and an external CachingTable
/// (cold, then committed): the same answers, and the same stored records.
#[tokio::test]
async fn external_tables_answer_and_store_what_a_basic_table_does() {
    let api = api().await;
    let direct = session(&api.direct, "d").await;
    assert_eq!(
        direct[..7],
        [
            "false",
            "Some(\"first\")",
            "Some(1)",
            "Some({\"x\"})",
            "true",
            "false",
            "Some(Body { text: Some(\"hello\"), words: Some(1) })"
        ],
        "what the direct table answers"
    );
    let (basic, _) = external_basic(&api, "e").await;
    let over_basic = session(&basic, "e").await;
    let (caching, _) = external_caching(&api, "c").await;
    let over_caching = session(&caching, "c").await;
    assert!(caching.commit_operations().await.is_success());
    let strip = |answers: Vec<String>, owner: &str| {
        answers
            .into_iter()
            .map(|answer| answer.replace(&format!("owner: \"{owner}\""), "owner: _"))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(over_basic, "e"), strip(direct.clone(), "d"));
    assert_eq!(strip(over_caching, "c"), strip(direct, "d"));
    let stored = |owner: &str| {
        let direct = api.direct.clone();
        let owner = owner.to_owned();
        async move {
            let mut record = direct.get_record(owner).await.unwrap().unwrap();
            record.owner = String::new();
            record
        }
    };
    assert_eq!(stored("e").await, stored("d").await);
    assert_eq!(stored("c").await, stored("d").await);

    // Removing records, too.
    assert!(basic.delete_record("e").await.unwrap());
    assert!(!basic.delete_record("e").await.unwrap());
    let removed = caching.remove_record("c").await.unwrap();
    assert_eq!(removed.map(|r| r.views), Some(Some(2)));
    assert_eq!(api.direct.get_record("e").await.unwrap(), None);
    assert_eq!(api.direct.get_record("c").await.unwrap(), None);
}

/// An external caching table reads a record once and answers later reads from memory; its writes
/// are queued and sent at commit.
#[tokio::test]
async fn an_external_caching_table_saves_requests_as_a_direct_one_does() {
    let api = api().await;
    api.direct.put_record(&note("c")).await.unwrap();
    let (caching, requests) = external_caching(&api, "c").await;
    let f = Note::fields();
    assert_eq!(
        caching.get_field("c", f.title()).await.unwrap().as_deref(),
        Some("first")
    );
    assert_eq!(caching.get_field("c", f.views()).await.unwrap(), Some(1));
    caching.update_field("c", f.views(), 5).await.unwrap();
    caching
        .update_field("c", f.body().text(), "queued".to_owned())
        .await
        .unwrap();
    assert_eq!(caching.get_field("c", f.views()).await.unwrap(), Some(5));
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "one read, nothing else yet"
    );
    assert_eq!(caching.stats().requests_sent, 1);
    assert!(caching.commit_operations().await.is_success());
    assert_eq!(requests.load(Ordering::SeqCst), 2, "one update at commit");
    let stored = api.direct.get_record("c").await.unwrap().unwrap();
    assert_eq!(stored.views, Some(5));
    assert_eq!(stored.body.and_then(|b| b.text).as_deref(), Some("queued"));
}

/// Another caller's record: every operation is denied, with the typed error, and nothing reaches
/// DynamoDB.
#[tokio::test]
async fn another_callers_record_is_denied_on_every_operation() {
    let api = api().await;
    api.direct.put_record(&note("victim")).await.unwrap();
    api.sent.take();
    let (basic, _) = external_basic(&api, "mallory").await;
    let f = Note::fields();
    let denied = |result: Result<(), Error>, what: &str| match result {
        Err(Error::Denied { operation, record }) => {
            assert!(record.is_some_and(|r| r.contains("victim")), "{what}");
            operation
        }
        other => panic!("{what}: {other:?}"),
    };
    let mut operations = vec![
        denied(basic.get_record("victim").await.map(drop), "get_record"),
        denied(
            basic.get_field("victim", f.title()).await.map(drop),
            "get_field",
        ),
        denied(
            basic.update_field("victim", f.views(), 9).await.map(drop),
            "update_field",
        ),
        denied(
            basic.remove_field("victim", f.title()).await.map(drop),
            "remove_field",
        ),
        denied(
            basic.put_record(&note("victim")).await.map(drop),
            "put_record",
        ),
        denied(
            basic.delete_record("victim").await.map(drop),
            "delete_record",
        ),
        denied(
            basic.remove_record("victim").await.map(drop),
            "remove_record",
        ),
    ];
    operations.sort_unstable();
    operations.dedup();
    assert_eq!(
        operations,
        ["DeleteItem", "GetItem", "PutItem", "UpdateItem"]
    );
    assert_eq!(api.sent.take(), 0, "nothing reached DynamoDB");
    assert_eq!(
        api.direct.get_record("victim").await.unwrap(),
        Some(note("victim"))
    );
}

/// What the external API does not carry (the table's administration, which is the server's) is
/// refused by the client with a configuration error, before any request; a server that cannot be
/// reached is a typed error naming the operation.
#[tokio::test]
async fn what_the_api_does_not_carry_is_refused_before_sending() {
    let api = api().await;
    let (external, requests) = external(&api, "u");
    let creating = BasicTable::<Note>::builder()
        .table_name("notes")
        .external_api(external)
        .primary_index(PrimaryIndex::hash("owner"))
        .auto_create_table(true)
        .build()
        .await;
    assert!(
        matches!(creating, Err(Error::Config { .. })),
        "{creating:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 0);

    let unreachable = BasicTable::<Note>::builder()
        .table_name("notes")
        .external_api(ExternalApi::new("http://127.0.0.1:9/").retries(0))
        .primary_index(PrimaryIndex::hash("owner"))
        .build()
        .await
        .unwrap();
    match unreachable.get_record("u").await {
        Err(Error::External {
            operation, kind, ..
        }) => assert_eq!((operation, kind.as_str()), ("GetItem", "unreachable")),
        other => panic!("{other:?}"),
    }
}

/// A caching table's commit of 100 records through the API is one HTTP request; the server writes
/// each record as a BasicTable would.
#[tokio::test]
async fn a_commit_of_100_records_is_one_http_request() {
    // Any record is the team's.
    let api = serve("notes", only("team")).await;
    let (caching, requests) = external_caching(&api, "team").await;
    let f = Note::fields();
    for index in 0..100 {
        caching
            .update_field(format!("n{index}"), f.views(), index)
            .await
            .unwrap();
        caching
            .update_field(
                format!("n{index}"),
                f.body().text(),
                format!("text {index}"),
            )
            .await
            .unwrap();
    }
    let before = requests.load(Ordering::SeqCst);
    let report = caching.commit_operations().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.committed.len(), 100);
    assert_eq!(
        requests.load(Ordering::SeqCst) - before,
        1,
        "one HTTP request"
    );
    assert!(!caching.has_pending_operations());
    for index in 0..100 {
        let stored = api
            .direct
            .get_record(format!("n{index}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.views, Some(index));
        assert_eq!(
            stored.body.and_then(|b| b.text),
            Some(format!("text {index}"))
        );
    }
    assert_eq!(
        api.sent.take(),
        200,
        "per record, as a BasicTable's update: one UpdateItem, and one more creating the missing \
         body map"
    );
}

/// In one commit request, a record the policy denies fails alone and keeps its writes pending; the
/// others are written.
#[tokio::test]
async fn a_denied_record_of_a_commit_fails_alone_and_keeps_its_writes() {
    let api = api().await;
    let (caching, requests) = external_caching(&api, "me").await;
    let f = Note::fields();
    caching.update_field("me", f.views(), 7).await.unwrap();
    caching.update_field("someone", f.views(), 7).await.unwrap();
    let before = requests.load(Ordering::SeqCst);
    let report = caching.commit_operations().await;
    assert_eq!(requests.load(Ordering::SeqCst) - before, 1);
    assert_eq!(report.committed, vec!["me".to_owned()]);
    assert_eq!(report.failed.len(), 1);
    assert!(
        matches!(&report.failed[0], (key, Error::Denied { .. }) if key == "someone"),
        "{report:?}"
    );
    assert!(
        caching.has_pending_operations(),
        "someone's write stays pending"
    );
    assert_eq!(
        api.direct.get_field("me", f.views()).await.unwrap(),
        Some(7)
    );
    assert_eq!(api.direct.get_record("someone").await.unwrap(), None);
}

/// Conditional writes through the API: the same outcomes as on a direct table, the condition's
/// string paths resolved and its values checked on the client and again on the server; a failed
/// condition is `Error::ConditionFailed`, without the stored record (which the caller may not be
/// allowed to read whole).
#[tokio::test]
async fn conditional_writes_hold_and_fail_as_on_a_direct_table() {
    use structnosql::expr::Condition;
    let api = api().await;
    let (basic, _) = external_basic(&api, "e").await;
    let (caching, _) = external_caching(&api, "c").await;
    async fn outcomes<B: Backend>(table: &Table<Note, String, B>, owner: &str) -> Vec<String> {
        let f = Note::fields();
        let key = || owner.to_owned();
        let failed = |result: structnosql::Result<()>| match result {
            Ok(()) => "ok".to_owned(),
            Err(Error::ConditionFailed { .. }) => "condition failed".to_owned(),
            Err(other) => format!("{other}"),
        };
        table.put_record(&note(owner)).await.unwrap();
        let mut seen = vec![
            failed(
                table
                    .update_field_if(key(), f.views(), 2, &Condition::eq(f.views(), 1))
                    .await,
            ),
            failed(
                table
                    .update_field_if(key(), f.views(), 3, &Condition::eq(f.views(), 1))
                    .await,
            ),
            failed(
                table
                    .update_field_if(
                        key(),
                        f.title(),
                        "second".to_owned(),
                        &Condition::path("views", &())
                            .ge(2)
                            .and(Condition::contains(f.labels(), "x".to_owned())),
                    )
                    .await,
            ),
            failed(
                table
                    .put_record_if(&note(owner), &Condition::not_exists(f.views()))
                    .await,
            ),
        ];
        seen.push(format!(
            "{:?}",
            table
                .delete_record_if(key(), &Condition::eq(f.title(), "nothing".to_owned()))
                .await
                .map_err(|error| matches!(error, Error::ConditionFailed { .. }))
        ));
        seen.push(format!(
            "{:?}",
            table
                .get_record(key())
                .await
                .unwrap()
                .map(|n| (n.views, n.title))
        ));
        seen.push(format!(
            "{:?}",
            table
                .delete_record_if(key(), &Condition::eq(f.title(), "second".to_owned()))
                .await
                .unwrap()
        ));
        seen
    }
    let direct = outcomes(&api.direct, "d").await;
    assert_eq!(
        direct,
        [
            "ok",
            "condition failed",
            "ok",
            "condition failed",
            "Err(true)",
            "Some((Some(2), Some(\"second\")))",
            "true"
        ]
    );
    assert_eq!(outcomes(&basic, "e").await, direct);
    assert_eq!(outcomes(&caching, "c").await, direct);

    // A condition on a path the model does not have never reaches DynamoDB.
    api.sent.take();
    let refused = basic
        .update_field_if(
            "e",
            Note::fields().views(),
            1,
            &Condition::path("secret", &()).eq(1),
        )
        .await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(api.sent.take(), 0);
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Entry {
    owner: String,
    seq: i64,
    text: Option<String>,
    score: Option<i64>,
}

/// Queries through the API: pages of a partition with sort conditions, filters, limits, order and
/// pagination answer what a direct table answers; another caller's partition, a start key from
/// another partition and an unknown index are refused without reaching DynamoDB.
#[tokio::test]
async fn queries_answer_as_a_direct_table_and_stay_in_the_callers_partition() {
    use structnosql::expr::Condition;
    use structnosql::table::{Direct, SortCondition};
    let table_name = harness::unique_table_name("ext-entries");
    let index = PrimaryIndex::hash_and_sort("owner", "seq");
    let direct = BasicTable::<Entry, (String, i64)>::builder()
        .table_name(&table_name)
        .client(harness::client())
        .primary_index(index.clone())
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    for owner in ["me", "other"] {
        for seq in 0..7 {
            direct
                .put_record(&Entry {
                    owner: owner.into(),
                    seq,
                    text: Some(format!("{owner} {seq}")),
                    score: Some(seq % 3),
                })
                .await
                .unwrap();
        }
    }
    let (client, sent) = harness::counted_client();
    let served = BasicTable::<Entry, (String, i64)>::builder()
        .table_name(&table_name)
        .client(client)
        .primary_index(index.clone())
        .build()
        .await
        .unwrap();
    let url =
        listen(Executor::new().serve("entries", served, policy::OwnRecords::by("owner"))).await;
    let api = ExternalApi::new(url).header("x-caller", "me");
    let basic = BasicTable::<Entry, (String, i64)>::builder()
        .table_name("entries")
        .external_api(api.clone())
        .primary_index(index.clone())
        .build()
        .await
        .unwrap();
    let caching = CachingTable::<Entry, (String, i64)>::builder()
        .table_name("entries")
        .external_api(api)
        .primary_index(index)
        .build()
        .await
        .unwrap();

    async fn pages<B: Backend>(table: &Table<Entry, (String, i64), B>) -> Vec<String> {
        let f = Entry::fields();
        let queries = [
            Query::primary("me").unwrap(),
            Query::primary("me")
                .unwrap()
                .sort(SortCondition::between(2, 5).unwrap())
                .descending(),
            Query::primary("me")
                .unwrap()
                .filter(Condition::eq(f.score(), 1)),
        ];
        let mut seen = Vec::new();
        for query in queries {
            let mut query = query.limit(2);
            loop {
                let page = table.query_field(&query, f.text()).await.unwrap();
                seen.push(format!("{:?}", page.records));
                if page.metadata.has_reached_end {
                    break;
                }
                query = query.start_after(page.metadata.last_evaluated_key);
            }
        }
        seen
    }
    let expected = pages::<Direct>(&direct).await;
    assert!(expected.len() >= 7, "{expected:?}");
    assert_eq!(pages(&basic).await, expected);
    assert_eq!(pages(&caching).await, expected);

    sent.take();
    let f = Entry::fields();
    let other = basic
        .query_field(&Query::primary("other").unwrap(), f.text())
        .await;
    assert!(matches!(other, Err(Error::Denied { .. })), "{other:?}");
    let foreign_start = Query::primary("me")
        .unwrap()
        .start_after(Some(structnosql::Item::from([
            ("owner".to_owned(), AttributeValue::S("other".into())),
            ("seq".to_owned(), AttributeValue::N("3".into())),
        ])));
    let refused = basic.query_field(&foreign_start, f.text()).await;
    assert!(
        matches!(&refused, Err(Error::External { kind, .. }) if kind == "bad_request"),
        "{refused:?}"
    );
    let unknown_index = basic
        .query_field(&Query::index("by_score", 1).unwrap(), f.text())
        .await;
    assert!(unknown_index.is_err(), "{unknown_index:?}");
    assert_eq!(sent.take(), 0, "nothing refused reached DynamoDB");
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Counter {
    owner: String,
    count: Option<i64>,
    #[structnosql(version)]
    version: Option<i64>,
}

/// Optimistic locking through the API: a put of a stale read is a `VersionConflict` naming the
/// versions, as on a direct table; field writes and commits increment the version once each.
#[tokio::test]
async fn versions_are_checked_and_incremented_through_the_api() {
    let table_name = harness::unique_table_name("ext-counter");
    let direct = BasicTable::<Counter>::builder()
        .table_name(&table_name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("owner"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let url =
        listen(Executor::new().serve("counters", direct.clone(), policy::OwnRecords::by("owner")))
            .await;
    let api = ExternalApi::new(url).header("x-caller", "me");
    let basic = BasicTable::<Counter>::builder()
        .table_name("counters")
        .external_api(api.clone())
        .primary_index(PrimaryIndex::hash("owner"))
        .build()
        .await
        .unwrap();
    let caching = CachingTable::<Counter>::builder()
        .table_name("counters")
        .external_api(api)
        .primary_index(PrimaryIndex::hash("owner"))
        .build()
        .await
        .unwrap();
    let f = Counter::fields();
    basic
        .put_record(&Counter {
            owner: "me".into(),
            count: Some(0),
            version: None,
        })
        .await
        .unwrap();
    let read = basic.get_record("me").await.unwrap().unwrap();
    assert_eq!(read.version, Some(1));
    basic.update_field("me", f.count(), 1).await.unwrap();
    assert_eq!(direct.get_field("me", f.version()).await.unwrap(), Some(2));
    match basic.put_record(&read).await {
        Err(Error::VersionConflict {
            expected, found, ..
        }) => assert_eq!(
            (expected.as_deref(), found.as_deref()),
            (Some("1"), Some("2"))
        ),
        other => panic!("{other:?}"),
    }
    caching.update_field("me", f.count(), 5).await.unwrap();
    caching.update_field("me", f.count(), 6).await.unwrap();
    assert!(caching.commit_operations().await.is_success());
    let stored = direct.get_record("me").await.unwrap().unwrap();
    assert_eq!((stored.count, stored.version), (Some(6), Some(3)));
    assert_eq!(caching.get_record("me").await.unwrap(), Some(stored));
}

/// Batches through the API: gets of records and fields, puts and deletes answer and store what a
/// direct table's do; a batch naming another caller's record is denied whole, sending nothing.
#[tokio::test]
async fn batches_answer_and_store_as_on_a_direct_table_and_are_denied_whole() {
    let api = serve("notes", |access: &policy::Access<'_>| {
        let key = access.key.get("owner");
        let mine = matches!(key, Some(AttributeValue::S(owner)) if owner.starts_with("team-"));
        if mine {
            Ok(())
        } else {
            Err(policy::Denied::new("not the team's"))
        }
    })
    .await;
    let (basic, _) = external_basic(&api, "anyone").await;
    let (caching, _) = external_caching(&api, "anyone").await;
    async fn batches<B: Backend>(table: &Table<Note, String, B>, prefix: &str) -> Vec<String> {
        let key = |n: usize| format!("{prefix}{n}");
        let f = Note::fields();
        let records: Vec<Note> = (0..4).map(|n| note(&key(n))).collect();
        let put = table
            .batch_put_records(&records, BatchRetry::default())
            .await
            .unwrap();
        let mut seen = vec![format!("{}", put.is_complete())];
        let mut got = table
            .batch_get_records((0..6).map(key), BatchRetry::default())
            .await
            .unwrap();
        got.records.sort_by(|a, b| a.0.cmp(&b.0));
        got.missing.sort();
        seen.push(format!("{:?} {:?}", got.records.len(), got.missing.len()));
        let mut fields = table
            .batch_get_field((0..6).map(key), f.views(), BatchRetry::default())
            .await
            .unwrap();
        fields.records.sort_by(|a, b| a.0.cmp(&b.0));
        seen.push(format!(
            "{:?}",
            fields.records.iter().map(|(_, v)| v).collect::<Vec<_>>()
        ));
        let deleted = table
            .batch_delete_records((1..3).map(key), BatchRetry::default())
            .await
            .unwrap();
        seen.push(format!("{}", deleted.is_complete()));
        let mut after = table
            .batch_get_records((0..4).map(key), BatchRetry::default())
            .await
            .unwrap();
        after.missing.sort();
        seen.push(format!("{:?}", after.missing.len()));
        seen
    }
    let expected = batches(&api.direct, "team-d").await;
    assert_eq!(
        expected,
        [
            "true",
            "4 2",
            "[Some(1), Some(1), Some(1), Some(1)]",
            "true",
            "2"
        ]
    );
    assert_eq!(batches(&basic, "team-e").await, expected);
    assert_eq!(batches(&caching, "team-c").await, expected);
    for owner in ["team-e0", "team-e3", "team-c0", "team-c3"] {
        assert!(
            api.direct.get_record(owner).await.unwrap().is_some(),
            "{owner}"
        );
    }

    api.sent.take();
    let denied = basic
        .batch_get_records(["team-e0", "outsider"], BatchRetry::default())
        .await;
    assert!(matches!(denied, Err(Error::Denied { .. })), "{denied:?}");
    let denied = basic
        .batch_put_records(&[note("team-e9"), note("outsider")], BatchRetry::default())
        .await;
    assert!(matches!(denied, Err(Error::Denied { .. })), "{denied:?}");
    assert_eq!(api.sent.take(), 0, "nothing reached DynamoDB");
    assert_eq!(api.direct.get_record("team-e9").await.unwrap(), None);
}

/// Scans through the API: pages with filters, limits and segments answer what a direct table's
/// do; `OwnRecords` denies a scan (it has no key to own).
#[tokio::test]
async fn scans_answer_as_on_a_direct_table_and_own_records_denies_them() {
    use structnosql::expr::Condition;
    use structnosql::table::Scan;
    let api = serve("notes", only("admin")).await;
    for n in 0..9 {
        let mut record = note(&format!("n{n}"));
        record.views = Some(n % 3);
        api.direct.put_record(&record).await.unwrap();
    }
    let (basic, _) = external_basic(&api, "admin").await;
    let (caching, _) = external_caching(&api, "admin").await;
    async fn scanned<B: Backend>(table: &Table<Note, String, B>) -> Vec<String> {
        let f = Note::fields();
        let mut seen = Vec::new();
        for scan in [
            Scan::table(),
            Scan::table().filter(Condition::eq(f.views(), 1)),
            Scan::table().segment(2, 1),
        ] {
            let mut scan = scan.limit(4);
            let mut keys = Vec::new();
            loop {
                let page = table.scan_field(&scan, f.views()).await.unwrap();
                keys.extend(page.records);
                if page.metadata.has_reached_end {
                    break;
                }
                scan = scan.start_after(page.metadata.last_evaluated_key);
            }
            keys.sort();
            seen.push(format!("{keys:?}"));
        }
        seen
    }
    let expected = scanned(&api.direct).await;
    assert!(expected[0].contains("n8"), "{expected:?}");
    assert_eq!(scanned(&basic).await, expected);
    assert_eq!(scanned(&caching).await, expected);

    api.sent.take();
    let (denied, _) = external_basic(&api, "someone").await;
    let scan = denied.scan_records(&Scan::table()).await;
    assert!(matches!(scan, Err(Error::Denied { .. })), "{scan:?}");
    assert_eq!(api.sent.take(), 0);
}

/// A commit whose request is lost in transport fails for every record, typed and naming the
/// operation, and loses nothing: the writes stay pending and the next commit stores them.
#[tokio::test]
async fn a_commit_lost_in_transport_keeps_every_write_pending() {
    let table_name = harness::unique_table_name("ext-lost");
    let direct = BasicTable::<Note>::builder()
        .table_name(&table_name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("owner"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let router = by_caller(Executor::new().serve("notes", direct.clone(), only("me")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        // The first connection is dropped as soon as it is accepted; then the API answers.
        let (first, _) = listener.accept().await.unwrap();
        drop(first);
        axum::serve(listener, router).await
    });
    let caching = CachingTable::<Note>::builder()
        .table_name("notes")
        .external_api(ExternalApi::new(url).header("x-caller", "me"))
        .primary_index(PrimaryIndex::hash("owner"))
        .whole_record_reads(false)
        .build()
        .await
        .unwrap();
    let f = Note::fields();
    for owner in ["a", "b"] {
        caching.update_field(owner, f.views(), 7).await.unwrap();
    }
    let lost = caching.commit_operations().await;
    assert_eq!(lost.failed.len(), 2, "{lost:?}");
    for (_, error) in &lost.failed {
        assert!(
            matches!(
                error,
                Error::External {
                    operation: "UpdateItem",
                    status: None,
                    ..
                }
            ),
            "{error:?}"
        );
    }
    assert!(caching.has_pending_operations());
    assert_eq!(direct.get_record("a").await.unwrap(), None);

    let retried = caching.commit_operations().await;
    assert!(retried.is_success(), "{retried:?}");
    for owner in ["a", "b"] {
        assert_eq!(direct.get_field(owner, f.views()).await.unwrap(), Some(7));
    }
}

/// With `STRUCTNOSQL_INTERNALS_THROUGH_API=1` (the suite's run through external tables), a table
/// built with a DynamoDB client goes through an in-process executor: it holds no client, and its
/// operations answer as a direct table's do. Without it, the table is direct.
#[tokio::test]
async fn the_run_through_external_tables_routes_every_table_built_with_a_client() {
    let through =
        std::env::var("STRUCTNOSQL_INTERNALS_THROUGH_API").is_ok_and(|value| value == "1");
    let table = BasicTable::<Note>::builder()
        .table_name(harness::unique_table_name("routed"))
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("owner"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    assert_eq!(table.client().is_none(), through);
    table.put_record(&note("r")).await.unwrap();
    assert_eq!(table.get_record("r").await.unwrap(), Some(note("r")));
}
