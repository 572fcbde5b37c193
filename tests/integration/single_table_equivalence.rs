//! Model-based test of single-table design: random calls on an entity's basic table and on its
//! caching table (committing at random points), with a cold or a warm cache, return the same
//! values and errors, and leave DynamoDB holding the same items, computed attributes included.

use std::collections::BTreeMap;

use proptest::prelude::*;
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::entity::CollectionPage;
use structnosql::entity::{EntityKey, EntityQuery};
use structnosql::external::policy;
use structnosql::external::Executor;
use structnosql::table::{
    BasicTable, BatchRetry, CachingTable, Query, Scan, Setters, SharedCache, SingleTable,
    WriteTransaction,
};

use crate::harness;
use crate::single_table::{external_entity, shop, Customer, CustomerData, Order, Shop, Status};

/// The orders the calls address: (placed on, order id).
const ORDERS: [(&str, &str); 3] = [
    ("2026-12-01", "a1"),
    ("2026-12-01", "b2"),
    ("2026-12-04", "c3"),
];

const USERNAME: &str = "alexdebrie";

#[derive(Debug, Clone)]
enum Op {
    Put {
        order: usize,
        shipped: bool,
        amount: u32,
        note: Option<String>,
    },
    /// Status and amount together: every index key holding them can be rewritten.
    UpdateStatusAndAmount {
        order: usize,
        shipped: bool,
        amount: u32,
    },
    /// The status alone: refused, since one index key also holds the amount.
    UpdateStatusAlone {
        order: usize,
    },
    SetNote {
        order: usize,
        note: String,
    },
    RemoveNote {
        order: usize,
    },
    SetShippedOn {
        order: usize,
        day: String,
    },
    RemoveShippedOn {
        order: usize,
    },
    Delete {
        order: usize,
    },
    Get {
        order: usize,
    },
    GetStatus {
        order: usize,
    },
    /// The customer's own item, in the orders' partition.
    PutCustomer,
    QueryPartition,
    QueryDay {
        day: usize,
    },
    QueryPlacedIndex,
    /// The partition's customer and orders, typed.
    QueryCollection,
    /// One order by its whole key (a caching table answers it from memory when it knows the record).
    QueryOneOrder {
        order: usize,
    },
    /// A transaction across entities: the customer put, an order's status and amount updated.
    Transaction {
        order: usize,
        amount: u32,
    },
    /// Every order, and a batch get of them all (the customer's item is not an order).
    ScanOrders,
    BatchGetOrders,
    Commit,
}

fn op() -> impl Strategy<Value = Op> {
    let order = 0..ORDERS.len();
    let text = "[a-z]{1,4}";
    prop_oneof![
        (
            order.clone(),
            any::<bool>(),
            0u32..3,
            proptest::option::of(text)
        )
            .prop_map(|(order, shipped, amount, note)| Op::Put {
                order,
                shipped,
                amount,
                note
            }),
        (order.clone(), any::<bool>(), 0u32..3).prop_map(|(order, shipped, amount)| {
            Op::UpdateStatusAndAmount {
                order,
                shipped,
                amount,
            }
        }),
        order
            .clone()
            .prop_map(|order| Op::UpdateStatusAlone { order }),
        (order.clone(), text).prop_map(|(order, note)| Op::SetNote { order, note }),
        order.clone().prop_map(|order| Op::RemoveNote { order }),
        (order.clone(), "2026-12-0[5-9]").prop_map(|(order, day)| Op::SetShippedOn { order, day }),
        order
            .clone()
            .prop_map(|order| Op::RemoveShippedOn { order }),
        order.clone().prop_map(|order| Op::Delete { order }),
        order.clone().prop_map(|order| Op::Get { order }),
        order.prop_map(|order| Op::GetStatus { order }),
        Just(Op::PutCustomer),
        Just(Op::QueryPartition),
        (0usize..2).prop_map(|day| Op::QueryDay { day }),
        Just(Op::QueryPlacedIndex),
        Just(Op::QueryCollection),
        (0..ORDERS.len()).prop_map(|order| Op::QueryOneOrder { order }),
        (0..ORDERS.len(), 0u32..3).prop_map(|(order, amount)| Op::Transaction { order, amount }),
        Just(Op::ScanOrders),
        Just(Op::BatchGetOrders),
        Just(Op::Commit),
    ]
}

fn key(order: usize) -> EntityKey<Order> {
    let (placed_on, order_id) = ORDERS[order];
    Order::key(USERNAME, placed_on, order_id)
}

fn status(shipped: bool) -> Status {
    if shipped {
        Status::Shipped
    } else {
        Status::Placed
    }
}

/// What a call returned, comparable across tables: the value, or the error's kind and message.
fn outcome<T: std::fmt::Debug>(result: structnosql::Result<T>) -> String {
    match result {
        Ok(value) => format!("{value:?}"),
        Err(error) => format!("error: {error}"),
    }
}

