//! The `Attribute` impl of a `StringEnum`: each variant stored as its name.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::StringEnum;

/// The expansion of a checked `StringEnum`.
pub fn string_enum(string_enum: &StringEnum) -> TokenStream {
    let ident = &string_enum.ident;
    let private = super::private(string_enum.krate.as_ref());
    let idents = string_enum.variants.iter().map(|variant| &variant.ident);
    let strings: Vec<&String> = string_enum
        .variants
        .iter()
        .map(|variant| &variant.name)
        .collect();
    let idents_again = idents.clone();
    quote! {
        const _: () = {
            use #private as __p;

            static __NAMES: &[&str] = &[#(#strings),*];

            // A key attribute and a part of key templates, as its stored string; the bounds hold
            // when the enum is `Clone` and `Debug`, as keys are (`for<'a>` keeps the impl from
            // being an error when they do not).
            #[automatically_derived]
            impl __p::KeyPart for #ident
            where
                for<'a> #ident: ::core::clone::Clone + ::core::fmt::Debug,
            {
                fn scalar_type() -> __p::ScalarAttributeType {
                    __p::ScalarAttributeType::S
                }
            }

            #[automatically_derived]
            impl __p::TemplatePart for #ident
            where
                for<'a> #ident: __p::KeyPart,
            {
                const ENCODING: __p::KeyEncoding = __p::KeyEncoding::Text;
            }

            #[automatically_derived]
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
                        #(__p::AttributeValue::S(__s) if __s == #strings => ::core::result::Result::Ok(Self::#idents_again),)*
                        _ => ::core::result::Result::Err(__p::enum_mismatch(&__value, __NAMES)),
                    }
                }
            }
        };
    }
}
