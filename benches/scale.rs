//! How time and memory grow with the size of a record, the number of pending writes on a caching
//! table, and the number of records a caching table holds.
//!
//! Run with `cargo bench --bench scale` (about a minute), or `cargo bench --bench scale -- --quick`
//! for a smoke run (under a minute). Set `STRUCTNOSQL_BENCH_ENDPOINT` to measure against another
//! server than the embedded one.
//!
//! Memory is counted by this program's global allocator, for the benchmark's own thread only: the
//! embedded server runs on a thread of its own, so its allocations are not counted. Bytes are the
//! sizes requested from the allocator, without the allocator's own overhead. Client CPU time is the
//! benchmark thread's CPU time (`/proc/thread-self/schedstat`), so it excludes the server's work.

mod support;

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{json, Value};
use structnosql::aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use structnosql::aws_sdk_dynamodb::Client;
use structnosql::table::{BasicTable, CachingTable, Getters, PrimaryIndex, Query, SortCondition};
use structnosql::{Item, MapModel, TableDataModel};

// ---- Memory: a counting global allocator ------------------------------------------------------

/// Counts the bytes allocated by the threads that opted in, so that the embedded server's allocations
/// (on its own thread) do not blur the client's.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

    /// Every block carries a header recording whether it was counted, so that a counted block freed
    /// on another thread is still subtracted, and an uncounted one freed here is not.
    pub struct CountingAllocator;

    static CURRENT: AtomicI64 = AtomicI64::new(0);
    static PEAK: AtomicI64 = AtomicI64::new(0);
    static ALLOCATED: AtomicU64 = AtomicU64::new(0);
    static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

    thread_local! {
        static COUNTED: Cell<bool> = const { Cell::new(false) };
    }

    const TAG_BYTES: usize = std::mem::size_of::<usize>();

    /// Counts the allocations of the calling thread from now on.
    pub fn count_this_thread() {
        COUNTED.with(|counted| counted.set(true));
    }

    fn this_thread_counted() -> bool {
        COUNTED.try_with(Cell::get).unwrap_or(false)
    }

    /// Header size: room for the tag, keeping the block's alignment.
    fn header(layout: Layout) -> usize {
        layout.align().max(2 * TAG_BYTES)
    }

    fn outer(layout: Layout) -> Option<(Layout, usize)> {
        let header = header(layout);
        let size = layout.size().checked_add(header)?;
        Layout::from_size_align(size, layout.align())
            .ok()
            .map(|outer| (outer, header))
    }

    fn added(bytes: usize) {
        let bytes = bytes as i64;
        let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
        PEAK.fetch_max(now, Ordering::Relaxed);
        ALLOCATED.fetch_add(bytes as u64, Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }

    fn removed(bytes: usize) {
        CURRENT.fetch_sub(bytes as i64, Ordering::Relaxed);
    }

    /// # Safety
    /// `base` is a block of `header` + the caller's bytes, freshly allocated.
    unsafe fn tag(base: *mut u8, header: usize, size: usize) -> *mut u8 {
        let counted = this_thread_counted();
        // SAFETY: the header lies inside the block and is at least `TAG_BYTES` long.
        unsafe {
            let ptr = base.add(header);
            ptr.sub(TAG_BYTES)
                .cast::<usize>()
                .write_unaligned(usize::from(counted));
            if counted {
                added(size);
            }
            ptr
        }
    }

    /// # Safety
    /// `ptr` was returned by this allocator for a block with this header size.
    unsafe fn was_counted(ptr: *mut u8) -> bool {
        // SAFETY: the tag sits right before the caller's bytes.
        unsafe { ptr.sub(TAG_BYTES).cast::<usize>().read_unaligned() == 1 }
    }

    // SAFETY: every block is a `System` block with a header in front; the pointers handed out keep
    // the requested alignment because the header is a multiple of it.
    unsafe impl GlobalAlloc for CountingAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let Some((outer, header)) = outer(layout) else {
                return std::ptr::null_mut();
            };
            // SAFETY: `outer` has a non-zero size.
            unsafe {
                let base = System.alloc(outer);
                if base.is_null() {
                    return base;
                }
                tag(base, header, layout.size())
            }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let Some((outer, header)) = outer(layout) else {
                return std::ptr::null_mut();
            };
            // SAFETY: as in `alloc`.
            unsafe {
                let base = System.alloc_zeroed(outer);
                if base.is_null() {
                    return base;
                }
                tag(base, header, layout.size())
            }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let Some((outer, header)) = outer(layout) else {
                return;
            };
            // SAFETY: `ptr` came from `alloc` with the same layout, so the block starts `header`
            // bytes before it.
            unsafe {
                if was_counted(ptr) {
                    removed(layout.size());
                }
                System.dealloc(ptr.sub(header), outer);
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let (Some((outer, header)), Some(new_outer)) =
                (outer(layout), new_size.checked_add(header(layout)))
            else {
                return std::ptr::null_mut();
            };
            // SAFETY: the block starts `header` bytes before `ptr`; `realloc` keeps the header's
            // bytes (and so the tag), which lie within the smaller of the two sizes.
            unsafe {
                let counted = was_counted(ptr);
                let base = System.realloc(ptr.sub(header), outer, new_outer);
                if base.is_null() {
                    return base;
                }
                if counted {
                    removed(layout.size());
                    added(new_size);
                }
                base.add(header)
            }
        }
    }

    /// What the counted threads hold and have allocated so far.
    #[derive(Debug, Clone, Copy)]
    pub struct Snapshot {
        pub current: i64,
        pub peak: i64,
        pub allocated: u64,
        pub allocations: u64,
    }

    pub fn snapshot() -> Snapshot {
        Snapshot {
            current: CURRENT.load(Ordering::Relaxed),
            peak: PEAK.load(Ordering::Relaxed),
            allocated: ALLOCATED.load(Ordering::Relaxed),
            allocations: ALLOCATIONS.load(Ordering::Relaxed),
        }
    }

    /// Starts a new peak from what is held now.
    pub fn reset_peak() {
        PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: counting::CountingAllocator = counting::CountingAllocator;

// ---- Measuring one operation ------------------------------------------------------------------

/// CPU time of the calling thread, in nanoseconds. Yielding first makes the kernel account the time
/// run since the thread was last scheduled; reading into a stack buffer allocates nothing.
fn thread_cpu_ns() -> Option<u64> {
    use std::io::Read;
    std::thread::yield_now();
    let mut file = std::fs::File::open("/proc/thread-self/schedstat").ok()?;
    let mut buffer = [0u8; 128];
    let length = file.read(&mut buffer).ok()?;
    let text = std::str::from_utf8(buffer.get(..length)?).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// What one measured stretch of work cost the client.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    wall_ns: f64,
    /// NaN when the thread's CPU time cannot be read.
    cpu_ns: f64,
    /// Bytes requested from the allocator (a `realloc` counts its new size).
    allocated: f64,
    allocations: f64,
    /// Highest bytes held during the stretch, above what was held at its start.
    peak: f64,
    /// Bytes still held at the end, above what was held at its start.
    retained: f64,
}

impl Sample {
    /// This sample spread over `count` operations (the peak is not divided: it is not a sum).
    fn per(self, count: usize) -> Self {
        let count = count.max(1) as f64;
        Self {
            wall_ns: self.wall_ns / count,
            cpu_ns: self.cpu_ns / count,
            allocated: self.allocated / count,
            allocations: self.allocations / count,
            peak: self.peak,
            retained: self.retained / count,
        }
    }
}

struct Probe {
    cpu: Option<u64>,
    memory: counting::Snapshot,
    start: Instant,
}

/// Starts measuring; the CPU reading is taken outside the timed window.
fn probe() -> Probe {
    let cpu = thread_cpu_ns();
    counting::reset_peak();
    let memory = counting::snapshot();
    Probe {
        cpu,
        memory,
        start: Instant::now(),
    }
}

impl Probe {
    /// Stops measuring; `cpu_overhead_ns` is what an empty probe costs on the CPU clock.
    fn end(self, cpu_overhead_ns: f64) -> Sample {
        let wall = self.start.elapsed();
        let memory = counting::snapshot();
        let cpu = thread_cpu_ns();
        let cpu_ns = match (self.cpu, cpu) {
            (Some(start), Some(end)) => {
                (end.saturating_sub(start) as f64 - cpu_overhead_ns).max(0.0)
            }
            _ => f64::NAN,
        };
        Sample {
            wall_ns: wall.as_nanos() as f64,
            cpu_ns,
            allocated: memory.allocated.saturating_sub(self.memory.allocated) as f64,
            allocations: memory.allocations.saturating_sub(self.memory.allocations) as f64,
            peak: (memory.peak - self.memory.current) as f64,
            retained: (memory.current - self.memory.current) as f64,
        }
    }
}

/// The CPU time an empty probe reports (the yield and the reading themselves), subtracted from
/// every measurement.
fn calibrate_cpu_overhead() -> f64 {
    let samples: Vec<f64> = (0..200).map(|_| probe().end(0.0).cpu_ns).collect();
    let overhead = support::median(samples);
    if overhead.is_nan() {
        0.0
    } else {
        overhead
    }
}

/// The medians of each measure over some samples.
fn medians(samples: &[Sample]) -> Sample {
    let of = |measure: fn(&Sample) -> f64| support::median(samples.iter().map(measure).collect());
    Sample {
        wall_ns: of(|s| s.wall_ns),
        cpu_ns: of(|s| s.cpu_ns),
        allocated: of(|s| s.allocated),
        allocations: of(|s| s.allocations),
        peak: of(|s| s.peak),
        retained: of(|s| s.retained),
    }
}

fn sample_json(sample: &Sample) -> Value {
    json!({
        "wall_ns": sample.wall_ns,
        "cpu_ns": finite(sample.cpu_ns),
        "allocated_bytes": sample.allocated,
        "allocations": sample.allocations,
        "peak_bytes": sample.peak,
        "retained_bytes": sample.retained,
    })
}

/// NaN is not JSON: unknown values are `null`.
fn finite(value: f64) -> Value {
    if value.is_finite() {
        json!(value)
    } else {
        Value::Null
    }
}

fn time(ns: f64) -> String {
    if ns.is_nan() {
        "-".into()
    } else if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn bytes(value: f64) -> String {
    let magnitude = value.abs();
    if value.is_nan() {
        "-".into()
    } else if magnitude < 1024.0 {
        format!("{value:.0} B")
    } else if magnitude < 1024.0 * 1024.0 {
        format!("{:.1} KiB", value / 1024.0)
    } else {
        format!("{:.2} MiB", value / (1024.0 * 1024.0))
    }
}

fn ratio(ours: f64, theirs: f64) -> f64 {
    if theirs > 0.0 {
        ours / theirs
    } else {
        f64::NAN
    }
}

fn ratio_text(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2}×")
    } else {
        "-".into()
    }
}

