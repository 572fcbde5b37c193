//! Table lifecycle: waiting for a table to become usable.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::TableStatus;
use aws_sdk_dynamodb::Client;

use crate::error::{Error, Result};

/// How often the table status is polled. Local servers activate tables within milliseconds; DynamoDB
/// takes seconds, so polling faster than the SDK's waiter (20 s minimum) saves test and start-up time.
const POLL_INTERVAL: Duration = Duration::from_millis(25);
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Waits until `table_name` is `ACTIVE` (after `CreateTable`, a new table is `CREATING` for a while on
/// DynamoDB and some local servers), or fails with [`Error::TableNotActive`] after `timeout`.
pub async fn wait_until_active(client: &Client, table_name: &str, timeout: Duration) -> Result<()> {
    let started = Instant::now();
    let mut interval = POLL_INTERVAL;
    loop {
        let description = client
            .describe_table()
            .table_name(table_name)
            .send()
            .await
            .map_err(|error| Error::from_sdk("DescribeTable", error))?;
        let status = description.table().and_then(|table| table.table_status());
        if status == Some(&TableStatus::Active) {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            return Err(Error::TableNotActive {
                table: table_name.to_owned(),
                waited: started.elapsed(),
                status: status.map_or("unknown", TableStatus::as_str).to_owned(),
            });
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(MAX_POLL_INTERVAL);
    }
}
