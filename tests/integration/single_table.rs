//! Single-table design: several entities in one table, their keys, index keys and entity type
//! computed by templates, and every write keeping them true, on a basic and a caching table.

use std::collections::HashMap;

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::entity::{Collection, EntityKey, EntityQuery};
use structnosql::expr::Condition;
use structnosql::table::{
    BasicTable, BatchRetry, CachingTable, GlobalSecondaryIndex, Scan, Setters, SingleTable,
    WriteTransaction,
};
use structnosql::{Error, StringEnum, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(
    rename_all = "camelCase",
    entity = "Customer",
    pk = "CUSTOMER#{username}",
    sk = "CUSTOMER#{username}"
)]
pub struct Customer {
    pub username: String,
    pub email: String,
}

/// Another entity with the same key templates as `Customer`, to read a customer's item as one.
#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(
    rename_all = "camelCase",
    entity = "Account",
    pk = "CUSTOMER#{username}",
    sk = "CUSTOMER#{username}"
)]
pub struct Account {
    username: String,
    email: String,
}

#[derive(StringEnum, Debug, Clone, Copy, PartialEq)]
#[structnosql(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Placed,
    Shipped,
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(
    rename_all = "camelCase",
    entity = "Order",
    pk = "CUSTOMER#{username}",
    sk = "#ORDER#{placed_on}#{order_id}",
    index(name = "gsi1", pk = "ORDER#{order_id}", sk = "STATUS#{status}"),
    index(name = "gsi2", pk = "STATUS#{status}", sk = "AMOUNT#{amount}"),
    index(name = "gsi3", pk = "SHIPPED", sk = "{shipped_on}#{order_id}")
)]
pub struct Order {
    pub username: String,
    pub placed_on: String,
    pub order_id: String,
    pub status: Status,
    pub amount: u32,
    pub shipped_on: Option<String>,
    pub note: Option<String>,
}

