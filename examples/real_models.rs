//! Real models: newtypes, enums with data, the standard library's everyday types, the uuid,
//! chrono, time, rust_decimal and url types (cargo features of the same names), any serde type
//! stored whole, and a type with a hand-written `Attribute`, through both tables, with the items
//! DynamoDB stores.
//!
//! Run it with `cargo run --example real_models`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::num::NonZeroU8;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::model::{CustomSchema, TypeSchema, Violations};
use structnosql::path::{FieldPath, ListPath};
use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};
use structnosql::{Attribute, EmbeddedDynamoDb, EpochSeconds, Error, Serde, TableDataModel};
use url::Url;
use uuid::Uuid;

/// A newtype, stored as its string.
#[derive(Attribute, Debug, Clone, PartialEq)]
struct OrderId(String);

/// A newtype with a check, run on every value written and read.
#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(validate = "Email::check")]
struct Email(String);

impl Email {
    fn check(&self) -> Result<(), String> {
        match self.0.split_once('@') {
            Some((user, domain)) if !user.is_empty() && domain.contains('.') => Ok(()),
            _ => Err(format!("{:?} is not an email address", self.0)),
        }
    }
}

/// A transparent newtype: paths go through it to its list's items.
#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(transparent)]
struct Tags(Vec<String>);

/// An enum with data, its fields beside the tag.
#[derive(Attribute, Debug, Clone, PartialEq)]
#[structnosql(tag = "method", rename_all = "snake_case")]
enum Payment {
    Card {
        last4: String,
        expires: Option<String>,
    },
    BankTransfer {
        iban: String,
    },
    Cash,
}

/// An enum with data in serde's adjacent tagging, whose attributes structnosql follows.
#[derive(Attribute, Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Event {
    Placed(SystemTime),
    Shipped { carrier: String, eta: Duration },
    Cancelled,
}

/// A type of another crate, or any serde type, stored whole.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Dimensions {
    width_mm: u32,
    height_mm: u32,
}

/// A hand-written `Attribute`: an ISO 4217 currency code, stored as its three capital letters.
#[derive(Debug, Clone, PartialEq)]
struct Currency(String);

fn decode_currency(value: &AttributeValue) -> Result<Currency, String> {
    match value {
        AttributeValue::S(code)
            if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) =>
        {
            Ok(Currency(code.clone()))
        }
        other => Err(format!("{other:?} is not a currency code")),
    }
}