/// Settings of a full or a quick run.
struct Plan {
    quick: bool,
    record_kib: Vec<usize>,
    pending: Vec<usize>,
    cached: Vec<usize>,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                quick,
                record_kib: vec![1, 10, 100, 350],
                pending: vec![10, 100, 1_000],
                cached: vec![1, 100, 10_000],
            }
        } else {
            Self {
                quick,
                record_kib: vec![1, 10, 100, 350],
                pending: vec![10, 100, 1_000, 10_000],
                cached: vec![1, 100, 10_000, 100_000],
            }
        }
    }

    /// Repetitions of each record-size measurement: fewer for the largest records.
    fn record_reps(&self, kib: usize) -> usize {
        match (self.quick, kib) {
            (true, _) => 3,
            (false, kib) if kib >= 300 => 11,
            (false, _) => 21,
        }
    }

    /// Repetitions of each pending-writes measurement: fewer for the longest logs.
    fn pending_reps(&self, pending: usize) -> usize {
        match (self.quick, pending) {
            (true, _) => 3,
            (false, pending) if pending >= 10_000 => 5,
            (false, _) => 9,
        }
    }

    /// Times each caching table is filled, and batches of cache hits timed per filling.
    fn cached_reps(&self, records: usize) -> (usize, usize) {
        match (self.quick, records) {
            (true, _) => (1, 3),
            (false, _) => (3, 5),
        }
    }
}