fn order(username: &str, order_id: &str, amount: u32) -> Order {
    Order {
        username: username.into(),
        placed_on: "2026-12-04".into(),
        order_id: order_id.into(),
        status: Status::Placed,
        amount,
        shipped_on: None,
        note: None,
    }
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

pub struct Shop {
    pub name: String,
    pub counter: harness::RequestCounter,
    pub table: SingleTable,
}

/// A new shared table with the three indexes the orders' templates fill.
pub async fn shop() -> Shop {
    let name = harness::unique_table_name("shop");
    let (client, counter) = harness::counted_client();
    let mut builder = SingleTable::builder()
        .table_name(&name)
        .client(client)
        .auto_create_table(true);
    for index in ["gsi1", "gsi2", "gsi3"] {
        builder = builder.global_secondary_index(
            GlobalSecondaryIndex::hash(format!("{index}pk"))
                .sort_key(format!("{index}sk"))
                .index_name(index),
        );
    }
    let table = builder.build().await.expect("shared table");
    counter.take();
    Shop {
        name,
        counter,
        table,
    }
}

/// The item stored under `pk` and `sk`, as DynamoDB holds it.
async fn stored(table_name: &str, pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    harness::stored_item_at(table_name, [("pk", s(pk)), ("sk", s(sk))]).await
}

const ORDER_PK: &str = "CUSTOMER#alexdebrie";
const ORDER_SK: &str = "#ORDER#2026-12-04#1e499a";

#[tokio::test]
async fn entities_share_a_table_and_every_put_stores_their_computed_attributes() {
    let shop = shop().await;
    let customers = shop.table.entity::<Customer>().unwrap();
    let orders = shop.table.entity::<Order>().unwrap();
    let customer = Customer {
        username: "alexdebrie".into(),
        email: "alex@example.com".into(),
    };
    customers.put_record(&customer).await.unwrap();
    orders
        .put_record(&order("alexdebrie", "1e499a", 42))
        .await
        .unwrap();
    assert_eq!(shop.counter.take(), 2, "one PutItem each");

    let item = stored(&shop.name, ORDER_PK, ORDER_SK).await;
    assert_eq!(item.get("_et"), Some(&s("Order")));
    assert_eq!(item.get("gsi1pk"), Some(&s("ORDER#1e499a")));
    assert_eq!(item.get("gsi1sk"), Some(&s("STATUS#PLACED")));
    assert_eq!(item.get("gsi2pk"), Some(&s("STATUS#PLACED")));
    assert_eq!(
        item.get("gsi2sk"),
        Some(&s("AMOUNT#0000000042")),
        "a u32 padded to 10 digits"
    );
    assert!(
        !item.contains_key("gsi3pk") && !item.contains_key("gsi3sk"),
        "sparse: not shipped"
    );
    let item = stored(&shop.name, ORDER_PK, ORDER_PK).await;
    assert_eq!(item.get("_et"), Some(&s("Customer")));

    let key = Order::key("alexdebrie", "2026-12-04", "1e499a");
    assert_eq!(key.hash_value().unwrap(), ORDER_PK);
    assert_eq!(key.sort_value().unwrap().as_deref(), Some(ORDER_SK));
    assert_eq!(
        orders.get_record(key).await.unwrap(),
        Some(order("alexdebrie", "1e499a", 42))
    );
    assert_eq!(
        customers
            .get_record(Customer::key("alexdebrie"))
            .await
            .unwrap(),
        Some(customer)
    );
}

#[tokio::test]
async fn reading_an_item_of_another_entity_is_an_error_naming_the_entity_type() {
    let shop = shop().await;
    let customers = shop.table.entity::<Customer>().unwrap();
    let accounts = shop.table.entity::<Account>().unwrap();
    customers
        .put_record(&Customer {
            username: "alexdebrie".into(),
            email: "alex@example.com".into(),
        })
        .await
        .unwrap();
    let error = accounts
        .get_record(Account::key("alexdebrie"))
        .await
        .unwrap_err();
    harness::assert_one_stored_violation(
        &error,
        "_et",
        "the item's entity is Customer, not Account",
    );
}

enum TableOf {
    Basic(BasicTable<Order, EntityKey<Order>>),
    Caching(CachingTable<Order, EntityKey<Order>>),
}

macro_rules! on_table {
    ($table:expr, |$t:ident| $body:expr) => {
        match $table {
            TableOf::Basic($t) => $body,
            TableOf::Caching($t) => $body,
        }
    };
}

fn order_key() -> EntityKey<Order> {
    Order::key("alexdebrie", "2026-12-04", "1e499a")
}

/// Runs `calls` on a basic table and on a caching table (committed after) of two shops holding the
/// same order (put through the caching table itself when `warm`, so that it knows the record), and
/// returns the stored order of each, the results of `calls`, and the requests each sent.
async fn on_both_tables<F, Fut, R>(
    warm: bool,
    calls: F,
) -> [(HashMap<String, AttributeValue>, R, u64); 2]
where
    F: Fn(TableOf) -> Fut,
    Fut: std::future::Future<Output = R>,
{
    let basic = shop().await;
    let orders = basic.table.entity::<Order>().unwrap();
    orders
        .put_record(&order("alexdebrie", "1e499a", 42))
        .await
        .unwrap();
    basic.counter.take();
    let basic_result = calls(TableOf::Basic(orders)).await;
    let basic_requests = basic.counter.take();

    let caching = shop().await;
    let cached = caching.table.cache().entity::<Order>().unwrap();
    let first = order("alexdebrie", "1e499a", 42);
    if warm {
        cached.put_record(&first).await.unwrap();
    } else {
        caching
            .table
            .entity::<Order>()
            .unwrap()
            .put_record(&first)
            .await
            .unwrap();
    }
    let report = cached.commit_operations().await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    caching.counter.take();
    let caching_result = calls(TableOf::Caching(cached.clone())).await;
    let report = cached.commit_operations().await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let caching_requests = caching.counter.take();
    [
        (
            stored(&basic.name, ORDER_PK, ORDER_SK).await,
            basic_result,
            basic_requests,
        ),
        (
            stored(&caching.name, ORDER_PK, ORDER_SK).await,
            caching_result,
            caching_requests,
        ),
    ]
}

#[tokio::test]
async fn a_field_update_rewrites_the_index_keys_holding_it_in_the_same_request() {
    for warm in [false, true] {
        let [(basic, basic_read, basic_requests), (caching, caching_read, caching_requests)] =
            on_both_tables(warm, |table| async move {
                let fields = Order::fields();
                let setters = Setters::new()
                    .set(fields.status(), Status::Shipped)
                    .set(fields.amount(), 7u32);
                on_table!(table, |t| {
                    t.update_multiple_fields(order_key(), &setters)
                        .await
                        .unwrap();
                    t.get_record(order_key()).await.unwrap()
                })
            })
            .await;
        assert_eq!(basic_requests, 2, "one UpdateItem, one GetItem");
        let expected = if warm { 1 } else { 2 };
        assert_eq!(
            caching_requests, expected,
            "the commit's one UpdateItem, and a GetItem unless the cache knew the record"
        );
        assert_eq!(basic, caching, "warm: {warm}");
        assert_eq!(basic_read, caching_read);
        let expected = Order {
            status: Status::Shipped,
            amount: 7,
            ..order("alexdebrie", "1e499a", 42)
        };
        assert_eq!(basic_read, Some(expected));
        assert_eq!(
            basic.get("gsi1sk"),
            Some(&s("STATUS#SHIPPED")),
            "completed by the key's fields"
        );
        assert_eq!(basic.get("gsi2pk"), Some(&s("STATUS#SHIPPED")));
        assert_eq!(basic.get("gsi2sk"), Some(&s("AMOUNT#0000000007")));
    }
}

#[tokio::test]
async fn an_index_key_field_written_without_the_other_fields_of_its_template_is_refused() {
    let shop = shop().await;
    let orders = shop.table.entity::<Order>().unwrap();
    let cached = shop.table.cache().entity::<Order>().unwrap();
    orders
        .put_record(&order("alexdebrie", "1e499a", 42))
        .await
        .unwrap();
    let before = stored(&shop.name, ORDER_PK, ORDER_SK).await;
    shop.counter.take();
    for error in [
        orders
            .update_field(order_key(), Order::fields().status(), Status::Shipped)
            .await
            .unwrap_err(),
        cached
            .update_field(order_key(), Order::fields().status(), Status::Shipped)
            .await
            .unwrap_err(),
    ] {
        let Error::Validation { violations } = &error else {
            panic!("expected a validation error, got {error:?}");
        };
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].path.to_string(), "status");
        assert!(
            violations[0].message.contains("`amount`"),
            "{}",
            violations[0].message
        );
    }
    assert!(cached.commit_operations().await.committed.is_empty());
    assert_eq!(shop.counter.take(), 0, "nothing sent");
    assert_eq!(stored(&shop.name, ORDER_PK, ORDER_SK).await, before);
}