impl Attribute for Currency {
    type Accessor = FieldPath<Self>;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    fn schema() -> TypeSchema {
        static SCHEMA: CustomSchema =
            CustomSchema::new("a currency code", TypeSchema::String, |value| {
                decode_currency(value).map(drop)
            });
        TypeSchema::Custom(&SCHEMA)
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        let stored = AttributeValue::S(self.0.clone());
        decode_currency(&stored).map_err(Violations::new)?;
        Ok(stored)
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        decode_currency(&value).map_err(Violations::new)
    }
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Order {
    order_id: OrderId,
    email: Email,
    tags: Tags,
    payment: Payment,
    history: Vec<Event>,
    placed_from: IpAddr,
    priority: NonZeroU8,
    grade: char,
    size: Serde<Dimensions>,
    currency: Currency,
    customer: Uuid,
    placed_at: DateTime<Utc>,
    deliver_on: time::Date,
    total: Decimal,
    receipt: Option<Url>,
    archive_at: EpochSeconds<DateTime<Utc>>,
    parcel_cm: [u16; 3],
    line: (String, u32),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let orders = BasicTable::<Order>::builder()
        .table_name("orders")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("orderId"))
        .auto_create_table(true)
        .build()
        .await?;
    let cached = CachingTable::<Order>::builder()
        .table_name("orders")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("orderId"))
        .build()
        .await?;

    let order = Order {
        order_id: OrderId("o1".into()),
        email: Email("ada@example.com".into()),
        tags: Tags(vec!["gift".into()]),
        payment: Payment::Card {
            last4: "4242".into(),
            expires: None,
        },
        history: vec![Event::Placed(
            UNIX_EPOCH + Duration::new(1_764_900_000, 250_000_000),
        )],
        placed_from: "2001:db8::7".parse()?,
        priority: NonZeroU8::new(2).ok_or("zero")?,
        grade: 'A',
        size: Serde(Dimensions {
            width_mm: 210,
            height_mm: 297,
        }),
        currency: Currency("EUR".into()),
        customer: Uuid::from_u128(0x0193_8a4e_2f00_7c3a_9d1e_5b6a_7c8d_9e0f),
        placed_at: DateTime::from_timestamp(1_764_900_000, 250_000_000).ok_or("a time")?,
        deliver_on: time::Date::from_calendar_date(2026, time::Month::December, 24)?,
        total: Decimal::new(4_999, 2),
        receipt: Some(Url::parse("https://shop.example/receipts/o1")?),
        archive_at: EpochSeconds(DateTime::from_timestamp(1_796_436_000, 0).ok_or("a time")?),
        parcel_cm: [30, 21, 4],
        line: ("sku-1".into(), 3),
    };
    orders.put_record(&order).await?;
    println!("stored by the basic table:");
    print_item(&stored(&server, "o1").await?);
    assert_eq!(orders.get_record("o1").await?, Some(order.clone()));
    println!("read back equal: true");

    // Whole values and paths through a transparent newtype, queued and committed by the caching table.
    let f = Order::fields();
    cached
        .update_field(
            "o1",
            f.payment(),
            Payment::BankTransfer {
                iban: "DE89370400440532013000".into(),
            },
        )
        .await?;
    cached
        .update_field("o1", f.tags().index(1), "express".to_owned())
        .await?;
    cached
        .update_field(
            "o1",
            f.history().index(1),
            Event::Shipped {
                carrier: "DHL".into(),
                eta: Duration::from_secs(2 * 86_400),
            },
        )
        .await?;
    let report = cached.commit_operations().await;
    println!(
        "\ncommitted: {}, requests sent by the caching table: {}",
        report.is_success(),
        cached.stats().requests_sent
    );
    print_item(&stored(&server, "o1").await?);

    // Values outside a type's rules are refused before anything is sent, naming the path.
    let mut invalid = order.clone();
    invalid.email = Email("ada".into());
    invalid.currency = Currency("euro".into());
    invalid.placed_at = DateTime::from_timestamp(253_402_300_800, 0).ok_or("a time")?;
    if let Err(Error::Validation { violations }) = orders.put_record(&invalid).await {
        println!("\nrefused:");
        for violation in violations {
            println!("  {violation}");
        }
    }
    // A tag that names no variant, written by string path or found in stored data.
    let by_string = orders
        .update_field_path(
            "o1",
            "payment",
            &(),
            serde_json::json!({"method": "cheque"}),
        )
        .await;
    if let Err(error) = by_string {
        println!("  {error}");
    }
    Ok(())
}

/// The item as DynamoDB stores it, read with a plain GetItem.
async fn stored(
    server: &EmbeddedDynamoDb,
    id: &str,
) -> Result<BTreeMap<String, AttributeValue>, Box<dyn std::error::Error>> {
    let item = server
        .client()
        .get_item()
        .table_name("orders")
        .key("orderId", AttributeValue::S(id.into()))
        .send()
        .await?
        .item
        .unwrap_or_default();
    Ok(item.into_iter().collect())
}

fn print_item(item: &BTreeMap<String, AttributeValue>) {
    for (name, value) in item {
        println!("  {name}: {}", render(value));
    }
}

/// A compact rendering of a stored value, map keys sorted: `{"kind": S "card"}`.
fn render(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(text) => format!("S {text:?}"),
        AttributeValue::N(number) => format!("N {number}"),
        AttributeValue::Bool(flag) => format!("BOOL {flag}"),
        AttributeValue::L(items) => {
            let items: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", items.join(", "))
        }
        AttributeValue::M(entries) => {
            let sorted: BTreeMap<&String, &AttributeValue> = entries.iter().collect();
            let entries: Vec<String> = sorted
                .into_iter()
                .map(|(key, value)| format!("{key:?}: {}", render(value)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => format!("{other:?}"),
    }
}