fn main() {
    counting::count_this_thread();
    let quick = std::env::args().any(|arg| arg == "--quick");
    let plan = Plan::new(quick);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let cpu_overhead = calibrate_cpu_overhead();
    let endpoint = std::env::var(support::ENDPOINT_VARIABLE)
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "embedded".to_owned());
    println!(
        "scale benchmark ({} run) against {endpoint}",
        if quick { "quick" } else { "full" }
    );
    let started = Instant::now();
    let record_size = runtime.block_on(record_size::run(&plan, cpu_overhead));
    let pending = runtime.block_on(pending::run(&plan, cpu_overhead));
    let cached = runtime.block_on(cached::run(&plan, cpu_overhead));
    println!("\ntotal time {:.0} s", started.elapsed().as_secs_f64());
    support::write_results(
        "scale",
        &json!({
            "quick": quick,
            "endpoint": endpoint,
            "cpu_probe_overhead_ns": cpu_overhead,
            "record_size": record_size,
            "pending_writes": pending,
            "cached_records": cached,
        }),
    );
}

// ---- 1. Record size -------------------------------------------------------------------------

/// Time and client memory of whole-record and one-field operations as the record grows, for
/// `BasicTable` and for the same requests written by hand with the SDK.
mod record_size {
    use super::*;

    /// A record that grows by entries of a map of small structs.
    #[derive(TableDataModel, Debug, Clone, PartialEq)]
    #[structnosql(rename_all = "camelCase")]
    pub struct Doc {
        doc_id: String,
        title: String,
        #[structnosql(key_name = "entryId")]
        entries: Option<HashMap<String, Entry>>,
    }

    #[derive(MapModel, Debug, Clone, PartialEq)]
    #[structnosql(rename_all = "camelCase")]
    pub struct Entry {
        value: i64,
        label: String,
    }

    /// The item of a `Doc`, built by hand as a user of the bare SDK would.
    fn raw_item(doc: &Doc) -> Item {
        let mut item = Item::with_capacity(3);
        item.insert("docId".into(), AttributeValue::S(doc.doc_id.clone()));
        item.insert("title".into(), AttributeValue::S(doc.title.clone()));
        if let Some(entries) = &doc.entries {
            let map = entries
                .iter()
                .map(|(key, entry)| (key.clone(), raw_entry(entry)))
                .collect();
            item.insert("entries".into(), AttributeValue::M(map));
        }
        item
    }

    fn raw_entry(entry: &Entry) -> AttributeValue {
        AttributeValue::M(HashMap::from([
            (
                "value".to_owned(),
                AttributeValue::N(entry.value.to_string()),
            ),
            ("label".to_owned(), AttributeValue::S(entry.label.clone())),
        ]))
    }

    fn text(value: AttributeValue) -> String {
        match value {
            AttributeValue::S(text) => text,
            other => panic!("expected a string, got {other:?}"),
        }
    }

    fn number(value: AttributeValue) -> i64 {
        match value {
            AttributeValue::N(text) => text.parse().expect("an integer"),
            other => panic!("expected a number, got {other:?}"),
        }
    }

    fn map(value: AttributeValue) -> Item {
        match value {
            AttributeValue::M(map) => map,
            other => panic!("expected a map, got {other:?}"),
        }
    }

