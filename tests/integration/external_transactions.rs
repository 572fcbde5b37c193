//! Transactions through an external API: write and read transactions across two served tables and
//! a caching table's atomic commit, each one HTTP request, checked and allowed action by action on
//! the server, answering and storing what the same calls on direct tables do.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use structnosql::expr::Condition;
use structnosql::external::policy::{Access, Denied};
use structnosql::external::{Executor, ExternalApi};
use structnosql::table::{
    Backend, BasicTable, CachingTable, PrimaryIndex, ReadTransaction, Setters, Table,
    WriteTransaction,
};
use structnosql::Error;

use crate::external_tables::{listen, note, Note};
use crate::harness::{self, RequestCounter};

/// Two DynamoDB tables of notes, served as `notes` and `archive`.
struct Served {
    url: String,
    /// Direct tables on the same DynamoDB tables.
    notes: BasicTable<Note>,
    archive: BasicTable<Note>,
    /// The DynamoDB requests the executor sent.
    sent: RequestCounter,
}

/// A caller may touch the records whose owner is their id or starts with their id and `/`.
fn own_records(access: &Access<'_>) -> Result<(), Denied> {
    let caller = access.caller.id();
    let owner = access.key.get("owner").and_then(|owner| owner.as_s().ok());
    match owner {
        Some(owner) if owner == caller || owner.starts_with(&format!("{caller}/")) => Ok(()),
        _ => Err(Denied::new("not the caller's record")),
    }
}

