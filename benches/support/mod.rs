//! What every benchmark program shares: a server, counted clients, fresh tables, medians and the
//! results file the summary (`scripts/bench`) reads.
// Each benchmark uses a different part of this module.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use aws_smithy_types::config_bag::{Storable, StoreReplace};
use structnosql::aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
};
use structnosql::aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use structnosql::aws_sdk_dynamodb::operation::{
    batch_get_item::{BatchGetItemInput, BatchGetItemOutput},
    batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput},
    delete_item::{DeleteItemInput, DeleteItemOutput},
    get_item::{GetItemInput, GetItemOutput},
    put_item::{PutItemInput, PutItemOutput},
    query::{QueryInput, QueryOutput},
    scan::{ScanInput, ScanOutput},
    transact_get_items::{TransactGetItemsInput, TransactGetItemsOutput},
    transact_write_items::{TransactWriteItemsInput, TransactWriteItemsOutput},
    update_item::{UpdateItemInput, UpdateItemOutput},
};
use structnosql::aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use structnosql::aws_sdk_dynamodb::Client;
use structnosql::BoxError;
use structnosql::{client_for_local_endpoint, EmbeddedDynamoDb};

pub mod players;

/// Request counting and fresh table names, as the integration tests have them.
#[path = "../../tests/integration/harness.rs"]
mod harness;

pub use harness::{unique_table_name, RequestCounter};

/// Points the benchmarks at a standalone server instead of the embedded one.
pub const ENDPOINT_VARIABLE: &str = "STRUCTNOSQL_BENCH_ENDPOINT";

/// The endpoint to measure against: `STRUCTNOSQL_BENCH_ENDPOINT`, else an embedded server that lives
/// as long as the process.
pub fn endpoint_url() -> String {
    match std::env::var(ENDPOINT_VARIABLE) {
        Ok(url) if !url.is_empty() => url,
        _ => {
            static SERVER: OnceLock<EmbeddedDynamoDb> = OnceLock::new();
            SERVER
                .get_or_init(|| EmbeddedDynamoDb::start().expect("start the embedded DynamoDB"))
                .endpoint_url()
                .to_owned()
        }
    }
}

/// A client for the benchmark server.
pub fn client() -> Client {
    client_for_local_endpoint(&endpoint_url())
}

/// A client for the benchmark server and the counter of the requests it sends.
pub fn counted_client() -> (Client, RequestCounter) {
    harness::counting(client())
}

/// A client for the benchmark server that asks DynamoDB for the capacity every data request
/// consumes, the counter of the requests it sends and the sum of that capacity.
pub fn capacity_counted_client() -> (Client, RequestCounter, CapacityCounter) {
    let (client, requests) = counted_client();
    let capacity = CapacityCounter::default();
    let config = client
        .config()
        .to_builder()
        .interceptor(capacity.clone())
        .build();
    (Client::from_conf(config), requests, capacity)
}

/// The capacity DynamoDB reported for the requests of a [`CapacityCounter`]'s client.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Capacity {
    /// Read capacity units.
    pub read: f64,
    /// Write capacity units.
    pub write: f64,
    /// Answers that carried a `ConsumedCapacity`.
    pub reported: u64,
    /// Successful answers without one (a server that does not report capacity).
    pub unreported: u64,
    /// Requests DynamoDB refused (an error answer carries no `ConsumedCapacity`).
    pub refused: u64,
}

/// Sets `ReturnConsumedCapacity=TOTAL` on every request that takes it (GetItem, PutItem, UpdateItem,
/// DeleteItem, Query, Scan, BatchGetItem, BatchWriteItem, TransactWriteItems, TransactGetItems) and
/// sums the `ConsumedCapacity` of every answer, attempt by attempt. Units DynamoDB gives as
/// `ReadCapacityUnits`/`WriteCapacityUnits` count as such; a bare `CapacityUnits` counts as read
/// units for GetItem, Query, Scan, BatchGetItem and TransactGetItems and as write units for the
/// others. Other operations (CreateTable, DescribeTable…) are left alone.
#[derive(Debug, Clone, Default)]
pub struct CapacityCounter(Arc<Mutex<Capacity>>);

impl CapacityCounter {
    /// The capacity counted since the last call.
    pub fn take(&self) -> Capacity {
        std::mem::take(&mut *self.0.lock().expect("capacity counter"))
    }

    fn add(&self, change: impl FnOnce(&mut Capacity)) {
        change(&mut self.0.lock().expect("capacity counter"));
    }
}

/// Adds one answer's capacities to `sum`: `reads` says the operation reads.
fn add_capacities<'a>(
    sum: &mut Capacity,
    reads: bool,
    capacities: impl IntoIterator<Item = &'a ConsumedCapacity>,
) {
    let mut reported = false;
    for capacity in capacities {
        reported = true;
        let (read, write) = (
            capacity.read_capacity_units(),
            capacity.write_capacity_units(),
        );
        if read.is_none() && write.is_none() {
            let units = capacity.capacity_units().unwrap_or(0.0);
            if reads {
                sum.read += units;
            } else {
                sum.write += units;
            }
        } else {
            sum.read += read.unwrap_or(0.0);
            sum.write += write.unwrap_or(0.0);
        }
    }
    if reported {
        sum.reported += 1;
    } else {
        sum.unreported += 1;
    }
}

