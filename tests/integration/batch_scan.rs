//! Batches (BatchGetItem, BatchWriteItem) and scans (pages, streams, parallel segments), on both table
//! types: values returned, what DynamoDB holds afterwards, and how many requests were sent.
//!
//! DynamoDB leaves part of a batch unprocessed only under load, which no test server does on demand;
//! an SDK interceptor plays that part (see [`Unprocessor`]): it takes chosen records out of a request
//! before it is sent and adds them to the response's unprocessed part, exactly as DynamoDB would
//! report records it did not process.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use structnosql::aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextMut, FinalizerInterceptorContextMut,
};
use structnosql::aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use structnosql::aws_sdk_dynamodb::operation::batch_get_item::{
    BatchGetItemInput, BatchGetItemOutput,
};
use structnosql::aws_sdk_dynamodb::operation::batch_write_item::{
    BatchWriteItemInput, BatchWriteItemOutput,
};
use structnosql::aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, WriteRequest,
};
use structnosql::aws_sdk_dynamodb::Client;
use structnosql::expr::Condition;
use structnosql::table::{
    BasicTable, BatchRetry, CachingTable, Getters, GlobalSecondaryIndex, PrimaryIndex, Scan,
};
use structnosql::{Error, Item, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Account {
    pub account_id: String,
    pub name: String,
    pub score: i64,
    pub tier: Option<String>,
    #[structnosql(key_name = "tagId")]
    pub tags: Option<HashMap<String, i64>>,
}

fn id(n: usize) -> String {
    format!("a{n:03}")
}

/// Account `n`: score `n`, tier `gold` for every third one, one tag.
fn account(n: usize) -> Account {
    Account {
        account_id: id(n),
        name: format!("Account {n}"),
        score: n as i64,
        tier: n.is_multiple_of(3).then(|| "gold".to_owned()),
        tags: Some(HashMap::from([("t1".to_owned(), n as i64 * 10)])),
    }
}

fn accounts(range: std::ops::Range<usize>) -> Vec<Account> {
    range.map(account).collect()
}

/// Short waits, so that retries do not slow the tests down.
fn quick_retry() -> BatchRetry {
    BatchRetry::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn builder<B: structnosql::table::Backend>(
    name: &str,
    client: Client,
) -> structnosql::table::TableBuilder<Account, String, B> {
    structnosql::table::Table::<Account, String, B>::builder()
        .table_name(name)
        .client(client)
        .primary_index(PrimaryIndex::hash("accountId"))
        .global_secondary_index(GlobalSecondaryIndex::hash("tier"))
}

/// A new table, through a client that counts its requests.
async fn counted_table() -> (BasicTable<Account>, harness::RequestCounter) {
    let (client, counter) = harness::counted_client();
    let name = harness::unique_table_name("batch");
    let table = builder(&name, client)
        .auto_create_table(true)
        .build()
        .await
        .expect("table");
    counter.take();
    (table, counter)
}

/// A new table with `records` in it, through a client that counts its requests (count reset).
async fn table_with(records: &[Account]) -> (BasicTable<Account>, harness::RequestCounter) {
    let (table, counter) = counted_table().await;
    let report = table
        .batch_put_records(records, BatchRetry::default())
        .await
        .unwrap();
    assert!(report.is_complete());
    counter.take();
    (table, counter)
}

/// A caching table on the same DynamoDB table as `basic`.
async fn caching_on(basic: &BasicTable<Account>, client: Client) -> CachingTable<Account> {
    builder(basic.table_name(), client)
        .build()
        .await
        .expect("caching table")
}

// ---- An interceptor that makes DynamoDB leave records unprocessed ------------------------------

/// Makes batch requests leave the records of chosen hash keys unprocessed: before a BatchGetItem or
/// BatchWriteItem is sent, the keys or writes of those records are taken out of it, and after the
/// answer they are added to its `UnprocessedKeys` / `UnprocessedItems`. Acts on the next `times`
/// batch requests. A request left with nothing to send gets a harmless stand-in (the key, or a
/// delete, of a record that does not exist), as DynamoDB refuses an empty batch.
#[derive(Debug, Clone)]
struct Unprocessor {
    hash_key: &'static str,
    withheld: Arc<HashSet<String>>,
    times: Arc<AtomicU64>,
    held: Arc<Mutex<Option<Held>>>,
}

#[derive(Debug)]
enum Held {
    Keys(String, KeysAndAttributes),
    Writes(String, Vec<WriteRequest>),
}

const STAND_IN: &str = "stand-in-that-does-not-exist";

impl Unprocessor {
    fn new(withheld: &[&str], times: u64) -> Self {
        Self {
            hash_key: "accountId",
            withheld: Arc::new(withheld.iter().map(|key| (*key).to_owned()).collect()),
            times: Arc::new(AtomicU64::new(times)),
            held: Arc::default(),
        }
    }

    fn is_withheld(&self, key: &Item) -> bool {
        matches!(key.get(self.hash_key), Some(AttributeValue::S(id)) if self.withheld.contains(id))
    }

    fn stand_in(&self) -> Item {
        Item::from([(
            self.hash_key.to_owned(),
            AttributeValue::S(STAND_IN.to_owned()),
        )])
    }

    /// Whether this request is one of the next `times`.
    fn strikes(&self) -> bool {
        self.times
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }
}

fn written_item(request: &WriteRequest) -> Option<&Item> {
    request
        .put_request
        .as_ref()
        .map(|put| &put.item)
        .or_else(|| request.delete_request.as_ref().map(|delete| &delete.key))
}

impl Intercept for Unprocessor {
    fn name(&self) -> &'static str {
        "Unprocessor"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        let input = context.input_mut();
        if let Some(get) = input.downcast_mut::<BatchGetItemInput>() {
            if !self.strikes() {
                return Ok(());
            }
            for (table, request) in get.request_items.iter_mut().flatten() {
                let (held, kept): (Vec<Item>, Vec<Item>) = request
                    .keys
                    .drain(..)
                    .partition(|key| self.is_withheld(key));
                request.keys = if kept.is_empty() {
                    vec![self.stand_in()]
                } else {
                    kept
                };
                let mut unprocessed = request.clone();
                unprocessed.keys = held;
                *self.held.lock().unwrap() = Some(Held::Keys(table.clone(), unprocessed));
            }
        } else if let Some(write) = input.downcast_mut::<BatchWriteItemInput>() {
            if !self.strikes() {
                return Ok(());
            }
            for (table, requests) in write.request_items.iter_mut().flatten() {
                let (held, kept): (Vec<WriteRequest>, Vec<WriteRequest>) =
                    requests.drain(..).partition(|request| {
                        written_item(request).is_some_and(|item| self.is_withheld(item))
                    });
                *requests = if kept.is_empty() {
                    let delete = DeleteRequest::builder()
                        .set_key(Some(self.stand_in()))
                        .build()?;
                    vec![WriteRequest::builder().delete_request(delete).build()]
                } else {
                    kept
                };
                *self.held.lock().unwrap() = Some(Held::Writes(table.clone(), held));
            }
        }
        Ok(())
    }

    fn modify_before_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), structnosql::BoxError> {
        let Some(held) = self.held.lock().unwrap().take() else {
            return Ok(());
        };
        let Some(Ok(output)) = context.output_or_error_mut() else {
            return Ok(());
        };
        match held {
            Held::Keys(table, keys) if !keys.keys.is_empty() => {
                if let Some(output) = output.downcast_mut::<BatchGetItemOutput>() {
                    output
                        .unprocessed_keys
                        .get_or_insert_with(HashMap::new)
                        .insert(table, keys);
                }
            }
            Held::Writes(table, writes) if !writes.is_empty() => {
                if let Some(output) = output.downcast_mut::<BatchWriteItemOutput>() {
                    output
                        .unprocessed_items
                        .get_or_insert_with(HashMap::new)
                        .insert(table, writes);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A client that leaves the records `withheld` unprocessed in its next `times` batch requests, and
/// counts its requests.
fn unprocessing_client(withheld: &[&str], times: u64) -> (Client, harness::RequestCounter) {
    let (client, counter) = harness::counted_client();
    let config = client
        .config()
        .to_builder()
        .interceptor(Unprocessor::new(withheld, times))
        .build();
    (Client::from_conf(config), counter)
}

/// A table through an unprocessing client, on the same DynamoDB table as `basic`.
async fn unprocessing_table(
    basic: &BasicTable<Account>,
    withheld: &[&str],
    times: u64,
) -> (BasicTable<Account>, harness::RequestCounter) {
    let (client, counter) = unprocessing_client(withheld, times);
    let table = builder(basic.table_name(), client)
        .build()
        .await
        .expect("table");
    (table, counter)
}

// ---- Batch gets --------------------------------------------------------------------------------

#[tokio::test]
async fn batch_get_of_250_keys_sends_3_requests_and_lists_found_and_missing_records() {
    let stored = accounts(0..240);
    let (table, counter) = table_with(&stored).await;
    // 250 distinct keys, the last 10 without a record; a key given twice is read once.
    let mut keys: Vec<String> = (0..250).map(id).collect();
    keys.push(id(7));
    let report = table
        .batch_get_records(keys, BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(
        counter.take(),
        3,
        "BatchGetItem requests of 100, 100 and 50 keys"
    );
    assert!(report.is_complete());
    assert_eq!(
        report.records,
        stored
            .iter()
            .map(|account| (account.account_id.clone(), account.clone()))
            .collect::<Vec<_>>(),
        "every stored record, in the order of the keys"
    );
    assert_eq!(report.missing, (240..250).map(id).collect::<Vec<_>>());
    assert_eq!(report.get(&id(42)), Some(&account(42)));
    assert_eq!(report.into_map().len(), 240);
}

#[tokio::test]
async fn batch_gets_of_fields_return_only_those_fields() {
    let (table, counter) = table_with(&accounts(0..3)).await;
    let f = Account::fields();
    let keys = [id(0), id(1), "nobody".to_owned()];

    let tiers = table
        .batch_get_field(keys.clone(), f.tier(), BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(
        tiers.records,
        vec![(id(0), Some("gold".to_owned())), (id(1), None)],
        "a record without the field is found, with None"
    );
    assert_eq!(tiers.missing, vec!["nobody".to_owned()]);

    let pairs = table
        .batch_get_fields(
            keys.clone(),
            (f.name(), f.tags().key("t1")),
            BatchRetry::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        pairs.records,
        vec![
            (id(0), (Some("Account 0".to_owned()), Some(0))),
            (id(1), (Some("Account 1".to_owned()), Some(10))),
        ]
    );

    let getters =
        Getters::new()
            .field("name", f.name())
            .path("tag", "tags.{{tagId}}", &[("tagId", "t1")]);
    let named = table
        .batch_get_multiple_fields(keys, &getters, BatchRetry::default())
        .await
        .unwrap();
    let (key, fields) = &named.records[1];
    assert_eq!(key, &id(1));
    assert_eq!(
        fields.get::<String>("name").unwrap(),
        Some("Account 1".into())
    );
    assert_eq!(fields.get::<i64>("tag").unwrap(), Some(10));
    assert_eq!(fields.len(), 2, "only the fields asked for");
    assert_eq!(named.missing, vec!["nobody".to_owned()]);
    assert_eq!(counter.take(), 3, "one BatchGetItem per call");
}

#[tokio::test]
async fn an_empty_batch_sends_nothing() {
    let (table, counter) = counted_table().await;
    let none: [&str; 0] = [];
    let read = table
        .batch_get_records(none, BatchRetry::default())
        .await
        .unwrap();
    assert!(read.records.is_empty() && read.missing.is_empty() && read.is_complete());
    let written = table
        .batch_put_records(&[], BatchRetry::default())
        .await
        .unwrap();
    assert!(written.processed.is_empty() && written.is_complete());
    assert_eq!(counter.count(), 0);
}

// ---- Batch writes ------------------------------------------------------------------------------

#[tokio::test]
async fn batch_put_of_60_records_sends_3_requests_and_the_last_duplicate_wins() {
    let (table, counter) = counted_table().await;
    let mut records = accounts(0..60);
    let renamed = Account {
        name: "Renamed".into(),
        ..account(5)
    };
    records.push(renamed.clone());
    let report = table
        .batch_put_records(&records, BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(
        counter.take(),
        3,
        "BatchWriteItem requests of 25, 25 and 10"
    );
    assert!(report.is_complete());
    assert_eq!(report.processed, (0..60).map(id).collect::<Vec<_>>());

    let stored = table
        .batch_get_records((0..60).map(id), BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(stored.records.len(), 60);
    assert_eq!(stored.get(&id(5)), Some(&renamed));
    assert_eq!(stored.get(&id(59)), Some(&account(59)));
}

#[tokio::test]
async fn batch_delete_sends_one_request_per_25_keys_and_deletes_the_records() {
    let (table, counter) = table_with(&accounts(0..40)).await;
    let mut keys: Vec<String> = (0..30).map(id).collect();
    keys.push("nobody".into());
    let report = table
        .batch_delete_records(keys, BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(counter.take(), 2, "BatchWriteItem requests of 25 and 6");
    assert_eq!(report.processed.len(), 31);
    assert!(report.is_complete());
    let left = table
        .batch_get_records((0..40).map(id), BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(
        left.records
            .iter()
            .map(|(key, _)| key.clone())
            .collect::<Vec<_>>(),
        (30..40).map(id).collect::<Vec<_>>()
    );
    assert_eq!(left.missing, (0..30).map(id).collect::<Vec<_>>());
}

#[tokio::test]
async fn invalid_records_and_keys_are_refused_before_anything_is_sent() {
    let (table, counter) = counted_table().await;

    let no_key = Account {
        account_id: String::new(),
        ..account(1)
    };
    let error = table
        .batch_put_records(&[account(0), no_key], BatchRetry::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Validation { .. })
            && error.to_string().contains("record 1 of the batch"),
        "{error}"
    );

    let huge = Account {
        name: "x".repeat(401 * 1024),
        ..account(2)
    };
    let error = table
        .batch_put_records(&[account(0), huge], BatchRetry::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::TooLarge { .. }), "{error}");

    let error = table
        .batch_get_records(["a000", ""], BatchRetry::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error}");
    let error = table
        .batch_delete_records([""], BatchRetry::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error}");

    assert_eq!(counter.count(), 0, "nothing was sent");
    let stored = table
        .batch_get_records([id(0)], BatchRetry::default())
        .await
        .unwrap();
    assert!(stored.records.is_empty(), "not even the valid records");
}

// ---- Unprocessed records -----------------------------------------------------------------------

#[tokio::test]
async fn unprocessed_keys_are_retried_until_read() {
    let (basic, _) = table_with(&accounts(0..10)).await;
    // The first two requests leave a003 and a007 unprocessed; the third reads them.
    let (table, counter) = unprocessing_table(&basic, &["a003", "a007"], 2).await;
    let report = table
        .batch_get_records((0..10).map(id), quick_retry())
        .await
        .unwrap();
    assert!(report.is_complete());
    assert_eq!(report.records.len(), 10);
    assert_eq!(report.get(&id(3)), Some(&account(3)));
    assert_eq!(report.get(&id(7)), Some(&account(7)));
    assert!(report.missing.is_empty());
    assert_eq!(counter.count(), 3);
}

#[tokio::test]
async fn keys_still_unprocessed_after_the_last_attempt_are_returned() {
    let (basic, _) = table_with(&accounts(0..10)).await;
    let (table, counter) = unprocessing_table(&basic, &["a003", "a007"], u64::MAX).await;
    let report = table
        .batch_get_records((0..10).map(id), quick_retry().max_attempts(3))
        .await
        .unwrap();
    assert_eq!(counter.count(), 3, "max_attempts requests");
    assert!(!report.is_complete());
    assert_eq!(report.unprocessed, vec![id(3), id(7)]);
    assert_eq!(report.records.len(), 8);
    assert!(
        report.missing.is_empty(),
        "unprocessed keys are not reported missing"
    );
}

#[tokio::test]
async fn unprocessed_writes_are_retried_until_written() {
    let (basic, _) = counted_table().await;
    // 30 records: requests of 25 (a001 left unprocessed), then a001 again, then the last 5.
    let (table, counter) = unprocessing_table(&basic, &["a001"], 1).await;
    let report = table
        .batch_put_records(&accounts(0..30), quick_retry())
        .await
        .unwrap();
    assert!(report.is_complete());
    assert_eq!(report.processed, (0..30).map(id).collect::<Vec<_>>());
    assert_eq!(counter.count(), 3);
    assert_eq!(basic.get_record(id(1)).await.unwrap(), Some(account(1)));
    let stored = basic
        .batch_get_records((0..30).map(id), BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(stored.records.len(), 30);
}

#[tokio::test]
async fn writes_still_unprocessed_after_the_last_attempt_are_returned_and_not_written() {
    let (basic, _) = counted_table().await;
    let (table, counter) = unprocessing_table(&basic, &["a001", "a002"], u64::MAX).await;
    let report = table
        .batch_put_records(&accounts(0..5), quick_retry().max_attempts(2))
        .await
        .unwrap();
    assert_eq!(counter.take(), 2);
    assert!(!report.is_complete());
    assert_eq!(report.unprocessed, vec![id(1), id(2)]);
    assert_eq!(report.processed, vec![id(0), id(3), id(4)]);
    let stored = basic
        .batch_get_records((0..5).map(id), BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(
        stored.missing,
        vec![id(1), id(2)],
        "exactly the unprocessed ones"
    );

    let deleted = table
        .batch_delete_records((0..5).map(id), BatchRetry::no_retry())
        .await
        .unwrap();
    assert_eq!(counter.take(), 1);
    assert_eq!(deleted.unprocessed, vec![id(1), id(2)]);
    assert_eq!(deleted.processed, vec![id(0), id(3), id(4)]);
}

// ---- Caching tables ----------------------------------------------------------------------------

#[tokio::test]
async fn a_caching_table_fills_its_cache_from_batch_gets() {
    let (basic, _) = table_with(&accounts(0..20)).await;
    let table = caching_on(&basic, harness::client()).await;
    let f = Account::fields();
    // A pending write shows in what the batch returns, as in every read of a caching table.
    table
        .update_field(id(4), f.name(), "Pending name")
        .await
        .unwrap();
    let before = table.stats().requests_sent;
    let mut keys: Vec<String> = (0..20).map(id).collect();
    keys.push("nobody".into());
    let report = table
        .batch_get_records(keys, BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(table.stats().requests_sent - before, 1);
    assert_eq!(
        report.get(&id(4)).map(|account| account.name.as_str()),
        Some("Pending name")
    );
    assert_eq!(report.missing, vec!["nobody".to_owned()]);

    let before = table.stats().requests_sent;
    for n in 0..20 {
        let name = table.get_field(id(n), f.name()).await.unwrap();
        let expected = if n == 4 {
            "Pending name".to_owned()
        } else {
            account(n).name
        };
        assert_eq!(name, Some(expected));
        assert_eq!(
            table.get_record(id(n)).await.unwrap().map(|a| a.score),
            Some(n as i64)
        );
    }
    assert_eq!(table.get_record("nobody").await.unwrap(), None);
    assert_eq!(
        table.stats().requests_sent - before,
        0,
        "every record, and the absent one, from the cache"
    );
    assert!(table.has_pending_operations(), "reads do not commit");

    // A projected batch get teaches the cache those fields only.
    let fresh = caching_on(&basic, harness::client()).await;
    let scores = fresh
        .batch_get_field((0..20).map(id), f.score(), BatchRetry::default())
        .await
        .unwrap();
    assert_eq!(scores.records.len(), 20);
    let before = fresh.stats().requests_sent;
    let traced = fresh.get_field_traced(id(3), f.score()).await.unwrap();
    assert_eq!((traced.value, traced.from_cache), (Some(3), true));
    assert_eq!(fresh.stats().requests_sent - before, 0);
    let traced = fresh.get_field_traced(id(3), f.name()).await.unwrap();
    assert!(
        !traced.from_cache,
        "a field the batch did not read is fetched"
    );
}

#[tokio::test]
async fn batch_writes_on_a_caching_table_supersede_pending_writes_and_update_the_cache() {
    let (basic, _) = table_with(&accounts(0..3)).await;
    let table = caching_on(&basic, harness::client()).await;
    let f = Account::fields();
    table.update_field(id(0), f.score(), 1000).await.unwrap();
    table.update_field(id(1), f.score(), 1000).await.unwrap();
    table.update_field(id(9), f.score(), 1000).await.unwrap();

    let before = table.stats().requests_sent;
    let replacement = Account {
        name: "Replaced".into(),
        ..account(0)
    };
    let written = table
        .batch_put_records(std::slice::from_ref(&replacement), BatchRetry::default())
        .await
        .unwrap();
    assert!(written.is_complete());
    let deleted = table
        .batch_delete_records([id(1)], BatchRetry::default())
        .await
        .unwrap();
    assert!(deleted.is_complete());
    assert_eq!(table.stats().requests_sent - before, 2, "one request each");

    // What the cache says, without a request, is what DynamoDB holds.
    let before = table.stats().requests_sent;
    assert_eq!(
        table.get_record(id(0)).await.unwrap(),
        Some(replacement.clone())
    );
    assert_eq!(table.get_record(id(1)).await.unwrap(), None);
    assert_eq!(table.stats().requests_sent - before, 0);
    assert_eq!(basic.get_record(id(0)).await.unwrap(), Some(replacement));
    assert_eq!(basic.get_record(id(1)).await.unwrap(), None);

    // Only the write to the record the batches did not touch is left to commit.
    let report = table.commit_operations().await;
    assert!(report.is_success());
    assert_eq!(report.committed, vec![id(9)]);
    assert_eq!(basic.get_field(id(0), f.score()).await.unwrap(), Some(0));
    assert_eq!(basic.get_record(id(1)).await.unwrap(), None);
    assert_eq!(basic.get_field(id(9), f.score()).await.unwrap(), Some(1000));
}

#[tokio::test]
async fn pending_writes_of_unprocessed_records_stay_pending() {
    let (basic, _) = counted_table().await;
    let (client, _) = unprocessing_client(&["a001"], u64::MAX);
    let table = caching_on(&basic, client).await;
    let f = Account::fields();
    table.update_field(id(0), f.score(), 1000).await.unwrap();
    table.update_field(id(1), f.score(), 1000).await.unwrap();
    let report = table
        .batch_put_records(&accounts(0..2), quick_retry().max_attempts(2))
        .await
        .unwrap();
    assert_eq!(report.unprocessed, vec![id(1)]);
    assert!(table.has_pending_operations());
    assert_eq!(
        table.get_field(id(1), f.score()).await.unwrap(),
        Some(1000),
        "the unprocessed record's pending write still shows"
    );
    assert_eq!(table.get_field(id(0), f.score()).await.unwrap(), Some(0));
    let report = table.commit_operations().await;
    assert_eq!(report.committed, vec![id(1)]);
}

// ---- Scans -------------------------------------------------------------------------------------

fn ids<V>(records: &[(String, V)]) -> Vec<String> {
    let mut ids: Vec<String> = records.iter().map(|(key, _)| key.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn scan_with_filter_and_projection_returns_the_matching_values() {
    let (table, counter) = table_with(&accounts(0..30)).await;
    let f = Account::fields();
    let scan = Scan::table().filter(Condition::ge(f.score(), 20));

    let page = table.scan_field(&scan, f.name()).await.unwrap();
    assert!(page.metadata.has_reached_end);
    assert_eq!(page.metadata.count, 10);
    let mut names = page.records.clone();
    names.sort();
    assert_eq!(
        names,
        (20..30)
            .map(|n| (id(n), Some(format!("Account {n}"))))
            .collect::<Vec<_>>()
    );

    let pairs = table
        .scan_fields(&scan, (f.score(), f.tier()))
        .await
        .unwrap();
    assert_eq!(ids(&pairs.records), (20..30).map(id).collect::<Vec<_>>());
    assert!(pairs
        .records
        .iter()
        .all(|(key, (score, tier))| *key == id(score.unwrap() as usize)
            && tier.is_some() == (score.unwrap() % 3 == 0)));

    let getters = Getters::new().field("tag", f.tags().key("t1"));
    let named = table.scan_multiple_fields(&scan, &getters).await.unwrap();
    for (key, fields) in &named.records {
        assert_eq!(fields.len(), 1);
        let n: usize = key[1..].parse().unwrap();
        assert_eq!(fields.get::<i64>("tag").unwrap(), Some(n as i64 * 10));
    }

    let records = table.scan_records(&scan).await.unwrap();
    let mut records = records.records;
    records.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        records,
        accounts(20..30)
            .into_iter()
            .map(|account| (account.account_id.clone(), account))
            .collect::<Vec<_>>()
    );
    assert_eq!(counter.take(), 4, "one Scan per page");
}

#[tokio::test]
async fn paginated_scans_visit_every_record_once_one_request_per_page() {
    let (table, counter) = table_with(&accounts(0..30)).await;
    let f = Account::fields();

    let pages: Vec<_> = table
        .paginated_scan_field(Scan::table().limit(7), f.score())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(counter.take(), pages.len() as u64, "one request per page");
    assert!(pages.len() >= 5, "pages of at most 7: {}", pages.len());
    assert!(pages.iter().all(|page| page.records.len() <= 7));
    let seen: Vec<(String, Option<i64>)> =
        pages.into_iter().flat_map(|page| page.records).collect();
    assert_eq!(
        ids(&seen),
        (0..30).map(id).collect::<Vec<_>>(),
        "each record once"
    );

    // With a filter, pages hold only matching records; the stream still goes to the end.
    let filtered: Vec<_> = table
        .paginated_scan_records(
            Scan::table()
                .limit(7)
                .filter(Condition::eq(f.tier(), "gold")),
        )
        .try_collect()
        .await
        .unwrap();
    let gold: Vec<(String, Account)> = filtered.into_iter().flat_map(|page| page.records).collect();
    assert_eq!(
        ids(&gold),
        (0..30).filter(|n| n % 3 == 0).map(id).collect::<Vec<_>>()
    );

    // The stream is lazy: one page polled, one request.
    let getters = Getters::new().field("name", f.name());
    let mut stream = Box::pin(
        table
            .paginated_scan_multiple_fields(Scan::table().limit(4), &getters)
            .unwrap(),
    );
    counter.take();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.records.len(), 4);
    assert_eq!(counter.take(), 1);
    drop(stream);

    // A page's last evaluated key continues the scan where it stopped.
    let first = table
        .scan_field(&Scan::table().limit(10), f.score())
        .await
        .unwrap();
    let rest = table
        .scan_field(
            &Scan::table().start_after(first.metadata.last_evaluated_key.clone()),
            f.score(),
        )
        .await
        .unwrap();
    let mut all = first.records;
    all.extend(rest.records);
    assert_eq!(ids(&all), (0..30).map(id).collect::<Vec<_>>());
}

#[tokio::test]
async fn parallel_scan_of_4_segments_returns_every_record_exactly_once() {
    let (table, counter) = table_with(&accounts(0..100)).await;
    let pages: Vec<_> = table
        .parallel_scan_records(Scan::table().limit(10), 4)
        .try_collect()
        .await
        .unwrap();
    let records: Vec<(String, Account)> =
        pages.iter().flat_map(|page| page.records.clone()).collect();
    assert_eq!(records.len(), 100, "no record twice");
    assert_eq!(ids(&records), (0..100).map(id).collect::<Vec<_>>());
    assert!(records
        .iter()
        .all(|(key, account)| *account == account_by_id(key)));
    assert_eq!(counter.take(), pages.len() as u64, "one request per page");
    assert!(pages.len() >= 10);

    // Each segment alone holds a share; together, everything once.
    let mut union = BTreeSet::new();
    let mut total = 0;
    for segment in 0..4 {
        let pages: Vec<_> = table
            .paginated_scan_field(Scan::table().segment(4, segment), Account::fields().score())
            .try_collect()
            .await
            .unwrap();
        for page in pages {
            total += page.records.len();
            union.extend(page.records.into_iter().map(|(key, _)| key));
        }
    }
    assert_eq!((total, union.len()), (100, 100));

    let f = Account::fields();
    let fields: Vec<_> = table
        .parallel_scan_field(
            Scan::table().filter(Condition::lt(f.score(), 10)),
            3,
            f.name(),
        )
        .try_collect()
        .await
        .unwrap();
    let names: Vec<(String, Option<String>)> =
        fields.into_iter().flat_map(|page| page.records).collect();
    assert_eq!(ids(&names), (0..10).map(id).collect::<Vec<_>>());

    let getters = Getters::new().field("score", f.score());
    let named: Vec<_> = table
        .parallel_scan_multiple_fields(Scan::table(), 2, &getters)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        named.iter().map(|page| page.records.len()).sum::<usize>(),
        100
    );
}

fn account_by_id(key: &str) -> Account {
    account(key[1..].parse().unwrap())
}

#[tokio::test]
async fn scan_of_a_sparse_index_returns_only_the_indexed_records() {
    let (table, _) = table_with(&accounts(0..12)).await;
    let page = table
        .scan_field(&Scan::index("tier"), Account::fields().name())
        .await
        .unwrap();
    assert_eq!(ids(&page.records), [0, 3, 6, 9].map(id).to_vec());
}

#[tokio::test]
async fn scan_of_a_caching_table_fills_the_cache_and_shows_pending_writes() {
    let (basic, _) = table_with(&accounts(0..10)).await;
    let table = caching_on(&basic, harness::client()).await;
    let f = Account::fields();
    table
        .update_field(id(4), f.name(), "Pending name")
        .await
        .unwrap();
    let records: Vec<(String, Account)> = table
        .paginated_scan_records(Scan::table().limit(3))
        .map_ok(|page| futures::stream::iter(page.records.into_iter().map(Ok::<_, Error>)))
        .try_flatten()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(records.len(), 10);
    let four = records.iter().find(|(key, _)| *key == id(4)).unwrap();
    assert_eq!(four.1.name, "Pending name");

    let before = table.stats().requests_sent;
    for n in 0..10 {
        assert_eq!(
            table.get_field(id(n), f.score()).await.unwrap(),
            Some(n as i64)
        );
    }
    assert_eq!(
        table.stats().requests_sent - before,
        0,
        "every record from the cache"
    );
    // The scan committed the pending write first, so DynamoDB's answer (and its filters) show it.
    assert!(!table.has_pending_operations());
    assert_eq!(
        basic.get_field(id(4), f.name()).await.unwrap().as_deref(),
        Some("Pending name")
    );
}

#[tokio::test]
async fn invalid_scans_are_refused_before_sending() {
    let (table, counter) = table_with(&accounts(0..3)).await;
    for scan in [
        Scan::table().segment(4, 4),
        Scan::table().segment(0, 0),
        Scan::index("no-such-index"),
        Scan::index("tier").consistent_read(true),
    ] {
        let error = table.scan_records(&scan).await.unwrap_err();
        assert!(
            matches!(error, Error::Config { .. } | Error::UnknownIndex { .. }),
            "{scan:?}: {error}"
        );
    }
    let results: Vec<_> = table
        .parallel_scan_records(Scan::table(), 0)
        .collect()
        .await;
    assert!(
        matches!(results.as_slice(), [Err(Error::Config { .. })]),
        "zero segments is an error, not an empty scan: {results:?}"
    );
    assert_eq!(counter.count(), 0);
    // An eventually consistent scan of the table is allowed.
    let page = table
        .scan_records(&Scan::table().consistent_read(false))
        .await
        .unwrap();
    assert_eq!(page.records.len(), 3);
}
