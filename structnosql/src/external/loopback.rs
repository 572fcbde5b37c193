//! The test suite through external tables (internals): with `STRUCTNOSQL_INTERNALS_THROUGH_API=1`
//! in the environment, every table built with a DynamoDB client is served by one in-process
//! [`Executor`] (allowing everything) and the table built goes through it as an external table:
//! every operation is encoded in the wire format, checked against the model and executed by the
//! server side, with the same answers a direct table gives.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{OnceLock, RwLock};

use super::policy::{Access, Caller, Denied};
use super::{Executor, ExternalApi};
use crate::model::TableDataModel;
use crate::table::core::{Store, TableCore};
use crate::table::{BasicTable, RecordKey};

/// The environment variable that routes tables through the loopback executor.
pub const VARIABLE: &str = "STRUCTNOSQL_INTERNALS_THROUGH_API";

fn routing() -> bool {
    static ROUTING: OnceLock<bool> = OnceLock::new();
    *ROUTING.get_or_init(|| std::env::var(VARIABLE).is_ok_and(|value| value == "1"))
}

fn server() -> &'static RwLock<Executor> {
    static SERVER: OnceLock<RwLock<Executor>> = OnceLock::new();
    SERVER.get_or_init(|| RwLock::new(Executor::new()))
}

/// `core` as an external table served by the loopback executor, when routing is on (and `core`
/// goes to DynamoDB); `core` itself otherwise.
pub(crate) fn route<M: TableDataModel, K: RecordKey>(core: TableCore) -> TableCore {
    if !routing() || !matches!(core.store, Store::DynamoDb(_)) {
        return core;
    }
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let served_as = format!(
        "{}~{}",
        core.table_name,
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut routed = core.clone();
    let direct = core.clone();
    let served = BasicTable::<M, K>::from_core(core);
    {
        let mut executor = server()
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = std::mem::take(&mut *executor);
        *executor = current.serve(served_as.clone(), served, |_: &Access<'_>| {
            Ok::<(), Denied>(())
        });
    }
    routed.store = Store::External(ExternalApi::loopback(served_as, direct));
    routed.leading_key = None;
    routed
}

/// The direct table behind a table the loopback routed (a table an executor serves goes to DynamoDB
/// itself); `table` itself otherwise.
pub(crate) fn unrouted<M: TableDataModel, K: RecordKey>(
    table: BasicTable<M, K>,
) -> BasicTable<M, K> {
    match table
        .core()
        .external()
        .and_then(ExternalApi::loopback_direct)
    {
        Some(direct) => BasicTable::from_core(direct.clone()),
        None => table,
    }
}

/// Executes a request body on the loopback executor. (Boxed: the server's futures hold the
/// tables' operations, which hold this one's.)
pub(crate) fn execute(body: Vec<u8>) -> Pin<Box<dyn Future<Output = (u16, Vec<u8>)> + Send>> {
    let executor = server()
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    Box::pin(async move { executor.execute(&Caller::new("loopback"), &body).await })
}
