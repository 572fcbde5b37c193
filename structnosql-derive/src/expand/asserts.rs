//! Compile-time asserts on what only the compiler knows (the field types), each on its field.

use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::spanned::Spanned;

use crate::ast::{Field, Model};

/// A field with a `key_name` has items: it is a map, list or set.
pub fn key_names(model: &Model) -> TokenStream {
    model
        .fields
        .iter()
        .filter_map(|field| {
            let key_name = field.options.key_name.as_ref()?;
            let ty = &field.ty;
            let message = format!(
                "`key_name` on field `{}`: only maps, lists and sets have keys",
                field.ident
            );
            Some(quote_spanned! {key_name.span=>
                const _: () = ::core::assert!(<#ty as __p::Attribute>::CONTAINER, #message);
            })
        })
        .collect()
}

/// No field of a record nests deeper than DynamoDB's 32 levels (a flattened struct's fields are one
/// level up).
pub fn depths(model: &Model) -> TokenStream {
    model
        .fields
        .iter()
        .filter(|field| !field.is_recursive())
        .map(|field| {
            let ty = &field.ty;
            let limit: usize = if field.options.flatten.is_present() {
                33
            } else {
                32
            };
            let message = format!(
                "field `{}` nests deeper than DynamoDB's 32 levels",
                field.ident
            );
            quote_spanned! {ty.span()=>
                const _: () = ::core::assert!(<#ty as __p::Attribute>::DEPTH <= #limit, #message);
            }
        })
        .collect()
}

/// The version field is an integer, the TTL field epoch seconds.
pub fn version_and_ttl_types(model: &Model) -> TokenStream {
    model
        .fields
        .iter()
        .filter(|field| field.options.version.is_present() || field.options.ttl.is_present())
        .map(|field| {
            let ty = &field.ty;
            let check = if field.options.version.is_present() {
                quote_spanned! {ty.span()=>
                    fn version_field_must_be_an_integer<T: __p::VersionNumber>() {}
                    version_field_must_be_an_integer::<#ty>();
                }
            } else {
                quote_spanned! {ty.span()=>
                    fn ttl_field_must_be_epoch_seconds<T: __p::TtlSeconds>() {}
                    ttl_field_must_be_epoch_seconds::<#ty>();
                }
            };
            quote_spanned! {ty.span()=>
                const _: fn() = || { #check };
            }
        })
        .collect()
}

/// The attribute names at this level, once the flattened structs' fields are known: none is shared,
/// each clash reported on the field that clashes. (That a flattened field is a `MapModel` needs no
/// assert: the schema lists its fields.)
pub fn flattened_names(model: &Model) -> TokenStream {
    let flattened: Vec<&Field> = model
        .fields
        .iter()
        .filter(|field| field.options.flatten.is_present())
        .collect();
    let mut clashes = TokenStream::new();
    for (index, flat) in flattened.iter().enumerate() {
        let (flat_ident, flat_ty) = (&flat.ident, &flat.ty);
        for field in model
            .fields
            .iter()
            .filter(|field| !field.options.flatten.is_present())
        {
            let attribute = &field.name;
            let message = format!(
                "attribute name {attribute:?} of field `{}` is also a field of the struct \
                 flattened by `{flat_ident}`; attribute names must be unique at each level",
                field.ident
            );
            clashes.extend(quote_spanned! {field.ident.span()=>
                const _: () = ::core::assert!(
                    !__p::has_name(<#flat_ty as __p::MapModel>::__FIELDS, #attribute),
                    #message
                );
            });
        }
        for other in flattened.iter().skip(index + 1) {
            let other_ty = &other.ty;
            let message = format!(
                "the structs flattened by `{flat_ident}` and `{}` have an attribute name in \
                 common; attribute names must be unique at each level",
                other.ident
            );
            clashes.extend(quote_spanned! {other.ident.span()=>
                const _: () = ::core::assert!(
                    !__p::share_a_name(
                        <#flat_ty as __p::MapModel>::__FIELDS,
                        <#other_ty as __p::MapModel>::__FIELDS,
                    ),
                    #message
                );
            });
        }
    }
    clashes
}