    /// A `Doc` decoded by hand from its item.
    fn raw_doc(mut item: Item) -> Doc {
        let entries = item.remove("entries").map(|entries| {
            map(entries)
                .into_iter()
                .map(|(key, entry)| {
                    let mut entry = map(entry);
                    let value = number(entry.remove("value").expect("value"));
                    let label = text(entry.remove("label").expect("label"));
                    (key, Entry { value, label })
                })
                .collect()
        });
        Doc {
            doc_id: text(item.remove("docId").expect("docId")),
            title: text(item.remove("title").expect("title")),
            entries,
        }
    }

    /// A record of about `target` bytes as DynamoDB sizes items, and the key of an entry in its middle.
    fn doc_of_size(doc_id: &str, target: usize) -> (Doc, String) {
        let mut doc = Doc {
            doc_id: doc_id.to_owned(),
            title: "a record grown to a size".to_owned(),
            entries: Some(HashMap::new()),
        };
        let mut total = structnosql::internals::item_bytes(&raw_item(&doc));
        let entries = doc.entries.as_mut().expect("entries");
        let mut index = 0usize;
        while total < target {
            let key = format!("e{index:06}");
            let entry = Entry {
                value: index as i64 * 7919,
                label: format!("{index:06} {}", "label text ".repeat(5)),
            };
            total += 1 + key.len() + structnosql::internals::value_bytes(&raw_entry(&entry));
            entries.insert(key, entry);
            index += 1;
        }
        let middle = format!("e{:06}", index / 2);
        (doc, middle)
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Op {
        PutRecord,
        GetRecord,
        GetField,
        UpdateField,
    }

    const OPS: [Op; 4] = [Op::PutRecord, Op::GetRecord, Op::GetField, Op::UpdateField];

    impl Op {
        fn name(self) -> &'static str {
            match self {
                Op::PutRecord => "put_record",
                Op::GetRecord => "get_record",
                Op::GetField => "get_field",
                Op::UpdateField => "update_field",
            }
        }
    }

