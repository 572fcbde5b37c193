//! Derive macros of `structnosql`: `TableDataModel`, `MapModel` and `StringEnum`.
//!
//! Use them through the `structnosql` crate (`use structnosql::{TableDataModel, MapModel}`); the
//! generated code refers to `::structnosql::__private`, which this crate's version is pinned to.

mod case;
mod enums;
mod expand;
mod model;
mod serde_attrs;

use proc_macro::TokenStream;

use expand::Kind;

/// Derives a record model; see the `structnosql` crate's documentation.
#[proc_macro_derive(TableDataModel, attributes(structnosql))]
pub fn derive_table_data_model(input: TokenStream) -> TokenStream {
    derive_model(input.into(), Kind::TableDataModel).into()
}

/// Derives a structured-map model; see the `structnosql` crate's documentation.
#[proc_macro_derive(MapModel, attributes(structnosql))]
pub fn derive_map_model(input: TokenStream) -> TokenStream {
    derive_model(input.into(), Kind::MapModel).into()
}

/// Derives string storage for a unit-only enum; see the `structnosql` crate's documentation.
#[proc_macro_derive(StringEnum, attributes(structnosql))]
pub fn derive_string_enum(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(input.into()) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error().into(),
    };
    enums::expand(&input)
        .unwrap_or_else(|errors| errors.write_errors())
        .into()
}

/// Parses, checks and expands a model derive; on errors, the errors plus a stub impl.
fn derive_model(input: proc_macro2::TokenStream, kind: Kind) -> proc_macro2::TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    match model::parse(&input) {
        Ok(model) => expand::model(&model, kind),
        Err(errors) => {
            let mut tokens = errors.write_errors();
            tokens.extend(expand::stub(&input, kind));
            tokens
        }
    }
}

#[cfg(test)]
mod expansion_tests;
