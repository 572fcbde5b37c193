//! The optional crates' types (`uuid`, `chrono`, `time`, `rust_decimal`, `url`),
//! `EpochSeconds<T>`, fixed-size arrays and tuples: their stored forms through both tables,
//! DynamoDB's order and comparisons on them, keys of those types, and stored values they cannot
//! hold, refused with the path.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::expr::Condition;
use structnosql::table::{BasicTable, PrimaryIndex, Query, Scan, SortCondition};
use structnosql::{EpochSeconds, Error, TableDataModel};
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Order {
    order_id: Uuid,
    placed_at: DateTime<Utc>,
    ship_on: NaiveDate,
    paid_at: Option<EpochSeconds<OffsetDateTime>>,
    confirmed: OffsetDateTime,
    total: Decimal,
    receipt: Option<Url>,
    expires: EpochSeconds<SystemTime>,
    history: Vec<DateTime<Utc>>,
    line: (String, u32),
    checksum: [u8; 4],
    corners: Option<[[i64; 2]; 2]>,
}

fn order(n: u128) -> Order {
    let placed = DateTime::from_timestamp(1_764_900_000, 123_456_789).unwrap();
    Order {
        order_id: Uuid::from_u128(n),
        placed_at: placed,
        ship_on: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
        paid_at: Some(EpochSeconds(
            OffsetDateTime::from_unix_timestamp_nanos(1_764_900_001_500_000_000).unwrap(),
        )),
        confirmed: OffsetDateTime::from_unix_timestamp(-1).unwrap(),
        total: Decimal::from_i128_with_scale(79_228_162_514_264_337_593_543_950_335, 28),
        receipt: Some(Url::parse("https://shop.example/r?id=ä").unwrap()),
        expires: EpochSeconds(UNIX_EPOCH + Duration::from_secs(1_767_225_600)),
        history: vec![DateTime::UNIX_EPOCH, placed],
        line: ("sku-1".into(), 3),
        checksum: [0xde, 0xad, 0xbe, 0xef],
        corners: Some([[0, 0], [-4, 7]]),
    }
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn n(text: &str) -> AttributeValue {
    AttributeValue::N(text.into())
}

/// Each type is stored in its documented form, the same from both tables, and reads back equal, whole
/// and by typed path.
#[tokio::test]
async fn everyday_types_are_stored_in_their_documented_forms_by_both_tables() {
    let (basic, caching, name) =
        harness::basic_and_caching_keyed::<Order, Uuid>(&harness::client(), "orders", "orderId")
            .await;
    basic.put_record(&order(1)).await.unwrap();
    caching.put_record(&order(2)).await.unwrap();
    assert!(caching.commit_operations().await.is_success());
    for id in [1, 2] {
        let key = Uuid::from_u128(id);
        let stored = harness::stored_item_by(&name, "orderId", s(&key.to_string())).await;
        assert_eq!(
            stored["orderId"],
            s(&format!("00000000-0000-0000-0000-00000000000{id}"))
        );
        assert_eq!(stored["placedAt"], s("2025-12-05T02:00:00.123456789Z"));
        assert_eq!(stored["shipOn"], s("2026-12-24"));
        assert_eq!(stored["paidAt"], n("1764900001.5"));
        assert_eq!(stored["confirmed"], s("1969-12-31T23:59:59.000000000Z"));
        assert_eq!(stored["total"], n("7.9228162514264337593543950335"));
        assert_eq!(stored["receipt"], s("https://shop.example/r?id=%C3%A4"));
        assert_eq!(stored["expires"], n("1767225600"));
        assert_eq!(
            stored["history"],
            AttributeValue::L(vec![
                s("1970-01-01T00:00:00.000000000Z"),
                s("2025-12-05T02:00:00.123456789Z")
            ])
        );
        assert_eq!(stored["line"], AttributeValue::L(vec![s("sku-1"), n("3")]));
        assert_eq!(
            stored["checksum"],
            AttributeValue::B(vec![0xde, 0xad, 0xbe, 0xef].into())
        );
        let pair = |a: &str, b: &str| AttributeValue::L(vec![n(a), n(b)]);
        assert_eq!(
            stored["corners"],
            AttributeValue::L(vec![pair("0", "0"), pair("-4", "7")])
        );
        assert_eq!(basic.get_record(key).await.unwrap(), Some(order(id)));
        assert_eq!(caching.get_record(key).await.unwrap(), Some(order(id)));
    }

    let f = Order::fields();
    let later = DateTime::from_timestamp(1_800_000_000, 1).unwrap();
    let price = Decimal::new(-1999, 2);
    let (one, two) = (Uuid::from_u128(1), Uuid::from_u128(2));
    basic.update_field(one, f.placed_at(), later).await.unwrap();
    basic.update_field(one, f.total(), price).await.unwrap();
    caching
        .update_field(two, f.placed_at(), later)
        .await
        .unwrap();
    caching.update_field(two, f.total(), price).await.unwrap();
    assert_eq!(
        caching.get_field(two, f.total()).await.unwrap(),
        Some(price)
    );
    assert!(caching.commit_operations().await.is_success());
    for key in [one, two] {
        let stored = harness::stored_item_by(&name, "orderId", s(&key.to_string())).await;
        assert_eq!(stored["placedAt"], s("2027-01-15T08:00:00.000000001Z"));
        assert_eq!(stored["total"], n("-19.99"));
        assert_eq!(
            basic.get_field(key, f.placed_at()).await.unwrap(),
            Some(later)
        );
        assert_eq!(
            basic.get_field(key, f.history().index(0)).await.unwrap(),
            Some(DateTime::UNIX_EPOCH)
        );
    }
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
struct Reading {
    sensor_id: Uuid,
    taken_at: DateTime<Utc>,
    value: Decimal,
    received: EpochSeconds<SystemTime>,
}

/// Times as sort keys: the stored texts and numbers sort as the times do, so a range of times is a
/// key condition, and comparisons in conditions compare times and exact decimals.
#[tokio::test]
async fn dynamodb_orders_and_compares_times_and_decimals_as_the_values_do() {
    let table = BasicTable::<Reading, (Uuid, DateTime<Utc>)>::builder()
        .table_name(harness::unique_table_name("readings"))
        .client(harness::client())
        .primary_index(PrimaryIndex::hash_and_sort("sensorId", "takenAt"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let sensor = Uuid::from_u128(7);
    // Years 1 to 9999, before and after the epoch, with nanoseconds that a shorter text would sort
    // wrongly ("...:00Z" after "...:00.5Z").
    let seconds = [
        -62_135_596_800,
        -86_400,
        -1,
        0,
        1,
        1_700_000_000,
        253_402_300_799,
    ];
    let mut times = Vec::new();
    for (index, second) in seconds.into_iter().enumerate() {
        for nanos in [0, 1, 500_000_000] {
            let taken_at = DateTime::from_timestamp(second, nanos).unwrap();
            times.push(taken_at);
            let value = Decimal::new(index as i64 * 10 - 30, 1) + Decimal::new(nanos as i64, 9);
            table
                .put_record(&Reading {
                    sensor_id: sensor,
                    taken_at,
                    value,
                    received: EpochSeconds(UNIX_EPOCH + Duration::from_secs(index as u64)),
                })
                .await
                .unwrap();
        }
    }
    times.sort();
    let f = Reading::fields();
    let all = table
        .query_field(&Query::primary(sensor).unwrap(), f.taken_at())
        .await
        .unwrap();
    let read: Vec<DateTime<Utc>> = all.records.iter().map(|(key, _)| key.1).collect();
    assert_eq!(read, times, "the sort key's order is time order");

    let (low, high) = (times[4], times[16]);
    let range = Query::primary(sensor)
        .unwrap()
        .sort(SortCondition::between(low, high).unwrap());
    let page = table.query_field(&range, f.taken_at()).await.unwrap();
    let read: Vec<DateTime<Utc>> = page.records.iter().map(|(key, _)| key.1).collect();
    assert_eq!(read, times[4..=16]);

    // Conditions compare decimals exactly and epoch seconds as times.
    let key = (sensor, times[0]);
    let precise = Decimal::new(-30, 1);
    let just_above = precise + Decimal::new(1, 27);
    let error = table
        .update_field_if(
            key,
            f.value(),
            just_above,
            &Condition::gt(f.value(), precise),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ConditionFailed { .. }), "{error}");
    table
        .update_field_if(
            key,
            f.value(),
            just_above,
            &Condition::ge(f.value(), precise),
        )
        .await
        .unwrap();
    assert_eq!(
        table.get_field(key, f.value()).await.unwrap(),
        Some(just_above)
    );
    let epoch_plus_half = EpochSeconds(UNIX_EPOCH + Duration::from_millis(500));
    table
        .update_field_if(
            key,
            f.received(),
            epoch_plus_half,
            &Condition::lt(
                f.received(),
                EpochSeconds(UNIX_EPOCH + Duration::from_secs(1)),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        table.get_field(key, f.received()).await.unwrap(),
        Some(epoch_plus_half)
    );
}

/// Values out of a type's range are refused before anything is sent; stored values a type cannot
/// hold, or in another form, are errors naming the path on both tables.
#[tokio::test]
async fn values_beyond_each_types_limits_are_refused_with_the_path() {
    let client = harness::client();
    let (basic, caching, name) =
        harness::basic_and_caching_keyed::<Order, Uuid>(&client, "orders", "orderId").await;
    let f = Order::fields();
    let key = Uuid::from_u128(9);
    basic.put_record(&order(9)).await.unwrap();

    // Year 10000 and later do not fit the fixed-width text.
    let far = DateTime::from_timestamp(253_402_300_800, 0).unwrap();
    for error in [
        basic
            .update_field(key, f.placed_at(), far)
            .await
            .unwrap_err(),
        caching
            .update_field(key, f.placed_at(), far)
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(error, Error::Validation { .. }), "{error}");
        assert!(error.to_string().contains("placedAt"), "{error}");
    }

    let cases = [
        (
            "orderId",
            s("00000000-0000-0000-0000-00000000000A"),
            "orderId",
            "not a UUID",
        ),
        (
            "placedAt",
            s("2025-12-05T02:00:00Z"),
            "placedAt",
            "2025-12-05T02:00:00Z",
        ),
        (
            "placedAt",
            s("2025-12-05T03:00:00.000000000+01:00"),
            "placedAt",
            "+01:00",
        ),
        (
            "placedAt",
            s("2025-02-30T00:00:00.000000000Z"),
            "placedAt",
            "not a valid date",
        ),
        ("shipOn", s("2026-13-01"), "shipOn", "2026-13-01"),
        ("paidAt", s("1764900001.5"), "paidAt", "expected"),
        (
            "paidAt",
            n("1764900001.0000000001"),
            "paidAt",
            "1764900001.0000000001",
        ),
        (
            "total",
            n("79228162514264337593543950336"),
            "total",
            "cannot be held exactly",
        ),
        ("total", n("1E-29"), "total", "cannot be held exactly"),
        ("receipt", s("not a url"), "receipt", "not a URL"),
        (
            "history",
            AttributeValue::L(vec![s("1970-01-01T00:00:00.000000000Z"), n("0")]),
            "history[1]",
            "expected",
        ),
        (
            "line",
            AttributeValue::L(vec![s("sku-1")]),
            "line",
            "1 item where exactly 2",
        ),
        (
            "line",
            AttributeValue::L(vec![s("sku-1"), s("3")]),
            "line[1]",
            "expected",
        ),
        (
            "checksum",
            AttributeValue::B(vec![1, 2, 3].into()),
            "checksum",
            "3 items where exactly 4",
        ),
        (
            "corners",
            AttributeValue::L(vec![AttributeValue::L(vec![n("1")])]),
            "corners[0]",
            "1 item where exactly 2",
        ),
    ];
    for (attribute, stored, path, message) in cases {
        let mut item = order(9).to_item().unwrap();
        item.insert(attribute.to_owned(), stored.clone());
        let key_value = item["orderId"].clone();
        client
            .put_item()
            .table_name(&name)
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
        caching.clear_cached_data();
        let found = harness::stored_item_by(&name, "orderId", key_value.clone()).await;
        assert!(found.contains_key(attribute), "the raw write landed");
        // A stored key that is not a UUID is met by a scan, as no UUID key reaches it.
        let errors = if attribute == "orderId" {
            vec![basic.scan_records(&Scan::table()).await.unwrap_err()]
        } else {
            vec![
                basic.get_record(key).await.unwrap_err(),
                caching.get_record(key).await.unwrap_err(),
            ]
        };
        for error in errors {
            harness::assert_one_stored_violation(&error, path, message);
        }
        if attribute == "orderId" {
            client
                .delete_item()
                .table_name(&name)
                .key("orderId", key_value)
                .send()
                .await
                .unwrap();
        }
    }
}
