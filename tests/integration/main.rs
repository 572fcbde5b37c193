//! Integration tests against a real DynamoDB-compatible server (see `harness`).

mod basic_table;
mod caching_table;
mod connection;
mod equivalence;
mod faults;
mod harness;
mod hostile;
mod models;
mod queries;
mod robustness;

/// A recursive model for the robustness tests.
mod docs_model_for_robustness {
    use std::collections::HashMap;

    use structnosql::TableDataModel;

    #[derive(TableDataModel, Debug, PartialEq)]
    #[structnosql(rename_all = "camelCase")]
    pub struct Parameter {
        pub name: String,
        #[structnosql(key_name = "childKey{i}")]
        pub children: Option<HashMap<String, Parameter>>,
        pub values: Option<Vec<Parameter>>,
    }
}