    /// What both sides work on at one size.
    struct Subject<'a> {
        table: &'a BasicTable<Doc>,
        client: &'a Client,
        doc: Doc,
        raw_key: String,
        entry: String,
    }

    impl Subject<'_> {
        async fn ours(&self, op: Op, round: i64) {
            let fields = Doc::fields();
            match op {
                Op::PutRecord => self.table.put_record(&self.doc).await.expect("put_record"),
                Op::GetRecord => {
                    let doc = self
                        .table
                        .get_record(self.doc.doc_id.as_str())
                        .await
                        .expect("get_record")
                        .expect("the record exists");
                    assert_eq!(doc.entries.as_ref().map(HashMap::len), self.entries());
                }
                Op::GetField => {
                    let path = fields.entries().key(self.entry.as_str()).value();
                    let value = self
                        .table
                        .get_field(self.doc.doc_id.as_str(), path)
                        .await
                        .expect("get_field");
                    assert!(value.is_some(), "the field exists");
                }
                Op::UpdateField => {
                    let path = fields.entries().key(self.entry.as_str()).value();
                    self.table
                        .update_field(self.doc.doc_id.as_str(), path, round)
                        .await
                        .expect("update_field");
                }
            }
        }

        async fn raw(&self, op: Op, round: i64) {
            let key = AttributeValue::S(self.raw_key.clone());
            match op {
                Op::PutRecord => {
                    let mut item = raw_item(&self.doc);
                    item.insert("docId".into(), key);
                    self.client
                        .put_item()
                        .table_name(self.table.table_name())
                        .set_item(Some(item))
                        .send()
                        .await
                        .expect("PutItem");
                }
                Op::GetRecord => {
                    let output = self
                        .client
                        .get_item()
                        .table_name(self.table.table_name())
                        .key("docId", key)
                        .consistent_read(true)
                        .send()
                        .await
                        .expect("GetItem");
                    let doc = raw_doc(output.item.expect("the record exists"));
                    assert_eq!(doc.entries.as_ref().map(HashMap::len), self.entries());
                }
                Op::GetField => {
                    let output = self
                        .client
                        .get_item()
                        .table_name(self.table.table_name())
                        .key("docId", key)
                        .consistent_read(true)
                        .projection_expression("#e.#k.#v")
                        .expression_attribute_names("#e", "entries")
                        .expression_attribute_names("#k", &self.entry)
                        .expression_attribute_names("#v", "value")
                        .send()
                        .await
                        .expect("GetItem");
                    let mut item = output.item.expect("the record exists");
                    let mut entry = map(map(item.remove("entries").expect("entries"))
                        .remove(&self.entry)
                        .expect("the entry"));
                    number(entry.remove("value").expect("value"));
                }
                Op::UpdateField => {
                    self.client
                        .update_item()
                        .table_name(self.table.table_name())
                        .key("docId", key)
                        .update_expression("SET #e.#k.#v = :v")
                        .expression_attribute_names("#e", "entries")
                        .expression_attribute_names("#k", &self.entry)
                        .expression_attribute_names("#v", "value")
                        .expression_attribute_values(":v", AttributeValue::N(round.to_string()))
                        .send()
                        .await
                        .expect("UpdateItem");
                }
            }
        }

        fn entries(&self) -> Option<usize> {
            self.doc.entries.as_ref().map(HashMap::len)
        }
    }

    pub async fn run(plan: &Plan, cpu_overhead: f64) -> Value {
        let client = support::client();
        let table = BasicTable::<Doc>::builder()
            .table_name(support::unique_table_name("scale-size"))
            .client(client.clone())
            .primary_index(PrimaryIndex::hash("docId"))
            .auto_create_table(true)
            .build()
            .await
            .expect("table");
        println!(
            "\n1. Record size: BasicTable (ours) vs the same requests by hand with aws-sdk-dynamodb (raw)"
        );
        println!(
            "   wall = round trip to the server; cpu = client thread only; alloc = bytes the client allocated per operation"
        );
        println!(
            "{:>8} {:>8} {:>13} | {:>9} {:>9} {:>6} | {:>9} {:>9} {:>6} | {:>10} {:>10} {:>6} | {:>10} {:>10} | {:>4}",
            "size", "entries", "operation", "ours", "raw", "ratio", "ours cpu", "raw cpu", "ratio",
            "ours alloc", "raw alloc", "ratio", "ours peak", "raw peak", "reps"
        );
        let mut results = Vec::new();
        for &kib in &plan.record_kib {
            let (doc, entry) = doc_of_size(&format!("ours-{kib}"), kib * 1024);
            let item_bytes =
                structnosql::internals::item_bytes(&doc.to_item().expect("a valid record"));
            let subject = Subject {
                table: &table,
                client: &client,
                raw_key: format!("raw-{kib}"),
                doc,
                entry,
            };
            // Both records exist before anything is timed; one unrecorded round warms up both.
            for op in OPS {
                subject.ours(op, 0).await;
                subject.raw(op, 0).await;
            }
            let reps = plan.record_reps(kib);
            let mut ours: HashMap<&str, Vec<Sample>> = HashMap::new();
            let mut raw: HashMap<&str, Vec<Sample>> = HashMap::new();
            for rep in 0..reps {
                let round = rep as i64 + 1;
                for op in OPS {
                    // Alternate which side goes first, so neither always follows the other's work.
                    for ours_turn in [rep % 2 == 0, rep % 2 != 0] {
                        let measure = probe();
                        if ours_turn {
                            subject.ours(op, round).await;
                        } else {
                            subject.raw(op, round).await;
                        }
                        let sample = measure.end(cpu_overhead);
                        let side = if ours_turn { &mut ours } else { &mut raw };
                        side.entry(op.name()).or_default().push(sample);
                    }
                }
            }
            let mut ops = serde_json::Map::new();
            for op in OPS {
                let a = medians(&ours[op.name()]);
                let b = medians(&raw[op.name()]);
                println!(
                    "{:>8} {:>8} {:>13} | {:>9} {:>9} {:>6} | {:>9} {:>9} {:>6} | {:>10} {:>10} {:>6} | {:>10} {:>10} | {:>4}",
                    format!("{kib} KiB"),
                    subject.entries().unwrap_or(0),
                    op.name(),
                    time(a.wall_ns),
                    time(b.wall_ns),
                    ratio_text(ratio(a.wall_ns, b.wall_ns)),
                    time(a.cpu_ns),
                    time(b.cpu_ns),
                    ratio_text(ratio(a.cpu_ns, b.cpu_ns)),
                    bytes(a.allocated),
                    bytes(b.allocated),
                    ratio_text(ratio(a.allocated, b.allocated)),
                    bytes(a.peak),
                    bytes(b.peak),
                    reps,
                );
                ops.insert(
                    op.name().to_owned(),
                    json!({
                        "structnosql": sample_json(&a),
                        "raw": sample_json(&b),
                        "ratio": {
                            "wall": finite(ratio(a.wall_ns, b.wall_ns)),
                            "cpu": finite(ratio(a.cpu_ns, b.cpu_ns)),
                            "allocated": finite(ratio(a.allocated, b.allocated)),
                            "peak": finite(ratio(a.peak, b.peak)),
                        },
                    }),
                );
            }
            results.push(json!({
                "target_kib": kib,
                "item_bytes": item_bytes,
                "entries": subject.entries(),
                "reps": reps,
                "operations": ops,
            }));
        }
        Value::Array(results)
    }
}

// ---- 2. Pending writes ----------------------------------------------------------------------

/// Queuing writes on a caching table and committing them, as the number of pending writes grows:
/// distinct paths (the log grows) and one path written again and again (the log should stay short).
mod pending {
    use super::*;

    /// A record with a map of counters, each written by path.
    #[derive(TableDataModel, Debug, Clone, PartialEq)]
    #[structnosql(rename_all = "camelCase")]
    pub struct Tally {
        tally_id: String,
        #[structnosql(key_name = "itemId")]
        items: Option<HashMap<String, Counter>>,
    }

    #[derive(MapModel, Debug, Clone, PartialEq)]
    #[structnosql(rename_all = "camelCase")]
    pub struct Counter {
        value: i64,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Mode {
        /// `items.k00000.value`, `items.k00001.value`, ...: each write creates its entry.
        NestedPaths,
        /// `items.k00000`, `items.k00001`, ...: distinct paths that share their parent.
        MapKeys,
        /// `items.k00000.value` every time.
        SamePath,
    }

    const MODES: [Mode; 3] = [Mode::NestedPaths, Mode::MapKeys, Mode::SamePath];

    impl Mode {
        fn name(self) -> &'static str {
            match self {
                Mode::NestedPaths => "items.{k}.value",
                Mode::MapKeys => "items.{k}",
                Mode::SamePath => "items.k0.value",
            }
        }

