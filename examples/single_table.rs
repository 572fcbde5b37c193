//! The e-commerce design of "The DynamoDB Book" (chapter 19) in one table: customers (with their
//! addresses in a map), a uniqueness item per customer email, orders in their customer's
//! partition (read with their customer in one query), and order items read with their order in one
//! query of an overloaded index.
//!
//! Run it with `cargo run --example single_table`.

use std::collections::HashMap;

use structnosql::entity::{Collection, EntityQuery};
use structnosql::expr::Condition;
use structnosql::table::{GlobalSecondaryIndex, SingleTable, WriteTransaction};
use structnosql::{EmbeddedDynamoDb, MapModel, StringEnum, TableDataModel};

#[derive(TableDataModel, Debug, Clone)]
#[structnosql(
    rename_all = "camelCase",
    entity = "Customer",
    pk = "CUSTOMER#{username}",
    sk = "CUSTOMER#{username}"
)]
struct Customer {
    username: String,
    email: String,
    name: String,
    #[structnosql(key_name = "label")]
    addresses: Option<HashMap<String, Address>>,
}

#[derive(MapModel, Debug, Clone)]
#[structnosql(rename_all = "camelCase")]
struct Address {
    street: String,
    city: String,
}

/// Keeps customer emails unique: written in the same transaction as the customer, if absent.
#[derive(TableDataModel, Debug, Clone)]
#[structnosql(
    rename_all = "camelCase",
    entity = "CustomerEmail",
    pk = "CUSTOMEREMAIL#{email}",
    sk = "CUSTOMEREMAIL#{email}"
)]
struct CustomerEmail {
    email: String,
    username: String,
}

#[derive(StringEnum, Debug, Clone, Copy, PartialEq)]
#[structnosql(rename_all = "SCREAMING_SNAKE_CASE")]
enum OrderStatus {
    Placed,
    Shipped,
}

/// Order ids sort by time (the book uses KSUIDs), so a customer's partition lists them in order.
#[derive(TableDataModel, Debug, Clone)]
#[structnosql(
    rename_all = "camelCase",
    entity = "Order",
    pk = "CUSTOMER#{username}",
    sk = "#ORDER#{order_id}",
    index(name = "gsi1", pk = "ORDER#{order_id}", sk = "ORDER#{order_id}")
)]
struct Order {
    username: String,
    order_id: String,
    status: OrderStatus,
    amount_cents: u32,
    item_count: u16,
}

#[derive(TableDataModel, Debug, Clone)]
#[structnosql(
    rename_all = "camelCase",
    entity = "OrderItem",
    pk = "ORDER#{order_id}#ITEM#{item_id}",
    sk = "ORDER#{order_id}#ITEM#{item_id}",
    index(name = "gsi1", pk = "ORDER#{order_id}", sk = "ITEM#{item_id}")
)]
struct OrderItem {
    order_id: String,
    item_id: String,
    description: String,
    price_cents: u32,
}

/// A customer's partition: the customer and their orders.
#[derive(Collection, Debug)]
enum CustomerData {
    Customer(Customer),
    Order(Order),
}

/// An order and its items, sharing the index partition `ORDER#<order id>`.
#[derive(Collection, Debug)]
enum OrderData {
    Order(Order),
    Item(OrderItem),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let shop = SingleTable::builder()
        .table_name("ecommerce")
        .client(server.client())
        .global_secondary_index(
            GlobalSecondaryIndex::hash("gsi1pk")
                .sort_key("gsi1sk")
                .index_name("gsi1"),
        )
        .auto_create_table(true)
        .build()
        .await?;
    let customers = shop.entity::<Customer>()?;
    let emails = shop.entity::<CustomerEmail>()?;
    let orders = shop.entity::<Order>()?;
    let items = shop.entity::<OrderItem>()?;

    // Create a customer profile: the customer and its email's uniqueness item, together.
    let sign_up = |username: &str, email: &str| {
        let customer = Customer {
            username: username.into(),
            email: email.into(),
            name: "Alex DeBrie".into(),
            addresses: None,
        };
        let claim = CustomerEmail {
            email: email.into(),
            username: username.into(),
        };
        let absent = Condition::not_exists(Customer::fields().username());
        WriteTransaction::new()
            .put_if(&customers, &customer, &absent)?
            .put_if(
                &emails,
                &claim,
                &Condition::not_exists(CustomerEmail::fields().email()),
            )
    };
    sign_up("alexdebrie", "alex@example.com")?.commit().await?;
    let taken = sign_up("alex2", "alex@example.com")?.commit().await;
    println!("second sign-up with the same email: {}", taken.is_err());