#[tokio::test]
async fn an_index_whose_template_holds_an_absent_field_is_sparse() {
    for warm in [false, true] {
        let [(basic, _, _), (caching, _, _)] = on_both_tables(warm, |table| async move {
            let shipped_on = Order::fields().shipped_on();
            on_table!(table, |t| {
                t.update_field(order_key(), shipped_on.clone(), "2026-12-06".to_owned())
                    .await
                    .unwrap();
                let shipped = t.get_record(order_key()).await.unwrap();
                t.remove_field(order_key(), shipped_on).await.unwrap();
                shipped
            })
        })
        .await;
        assert_eq!(basic, caching, "warm: {warm}");
        assert!(!basic.contains_key("gsi3pk") && !basic.contains_key("shippedOn"));
    }
    let shop = shop().await;
    let orders = shop.table.entity::<Order>().unwrap();
    orders
        .put_record(&Order {
            shipped_on: Some("2026-12-06".into()),
            ..order("alexdebrie", "1e499a", 42)
        })
        .await
        .unwrap();
    let item = stored(&shop.name, ORDER_PK, ORDER_SK).await;
    assert_eq!(item.get("gsi3pk"), Some(&s("SHIPPED")));
    assert_eq!(item.get("gsi3sk"), Some(&s("2026-12-06#1e499a")));
}

#[tokio::test]
async fn a_write_to_a_field_no_template_holds_writes_no_index_key() {
    for warm in [false, true] {
        let [(basic, _, basic_requests), (caching, _, caching_requests)] =
            on_both_tables(warm, |table| async move {
                on_table!(table, |t| t
                    .update_field(order_key(), Order::fields().note(), "fragile".to_owned())
                    .await
                    .unwrap())
            })
            .await;
        assert_eq!((basic_requests, caching_requests), (1, 1));
        assert_eq!(basic, caching, "warm: {warm}");
        assert_eq!(basic.get("note"), Some(&s("fragile")));
        assert_eq!(basic.get("gsi2pk"), Some(&s("STATUS#PLACED")));
    }
}

