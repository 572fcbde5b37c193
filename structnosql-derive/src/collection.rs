//! `#[derive(Collection)]`: an enum whose variants each hold one entity, decoded by the name in an
//! item's entity-type attribute.

use darling::FromDeriveInput;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;

/// `#[structnosql(crate = "path")]` on a collection, as on a model.
#[derive(FromDeriveInput)]
#[darling(attributes(structnosql))]
struct CollectionInput {
    #[darling(rename = "crate")]
    krate: Option<syn::Path>,
}

/// The expansion of a `Collection` derive, or its errors.
pub fn collection(input: &syn::DeriveInput) -> TokenStream {
    let options = match CollectionInput::from_derive_input(input) {
        Ok(options) => options,
        Err(error) => return error.write_errors(),
    };
    let private = crate::expand::private(options.krate.as_ref());
    let syn::Data::Enum(data) = &input.data else {
        return syn::Error::new_spanned(
            &input.ident,
            "a Collection is an enum whose variants each hold one entity: `Order(Order)`",
        )
        .to_compile_error();
    };
    if !input.generics.params.is_empty() {
        return syn::Error::new_spanned(&input.generics, "a Collection cannot be generic")
            .to_compile_error();
    }
    let mut errors = TokenStream::new();
    let mut arms = Vec::new();
    for variant in &data.variants {
        let ident = &variant.ident;
        match &variant.fields {
            syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                let Some(field) = fields.unnamed.first() else {
                    continue;
                };
                let ty = &field.ty;
                let entity = quote_spanned!(ty.span()=> <#ty as #private::Entity>::ENTITY);
                arms.push(quote! {
                    if __entity == #entity.name {
                        return ::core::result::Result::Ok(
                            <#ty as #private::TableDataModel>::from_item(__item)
                                .map(Self::#ident),
                        );
                    }
                });
            }
            _ => errors.extend(
                syn::Error::new_spanned(
                    variant,
                    "each variant of a Collection holds one entity: `Order(Order)`",
                )
                .to_compile_error(),
            ),
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    let ident = &input.ident;
    quote! {
        #[automatically_derived]
        impl #private::Collection for #ident {
            fn decode(
                __entity: &str,
                __item: #private::Item,
            ) -> ::core::result::Result<#private::Result<Self>, #private::Item> {
                #(#arms)*
                ::core::result::Result::Err(__item)
            }
        }
    }
}