    // Addresses: one entry of a map field, written by a typed path.
    let home = Customer::fields().addresses().key("Home");
    customers
        .update_field(
            Customer::key("alexdebrie"),
            home,
            Address {
                street: "123 1st Street".into(),
                city: "Omaha".into(),
            },
        )
        .await?;

    // Save orders with their items, each order in one transaction.
    let placed = [
        (
            "1VrgXBQ0VCshuQUnh1HrDIHQNwY",
            2,
            [("a1", "Dark chocolate", 450), ("a2", "Coffee", 1200)],
        ),
        (
            "1VrgXEUtq5ztoGkp8cVqUw9ks5B",
            1,
            [("b1", "Tea", 800), ("b2", "Honey", 650)],
        ),
    ];
    for (order_id, item_count, lines) in placed {
        let mut transaction = WriteTransaction::new().put(
            &orders,
            &Order {
                username: "alexdebrie".into(),
                order_id: order_id.into(),
                status: OrderStatus::Placed,
                amount_cents: lines.iter().map(|(_, _, price)| price).sum(),
                item_count,
            },
        )?;
        for (item_id, description, price_cents) in lines {
            transaction = transaction.put(
                &items,
                &OrderItem {
                    order_id: order_id.into(),
                    item_id: item_id.into(),
                    description: description.into(),
                    price_cents,
                },
            )?;
        }
        transaction.commit().await?;
    }

    // Update an order's status.
    let first = Order::key("alexdebrie", "1VrgXBQ0VCshuQUnh1HrDIHQNwY");
    orders
        .update_field(first, Order::fields().status(), OrderStatus::Shipped)
        .await?;

    // View a customer and their most recent orders: one Query of the customer's partition, from
    // the greatest sort key down (`CUSTOMER#...` sorts after `#ORDER#...`).
    let partition = EntityQuery::<Customer>::primary()
        .key(Customer::fields().username(), "alexdebrie".to_owned())
        .descending()
        .build_partition()?
        .limit(11);
    let page = shop.query_collection::<CustomerData>(&partition).await?;
    for record in page.records {
        match record {
            CustomerData::Customer(c) => println!("customer {}: {:?}", c.name, c.addresses),
            CustomerData::Order(o) => println!(
                "  order {}: {:?}, {} cents, {} items",
                o.order_id, o.status, o.amount_cents, o.item_count
            ),
        }
    }

    // View an order and its items: one Query of the index partition they share.
    let order = EntityQuery::<Order>::index("gsi1")
        .key(
            Order::fields().order_id(),
            "1VrgXEUtq5ztoGkp8cVqUw9ks5B".to_owned(),
        )
        .build_partition()?;
    let page = shop.query_collection::<OrderData>(&order).await?;
    for record in page.records {
        match record {
            OrderData::Order(o) => println!("order {}: {:?}", o.order_id, o.status),
            OrderData::Item(i) => println!(
                "item {}: {} at {} cents",
                i.item_id, i.description, i.price_cents
            ),
        }
    }

    // The orders of a customer by a partial key: the partition, then a range of order ids.
    let f = Order::fields();
    let recent = EntityQuery::<Order>::primary()
        .key(f.username(), "alexdebrie".to_owned())
        .between(f.order_id(), "1VrgXE".to_owned(), "1VrgXZ".to_owned())
        .build()?;
    let page = orders.query_field(&recent, f.status()).await?;
    for (key, status) in page.records {
        println!("order with sort key {:?}: {status:?}", key.sort_value()?);
    }

    // What DynamoDB holds: every item's keys and entity type.
    let stored = server
        .client()
        .scan()
        .table_name("ecommerce")
        .send()
        .await?;
    let mut rows: Vec<String> = stored
        .items()
        .iter()
        .map(|item| {
            let text = |name: &str| {
                item.get(name)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default()
            };
            format!(
                "{:<46} {:<46} {:<14} {}",
                text("pk"),
                text("sk"),
                text("_et"),
                text("gsi1pk")
            )
        })
        .collect();
    rows.sort();
    println!("stored items (pk, sk, entity, gsi1pk):");
    for row in rows {
        println!("  {}", row.trim_end());
    }
    Ok(())
}