#[tokio::test]
async fn a_field_write_creating_a_record_stores_its_key_fields_and_entity_type() {
    let shop = shop().await;
    let orders = shop.table.entity::<Order>().unwrap();
    orders
        .update_field(order_key(), Order::fields().note(), "fragile".to_owned())
        .await
        .unwrap();
    let item = stored(&shop.name, ORDER_PK, ORDER_SK).await;
    assert_eq!(item.get("_et"), Some(&s("Order")));
    assert_eq!(item.get("username"), Some(&s("alexdebrie")));
    assert_eq!(item.get("placedOn"), Some(&s("2026-12-04")));
    assert_eq!(item.get("orderId"), Some(&s("1e499a")));
}

#[tokio::test]
async fn primary_key_fields_are_read_only() {
    let shop = shop().await;
    let orders = shop.table.entity::<Order>().unwrap();
    let error = orders
        .update_field_path(order_key(), "orderId", &(), "other".to_owned())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ReadOnly { .. }), "{error:?}");
    assert_eq!(shop.counter.take(), 0);
}

#[tokio::test]
async fn batches_and_transactions_across_entities_store_the_computed_attributes() {
    let shop = shop().await;
    let customers = shop.table.entity::<Customer>().unwrap();
    let orders = shop.table.entity::<Order>().unwrap();
    let report = orders
        .batch_put_records(
            &[
                order("alexdebrie", "1e499a", 42),
                order("alexdebrie", "f4f6ba", 9),
            ],
            BatchRetry::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.processed.len(), 2);
    let item = stored(&shop.name, ORDER_PK, "#ORDER#2026-12-04#f4f6ba").await;
    assert_eq!(item.get("gsi1pk"), Some(&s("ORDER#f4f6ba")));
    shop.counter.take();
    let fields = Order::fields();
    WriteTransaction::new()
        .put(
            &customers,
            &Customer {
                username: "alexdebrie".into(),
                email: "alex@example.com".into(),
            },
        )
        .unwrap()
        .update(
            &orders,
            order_key(),
            &Setters::new()
                .set(fields.status(), Status::Shipped)
                .set(fields.amount(), 43u32),
        )
        .unwrap()
        .commit()
        .await
        .unwrap();
    assert_eq!(shop.counter.take(), 1, "one TransactWriteItems");
    assert_eq!(
        stored(&shop.name, ORDER_PK, ORDER_PK).await.get("_et"),
        Some(&s("Customer"))
    );
    let item = stored(&shop.name, ORDER_PK, ORDER_SK).await;
    assert_eq!(item.get("gsi2pk"), Some(&s("STATUS#SHIPPED")));
    assert_eq!(item.get("gsi2sk"), Some(&s("AMOUNT#0000000043")));
}

/// A shop whose customer alexdebrie has a customer item and five orders, on two days, in one
/// partition, and another customer one order.
async fn shop_with_orders() -> (Shop, BasicTable<Order, EntityKey<Order>>) {
    let shop = shop().await;
    let customers = shop.table.entity::<Customer>().unwrap();
    let orders = shop.table.entity::<Order>().unwrap();
    customers
        .put_record(&Customer {
            username: "alexdebrie".into(),
            email: "alex@example.com".into(),
        })
        .await
        .unwrap();
    let placed = [
        ("2026-11-30", "a1", Status::Shipped),
        ("2026-12-01", "b2", Status::Placed),
        ("2026-12-01", "c3", Status::Shipped),
        ("2026-12-04", "d4", Status::Placed),
        ("2026-12-10", "e5", Status::Placed),
    ];
    for (placed_on, order_id, status) in placed {
        orders
            .put_record(&Order {
                placed_on: placed_on.into(),
                status,
                ..order("alexdebrie", order_id, 10)
            })
            .await
            .unwrap();
    }
    orders.put_record(&order("other", "z9", 10)).await.unwrap();
    shop.counter.take();
    (shop, orders)
}

async fn queried_ids(
    orders: &BasicTable<Order, EntityKey<Order>>,
    query: EntityQuery<Order>,
) -> Vec<String> {
    let page = orders
        .query_field(&query.build().unwrap(), Order::fields().order_id())
        .await
        .unwrap();
    assert!(page.metadata.has_reached_end);
    page.records
        .into_iter()
        .map(|(key, id)| {
            let id = id.unwrap();
            assert_eq!(
                key,
                Order::key("alexdebrie", key_day(&id), id.clone()),
                "keys read back"
            );
            id
        })
        .collect()
}