impl Intercept for CapacityCounter {
    fn name(&self) -> &'static str {
        "CapacityCounter"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input_mut();
        let total = Some(ReturnConsumedCapacity::Total);
        macro_rules! ask {
            ($($input:ty => $reads:literal),+) => {
                $(
                    if let Some(input) = input.downcast_mut::<$input>() {
                        input.return_consumed_capacity = total;
                        config.interceptor_state().store_put(DataRequest { reads: $reads });
                        return Ok(());
                    }
                )+
            };
        }
        ask!(
            GetItemInput => true,
            QueryInput => true,
            ScanInput => true,
            BatchGetItemInput => true,
            TransactGetItemsInput => true,
            PutItemInput => false,
            UpdateItemInput => false,
            DeleteItemInput => false,
            BatchWriteItemInput => false,
            TransactWriteItemsInput => false
        );
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(&DataRequest { reads }) = config.load::<DataRequest>() else {
            return Ok(());
        };
        let Ok(output) = context.output_or_error() else {
            self.add(|sum| sum.refused += 1);
            return Ok(());
        };
        let one = |capacity: Option<&ConsumedCapacity>| {
            self.add(|sum| add_capacities(sum, reads, capacity));
        };
        let list = |capacities: Option<&Vec<ConsumedCapacity>>| {
            self.add(|sum| add_capacities(sum, reads, capacities.into_iter().flatten()));
        };
        if let Some(output) = output.downcast_ref::<GetItemOutput>() {
            one(output.consumed_capacity.as_ref());
        } else if let Some(output) = output.downcast_ref::<QueryOutput>() {
            one(output.consumed_capacity.as_ref());
        } else if let Some(output) = output.downcast_ref::<ScanOutput>() {
            one(output.consumed_capacity.as_ref());
        } else if let Some(output) = output.downcast_ref::<PutItemOutput>() {
            one(output.consumed_capacity.as_ref());
        } else if let Some(output) = output.downcast_ref::<UpdateItemOutput>() {
            one(output.consumed_capacity.as_ref());
        } else if let Some(output) = output.downcast_ref::<DeleteItemOutput>() {
            one(output.consumed_capacity.as_ref());
        } else if let Some(output) = output.downcast_ref::<BatchGetItemOutput>() {
            list(output.consumed_capacity.as_ref());
        } else if let Some(output) = output.downcast_ref::<TransactGetItemsOutput>() {
            list(output.consumed_capacity.as_ref());
        } else if let Some(output) = output.downcast_ref::<BatchWriteItemOutput>() {
            list(output.consumed_capacity.as_ref());
        } else if let Some(output) = output.downcast_ref::<TransactWriteItemsOutput>() {
            list(output.consumed_capacity.as_ref());
        }
        Ok(())
    }
}

/// Marks an operation whose capacity a [`CapacityCounter`] counts; `reads` when it reads.
#[derive(Debug, Clone, Copy)]
struct DataRequest {
    reads: bool,
}

impl Storable for DataRequest {
    type Storer = StoreReplace<Self>;
}

/// The median of some measurements (the upper one of the middle two for an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Where benchmark programs leave their results for `scripts/bench`: `target/bench-results/`.
pub fn results_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-results")
}

/// Writes one benchmark's results as `target/bench-results/<name>.json`.
pub fn write_results(name: &str, results: &serde_json::Value) {
    let dir = results_dir();
    std::fs::create_dir_all(&dir).expect("create the results directory");
    let text = serde_json::to_string_pretty(results).expect("results as JSON");
    std::fs::write(dir.join(format!("{name}.json")), text).expect("write the results");
}

/// CPU time this process has used (every thread, user + system), in seconds, from
/// `CLOCK_PROCESS_CPUTIME_ID`: the clock behind Python's `time.process_time`, with nanosecond
/// resolution. `/proc/self/stat`, in 10 ms ticks, is the fallback
/// where this clock is not available.
pub fn process_cpu_seconds() -> f64 {
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        #[repr(C)]
        struct Timespec {
            seconds: i64,
            nanoseconds: i64,
        }
        extern "C" {
            fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
        }
        const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
        let mut time = Timespec {
            seconds: 0,
            nanoseconds: 0,
        };
        // SAFETY: `clock_gettime` writes one `struct timespec` (two 64-bit fields on 64-bit Linux)
        // through a pointer to a live, writable value of that layout, and keeps no reference to it.
        if unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut time) } == 0 {
            return time.seconds as f64 + time.nanoseconds as f64 * 1e-9;
        }
    }
    stat_cpu_seconds()
}

/// CPU time this process has used so far (user + system), in seconds, in 10 ms ticks.
fn stat_cpu_seconds() -> f64 {
    // /proc/self/stat fields 14 and 15 are utime and stime in clock ticks (100 per second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|field| field.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
    (ticks(11) + ticks(12)) / 100.0
}
