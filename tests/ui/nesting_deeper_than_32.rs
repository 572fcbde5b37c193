use std::collections::HashMap;

use structnosql::TableDataModel;

/// Four levels of maps around `T`.
type L4<T> = HashMap<String, HashMap<String, HashMap<String, HashMap<String, T>>>>;

#[derive(TableDataModel)]
struct Record {
    id: String,
    // 31 maps around a number: 32 levels, DynamoDB's limit.
    deepest_allowed: L4<L4<L4<L4<L4<L4<L4<HashMap<String, HashMap<String, HashMap<String, i64>>>>>>>>>>,
    // 32 maps around a number: 33 levels.
    too_deep: L4<L4<L4<L4<L4<L4<L4<L4<i64>>>>>>>>,
}

fn main() {}
