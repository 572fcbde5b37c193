//! `#[derive(StringEnum)]`: a unit-only enum stored as a string.

use darling::{ast, FromDeriveInput, FromVariant};
use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{check_name, rename_rule};
use crate::serde_attrs;

#[derive(FromDeriveInput)]
#[darling(attributes(structnosql), supports(enum_unit), forward_attrs(serde))]
struct EnumInput {
    ident: syn::Ident,
    generics: syn::Generics,
    attrs: Vec<syn::Attribute>,
    data: ast::Data<VariantInput, ()>,
    rename_all: Option<syn::LitStr>,
}

#[derive(FromVariant)]
#[darling(attributes(structnosql), forward_attrs(serde))]
struct VariantInput {
    ident: syn::Ident,
    attrs: Vec<syn::Attribute>,
    rename: Option<syn::LitStr>,
}

/// Parses, checks and expands a `StringEnum`.
pub fn expand(input: &syn::DeriveInput) -> darling::Result<TokenStream> {
    let parsed = EnumInput::from_derive_input(input)?;
    let mut errors = darling::Error::accumulator();
    if !parsed.generics.params.is_empty() {
        errors.push(
            darling::Error::custom("a StringEnum cannot be generic").with_span(&parsed.generics),
        );
    }
    let serde = serde_attrs::read(&parsed.attrs, true, &mut errors);
    let rule = rename_rule(parsed.rename_all.as_ref(), serde.rename_all, &mut errors);
    let variants = match parsed.data {
        ast::Data::Enum(variants) => variants,
        ast::Data::Struct(_) => Vec::new(),
    };
    let mut names: Vec<(syn::Ident, String)> = Vec::with_capacity(variants.len());
    for variant in variants {
        let serde = serde_attrs::read(&variant.attrs, false, &mut errors);
        let rust_name = variant.ident.to_string();
        let name = match (&variant.rename, serde.rename) {
            (Some(ours), Some((theirs, span))) if ours.value() != theirs => {
                errors.push(
                    darling::Error::custom(
                        "`#[structnosql(rename)]` and `#[serde(rename)]` disagree",
                    )
                    .with_span(&span),
                );
                ours.value()
            }
            (Some(ours), _) => ours.value(),
            (None, Some((theirs, _))) => theirs,
            (None, None) => {
                rule.map_or(rust_name.clone(), |rule| rule.apply_to_variant(&rust_name))
            }
        };
        check_name(&name, variant.ident.span(), &mut errors);
        if names.iter().any(|(_, other)| *other == name) {
            errors.push(
                darling::Error::custom(format!("two variants are stored as {name:?}"))
                    .with_span(&variant.ident),
            );
        }
        names.push((variant.ident, name));
    }
    errors.finish()?;
    let ident = &parsed.ident;
    let (idents, strings): (Vec<_>, Vec<_>) = names.into_iter().unzip();
    Ok(quote! {
        const _: () = {
            use ::structnosql::__private as __p;

            static __NAMES: &[&str] = &[#(#strings),*];

            impl __p::Attribute for #ident {
                type Accessor = __p::FieldPath<Self>;
                type ListAccessor = __p::ListPath<::std::vec::Vec<Self>, Self>;

                fn schema() -> __p::TypeSchema {
                    __p::TypeSchema::Enum(__NAMES)
                }

                fn to_attribute(&self) -> ::core::result::Result<__p::AttributeValue, __p::Violations> {
                    let __name = match self {
                        #(Self::#idents => #strings,)*
                    };
                    ::core::result::Result::Ok(__p::AttributeValue::S(::std::string::String::from(__name)))
                }

                fn from_attribute(
                    __value: __p::AttributeValue,
                ) -> ::core::result::Result<Self, __p::Violations> {
                    match &__value {
                        #(__p::AttributeValue::S(__s) if __s == #strings => ::core::result::Result::Ok(Self::#idents),)*
                        _ => ::core::result::Result::Err(__p::enum_mismatch(&__value, __NAMES)),
                    }
                }
            }
        };
    })
}
