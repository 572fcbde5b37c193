//! The explicit ways around validation, for data written under older rules.

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::table::{BasicTable, CachingTable, PrimaryIndex};
use structnosql::{Error, TableDataModel};

use crate::harness;

fn short(name: &String) -> Result<(), String> {
    if name.len() <= 8 {
        Ok(())
    } else {
        Err(format!("{name:?} is longer than 8 characters"))
    }
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Profile {
    id: String,
    #[structnosql(validate = "short")]
    nickname: Option<String>,
    age: Option<i64>,
}

async fn tables() -> (BasicTable<Profile>, CachingTable<Profile>, String) {
    harness::basic_and_caching(&harness::client(), "profiles", "id").await
}

#[tokio::test]
async fn an_unvalidated_put_skips_custom_checks_but_not_dynamodb_rules() {
    if harness::through_api(
        "skips the client's checks, and the API's server checks every record against its model",
    ) {
        return;
    }
    let (basic, caching, _) = tables().await;
    let old = Profile {
        id: "p1".into(),
        nickname: Some("a nickname from before the rule".into()),
        age: Some(40),
    };
    let refused = basic.put_record(&old).await.unwrap_err();
    assert!(matches!(refused, Error::Validation { .. }), "{refused}");
    assert!(basic.get_record("p1").await.unwrap().is_none());

    basic.put_record_unvalidated(&old).await.unwrap();
    assert_eq!(basic.get_record("p1").await.unwrap(), Some(old.clone()));
    caching.put_record_unvalidated(&old).await.unwrap();
    // The checks are back for the next write.
    assert!(basic.put_record(&old).await.is_err());

    #[derive(TableDataModel, Debug)]
    struct Measure {
        id: String,
        value: f64,
    }
    let measures = BasicTable::<Measure>::builder()
        .table_name(harness::unique_table_name("measures"))
        .client(harness::client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let nan = measures
        .put_record_unvalidated(&Measure {
            id: "m".into(),
            value: f64::NAN,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(nan, Error::Validation { .. }),
        "DynamoDB cannot store it: {nan}"
    );
}

#[tokio::test]
async fn a_lenient_read_drops_what_does_not_match_the_model_and_says_so() {
    let (basic, caching, name) = tables().await;
    harness::client()
        .put_item()
        .table_name(&name)
        .item("id", AttributeValue::S("p1".into()))
        .item("nickname", AttributeValue::S("ok".into()))
        .item("age", AttributeValue::S("forty".into()))
        .send()
        .await
        .unwrap();
    let strict = basic.get_record("p1").await.unwrap_err();
    assert!(
        matches!(strict, Error::InvalidStoredData { .. }),
        "{strict}"
    );
    for lenient in [
        basic.get_record_lenient("p1").await.unwrap().unwrap(),
        caching.get_record_lenient("p1").await.unwrap().unwrap(),
    ] {
        assert_eq!(lenient.value.nickname.as_deref(), Some("ok"));
        assert_eq!(lenient.value.age, None);
        assert_eq!(lenient.dropped.len(), 1);
        assert_eq!(lenient.dropped[0].path.to_string(), "age");
    }
    assert!(basic.get_record_lenient("nobody").await.unwrap().is_none());
}