fn key_day(order_id: &str) -> &'static str {
    match order_id {
        "a1" => "2026-11-30",
        "b2" | "c3" => "2026-12-01",
        "d4" => "2026-12-04",
        _ => "2026-12-10",
    }
}

#[tokio::test]
async fn partial_keys_query_a_partition_by_the_leading_fields_of_the_sort_key() {
    let (shop, orders) = shop_with_orders().await;
    let fields = Order::fields();
    let partition =
        || EntityQuery::<Order>::primary().key(fields.username(), "alexdebrie".to_owned());
    assert_eq!(
        queried_ids(&orders, partition()).await,
        ["a1", "b2", "c3", "d4", "e5"],
        "the customer's own item in the partition is not an order"
    );
    assert_eq!(
        queried_ids(
            &orders,
            partition().key(fields.placed_on(), "2026-12-01".to_owned())
        )
        .await,
        ["b2", "c3"]
    );
    assert_eq!(
        queried_ids(
            &orders,
            partition().between(
                fields.placed_on(),
                "2026-12-01".to_owned(),
                "2026-12-04".to_owned()
            )
        )
        .await,
        ["b2", "c3", "d4"],
        "both ends included, whatever follows them"
    );
    assert_eq!(
        queried_ids(&orders, partition().descending()).await,
        ["e5", "d4", "c3", "b2", "a1"]
    );
    assert_eq!(shop.counter.take(), 4, "one Query each");
}

#[tokio::test]
async fn partial_keys_query_an_index_and_pages_are_lazy() {
    let (shop, orders) = shop_with_orders().await;
    let fields = Order::fields();
    let shipped = EntityQuery::<Order>::index("gsi2")
        .key(fields.status(), Status::Placed)
        .build()
        .unwrap()
        .limit(2);
    let mut pages = Box::pin(orders.paginated_query_field(shipped, fields.order_id()));
    let mut ids = Vec::new();
    let mut requests = Vec::new();
    while let Some(page) = futures::StreamExt::next(&mut pages).await {
        requests.push(shop.counter.take());
        ids.extend(page.unwrap().records.into_iter().map(|(_, id)| id.unwrap()));
    }
    ids.sort();
    assert_eq!(ids, ["b2", "d4", "e5", "z9"]);
    assert!(
        requests.iter().all(|&sent| sent == 1),
        "one Query per page polled: {requests:?}"
    );
    assert_eq!(
        requests.len(),
        3,
        "two full pages and the one that reaches the end"
    );
}

#[tokio::test]
async fn partial_keys_that_cannot_make_a_query_are_refused() {
    let fields = Order::fields();
    let refusals = [
        EntityQuery::<Order>::primary().key(fields.placed_on(), "2026-12-01".to_owned()),
        EntityQuery::<Order>::primary()
            .key(fields.username(), "alexdebrie".to_owned())
            .key(fields.order_id(), "b2".to_owned()),
        EntityQuery::<Order>::primary()
            .key(fields.username(), "alexdebrie".to_owned())
            .key(fields.note(), "x".to_owned()),
        EntityQuery::<Order>::index("gsi9").key(fields.username(), "alexdebrie".to_owned()),
        EntityQuery::<Order>::primary()
            .key(fields.username(), "alexdebrie".to_owned())
            .between(fields.order_id(), "a".to_owned(), "b".to_owned()),
    ];
    for query in refusals {
        let error = query.build().unwrap_err();
        assert!(matches!(error, Error::InvalidQuery { .. }), "{error:?}");
    }
}

#[derive(Collection, Debug, PartialEq)]
pub enum CustomerData {
    Customer(Customer),
    Order(Order),
}

/// Only the customers of a partition: orders are reported as unknown.
#[derive(Collection, Debug, PartialEq)]
pub enum CustomersOnly {
    Customer(Customer),
}

