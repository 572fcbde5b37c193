use structnosql::{StringEnum, TableDataModel};

#[derive(TableDataModel)]
struct UserId(String);

#[derive(StringEnum)]
enum Payment {
    Cash,
    Card { last4: String },
}

fn main() {}
