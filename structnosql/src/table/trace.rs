//! Tracing: a `dynamodb.request` span around every request a table sends, and a `structnosql.commit`
//! span around every commit of a caching table.
//!
//! Spans carry the table, the operation, the record (its key, shortened as in error messages), the
//! attempts the SDK made, the outcome, and the consumed capacity when the table asks DynamoDB for it
//! ([`TableBuilder::report_consumed_capacity`](super::TableBuilder::report_consumed_capacity)).
//! Attribute values and credentials never appear in them.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use tracing::field::Empty;
use tracing::Instrument;

use super::core::TableCore;
use crate::model::Item;

/// Counts the requests sent through it, every attempt (retries included): the attempts of one
/// request when added to that request (only when they matter: a span, or recognising a retried write),
/// or all the requests of a client when added to its configuration (a caching table's statistics).
#[derive(Debug, Clone, Default)]
pub(crate) struct SendCounter(pub(crate) Arc<AtomicU64>);

impl Intercept for SendCounter {
    fn name(&self) -> &'static str {
        "structnosql::SendCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), crate::BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// A request ready to send (an SDK fluent builder): sent as it is, or with an attempt counter.
pub(crate) trait Request: Sized {
    /// The operation's output.
    type Output: Consumed;
    /// The operation's error.
    type Error;
    /// Sends the request.
    fn plain(self) -> impl Future<Output = Result<Self::Output, Self::Error>> + Send;
    /// Sends the request with `counter` counting its attempts.
    fn counted(
        self,
        counter: SendCounter,
    ) -> impl Future<Output = Result<Self::Output, Self::Error>> + Send;
}

macro_rules! requests {
    ($($operation:ident: $builder:ident, $output:ident, $error:ident;)*) => {$(
        impl Request for aws_sdk_dynamodb::operation::$operation::builders::$builder {
            type Output = aws_sdk_dynamodb::operation::$operation::$output;
            type Error = aws_sdk_dynamodb::error::SdkError<
                aws_sdk_dynamodb::operation::$operation::$error,
                aws_sdk_dynamodb::config::http::HttpResponse,
            >;
            fn plain(self) -> impl Future<Output = Result<Self::Output, Self::Error>> + Send {
                self.send()
            }
            fn counted(
                self,
                counter: SendCounter,
            ) -> impl Future<Output = Result<Self::Output, Self::Error>> + Send {
                self.customize().interceptor(counter).send()
            }
        }
    )*};
}

requests!(
    get_item: GetItemFluentBuilder, GetItemOutput, GetItemError;
    put_item: PutItemFluentBuilder, PutItemOutput, PutItemError;
    update_item: UpdateItemFluentBuilder, UpdateItemOutput, UpdateItemError;
    delete_item: DeleteItemFluentBuilder, DeleteItemOutput, DeleteItemError;
    query: QueryFluentBuilder, QueryOutput, QueryError;
    scan: ScanFluentBuilder, ScanOutput, ScanError;
    batch_get_item: BatchGetItemFluentBuilder, BatchGetItemOutput, BatchGetItemError;
    batch_write_item: BatchWriteItemFluentBuilder, BatchWriteItemOutput, BatchWriteItemError;
    transact_get_items: TransactGetItemsFluentBuilder, TransactGetItemsOutput, TransactGetItemsError;
    transact_write_items: TransactWriteItemsFluentBuilder, TransactWriteItemsOutput, TransactWriteItemsError;
);

/// What a request reports of the capacity it consumed.
pub(crate) trait Consumed {
    /// Capacity units consumed, when DynamoDB reported them.
    fn capacity_units(&self) -> Option<f64>;
}

fn units(capacity: Option<&ConsumedCapacity>) -> Option<f64> {
    capacity.and_then(ConsumedCapacity::capacity_units)
}

fn total_units(capacities: &[ConsumedCapacity]) -> Option<f64> {
    (!capacities.is_empty()).then(|| {
        capacities
            .iter()
            .filter_map(ConsumedCapacity::capacity_units)
            .sum()
    })
}

macro_rules! consumed_one {
    ($($output:path),* $(,)?) => {$(
        impl Consumed for $output {
            fn capacity_units(&self) -> Option<f64> {
                units(self.consumed_capacity())
            }
        }
    )*};
}

macro_rules! consumed_many {
    ($($output:path),* $(,)?) => {$(
        impl Consumed for $output {
            fn capacity_units(&self) -> Option<f64> {
                total_units(self.consumed_capacity())
            }
        }
    )*};
}

consumed_one!(
    aws_sdk_dynamodb::operation::get_item::GetItemOutput,
    aws_sdk_dynamodb::operation::put_item::PutItemOutput,
    aws_sdk_dynamodb::operation::update_item::UpdateItemOutput,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput,
    aws_sdk_dynamodb::operation::query::QueryOutput,
    aws_sdk_dynamodb::operation::scan::ScanOutput,
);

consumed_many!(
    aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput,
    aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput,
    aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsOutput,
    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput,
);

impl TableCore {
    /// Whether requests ask DynamoDB for the capacity they consume (for the spans).
    pub(crate) fn consumed_capacity(&self) -> Option<ReturnConsumedCapacity> {
        self.report_consumed_capacity
            .then_some(ReturnConsumedCapacity::Total)
    }
}

/// Sends `request` inside a `dynamodb.request` span for `operation` on `record` (`None`: several
/// records or none) and records its attempts, outcome and consumed capacity. Without a subscriber
/// that wants the span, the request is simply awaited.
pub(crate) async fn traced<R: Request>(
    core: &TableCore,
    operation: &'static str,
    record: Option<&Item>,
    request: R,
) -> Result<R::Output, R::Error> {
    let span = request_span(&core.table_name, operation);
    if span.is_disabled() {
        return request.plain().await;
    }
    if let Some(key_item) = record {
        span.record("record", core.describe_record(key_item).as_str());
    }
    in_span(span, request, SendCounter::default()).await
}

/// Like [`traced`], also returning how many attempts the SDK made. A conditioned write sent more
/// than once may fail its condition against its own first attempt, which DynamoDB applied before
/// the answer was lost; the caller needs the count to tell that apart from a real conflict.
///
/// Counting costs an interceptor on the request, so it is done only when `count` says the caller
/// will look at the count; otherwise the count is 1.
pub(crate) async fn traced_attempts<R: Request>(
    core: &TableCore,
    operation: &'static str,
    record: Option<&Item>,
    request: R,
    count: bool,
) -> (Result<R::Output, R::Error>, u64) {
    if !count {
        return (traced(core, operation, record, request).await, 1);
    }
    let counter = SendCounter::default();
    let span = request_span(&core.table_name, operation);
    let result = if span.is_disabled() {
        Box::pin(request.counted(counter.clone())).await
    } else {
        if let Some(key_item) = record {
            span.record("record", core.describe_record(key_item).as_str());
        }
        in_span(span, request, counter.clone()).await
    };
    (result, counter.0.load(Ordering::Relaxed))
}

/// A `dynamodb.request` span for a request over several tables (`tables` names them).
pub(crate) async fn traced_across<R: Request>(
    tables: &str,
    operation: &'static str,
    request: R,
) -> Result<R::Output, R::Error> {
    let span = request_span(tables, operation);
    if span.is_disabled() {
        return request.plain().await;
    }
    in_span(span, request, SendCounter::default()).await
}

fn request_span(table: &str, operation: &'static str) -> tracing::Span {
    tracing::debug_span!(
        "dynamodb.request",
        table,
        operation,
        record = Empty,
        attempts = Empty,
        outcome = Empty,
        consumed_capacity = Empty,
    )
}

async fn in_span<R: Request>(
    span: tracing::Span,
    request: R,
    counter: SendCounter,
) -> Result<R::Output, R::Error> {
    // The SDK's request futures are large: boxed, the wrapper below moves a pointer, not the future.
    let result = Box::pin(request.counted(counter.clone()))
        .instrument(span.clone())
        .await;
    span.record("attempts", counter.0.load(Ordering::Relaxed));
    match &result {
        Ok(output) => {
            span.record("outcome", "ok");
            if let Some(units) = output.capacity_units() {
                span.record("consumed_capacity", units);
            }
        }
        Err(_) => {
            span.record("outcome", "error");
        }
    }
    result
}