        /// Entries the record holds once the `n` writes are committed.
        fn entries(self, n: usize) -> usize {
            match self {
                Mode::NestedPaths | Mode::MapKeys => n,
                Mode::SamePath => 1,
            }
        }
    }

    /// Queues the `i`-th write.
    async fn queue(table: &CachingTable<Tally>, key: &str, mode: Mode, i: usize) {
        let items = Tally::fields().items();
        let value = i as i64;
        let queued = match mode {
            Mode::NestedPaths => {
                let path = items.key(format!("k{i:05}")).value();
                table.update_field(key, path, value).await
            }
            Mode::MapKeys => {
                let path = items.key(format!("k{i:05}"));
                table.update_field(key, path, Counter { value }).await
            }
            Mode::SamePath => {
                table
                    .update_field(key, items.key("k00000").value(), value)
                    .await
            }
        };
        queued.expect("queued");
    }

    /// The entries DynamoDB holds for the record after the commit.
    async fn stored_entries(client: &Client, table: &str, key: &str) -> Item {
        let output = client
            .get_item()
            .table_name(table)
            .key("tallyId", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem");
        match output.item.and_then(|mut item| item.remove("items")) {
            Some(AttributeValue::M(entries)) => entries,
            other => panic!("the record has no items map: {other:?}"),
        }
    }

    pub async fn run(plan: &Plan, cpu_overhead: f64) -> Value {
        let (client, counter) = support::counted_client();
        let table = CachingTable::<Tally>::builder()
            .table_name(support::unique_table_name("scale-pending"))
            .client(client.clone())
            .primary_index(PrimaryIndex::hash("tallyId"))
            .auto_create_table(true)
            .build()
            .await
            .expect("table");
        println!("\n2. Pending writes on a CachingTable: queue N update_field calls on one record, then commit_operations");
        println!("   the record is put first (cached whole, with an empty items map), so each write of a new key creates its entry;");
        println!("   per update = one queuing call, building its path included;");
        println!("   held = bytes the table holds more after queuing (pending log + the view reads see); commit peak = client bytes above the start");
        println!(
            "{:>15} {:>7} | {:>10} {:>10} {:>10} | {:>10} {:>10} | {:>10} {:>10} {:>8} {:>10} | {:>4}",
            "writes", "N", "per update", "cpu", "alloc", "held", "held/upd", "commit", "commit cpu", "requests", "peak", "reps"
        );
        let mut results = Vec::new();
        for mode in MODES {
            for &n in &plan.pending {
                let reps = plan.pending_reps(n);
                let mut queued = Vec::with_capacity(reps);
                let mut committed = Vec::with_capacity(reps);
                let mut requests = Vec::with_capacity(reps);
                let mut commit_error = None;
                for rep in 0..reps {
                    let key = format!("{mode:?}-{n}-{rep}");
                    let record = Tally {
                        tally_id: key.clone(),
                        items: Some(HashMap::new()),
                    };
                    table.put_record(&record).await.expect("put_record");
                    counter.take();

                    let measure = probe();
                    for i in 0..n {
                        queue(&table, &key, mode, i).await;
                    }
                    queued.push(measure.end(cpu_overhead).per(n));
                    assert_eq!(counter.take(), 0, "updates are only queued");
                    assert!(table.has_pending_operations());

                    let measure = probe();
                    let report = table.commit_operations().await;
                    let sample = measure.end(cpu_overhead);
                    let sent = counter.take() as f64;
                    if let Some((_, error)) = report.failed.first() {
                        // Keep measuring the queue; the failed writes would otherwise pile up.
                        commit_error = Some(error.to_string());
                        table.clear_pending_operations();
                        continue;
                    }
                    committed.push(sample);
                    requests.push(sent);
                    assert!(!table.has_pending_operations());

                    // What DynamoDB holds is what was queued.
                    let entries = stored_entries(&client, table.table_name(), &key).await;
                    assert_eq!(entries.len(), mode.entries(n), "entries after the commit");
                    let last = format!("k{:05}", mode.entries(n) - 1);
                    assert_eq!(
                        entries.get(&last),
                        Some(&AttributeValue::M(HashMap::from([(
                            "value".to_owned(),
                            AttributeValue::N((n - 1).to_string()),
                        )]))),
                        "the last write won"
                    );
                    counter.take();
                }
                let queue = medians(&queued);
                let commit = medians(&committed);
                let request_count = support::median(requests);
                let commit_columns = match &commit_error {
                    None => format!(
                        "{:>10} {:>10} {:>8} {:>10}",
                        time(commit.wall_ns),
                        time(commit.cpu_ns),
                        request_count,
                        bytes(commit.peak)
                    ),
                    Some(_) => format!("{:>41}", "FAILED (see below)"),
                };
                println!(
                    "{:>15} {:>7} | {:>10} {:>10} {:>10} | {:>10} {:>10} | {commit_columns} | {:>4}",
                    mode.name(),
                    n,
                    time(queue.wall_ns),
                    time(queue.cpu_ns),
                    bytes(queue.allocated),
                    bytes(queue.retained * n as f64),
                    bytes(queue.retained),
                    reps,
                );
                if let Some(error) = &commit_error {
                    println!("{:>25} commit error: {error}", "");
                }
                results.push(json!({
                    "mode": mode.name(),
                    "pending": n,
                    "reps": reps,
                    "per_queued_update": sample_json(&queue),
                    "held_bytes": queue.retained * n as f64,
                    "commit": if commit_error.is_none() { sample_json(&commit) } else { Value::Null },
                    "commit_requests": if commit_error.is_none() { finite(request_count) } else { Value::Null },
                    "commit_error": commit_error,
                }));
            }
        }
        Value::Array(results)
    }
}

// ---- 3. Cached records ----------------------------------------------------------------------

/// A caching table holding more and more records: cache hits should cost the same, and the cache
/// should hold the data with a bounded overhead.
mod cached {
    use super::*;

