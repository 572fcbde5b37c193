//! Composition: `#[structnosql(flatten)]` stores a struct's fields at the level of the struct that
//! holds it, and every path, check and accessor treats them as that struct's own.
//!
//! Run it with `cargo run --example flattened_structs`.

use structnosql::aws_sdk_dynamodb::types::AttributeValue;
use structnosql::table::{BasicTable, PrimaryIndex};
use structnosql::{EmbeddedDynamoDb, Error, MapModel, TableDataModel, TypedPath};

/// Who changed a record last, reused by several models.
#[derive(MapModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct Audit {
    updated_by: String,
    #[structnosql(validate = "positive")]
    revision: i64,
}

fn positive(value: &i64) -> Result<(), String> {
    if *value > 0 {
        Ok(())
    } else {
        Err("must be positive".into())
    }
}

#[derive(TableDataModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct Article {
    article_id: String,
    title: String,
    #[structnosql(flatten)]
    audit: Audit,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let client = server.client();
    let articles = BasicTable::<Article>::builder()
        .table_name("articles")
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("articleId"))
        .auto_create_table(true)
        .build()
        .await?;
    articles
        .put_record(&Article {
            article_id: "a1".into(),
            title: "Flattening".into(),
            audit: Audit {
                updated_by: "ada".into(),
                revision: 1,
            },
        })
        .await?;

    // The flattened fields are top-level attributes; there is no `audit` attribute.
    let stored = client
        .get_item()
        .table_name("articles")
        .key("articleId", AttributeValue::S("a1".into()))
        .send()
        .await?
        .item
        .unwrap_or_default();
    let mut names: Vec<&String> = stored.keys().collect();
    names.sort();
    println!("stored attributes: {names:?}");

    // Typed paths reach them as the record's own fields; string paths name them directly.
    let f = Article::fields();
    articles.update_field("a1", f.updated_by(), "grace").await?;
    articles
        .update_field_path("a1", "revision", &(), 2_i64)
        .await?;
    println!(
        "{} = {:?}",
        f.revision().document_path(),
        articles.get_field("a1", f.revision()).await?
    );
    match articles.update_field("a1", f.audit().revision(), 0).await {
        Err(Error::Validation { violations }) => println!("refused: {}", violations[0]),
        other => println!("unexpected: {other:?}"),
    }
    let record = articles.get_record("a1").await?.ok_or("no record")?;
    println!("record: {:?}", record.audit);
    Ok(())
}