/// Runs one call on `orders` (and `customers` for the customer's item).
macro_rules! call {
    ($orders:expr, $customers:expr, $op:expr) => {{
        let orders = $orders;
        let fields = Order::fields();
        let partition =
            || EntityQuery::<Order>::primary().key(fields.username(), USERNAME.to_owned());
        match $op.clone() {
            Op::Put {
                order,
                shipped,
                amount,
                note,
            } => {
                let (placed_on, order_id) = ORDERS[order];
                outcome(
                    orders
                        .put_record(&Order {
                            username: USERNAME.into(),
                            placed_on: placed_on.into(),
                            order_id: order_id.into(),
                            status: status(shipped),
                            amount,
                            shipped_on: None,
                            note,
                        })
                        .await,
                )
            }
            Op::UpdateStatusAndAmount {
                order,
                shipped,
                amount,
            } => outcome(
                orders
                    .update_multiple_fields(
                        key(order),
                        &Setters::new()
                            .set(fields.status(), status(shipped))
                            .set(fields.amount(), amount),
                    )
                    .await,
            ),
            Op::UpdateStatusAlone { order } => outcome(
                orders
                    .update_field(key(order), fields.status(), Status::Shipped)
                    .await,
            ),
            Op::SetNote { order, note } => {
                outcome(orders.update_field(key(order), fields.note(), note).await)
            }
            Op::RemoveNote { order } => {
                outcome(orders.remove_field(key(order), fields.note()).await)
            }
            Op::SetShippedOn { order, day } => outcome(
                orders
                    .update_field(key(order), fields.shipped_on(), day)
                    .await,
            ),
            Op::RemoveShippedOn { order } => {
                outcome(orders.remove_field(key(order), fields.shipped_on()).await)
            }
            Op::Delete { order } => outcome(orders.delete_record(key(order)).await),
            Op::Get { order } => outcome(orders.get_record(key(order)).await),
            Op::GetStatus { order } => outcome(orders.get_field(key(order), fields.status()).await),
            Op::PutCustomer => outcome(
                $customers
                    .put_record(&Customer {
                        username: USERNAME.into(),
                        email: "alex@example.com".into(),
                    })
                    .await,
            ),
            Op::QueryPartition => outcome(
                orders
                    .query_field(&partition().build().unwrap(), fields.amount())
                    .await
                    .map(|page| page.records),
            ),
            Op::QueryDay { day } => outcome(
                orders
                    .query_field(
                        &partition()
                            .key(fields.placed_on(), ORDERS[day * 2].0.to_owned())
                            .build()
                            .unwrap(),
                        fields.note(),
                    )
                    .await
                    .map(|page| page.records),
            ),
            Op::QueryPlacedIndex => {
                let query = EntityQuery::<Order>::index("gsi2")
                    .key(fields.status(), Status::Placed)
                    .build()
                    .unwrap();
                outcome(
                    orders
                        .query_field(&query, fields.order_id())
                        .await
                        .map(|page| {
                            let mut ids: Vec<_> =
                                page.records.into_iter().map(|(_, id)| id).collect();
                            ids.sort();
                            ids
                        }),
                )
            }
            Op::QueryOneOrder { order } => {
                let (placed_on, order_id) = ORDERS[order];
                let query = partition()
                    .key(fields.placed_on(), placed_on.to_owned())
                    .key(fields.order_id(), order_id.to_owned())
                    .build()
                    .unwrap();
                outcome(
                    orders
                        .query_field(&query, fields.amount())
                        .await
                        .map(|page| page.records),
                )
            }
            Op::Transaction { order, amount } => {
                let customer = Customer {
                    username: USERNAME.into(),
                    email: format!("{amount}@example.com"),
                };
                let setters = Setters::new()
                    .set(fields.status(), Status::Shipped)
                    .set(fields.amount(), amount);
                let built = WriteTransaction::new()
                    .put($customers, &customer)
                    .and_then(|transaction| transaction.update(orders, key(order), &setters));
                outcome(match built {
                    Ok(transaction) => transaction.commit().await.map(drop),
                    Err(error) => Err(error),
                })
            }
            Op::ScanOrders => outcome(orders.scan_records(&Scan::table()).await.map(|page| {
                let mut records = page.records;
                records.sort_by(|a, b| a.1.order_id.cmp(&b.1.order_id));
                records
            })),
            Op::BatchGetOrders => outcome(
                orders
                    .batch_get_records((0..ORDERS.len()).map(key), BatchRetry::default())
                    .await
                    .map(|report| (report.records, report.missing)),
            ),
            Op::Commit | Op::QueryCollection => String::new(),
        }
    }};
}

/// Every item of the table, by its key attributes, as DynamoDB holds it.
async fn items(
    table_name: &str,
) -> BTreeMap<String, std::collections::HashMap<String, AttributeValue>> {
    let scanned = harness::client()
        .scan()
        .table_name(table_name)
        .consistent_read(true)
        .send()
        .await
        .expect("Scan");
    scanned
        .items
        .unwrap_or_default()
        .into_iter()
        .map(|item| {
            let key = format!("{:?}/{:?}", item.get("pk"), item.get("sk"));
            (key, item)
        })
        .collect()
}

