//! The `Attribute` impl of a newtype: stored as its one field.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::Newtype;

/// The expansion of a checked newtype.
pub fn newtype(newtype: &Newtype) -> TokenStream {
    let ident = &newtype.ident;
    let inner = &newtype.inner;
    let private = super::private(newtype.krate.as_ref());
    let accessor = if newtype.transparent.is_present() {
        quote!(<#inner as __p::Attribute>::Accessor)
    } else {
        quote!(__p::FieldPath<Self>)
    };
    let (schema, functions, validate) = match &newtype.validate {
        None => (
            quote!(<#inner as __p::Attribute>::schema()),
            TokenStream::new(),
            Vec::new(),
        ),
        Some(validate) => {
            let validate = &validate.value;
            let name = format!("a {ident}");
            (
                quote! {
                    static __SCHEMA: ::std::sync::OnceLock<__p::CustomSchema> =
                        ::std::sync::OnceLock::new();
                    __p::TypeSchema::Custom(__SCHEMA.get_or_init(|| {
                        __p::CustomSchema::new(#name, <#inner as __p::Attribute>::schema(), __check)
                    }))
                },
                quote_spanned! {validate.span()=>
                    /// The stored-value check of the schema: the value decodes, and passes `validate`.
                    fn __check(__value: &__p::AttributeValue) -> ::core::result::Result<(), ::std::string::String> {
                        <#ident as __p::Attribute>::from_attribute(::core::clone::Clone::clone(__value))
                            .map(::core::mem::drop)
                            .map_err(|__problems| ::std::string::ToString::to_string(&__problems))
                    }
                    fn __validate(__value: &#ident) -> ::core::result::Result<(), __p::Violations> {
                        #validate(__value).map_err(|__error| {
                            __p::Violations::new(::std::string::ToString::to_string(&__error))
                        })
                    }
                },
                vec![quote!(__validate)],
            )
        }
    };
    let key = newtype.key.is_present().then(|| {
        quote_spanned! {newtype.key.span()=>
            #[automatically_derived]
            impl __p::KeyPart for #ident {
                fn scalar_type() -> __p::ScalarAttributeType {
                    <#inner as __p::KeyPart>::scalar_type()
                }
            }

            // A part of key templates when its field is one (`for<'a>` keeps the impl from being
            // an error when it is not).
            #[automatically_derived]
            impl __p::TemplatePart for #ident
            where
                for<'a> #inner: __p::TemplatePart,
            {
                const ENCODING: __p::KeyEncoding = <#inner as __p::TemplatePart>::ENCODING;
            }

            #[automatically_derived]
            impl __p::RecordKey for #ident {
                fn key_values(
                    &self,
                ) -> ::core::result::Result<(__p::AttributeValue, ::core::option::Option<__p::AttributeValue>), __p::Violations> {
                    ::core::result::Result::Ok((<Self as __p::Attribute>::to_attribute(self)?, ::core::option::Option::None))
                }
                fn from_key_values(
                    __hash: __p::AttributeValue,
                    __sort: ::core::option::Option<__p::AttributeValue>,
                ) -> ::core::result::Result<Self, __p::Violations> {
                    __p::single_key(__hash, __sort)
                }
                fn key_schemas() -> (__p::TypeSchema, ::core::option::Option<__p::TypeSchema>) {
                    (<Self as __p::Attribute>::schema(), ::core::option::Option::None)
                }
                fn scalar_types() -> (__p::ScalarAttributeType, ::core::option::Option<__p::ScalarAttributeType>) {
                    (<Self as __p::KeyPart>::scalar_type(), ::core::option::Option::None)
                }
            }
        }
    });
    quote! {
        const _: () = {
            use #private as __p;

            #functions
            #key

            #[automatically_derived]
            impl __p::Attribute for #ident {
                type Accessor = #accessor;
                type ListAccessor = __p::ListPath<::std::vec::Vec<Self>, Self>;
                const CONTAINER: bool = <#inner as __p::Attribute>::CONTAINER;
                const DEPTH: usize = <#inner as __p::Attribute>::DEPTH;

                fn schema() -> __p::TypeSchema {
                    #schema
                }

                fn to_attribute(&self) -> ::core::result::Result<__p::AttributeValue, __p::Violations> {
                    #(#validate(self)?;)*
                    <#inner as __p::Attribute>::to_attribute(&self.0)
                }

                fn from_attribute(
                    __stored: __p::AttributeValue,
                ) -> ::core::result::Result<Self, __p::Violations> {
                    let __decoded = Self(<#inner as __p::Attribute>::from_attribute(__stored)?);
                    #(#validate(&__decoded)?;)*
                    ::core::result::Result::Ok(__decoded)
                }
            }
        };
    }
}
