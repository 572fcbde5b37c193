use structnosql::entity::Collection;
use structnosql::TableDataModel;

#[derive(TableDataModel)]
#[structnosql(entity = "Customer", pk = "CUSTOMER#{username}", sk = "CUSTOMER#{username}")]
struct Customer {
    username: String,
}

// A plain model is not an entity.
#[derive(TableDataModel)]
struct Note {
    id: String,
}

#[derive(Collection)]
enum NotEntities {
    Customer(Customer),
    Note(Note),
}

// Each variant holds one entity.
#[derive(Collection)]
enum Shapes {
    Empty,
    Two(Customer, Customer),
    Named { customer: Customer },
}

#[derive(Collection)]
struct NotAnEnum {
    customer: Customer,
}

fn main() {}