/// The side of the comparison with caches: a shared cache over the shop's entities, or each
/// entity's caching table through an external API serving the shop's entity tables.
struct Cached {
    orders: CachingTable<Order, EntityKey<Order>>,
    customers: CachingTable<Customer, EntityKey<Customer>>,
    shared: Option<SharedCache>,
    table: SingleTable,
}

impl Cached {
    async fn new(shop: &Shop, through_api: bool) -> Self {
        if !through_api {
            let cache = shop.table.cache();
            return Self {
                orders: cache.entity().unwrap(),
                customers: cache.entity().unwrap(),
                shared: Some(cache),
                table: shop.table.clone(),
            };
        }
        let allow = |_: &policy::Access<'_>| Ok(());
        let executor = Executor::new()
            .serve("orders", shop.table.entity::<Order>().unwrap(), allow)
            .serve("customers", shop.table.entity::<Customer>().unwrap(), allow);
        let url = crate::external_tables::listen(executor).await;
        Self {
            orders: external_entity(&url, "orders").await,
            customers: external_entity(&url, "customers").await,
            shared: None,
            table: shop.table.clone(),
        }
    }

    /// Commits every pending write; what failed.
    async fn commit(&self) -> Vec<String> {
        match &self.shared {
            Some(cache) => {
                let report = cache.commit_operations().await;
                report
                    .failed
                    .iter()
                    .map(|failed| format!("{failed:?}"))
                    .collect()
            }
            None => {
                let orders = self.orders.commit_operations().await.failed;
                let customers = self.customers.commit_operations().await.failed;
                let orders = orders.iter().map(|failed| format!("{failed:?}"));
                orders
                    .chain(customers.iter().map(|failed| format!("{failed:?}")))
                    .collect()
            }
        }
    }

    /// A collection query showing the pending writes (the API carries no collection queries: its
    /// tables commit first, and the shop is read directly).
    async fn query_collection(
        &self,
        query: &Query,
    ) -> structnosql::Result<CollectionPage<CustomerData>> {
        match &self.shared {
            Some(cache) => cache.query_collection(query).await,
            None => {
                assert!(self.commit().await.is_empty());
                self.table.query_collection(query).await
            }
        }
    }
}

async fn run(ops: Vec<Op>, warm: bool, through_api: bool) {
    let basic_shop = shop().await;
    let basic: BasicTable<Order, EntityKey<Order>> = basic_shop.table.entity().unwrap();
    let basic_customers = basic_shop.table.entity::<Customer>().unwrap();
    let caching_shop = shop().await;
    let cached = Cached::new(&caching_shop, through_api).await;
    // The first order exists before the calls: put through the caching table itself when warm.
    let first = Op::Put {
        order: 0,
        shipped: false,
        amount: 1,
        note: Some("first".into()),
    };
    call!(&basic, &basic_customers, first);
    if warm {
        call!(&cached.orders, &cached.customers, first);
        assert!(cached.commit().await.is_empty());
    } else {
        let direct: BasicTable<Order, EntityKey<Order>> = caching_shop.table.entity().unwrap();
        call!(&direct, &cached.customers, first);
    }
    let context = format!("warm: {warm}, through the API: {through_api}");
    for (step, op) in ops.iter().enumerate() {
        if matches!(op, Op::Commit) {
            let failed = cached.commit().await;
            assert!(failed.is_empty(), "step {step}: {failed:?}");
            continue;
        }
        if matches!(op, Op::QueryCollection) {
            let partition = EntityQuery::<Customer>::primary()
                .key(Customer::fields().username(), USERNAME.to_owned())
                .build_partition()
                .unwrap();
            let expected = outcome(
                basic_shop
                    .table
                    .query_collection::<CustomerData>(&partition)
                    .await,
            );
            let shown = outcome(cached.query_collection(&partition).await);
            assert_eq!(shown, expected, "step {step}: {op:?} ({context})");
            continue;
        }
        let expected = call!(&basic, &basic_customers, op);
        let shown = call!(&cached.orders, &cached.customers, op);
        assert_eq!(shown, expected, "step {step}: {op:?} ({context})");
    }
    let failed = cached.commit().await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        items(&caching_shop.name).await,
        items(&basic_shop.name).await,
        "stored items after {ops:?} ({context})"
    );
    for order in 0..ORDERS.len() {
        assert_eq!(
            outcome(cached.orders.get_record(key(order)).await),
            outcome(basic.get_record(key(order)).await),
            "the cache's view of order {order} after the commit ({context})"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    /// The caching table of an entity agrees with its basic table, call by call and in what is
    /// stored (keys, index keys and entity types included).
    #[test]
    fn caching_and_basic_entity_tables_agree(ops in proptest::collection::vec(op(), 1..25), warm: bool) {
        harness::block_on_large_stack(run(ops, warm, false));
    }

    /// So do the entities' caching tables through an external API.
    #[test]
    fn external_caching_and_basic_entity_tables_agree(ops in proptest::collection::vec(op(), 1..25), warm: bool) {
        harness::block_on_large_stack(run(ops, warm, true));
    }
}
