//! `Attribute` for `uuid::Uuid` (cargo feature `uuid`).
//!
//! | Type | Stored as |
//! |---|---|
//! | `Uuid` | `S`, lowercase hyphenated (`"67e55044-10b1-426f-9247-bb680e5fe0c8"`): version 7 UUIDs sort by creation time |
//!
//! Reading accepts only that form: the simple, braced, URN and uppercase forms `Uuid::parse_str`
//! also takes are refused, so that one UUID has one stored text, equal to itself in key
//! conditions and comparisons.

use ::uuid::Uuid;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::model::std_types::{custom_attribute, text};
use crate::model::TypeSchema;

fn decode_uuid(value: &AttributeValue) -> Result<Uuid, String> {
    let text = text(value)?;
    let uuid = Uuid::parse_str(text).map_err(|_| format!("{text:?} is not a UUID"))?;
    let mut buffer = Uuid::encode_buffer();
    let canonical = uuid.hyphenated().encode_lower(&mut buffer);
    if text == canonical {
        Ok(uuid)
    } else {
        Err(format!(
            "{text:?} is not a UUID in its stored form, lowercase hyphenated ({canonical:?})"
        ))
    }
}

custom_attribute!(
    Uuid,
    "a UUID",
    TypeSchema::String,
    |uuid| Ok(AttributeValue::S(uuid.hyphenated().to_string())),
    decode_uuid
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_values::{round_trip, s};
    use crate::model::Attribute;

    #[test]
    fn uuids_are_stored_lowercase_hyphenated() {
        assert_eq!(
            round_trip(Uuid::nil()),
            s("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            round_trip(Uuid::from_u128(u128::MAX)),
            s("ffffffff-ffff-ffff-ffff-ffffffffffff")
        );
        assert_eq!(
            round_trip(Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8)),
            s("67e55044-10b1-426f-9247-bb680e5fe0c8")
        );
        assert_eq!(
            round_trip(Some(vec![Uuid::nil()])),
            AttributeValue::L(vec![s("00000000-0000-0000-0000-000000000000")])
        );
        assert_eq!(Uuid::schema().describe(), "a UUID");
    }

    #[test]
    fn version_7_uuids_sort_by_time_as_stored() {
        // Millisecond timestamps whose order differs from the order of their low bytes, with
        // random bits that would sort the other way.
        let stored: Vec<String> = [(1, [0xff; 10]), (256, [0; 10]), (1 << 40, [0x80; 10])]
            .into_iter()
            .map(|(millis, random)| {
                let uuid = ::uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid();
                assert_eq!(uuid.get_version_num(), 7);
                uuid.to_attribute().unwrap().as_s().unwrap().clone()
            })
            .collect();
        let mut sorted = stored.clone();
        sorted.sort();
        assert_eq!(stored, sorted);
    }

    #[test]
    fn other_forms_of_a_uuid_and_other_text_are_refused() {
        let refused = |value: AttributeValue| {
            crate::model::validation::check_write(Uuid::schema(), &value)
                .unwrap_err()
                .to_string()
        };
        for other_form in [
            "67E55044-10B1-426F-9247-BB680E5FE0C8",
            "67e5504410b1426f9247bb680e5fe0c8",
            "{67e55044-10b1-426f-9247-bb680e5fe0c8}",
            "urn:uuid:67e55044-10b1-426f-9247-bb680e5fe0c8",
        ] {
            let message = refused(s(other_form));
            assert!(message.contains("lowercase hyphenated"), "{message}");
            assert!(
                message.contains("\"67e55044-10b1-426f-9247-bb680e5fe0c8\""),
                "{message}"
            );
            assert!(Uuid::from_attribute(s(other_form)).is_err());
        }
        assert!(refused(s("67e55044-10b1-426f-9247-bb680e5fe0c")).contains("is not a UUID"));
        assert!(refused(s("")).contains("is not a UUID"));
        assert!(refused(AttributeValue::N("1".into())).contains("expected"));
    }
}
