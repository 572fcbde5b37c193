//! Collections: several entities read by one query (the items of a partition, or of an index's
//! partition), each item decoded as its entity.

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::Stream;

use crate::error::Result;
use crate::model::Item;
use crate::table::QueryMetadata;

/// An enum of entities read together, derived with `#[derive(Collection)]` on an enum whose
/// variants each hold one entity:
///
/// ```
/// use structnosql::entity::Collection;
/// use structnosql::TableDataModel;
/// # #[derive(TableDataModel)]
/// # #[structnosql(entity = "Customer", pk = "CUSTOMER#{username}", sk = "CUSTOMER#{username}")]
/// # struct Customer { username: String }
/// # #[derive(TableDataModel)]
/// # #[structnosql(entity = "Order", pk = "CUSTOMER#{username}", sk = "#ORDER#{order_id}")]
/// # struct Order { username: String, order_id: String }
///
/// #[derive(Collection)]
/// enum CustomerData {
///     Customer(Customer),
///     Order(Order),
/// }
/// ```
///
/// [`SingleTable::query_collection`](crate::table::SingleTable::query_collection) reads a page of
/// them with one Query.
pub trait Collection: Sized + Send + 'static {
    /// The item of the entity named `entity` as the collection's variant; the item back when no
    /// variant holds that entity.
    #[doc(hidden)]
    fn decode(entity: &str, item: Item) -> std::result::Result<Result<Self>, Item>;
}

/// One page of a collection query.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionPage<C> {
    /// The page's items of the collection's entities, decoded, in the order DynamoDB returned them.
    pub records: Vec<C>,
    /// The page's other items, as stored: those of entities the collection does not hold, or
    /// without an entity-type attribute. Reported, never dropped silently.
    pub unknown: Vec<Item>,
    /// The page's metadata.
    pub metadata: QueryMetadata,
}

impl<C: Collection> CollectionPage<C> {
    /// Sorts a page's items into the collection's records and the others, by their entity-type
    /// attribute `type_attribute`.
    pub(crate) fn sort(
        items: Vec<Item>,
        type_attribute: &str,
        metadata: QueryMetadata,
    ) -> Result<Self> {
        let mut records = Vec::with_capacity(items.len());
        let mut unknown = Vec::new();
        for item in items {
            let entity = match item.get(type_attribute) {
                Some(AttributeValue::S(name)) => name.clone(),
                _ => {
                    unknown.push(item);
                    continue;
                }
            };
            match C::decode(&entity, item) {
                Ok(record) => records.push(record?),
                Err(item) => unknown.push(item),
            }
        }
        Ok(Self {
            records,
            unknown,
            metadata,
        })
    }
}

/// Pages of a collection query as a lazy stream, each read by `read` from the query it is given.
pub(crate) fn paginate<C, F, Fut>(
    query: crate::table::Query,
    read: F,
) -> impl Stream<Item = Result<CollectionPage<C>>> + Send + 'static
where
    C: Collection,
    F: Fn(crate::table::Query) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<CollectionPage<C>>> + Send,
{
    let read = Arc::new(read);
    futures::stream::unfold(Some(query), move |next| {
        let read = Arc::clone(&read);
        async move {
            let query = next?;
            match read(query.clone()).await {
                Ok(page) => {
                    let following = (!page.metadata.has_reached_end)
                        .then(|| query.start_after(page.metadata.last_evaluated_key.clone()));
                    Some((Ok(page), following))
                }
                Err(error) => Some((Err(error), None)),
            }
        }
    })
}
