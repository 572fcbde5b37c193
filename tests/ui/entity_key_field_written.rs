use structnosql::entity::EntityKey;
use structnosql::table::BasicTable;
use structnosql::TableDataModel;

#[derive(TableDataModel)]
#[structnosql(entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}")]
struct Order {
    customer_id: String,
    order_id: String,
    status: String,
}

// A field of the primary key's templates is read-only: writing it would move the record.
async fn move_order(orders: &BasicTable<Order, EntityKey<Order>>) {
    let key = Order::key("c1", "o1");
    let _ = orders.update_field(key, Order::fields().order_id(), "o2".to_owned()).await;
}

fn main() {}
