use std::collections::HashMap;

use structnosql::table::{BasicTable, Setters};
use structnosql::TableDataModel;

#[derive(TableDataModel)]
struct Account {
    id: String,
    #[structnosql(read_only)]
    created_at: i64,
    #[structnosql(read_only)]
    limits: Option<HashMap<String, i64>>,
}

fn writes(table: BasicTable<Account>) {
    let f = Account::fields();
    // Reads and conditions are fine.
    let _ = table.get_field("a", f.created_at());
    let _ = structnosql::expr::Condition::eq(f.created_at(), 1);
    // Field writes and removes are not.
    let _ = Setters::new().set(f.created_at(), 2);
    let _ = table.update_field("a", f.created_at(), 3);
    let _ = table.remove_field("a", f.limits());
}

fn main() {
    let _ = writes;
}