#[tokio::test]
async fn a_collection_query_reads_every_entity_of_a_partition_typed_in_lazy_pages() {
    let (shop, _) = shop_with_orders().await;
    let partition = EntityQuery::<Customer>::primary()
        .key(Customer::fields().username(), "alexdebrie".to_owned())
        .build_partition()
        .unwrap();
    let page = shop
        .table
        .query_collection::<CustomerData>(&partition)
        .await
        .unwrap();
    assert_eq!(shop.counter.take(), 1, "one Query");
    assert!(page.unknown.is_empty());
    let kinds: Vec<String> = page
        .records
        .iter()
        .map(|record| match record {
            CustomerData::Customer(customer) => format!("customer {}", customer.username),
            CustomerData::Order(order) => format!("order {}", order.order_id),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "order a1",
            "order b2",
            "order c3",
            "order d4",
            "order e5",
            "customer alexdebrie"
        ],
        "in sort key order: `#ORDER#` before `CUSTOMER#`"
    );

    let mut pages = Box::pin(
        shop.table
            .paginated_query_collection::<CustomersOnly>(partition.limit(4)),
    );
    let (mut customers, mut unknown, mut requests) = (Vec::new(), 0, 0);
    while let Some(page) = futures::StreamExt::next(&mut pages).await {
        let page = page.unwrap();
        requests += 1;
        unknown += page.unknown.len();
        customers.extend(page.records);
    }
    assert_eq!(requests, 2, "a page of 4 items, then the last 2");
    assert_eq!(unknown, 5, "the orders are reported, not dropped");
    assert_eq!(
        customers,
        [CustomersOnly::Customer(Customer {
            username: "alexdebrie".into(),
            email: "alex@example.com".into(),
        })]
    );
    let error = EntityQuery::<Customer>::primary()
        .key(Customer::fields().username(), "alexdebrie".to_owned())
        .between(
            Customer::fields().username(),
            "a".to_owned(),
            "b".to_owned(),
        )
        .build_partition()
        .unwrap_err();
    assert!(matches!(error, Error::InvalidQuery { .. }), "{error:?}");
}

#[tokio::test]
async fn a_shared_cache_commits_the_records_of_several_entities_together() {
    for warm in [false, true] {
        let shop = shop().await;
        let customer = Customer {
            username: "alexdebrie".into(),
            email: "alex@example.com".into(),
        };
        let direct = shop.table.entity::<Order>().unwrap();
        let cache = shop.table.cache();
        let customers = cache.entity::<Customer>().unwrap();
        let orders = cache.entity::<Order>().unwrap();
        if warm {
            customers.put_record(&customer).await.unwrap();
            orders
                .put_record(&order("alexdebrie", "1e499a", 42))
                .await
                .unwrap();
        } else {
            shop.table
                .entity::<Customer>()
                .unwrap()
                .put_record(&customer)
                .await
                .unwrap();
            direct
                .put_record(&order("alexdebrie", "1e499a", 42))
                .await
                .unwrap();
        }
        shop.counter.take();
        customers
            .update_field(
                Customer::key("alexdebrie"),
                Customer::fields().email(),
                "a@example.com".to_owned(),
            )
            .await
            .unwrap();
        let fields = Order::fields();
        orders
            .update_multiple_fields(
                order_key(),
                &Setters::new()
                    .set(fields.status(), Status::Shipped)
                    .set(fields.amount(), 7u32),
            )
            .await
            .unwrap();
        let read = orders
            .get_field(order_key(), fields.amount())
            .await
            .unwrap();
        assert_eq!(read, Some(7), "the cache shows its pending write");
        assert_eq!(
            shop.counter.take(),
            0,
            "queued, and read from the pending write"
        );

        let report = cache.commit_operations().await;
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        assert_eq!(report.committed.len(), 2);
        assert_eq!(
            shop.counter.take(),
            2,
            "one UpdateItem per record (warm: {warm})"
        );
        assert_eq!(
            stored(&shop.name, ORDER_PK, ORDER_PK).await.get("email"),
            Some(&s("a@example.com"))
        );
        let item = stored(&shop.name, ORDER_PK, ORDER_SK).await;
        assert_eq!(item.get("gsi2pk"), Some(&s("STATUS#SHIPPED")));
        assert_eq!(item.get("gsi2sk"), Some(&s("AMOUNT#0000000007")));
        assert_eq!(
            orders.get_record(order_key()).await.unwrap(),
            direct.get_record(order_key()).await.unwrap(),
            "the cache's view is what DynamoDB holds"
        );
        assert!(
            cache.commit_operations().await.committed.is_empty(),
            "nothing left pending"
        );
    }
}

