//! The TTL attribute, enabled when a table is created.

use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::TableDataModel;

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Session {
    session_id: String,
    secret: Option<String>,
    #[structnosql(ttl)]
    expires_at: Option<i64>,
}

#[tokio::test]
async fn the_ttl_field_is_enabled_when_the_table_is_created() {
    let name = harness::unique_table_name("sessions");
    let client = harness::client();
    BasicTable::<Session>::builder()
        .table_name(&name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("sessionId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let description = client
        .describe_time_to_live()
        .table_name(&name)
        .send()
        .await
        .unwrap()
        .time_to_live_description
        .unwrap();
    assert_eq!(description.attribute_name(), Some("expiresAt"));
    assert!(
        matches!(
            description.time_to_live_status().map(|s| s.as_str()),
            Some("ENABLED" | "ENABLING")
        ),
        "{description:?}"
    );
}