    /// A small record of a partition, so that query pages can fill the cache.
    #[derive(TableDataModel, Debug, Clone, PartialEq)]
    #[structnosql(rename_all = "camelCase")]
    pub struct Row {
        part: String,
        seq: i64,
        name: String,
        score: i64,
        stats: Option<Stats>,
    }

    #[derive(MapModel, Debug, Clone, PartialEq)]
    #[structnosql(rename_all = "camelCase")]
    pub struct Stats {
        hits: i64,
        label: String,
    }

    const PARTITION: &str = "rows";
    /// Records per query page.
    const PAGE: i32 = 1_000;
    /// Cache hits per timed batch.
    const HITS: usize = 2_000;

    fn row(seq: usize) -> Row {
        Row {
            part: PARTITION.to_owned(),
            seq: seq as i64,
            name: format!("record number {seq:06}"),
            score: (seq * 31 % 1_000) as i64,
            stats: Some(Stats {
                hits: (seq % 97) as i64,
                label: format!("statistics of record {seq:06}"),
            }),
        }
    }

    /// Writes rows `0..count` in batches of 25 (BatchWriteItem); returns each item's size as
    /// DynamoDB counts it.
    async fn write_rows(client: &Client, table: &str, count: usize) -> Vec<usize> {
        use futures::StreamExt;
        let items: Vec<Item> = (0..count)
            .map(|seq| row(seq).to_item().expect("a valid record"))
            .collect();
        let sizes = items
            .iter()
            .map(structnosql::internals::item_bytes)
            .collect();
        let batches: Vec<Vec<WriteRequest>> = items
            .chunks(25)
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|item| {
                        let put = PutRequest::builder()
                            .set_item(Some(item.clone()))
                            .build()
                            .expect("put request");
                        WriteRequest::builder().put_request(put).build()
                    })
                    .collect()
            })
            .collect();
        drop(items);
        futures::stream::iter(batches)
            .for_each_concurrent(4, |mut requests| async move {
                while !requests.is_empty() {
                    let output = client
                        .batch_write_item()
                        .request_items(table, requests)
                        .send()
                        .await
                        .expect("BatchWriteItem");
                    requests = output
                        .unprocessed_items
                        .and_then(|mut left| left.remove(table))
                        .unwrap_or_default();
                }
            })
            .await;
        sizes
    }

    async fn table(client: &Client, name: &str) -> CachingTable<Row, (String, i64)> {
        CachingTable::<Row, (String, i64)>::builder()
            .table_name(name)
            .client(client.clone())
            .primary_index(PrimaryIndex::hash_and_sort("part", "seq"))
            .build()
            .await
            .expect("table")
    }

    fn getters() -> Getters {
        let fields = Row::fields();
        Getters::new()
            .field("name", fields.name())
            .field("score", fields.score())
            .field("stats", fields.stats())
    }

    /// What dropping a value frees: the bytes it held.
    fn held_by<T>(value: T) -> f64 {
        let before = counting::snapshot().current;
        drop(value);
        (before - counting::snapshot().current) as f64
    }

    pub async fn run(plan: &Plan, cpu_overhead: f64) -> Value {
        let (client, counter) = support::counted_client();
        let name = support::unique_table_name("scale-cached");
        BasicTable::<Row, (String, i64)>::builder()
            .table_name(&name)
            .client(client.clone())
            .primary_index(PrimaryIndex::hash_and_sort("part", "seq"))
            .auto_create_table(true)
            .build()
            .await
            .expect("create the table");
        let most = plan.cached.iter().copied().max().unwrap_or(0);
        let writing = Instant::now();
        let sizes = write_rows(&client, &name, most).await;
        let write_seconds = writing.elapsed().as_secs_f64();
        counter.take();
        let getters = getters();
        let hit_path = Row::fields().stats().hits();

        // A caching table that holds nothing: its fixed cost, taken off what the filled ones hold.
        let empty = table(&client, &name).await;
        empty
            .query_multiple_fields(&Query::primary("nothing here").expect("query"), &getters)
            .await
            .expect("warm-up query");
        let empty_bytes = held_by(empty);

        println!(
            "\n3. Cached records: a CachingTable filled by query pages of {PAGE} (query_multiple_fields of every field), then cache-hit get_field of stats.hits"
        );
        println!(
            "   hit = per read, {HITS} reads of random records per batch; same rec = {HITS} reads of one record; reps = fillings × batches"
        );
        println!(
            "   ({most} records written with BatchWriteItem in {write_seconds:.1} s); data = item bytes as DynamoDB sizes them (names + values, structnosql::internals::item_bytes);"
        );
        println!(
            "   cache = what dropping the table frees, less an empty table's {}; items = the same records as Vec<HashMap<String, AttributeValue>>",
            bytes(empty_bytes)
        );
        println!(
            "{:>8} | {:>9} {:>9} {:>9} {:>8} | {:>10} {:>10} {:>10} {:>10} {:>7} {:>7} | {:>10} {:>8} | {:>5}",
            "records", "hit", "hit cpu", "same rec", "alloc", "data", "cache", "cache/rec", "items", "c/data", "c/items", "fill/rec", "queries", "reps"
        );
        let mut results = Vec::new();
        for &n in &plan.cached {
            let data_bytes: usize = sizes.iter().take(n).sum();
            let plain = {
                let measure = probe();
                let items: Vec<Item> = (0..n)
                    .map(|seq| row(seq).to_item().expect("a valid record"))
                    .collect();
                let held = measure.end(cpu_overhead).retained;
                drop(items);
                held
            };
            let (fills, batches) = plan.cached_reps(n);
            let mut hits = Vec::new();
            let mut same_record_hits = Vec::new();
            let mut fill_samples = Vec::new();
            let mut cache_bytes = Vec::new();
            let mut queries = Vec::new();
            let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
            for _ in 0..fills {
                let table = table(&client, &name).await;
                table
                    .query_multiple_fields(
                        &Query::primary("nothing here").expect("query"),
                        &getters,
                    )
                    .await
                    .expect("warm-up query");
                counter.take();
                let measure = probe();
                let mut start = None;
                let mut filled = 0;
                loop {
                    let query = Query::primary(PARTITION)
                        .expect("query")
                        .sort(SortCondition::lt(n as i64).expect("sort condition"))
                        .limit(PAGE)
                        .start_after(start);
                    let page = table
                        .query_multiple_fields(&query, &getters)
                        .await
                        .expect("query page");
                    filled += page.records.len();
                    if page.metadata.has_reached_end {
                        break;
                    }
                    start = page.metadata.last_evaluated_key;
                }
                fill_samples.push(measure.end(cpu_overhead).per(n));
                assert_eq!(filled, n, "records the queries found");
                queries.push(counter.take() as f64);

                let first = table
                    .get_field_traced((PARTITION.to_owned(), 0), hit_path.clone())
                    .await
                    .expect("get_field");
                assert!(first.from_cache && first.value.is_some(), "a cache hit");
                for _ in 0..batches {
                    let measure = probe();
                    for _ in 0..HITS {
                        seed = seed
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        let seq = (seed >> 33) as usize % n;
                        let value = table
                            .get_field((PARTITION.to_owned(), seq as i64), hit_path.clone())
                            .await
                            .expect("get_field");
                        assert_eq!(value, Some((seq % 97) as i64));
                    }
                    hits.push(measure.end(cpu_overhead).per(HITS));
                    // The same record every time: no growth here means any growth above comes
                    // from spreading reads over more memory, not from the lookup itself.
                    let seq = n / 2;
                    let measure = probe();
                    for _ in 0..HITS {
                        let value = table
                            .get_field((PARTITION.to_owned(), seq as i64), hit_path.clone())
                            .await
                            .expect("get_field");
                        assert_eq!(value, Some((seq % 97) as i64));
                    }
                    same_record_hits.push(measure.end(cpu_overhead).per(HITS));
                }
                assert_eq!(counter.take(), 0, "every read was a cache hit");
                cache_bytes.push(held_by(table) - empty_bytes);
            }
            let hit = medians(&hits);
            let same_record_hit = medians(&same_record_hits);
            let fill = medians(&fill_samples);
            let cache = support::median(cache_bytes);
            let query_count = support::median(queries);
            println!(
                "{:>8} | {:>9} {:>9} {:>9} {:>8} | {:>10} {:>10} {:>10} {:>10} {:>7} {:>7} | {:>10} {:>8} | {:>5}",
                n,
                time(hit.wall_ns),
                time(hit.cpu_ns),
                time(same_record_hit.wall_ns),
                bytes(hit.allocated),
                bytes(data_bytes as f64),
                bytes(cache),
                bytes(cache / n as f64),
                bytes(plain),
                ratio_text(ratio(cache, data_bytes as f64)),
                ratio_text(ratio(cache, plain)),
                time(fill.wall_ns),
                query_count,
                format!("{fills}×{batches}"),
            );
            results.push(json!({
                "records": n,
                "fills": fills,
                "hit_batches_per_fill": batches,
                "hits_per_batch": HITS,
                "cache_hit": sample_json(&hit),
                "cache_hit_same_record": sample_json(&same_record_hit),
                "data_bytes": data_bytes,
                "cache_bytes": cache,
                "empty_table_bytes": empty_bytes,
                "plain_items_bytes": plain,
                "cache_over_data": finite(ratio(cache, data_bytes as f64)),
                "cache_over_plain_items": finite(ratio(cache, plain)),
                "plain_items_over_data": finite(ratio(plain, data_bytes as f64)),
                "fill_per_record": sample_json(&fill),
                "fill_queries": query_count,
            }));
        }
        json!({
            "rows_written": most,
            "write_seconds": write_seconds,
            "sizes": results,
        })
    }
}
