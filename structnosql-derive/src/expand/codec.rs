//! The `Attribute` impl: the model's depth and its conversions to and from a DynamoDB map.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::accessors;
use crate::ast::{Field, Model};

/// The `Attribute` impl of the model.
pub fn attribute_impl(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let accessor = accessors::struct_ident(model);
    let depth = depth(model);
    let field_count = model.fields.len();
    let encode = model.fields.iter().map(encode_field);
    let decode = model.fields.iter().map(decode_field);
    let vars: Vec<_> = model.fields.iter().map(|field| &field.ident).collect();
    quote! {
        #[automatically_derived]
        impl __p::Attribute for #ident {
            type Accessor = #accessor;
            type ListAccessor = __p::ListPath<::std::vec::Vec<Self>, Self>;
            const DEPTH: usize = 1 + #depth;

            fn schema() -> __p::TypeSchema {
                __p::TypeSchema::Model(&__SCHEMA)
            }

            fn to_attribute(&self) -> ::core::result::Result<__p::AttributeValue, __p::Violations> {
                let (__value, __violations) = <Self as __p::Attribute>::__encode_parts(self);
                match __value {
                    ::core::option::Option::Some(__value) => __violations.into_result(__value),
                    ::core::option::Option::None => ::core::result::Result::Err(__violations),
                }
            }

            fn __encode_parts(
                &self,
            ) -> (::core::option::Option<__p::AttributeValue>, __p::Violations) {
                let mut __map = ::std::collections::HashMap::with_capacity(#field_count);
                let mut __violations = __p::Violations::default();
                #(#encode)*
                (::core::option::Option::Some(__p::AttributeValue::M(__map)), __violations)
            }

            fn from_attribute(
                __value: __p::AttributeValue,
            ) -> ::core::result::Result<Self, __p::Violations> {
                let mut __map = __p::expect_map(__value, <Self as __p::Attribute>::schema())?;
                let mut __violations = __p::Violations::default();
                #(#decode)*
                #[allow(unreachable_patterns)]
                match (#(#vars,)*) {
                    (#(::core::option::Option::Some(#vars),)*) => {
                        ::core::result::Result::Ok(Self { #(#vars),* })
                    }
                    _ => ::core::result::Result::Err(__violations),
                }
            }
        }
    }
}

/// The deepest field's depth; recursive fields are left out (their depth is unbounded).
fn depth(model: &Model) -> TokenStream {
    model
        .fields
        .iter()
        .filter(|field| !field.is_recursive())
        .map(|field| {
            let ty = &field.ty;
            if field.options.flatten.is_present() {
                // A flattened struct's fields are at this level: one level less than the struct.
                quote_spanned! {ty.span()=> (<#ty as __p::Attribute>::DEPTH - 1) }
            } else {
                quote_spanned! {ty.span()=> <#ty as __p::Attribute>::DEPTH }
            }
        })
        .fold(quote!(0), |acc, depth| quote!(__p::max(#acc, #depth)))
}

/// The statement encoding one field. It names the field's type in a `<T as Trait>::…` path, as the
/// schema and the accessor do, so that the compiler reports an unsupported type once, on the type.
fn encode_field(field: &Field) -> TokenStream {
    let (var, ty, name) = (&field.ident, &field.ty, &field.name);
    if field.options.flatten.is_present() {
        return quote! {
            <#ty as __p::MapModel>::__encode_flattened(&self.#var, &mut __map, &mut __violations);
        };
    }
    let keep_none = field.options.none_as_null.is_present();
    quote! {
        <#ty as __p::Attribute>::__encode_field(&self.#var, &mut __map, &mut __violations, #name, #keep_none);
    }
}

/// The statement decoding one field (named as in `encode_field`).
fn decode_field(field: &Field) -> TokenStream {
    let (var, ty, name) = (&field.ident, &field.ty, &field.name);
    if field.options.flatten.is_present() {
        quote! {
            let #var = <#ty as __p::MapModel>::__decode_flattened(&mut __map, &mut __violations);
        }
    } else {
        quote! {
            let #var = <#ty as __p::Attribute>::__decode_field(&mut __map, &mut __violations, #name);
        }
    }
}
