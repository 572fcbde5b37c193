//! `ClientBuilder` follows the standard AWS environment. Environment variables are process-wide, so
//! this file is its own test binary with one test that changes them in sequence.

use structnosql::{connection, ClientBuilder, EmbeddedDynamoDb, Error};

fn isolate_from_the_machines_aws_files() {
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/structnosql/config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/structnosql/credentials",
    );
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::remove_var("AWS_PROFILE");
    std::env::remove_var("AWS_ENDPOINT_URL");
}

#[tokio::test]
async fn client_builder_honours_the_environment_and_reports_a_missing_region() {
    isolate_from_the_machines_aws_files();
    let server = EmbeddedDynamoDb::start().expect("embedded server");

    // Endpoint, region and credentials all from the environment.
    std::env::set_var("AWS_ENDPOINT_URL_DYNAMODB", server.endpoint_url());
    std::env::set_var("AWS_REGION", "eu-west-3");
    std::env::set_var("AWS_ACCESS_KEY_ID", "from-env");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "from-env");
    let client = ClientBuilder::new().build().await.expect("client from env");
    assert_eq!(
        client.config().region().map(|r| r.as_ref()),
        Some("eu-west-3")
    );
    connection::ping(&client)
        .await
        .expect("the env endpoint is the embedded server");

    // Explicit settings win over the environment.
    std::env::set_var("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1");
    let client = ClientBuilder::new()
        .region("ap-south-1")
        .endpoint_url(server.endpoint_url())
        .static_credentials("explicit", "explicit")
        .build()
        .await
        .expect("client with overrides");
    assert_eq!(
        client.config().region().map(|r| r.as_ref()),
        Some("ap-south-1")
    );
    connection::ping(&client)
        .await
        .expect("the explicit endpoint wins");

    // No region anywhere: a configuration error that says so.
    std::env::remove_var("AWS_REGION");
    std::env::remove_var("AWS_DEFAULT_REGION");
    match ClientBuilder::new().build().await {
        Err(Error::Config { message }) => assert!(message.contains("region"), "{message}"),
        other => panic!("expected Error::Config, got {other:?}"),
    }
}
