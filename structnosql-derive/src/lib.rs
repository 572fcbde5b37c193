//! Derive macros of `structnosql`. Use them through the `structnosql` crate.
use proc_macro::TokenStream;

#[proc_macro_derive(TableDataModel, attributes(structnosql))]
pub fn derive_table_data_model(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}

#[proc_macro_derive(MapModel, attributes(structnosql))]
pub fn derive_map_model(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