#[tokio::test]
async fn scans_batch_gets_and_conditions_work_on_an_entity_and_skip_other_entities() {
    let (shop, orders) = shop_with_orders().await;
    let scanned = orders.scan_records(&Scan::table()).await.unwrap();
    let mut ids: Vec<&str> = scanned
        .records
        .iter()
        .map(|(_, order)| order.order_id.as_str())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["a1", "b2", "c3", "d4", "e5", "z9"],
        "the customer is not an order"
    );

    // Accounts have the customers' key templates: the customer's item is not an account.
    let accounts = shop.table.entity::<Account>().unwrap();
    let report = accounts
        .batch_get_records(
            [Account::key("alexdebrie"), Account::key("nobody")],
            BatchRetry::default(),
        )
        .await
        .unwrap();
    assert!(report.records.is_empty());
    assert_eq!(
        report.missing.len(),
        2,
        "another entity's item is not an account"
    );
    let error = accounts
        .get_record_lenient(Account::key("alexdebrie"))
        .await
        .unwrap_err();
    harness::assert_one_stored_violation(
        &error,
        "_et",
        "the item's entity is Customer, not Account",
    );

    let report = orders
        .batch_get_records(
            [
                Order::key("alexdebrie", "2026-12-01", "b2"),
                Order::key("alexdebrie", "2026-12-01", "zz"),
            ],
            BatchRetry::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.records.len(), 1);
    assert_eq!(report.records[0].1.order_id, "b2");
    assert_eq!(
        report.missing,
        [Order::key("alexdebrie", "2026-12-01", "zz")]
    );

    let fields = Order::fields();
    let key = || Order::key("alexdebrie", "2026-12-01", "b2");
    let placed = Condition::eq(fields.status(), Status::Placed);
    orders
        .update_field_if(key(), fields.note(), "rush".to_owned(), &placed)
        .await
        .unwrap();
    let shipped = Condition::eq(fields.status(), Status::Shipped);
    let error = orders
        .update_field_if(key(), fields.note(), "late".to_owned(), &shipped)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ConditionFailed { .. }), "{error:?}");
    assert_eq!(
        orders.get_field(key(), fields.note()).await.unwrap(),
        Some("rush".to_owned())
    );
}

/// An entity's table served as `name` through an external API, as `B`: the server's entity tables
/// compute the keys, index keys and entity type.
pub async fn external_entity<E: structnosql::entity::Entity, B: structnosql::table::Backend>(
    url: &str,
    name: &str,
) -> structnosql::table::Table<E, EntityKey<E>, B> {
    let mut builder = structnosql::table::Table::<E, EntityKey<E>, B>::builder()
        .table_name(name)
        .external_api(structnosql::external::ExternalApi::new(url).header("x-caller", "alex"))
        .primary_index(structnosql::table::PrimaryIndex::hash_and_sort("pk", "sk"));
    for index in ["gsi1", "gsi2", "gsi3"] {
        builder = builder.global_secondary_index(
            GlobalSecondaryIndex::hash(format!("{index}pk"))
                .sort_key(format!("{index}sk"))
                .index_name(index),
        );
    }
    builder.build().await.unwrap()
}