async fn direct_table(name: &str) -> BasicTable<Note> {
    BasicTable::<Note>::builder()
        .table_name(name)
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("owner"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap()
}

async fn served() -> Served {
    let (notes_name, archive_name) = (
        harness::unique_table_name("ext-tx-notes"),
        harness::unique_table_name("ext-tx-archive"),
    );
    let (notes, archive) = (
        direct_table(&notes_name).await,
        direct_table(&archive_name).await,
    );
    let (client, sent) = harness::counted_client();
    let serving = |name: &str| {
        BasicTable::<Note>::builder()
            .table_name(name)
            .client(client.clone())
            .primary_index(PrimaryIndex::hash("owner"))
            .build()
    };
    let executor = Executor::new()
        .serve("notes", serving(&notes_name).await.unwrap(), own_records)
        .serve(
            "archive",
            serving(&archive_name).await.unwrap(),
            own_records,
        );
    Served {
        url: listen(executor).await,
        notes,
        archive,
        sent,
    }
}

/// The table served as `name`, through the API as `caller` sees it, counting HTTP requests in
/// `requests`.
async fn through<B: Backend>(
    served: &Served,
    name: &str,
    caller: &str,
    requests: &Arc<AtomicU64>,
) -> Table<Note, String, B> {
    let counted = Arc::clone(requests);
    let api = ExternalApi::new(&served.url)
        .header("x-caller", caller)
        .header_from("x-request-count", move || {
            Some(counted.fetch_add(1, Ordering::SeqCst).to_string())
        });
    Table::<Note, String, B>::builder()
        .table_name(name)
        .external_api(api)
        .primary_index(PrimaryIndex::hash("owner"))
        .build()
        .await
        .unwrap()
}

/// The transaction `session` builds, on `notes` and `archive`, for `owner`: a put, a conditional
/// update, and a delete; `holds` chooses whether the update's condition holds.
fn transaction<B: Backend>(
    notes: &Table<Note, String, B>,
    archive: &Table<Note, String, B>,
    owner: &str,
    holds: bool,
) -> structnosql::Result<WriteTransaction> {
    let f = Note::fields();
    let expected = if holds { 1 } else { 99 };
    WriteTransaction::new()
        .put(notes, &note(owner))?
        .update_if(
            archive,
            owner,
            &Setters::new().set(f.views(), 7).set(f.title(), "archived"),
            &Condition::eq(f.views(), expected),
        )?
        .delete(notes, format!("{owner}/old"))?
        .check(
            archive,
            format!("{owner}/kept"),
            &Condition::exists(f.title()),
        )
}

/// Stores what the transactions start from, for `owner`, on the direct tables.
async fn start(served: &Served, owner: &str) {
    served.archive.put_record(&note(owner)).await.unwrap();
    served
        .archive
        .put_record(&note(&format!("{owner}/kept")))
        .await
        .unwrap();
    served
        .notes
        .put_record(&note(&format!("{owner}/old")))
        .await
        .unwrap();
}

/// What the tables hold of `owner`'s records, with the owner left out.
async fn held(served: &Served, owner: &str) -> Vec<Option<Note>> {
    let mut records = Vec::new();
    for (table, key) in [
        (&served.notes, owner.to_owned()),
        (&served.notes, format!("{owner}/old")),
        (&served.archive, owner.to_owned()),
        (&served.archive, format!("{owner}/kept")),
    ] {
        let record = table.get_record(key).await.unwrap();
        records.push(record.map(|mut note| {
            note.owner = note.owner.replacen(owner, "", 1);
            note
        }));
    }
    records
}

/// A write transaction across two served tables is one HTTP request and stores what the same
/// transaction on the direct tables stores; a cancelled one answers the same reasons per action
/// and stores nothing.
#[tokio::test]
async fn a_write_transaction_across_served_tables_is_one_request_and_applies_as_a_direct_one() {
    let served = served().await;
    let requests = Arc::new(AtomicU64::new(0));
    let notes = through::<structnosql::table::Direct>(&served, "notes", "u", &requests).await;
    let archive = through::<structnosql::table::Direct>(&served, "archive", "u", &requests).await;
    for owner in ["d", "u"] {
        start(&served, owner).await;
    }

    // A failing condition: DynamoDB's reasons per action, nothing written.
    let direct = transaction(&served.notes, &served.archive, "d", false)
        .unwrap()
        .commit()
        .await;
    let external = transaction(&notes, &archive, "u", false)
        .unwrap()
        .commit()
        .await;
    let codes = |result: structnosql::Result<()>| match result {
        Err(Error::TransactionCanceled { actions }) => actions
            .into_iter()
            .map(|action| (action.action, action.code))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let (direct, external) = (codes(direct), codes(external));
    assert_eq!(
        external.iter().map(|(_, code)| code).collect::<Vec<_>>(),
        direct.iter().map(|(_, code)| code).collect::<Vec<_>>()
    );
    assert_eq!(direct[1].1.as_deref(), Some("ConditionalCheckFailed"));
    assert_eq!(external[1].0, "Update archive[u]");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert_eq!(held(&served, "u").await, held(&served, "d").await);

    // The condition holds: every action applied, as on the direct tables.
    transaction(&served.notes, &served.archive, "d", true)
        .unwrap()
        .commit()
        .await
        .unwrap();
    transaction(&notes, &archive, "u", true)
        .unwrap()
        .commit()
        .await
        .unwrap();
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    let stored = held(&served, "u").await;
    assert_eq!(stored, held(&served, "d").await);
    assert_eq!(stored[1], None, "the delete applied");
    assert_eq!(
        stored[2].as_ref().and_then(|note| note.title.clone()),
        Some("archived".to_owned())
    );
}

/// One action on another caller's record denies the whole transaction, and the server sends
/// nothing to DynamoDB; a transaction spanning a direct and an external table is refused before
/// sending.
#[tokio::test]
async fn a_transaction_with_one_denied_action_is_denied_whole_and_sends_nothing() {
    let served = served().await;
    let requests = Arc::new(AtomicU64::new(0));
    let notes = through::<structnosql::table::Direct>(&served, "notes", "u", &requests).await;
    let archive = through::<structnosql::table::Direct>(&served, "archive", "u", &requests).await;
    served.archive.put_record(&note("v")).await.unwrap();
    let sent = served.sent.count();
    let outcome = WriteTransaction::new()
        .put(&notes, &note("u"))
        .unwrap()
        .delete(&archive, "v")
        .unwrap()
        .commit()
        .await;
    match outcome {
        Err(Error::Denied { record, .. }) => {
            assert_eq!(record.as_deref(), Some("Delete archive[v]"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(served.sent.count(), sent, "no DynamoDB request");
    assert_eq!(served.notes.get_record("u").await.unwrap(), None);
    assert_eq!(
        served.archive.get_record("v").await.unwrap(),
        Some(note("v"))
    );

    let mut reads = ReadTransaction::new();
    reads.get(&notes, "u").unwrap();
    reads.get(&archive, "v").unwrap();
    assert!(matches!(reads.commit().await, Err(Error::Denied { .. })));
    assert_eq!(served.sent.count(), sent, "no DynamoDB request");

    let mixed = WriteTransaction::new()
        .put(&notes, &note("u"))
        .unwrap()
        .put(&served.archive, &note("u"));
    assert!(matches!(mixed, Err(Error::Config { .. })), "{mixed:?}");
}

/// A read transaction across served tables is one HTTP request and reads what the direct tables
/// read; an external caching table's pending writes of the records read go first, as a direct
/// caching table's do.
#[tokio::test]
async fn a_read_transaction_reads_as_a_direct_one_after_pending_writes() {
    let served = served().await;
    let requests = Arc::new(AtomicU64::new(0));
    let notes = through::<structnosql::table::Cached>(&served, "notes", "u", &requests).await;
    let archive = through::<structnosql::table::Direct>(&served, "archive", "u", &requests).await;
    served.archive.put_record(&note("u")).await.unwrap();
    notes.put_record(&note("u")).await.unwrap();
    notes
        .update_field("u", Note::fields().views(), 3)
        .await
        .unwrap();
    let before = requests.load(Ordering::SeqCst);
    let mut reads = ReadTransaction::new();
    let from_notes = reads.get(&notes, "u").unwrap();
    let from_archive = reads.get(&archive, "u").unwrap();
    let missing = reads.get(&archive, "u/none").unwrap();
    let mut results = reads.commit().await.unwrap();
    // The pending writes (one commit request), then the reads (one).
    assert_eq!(requests.load(Ordering::SeqCst) - before, 2);
    let read = results.take(from_notes).unwrap();
    assert_eq!(read, served.notes.get_record("u").await.unwrap());
    assert_eq!(read.and_then(|note| note.views), Some(3));
    assert_eq!(
        results.take(from_archive).unwrap(),
        Some(note("u")),
        "the archive's record"
    );
    assert_eq!(results.take(missing).unwrap(), None);
}

/// The same writes on a direct caching table and an external one (cold cache, then warm), then
/// an atomic commit of each: one HTTP request, and the same stored records; a commit with a record
/// the caller may not write is denied whole and every write stays pending.
#[tokio::test]
async fn an_atomic_commit_through_the_api_is_one_request_and_stores_what_a_direct_one_does() {
    let served = served().await;
    let requests = Arc::new(AtomicU64::new(0));
    let external = through::<structnosql::table::Cached>(&served, "notes", "u", &requests).await;
    let direct: CachingTable<Note> = CachingTable::builder()
        .table_name(served.notes.table_name())
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("owner"))
        .build()
        .await
        .unwrap();
    let f = Note::fields();
    for owner in ["d", "u"] {
        served
            .notes
            .put_record(&note(&format!("{owner}/1")))
            .await
            .unwrap();
    }
    for round in 0..2 {
        for (table_owner, table) in [("d", &direct), ("u", &external)] {
            let key = |n: u32| format!("{table_owner}/{n}");
            table
                .update_field(key(1), f.views(), 10 + round)
                .await
                .unwrap();
            table
                .update_field(key(2), f.body().text(), format!("round {round}"))
                .await
                .unwrap();
            table.remove_field(key(1), f.labels()).await.unwrap();
            table
                .update_field(key(3), f.title(), "three".to_owned())
                .await
                .unwrap();
        }
        let before = requests.load(Ordering::SeqCst);
        direct.commit_operations_atomically().await.unwrap();
        let committed = external.commit_operations_atomically().await.unwrap();
        assert_eq!(committed.len(), 3);
        assert_eq!(requests.load(Ordering::SeqCst) - before, 1, "round {round}");
        for n in 1..=3 {
            let strip = |note: Option<Note>| {
                note.map(|mut note| {
                    note.owner = note.owner[1..].to_owned();
                    note
                })
            };
            let stored = strip(served.notes.get_record(format!("u/{n}")).await.unwrap());
            assert_eq!(
                stored,
                strip(served.notes.get_record(format!("d/{n}")).await.unwrap()),
                "round {round}, record {n}"
            );
            assert_eq!(
                strip(external.get_record(format!("u/{n}")).await.unwrap()),
                stored,
                "the cache's view"
            );
        }
    }

    external.update_field("u/1", f.views(), 50).await.unwrap();
    external.update_field("v/1", f.views(), 50).await.unwrap();
    let sent = served.sent.count();
    match external.commit_operations_atomically().await {
        Err(Error::Denied { record, .. }) => {
            assert_eq!(record.as_deref(), Some("Update notes[v/1]"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(served.sent.count(), sent, "no DynamoDB request");
    assert!(external.has_pending_operations());
    assert_eq!(
        served
            .notes
            .get_record("u/1")
            .await
            .unwrap()
            .and_then(|note| note.views),
        Some(11)
    );
}
