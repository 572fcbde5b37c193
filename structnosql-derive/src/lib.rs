//! Derive macros of `structnosql`: `TableDataModel`, `MapModel`, `StringEnum`, `Attribute` and
//! `Collection`.
//!
//! Use them through the `structnosql` crate (`use structnosql::{TableDataModel, MapModel}`); the
//! generated code refers to `::structnosql::__private` (or `<path>::__private` with
//! `#[structnosql(crate = "path")]`), which this crate's version is pinned to.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo
    )
)]

mod ast;
mod case;
mod check;
mod collection;
mod expand;
mod serde_attrs;
mod template;

use proc_macro::TokenStream;

use expand::Kind;

/// Derives a record model: the static schema, checked conversions to and from a DynamoDB item, and the
/// typed path accessor `<Type>Fields` (from `<Type>::fields()`).
///
/// Attributes: `#[structnosql(rename_all = "...")]` and `#[structnosql(crate = "path")]` on the
/// struct; `rename`, `key_name`, `validate`,
/// `recursive`, `read_only`, `read_transform`, `write_transform`, `version`, `ttl`, `flatten` and
/// `default` on fields. See the `structnosql::model` documentation for each, with examples.
#[proc_macro_derive(TableDataModel, attributes(structnosql))]
pub fn derive_table_data_model(input: TokenStream) -> TokenStream {
    derive_model(input.into(), Kind::TableDataModel).into()
}

/// Derives a structured map, nested in records or other maps: the static schema, checked conversions
/// and the typed path accessor `<Type>Fields`. Same attributes as `TableDataModel`; see the
/// `structnosql::model` documentation.
#[proc_macro_derive(MapModel, attributes(structnosql))]
pub fn derive_map_model(input: TokenStream) -> TokenStream {
    derive_model(input.into(), Kind::MapModel).into()
}

/// Stores a unit-only enum as a string: the variant's name, after `#[structnosql(rename_all = "...")]`
/// on the enum or `#[structnosql(rename = "...")]` on a variant. Reading any other string is an error.
/// `#[structnosql(crate = "path")]` on the enum works as on a model.
#[proc_macro_derive(StringEnum, attributes(structnosql))]
pub fn derive_string_enum(input: TokenStream) -> TokenStream {
    derive_enum(input.into()).into()
}

/// Derives `Collection` for an enum whose variants each hold one entity (`Order(Order)`): one
/// query of a shared table's partition returns each item as the variant of its entity.
/// `#[structnosql(crate = "path")]` works as on a model. See the `structnosql::entity`
/// documentation.
#[proc_macro_derive(Collection, attributes(structnosql))]
pub fn derive_collection(input: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(input) {
        Ok(input) => collection::collection(&input).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// Derives [`Attribute`] for a newtype or an enum with data.
///
/// - **A newtype** (`struct UserId(String);`) is stored as its field. Its typed path is a whole-value
///   path; with `#[structnosql(transparent)]`, paths go through it as through its field.
///   `#[structnosql(validate = "path")]` names a `fn(&Self) -> Result<(), E>` run on every value
///   written and read.
/// - **An enum with data** is stored as a map whose tag attribute names the variant:
///   `#[structnosql(tag = "type")]` stores a variant's named fields beside the tag;
///   `#[structnosql(tag = "type", content = "data")]` stores them (or a variant's one value) in the
///   `content` attribute. serde's `tag`, `content`, `rename` and `rename_all` are followed. A stored
///   tag that names no variant is an error naming its path.
///
/// `#[structnosql(crate = "path")]` works as on a model. See the `structnosql::model` documentation.
///
/// [`Attribute`]: https://docs.rs/structnosql/latest/structnosql/trait.Attribute.html
#[proc_macro_derive(Attribute, attributes(structnosql))]
pub fn derive_attribute(input: TokenStream) -> TokenStream {
    derive_attribute_impl(input.into()).into()
}

/// Parses, checks and expands an `Attribute` derive; on errors, the errors.
fn derive_attribute_impl(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = darling::Error::accumulator();
    let derived = ast::DerivedAttribute::parse(&input, &mut errors);
    if let Some(derived) = &derived {
        check::derived_attribute(derived, &mut errors);
    }
    match (errors.finish(), derived) {
        (Ok(()), Some(ast::DerivedAttribute::Newtype(newtype))) => expand::newtype(&newtype),
        (Ok(()), Some(ast::DerivedAttribute::Tagged(tagged))) => expand::tagged(&tagged),
        (result, _) => result
            .err()
            .map(|errors| errors.write_errors())
            .unwrap_or_default(),
    }
}

/// Parses, checks and expands a model derive; on errors, the errors plus a stub impl.
fn derive_model(input: proc_macro2::TokenStream, kind: Kind) -> proc_macro2::TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    if let syn::Data::Struct(syn::DataStruct {
        fields: syn::Fields::Unnamed(fields),
        ..
    }) = &input.data
    {
        if fields.unnamed.len() == 1 {
            return syn::Error::new_spanned(
                fields,
                "a struct of one unnamed field is a newtype: `#[derive(Attribute)]` stores it as its field",
            )
            .to_compile_error();
        }
    }
    let mut errors = darling::Error::accumulator();
    let model = ast::Model::parse(&input, &mut errors);
    if let Some(model) = &model {
        check::model(model, kind, &mut errors);
    }
    match (errors.finish(), &model) {
        (Ok(()), Some(model)) => expand::model(model, kind),
        // Without a model, `parse` has reported why.
        (result, _) => {
            let mut tokens = result
                .err()
                .map(|errors| errors.write_errors())
                .unwrap_or_default();
            let krate = model.as_ref().and_then(|model| model.krate.as_ref());
            tokens.extend(expand::stub(&input.ident, &input.generics, kind, krate));
            tokens
        }
    }
}

/// Parses, checks and expands a `StringEnum` derive; on errors, the errors.
fn derive_enum(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    if let syn::Data::Enum(data) = &input.data {
        if let Some(variant) = data
            .variants
            .iter()
            .find(|variant| !variant.fields.is_empty())
        {
            return syn::Error::new_spanned(
                &variant.fields,
                "a StringEnum has unit variants only: an enum with data derives `Attribute`, stored \
                 as a map with a tag (`#[structnosql(tag = \"type\")]`)",
            )
            .to_compile_error();
        }
    }
    let mut errors = darling::Error::accumulator();
    let string_enum = ast::StringEnum::parse(&input, &mut errors);
    if let Some(string_enum) = &string_enum {
        check::string_enum(string_enum, &mut errors);
    }
    match (errors.finish(), string_enum) {
        (Ok(()), Some(string_enum)) => expand::string_enum(&string_enum),
        (result, _) => result
            .err()
            .map(|errors| errors.write_errors())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod expansion_tests;