#[tokio::test]
async fn entity_tables_through_an_external_api_store_what_direct_ones_do() {
    use structnosql::external::{policy, Executor};
    let shop = shop().await;
    let allow = |_: &policy::Access<'_>| Ok(());
    let executor = Executor::new().serve("orders", shop.table.entity::<Order>().unwrap(), allow);
    let url = crate::external_tables::listen(executor).await;
    let basic: BasicTable<Order, EntityKey<Order>> = external_entity(&url, "orders").await;
    let caching: CachingTable<Order, EntityKey<Order>> = external_entity(&url, "orders").await;

    basic
        .put_record(&order("alexdebrie", "1e499a", 42))
        .await
        .unwrap();
    let item = stored(&shop.name, ORDER_PK, ORDER_SK).await;
    assert_eq!(item.get("_et"), Some(&s("Order")));
    assert_eq!(item.get("gsi2sk"), Some(&s("AMOUNT#0000000042")));

    let fields = Order::fields();
    caching
        .update_multiple_fields(
            order_key(),
            &Setters::new()
                .set(fields.status(), Status::Shipped)
                .set(fields.amount(), 7u32),
        )
        .await
        .unwrap();
    let report = caching.commit_operations().await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let item = stored(&shop.name, ORDER_PK, ORDER_SK).await;
    assert_eq!(
        item.get("gsi1sk"),
        Some(&s("STATUS#SHIPPED")),
        "rewritten by the server"
    );
    assert_eq!(item.get("gsi2sk"), Some(&s("AMOUNT#0000000007")));

    let error = basic
        .update_field(order_key(), fields.status(), Status::Placed)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error:?}");
    let error = basic
        .update_field_path(order_key(), "orderId", &(), "other".to_owned())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ReadOnly { .. }), "{error:?}");

    let partition = EntityQuery::<Order>::primary()
        .key(fields.username(), "alexdebrie".to_owned())
        .build()
        .unwrap();
    let page = basic
        .query_field(&partition, fields.status())
        .await
        .unwrap();
    assert_eq!(page.records, [(order_key(), Some(Status::Shipped))]);
    assert_eq!(
        basic.get_record(order_key()).await.unwrap(),
        shop.table
            .entity::<Order>()
            .unwrap()
            .get_record(order_key())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_hostile_client_cannot_write_an_entitys_computed_attributes_or_move_its_record() {
    use structnosql::external::policy::{self, Caller};
    use structnosql::external::Executor;
    let shop = shop().await;
    // Alex may write the orders of the partition CUSTOMER#alexdebrie only.
    let own_partition = |access: &policy::Access<'_>| match access.key.get("pk") {
        Some(AttributeValue::S(pk)) if pk == ORDER_PK => Ok(()),
        _ => Err(policy::Denied::new("not your partition")),
    };
    let executor = Executor::new().serve(
        "orders",
        shop.table.entity::<Order>().unwrap(),
        own_partition,
    );
    let mut order_json = serde_json::json!({
        "username": { "S": "victim" }, "placedOn": { "S": "2026-12-04" }, "orderId": { "S": "x" },
        "status": { "S": "PLACED" }, "amount": { "N": "1" },
    });
    let key = serde_json::json!({ "pk": { "S": ORDER_PK }, "sk": { "S": ORDER_SK } });
    let cases = [
        // The victim's record, with key attributes naming alex's partition.
        (
            {
                order_json["pk"] = serde_json::json!({ "S": ORDER_PK });
                order_json["sk"] = serde_json::json!({ "S": ORDER_SK });
                serde_json::json!({ "put_record": { "record": order_json.clone() } })
            },
            "validation",
        ),
        // The same without them: the key rendered from its fields is the victim's.
        (
            {
                let mut record = order_json.clone();
                record
                    .as_object_mut()
                    .unwrap()
                    .retain(|name, _| name != "pk" && name != "sk");
                serde_json::json!({ "put_record": { "record": record } })
            },
            "denied",
        ),
        // Index keys, the entity type and the key's fields are sent only as the table computes
        // them.
        (
            serde_json::json!({ "update": { "key": key, "writes": [{ "set": { "path": ["gsi1pk"], "value": { "S": "ORDER#stolen" } } }] } }),
            "validation",
        ),
        (
            serde_json::json!({ "update": { "key": key, "writes": [
                { "set": { "path": ["status"], "value": { "S": "SHIPPED" } } },
                { "set": { "path": ["amount"], "value": { "N": "1" } } },
                { "set": { "path": ["gsi2pk"], "value": { "S": "STATUS#PLACED" } } },
            ] } }),
            "validation",
        ),
        (
            serde_json::json!({ "update": { "key": key, "writes": [{ "set": { "path": ["_et"], "value": { "S": "Customer" } } }] } }),
            "validation",
        ),
        // A field of the primary key would move the record.
        (
            serde_json::json!({ "update": { "key": key, "writes": [{ "set": { "path": ["username"], "value": { "S": "victim" } } }] } }),
            "validation",
        ),
        // An index key the caller's writes change is the table's to write.
        (
            serde_json::json!({ "update": { "key": key, "writes": [{ "set": { "path": ["status"], "value": { "S": "SHIPPED" } } }] } }),
            "validation",
        ),
    ];
    shop.counter.take();
    for (n, (operation, kind)) in cases.into_iter().enumerate() {
        let body = serde_json::json!({
            "version": 1, "table": "orders", "request_id": format!("hostile-{n}"), "operation": operation,
        });
        let (status, answer) = executor
            .execute(&Caller::new("alex"), body.to_string().as_bytes())
            .await;
        let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert!(status >= 400, "{operation}: {status} {answer}");
        assert_eq!(answer["error"]["kind"], kind, "{operation}: {answer}");
    }
    assert_eq!(shop.counter.take(), 0, "nothing reached DynamoDB");
}
