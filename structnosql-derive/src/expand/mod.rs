//! Code generation: a checked model's expansion put together from the parts below, or a stub.

mod accessors;
mod asserts;
mod codec;
mod entity;
mod newtype;
mod schema;
mod string_enum;
mod tagged;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::quote;

use crate::ast::Model;

pub use newtype::newtype;
pub(crate) use schema::option_inner;
pub use string_enum::string_enum;
pub use tagged::tagged;

/// Which derive is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    MapModel,
    TableDataModel,
}

/// The path of structnosql's `__private` module, which generated code uses: under the path given by
/// `#[structnosql(crate = "...")]`, else `::structnosql`.
pub(crate) fn private(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(krate) => quote!(#krate::__private),
        None => quote!(::structnosql::__private),
    }
}

/// `tokens`, every one spanned at `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// The full expansion of a checked model.
pub fn model(model: &Model, kind: Kind) -> TokenStream {
    let ident = &model.ident;
    let private = private(model.krate.as_ref());
    let functions = schema::functions(model);
    let fields = schema::fields(model);
    let flattened_names = asserts::flattened_names(model);
    let model_schema = schema::model_schema(model);
    let field_types = asserts::version_and_ttl_types(model);
    let attribute = codec::attribute_impl(model);
    let map_model = schema::map_model_impl(model);
    let table_impl = (kind == Kind::TableDataModel).then(|| {
        let depths = asserts::depths(model);
        let entity_items = entity::table_items(model);
        quote! {
            #[automatically_derived]
            impl __p::TableDataModel for #ident {
                #entity_items
            }
            #depths
        }
    });
    let entity_schema = entity::entity_schema(model);
    let key_function = entity::key_function(model, &private);
    let key_names = asserts::key_names(model);
    let accessors = accessors::accessors(model);
    quote! {
        #[doc(hidden)]
        const _: () = {
            use #private as __p;

            #functions
            #fields
            #flattened_names
            #model_schema
            #field_types
            #attribute
            #map_model
            #table_impl
            #entity_schema
            #key_names
        };

        #accessors
        #key_function
    }
}

/// What is emitted next to the errors of an invalid model, so that the user sees those errors and not
/// a cascade of "trait not implemented" ones.
pub fn stub(
    ident: &syn::Ident,
    generics: &syn::Generics,
    kind: Kind,
    krate: Option<&syn::Path>,
) -> TokenStream {
    if !generics.params.is_empty() {
        return TokenStream::new();
    }
    let private = private(krate);
    let name = ident.to_string();
    let table_impl = (kind == Kind::TableDataModel)
        .then(|| quote!(#[automatically_derived] impl __p::TableDataModel for #ident {}));
    quote! {
        const _: () = {
            use #private as __p;
            static __SCHEMA: __p::ModelSchema = __p::ModelSchema::new(#name, &[]);
            #[automatically_derived]
            impl __p::Attribute for #ident {
                type Accessor = __p::FieldPath<Self>;
                type ListAccessor = __p::ListPath<::std::vec::Vec<Self>, Self>;
                fn schema() -> __p::TypeSchema {
                    __p::TypeSchema::Model(&__SCHEMA)
                }
                fn to_attribute(&self) -> ::core::result::Result<__p::AttributeValue, __p::Violations> {
                    ::core::result::Result::Err(__p::Violations::new("the model did not compile"))
                }
                fn from_attribute(_: __p::AttributeValue) -> ::core::result::Result<Self, __p::Violations> {
                    ::core::result::Result::Err(__p::Violations::new("the model did not compile"))
                }
            }
            #[automatically_derived]
            impl __p::MapModel for #ident {
                fn model_schema() -> &'static __p::ModelSchema {
                    &__SCHEMA
                }
                const __FIELDS: &'static [__p::FieldSchema] = &[];
            }
            #table_impl
        };
    }
}
