//! The `Attribute` impl of an enum with data: a map whose tag attribute names the variant, with the
//! variant's fields beside the tag (`tag`) or in an attribute of their own (`tag` and `content`).
//! Each variant is described by a model of its own, tag included, in a `TaggedSchema`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{TaggedEnum, TaggedVariant, VariantField, VariantShape};

/// The expansion of a checked enum with data. `check` guarantees a tag and no tuple variants.
pub fn tagged(tagged: &TaggedEnum) -> TokenStream {
    let Some(tag) = tagged.tag.as_ref().map(|tag| tag.value.as_str()) else {
        return TokenStream::new();
    };
    let content = tagged
        .content
        .as_ref()
        .map(|content| content.value.as_str());
    let ident = &tagged.ident;
    let enum_name = ident.to_string();
    let private = super::private(tagged.krate.as_ref());
    let variant_schemas = tagged
        .variants
        .iter()
        .enumerate()
        .map(|(index, variant)| variant_schema(&enum_name, index, variant, tag, content));
    let variant_refs = tagged.variants.iter().enumerate().map(|(index, variant)| {
        let model = format_ident!("__VARIANT_{}", index);
        let name = &variant.name;
        quote!((#name, &#model))
    });
    let depth = tagged
        .variants
        .iter()
        .map(|variant| variant_depth(variant, content.is_some()))
        .fold(quote!(1), |acc, depth| quote!(__p::max(#acc, #depth)));
    let encode = tagged
        .variants
        .iter()
        .map(|variant| encode_variant(variant, tag, content));
    let decode = tagged
        .variants
        .iter()
        .map(|variant| decode_variant(variant, content));
    quote! {
        const _: () = {
            use #private as __p;

            #(#variant_schemas)*

            static __SCHEMA: __p::TaggedSchema =
                __p::TaggedSchema::new(#enum_name, #tag, &[#(#variant_refs),*]);

            #[automatically_derived]
            impl __p::Attribute for #ident {
                type Accessor = __p::FieldPath<Self>;
                type ListAccessor = __p::ListPath<::std::vec::Vec<Self>, Self>;
                const DEPTH: usize = #depth;

                fn schema() -> __p::TypeSchema {
                    __p::TypeSchema::Tagged(&__SCHEMA)
                }

                #[allow(unused_mut)]
                fn to_attribute(&self) -> ::core::result::Result<__p::AttributeValue, __p::Violations> {
                    let mut __map = ::std::collections::HashMap::new();
                    let mut __violations = __p::Violations::default();
                    match self {
                        #(#encode)*
                    }
                    __violations.into_result(__p::AttributeValue::M(__map))
                }

                #[allow(unused_mut, unused_variables)]
                fn from_attribute(
                    __value: __p::AttributeValue,
                ) -> ::core::result::Result<Self, __p::Violations> {
                    let mut __map = __p::expect_map(__value, <Self as __p::Attribute>::schema())?;
                    let __tag = __p::take_tag(&mut __map, &__SCHEMA)?;
                    let mut __violations = __p::Violations::default();
                    match __tag.as_str() {
                        #(#decode)*
                        _ => ::core::result::Result::Err(__p::unknown_variant(&__SCHEMA, &__tag)),
                    }
                }
            }
        };
    }
}

/// The model of one variant (`__VARIANT_<index>`): the tag, holding only this variant's name, and
/// the variant's data.
fn variant_schema(
    enum_name: &str,
    index: usize,
    variant: &TaggedVariant,
    tag: &str,
    content: Option<&str>,
) -> TokenStream {
    let model = format_ident!("__VARIANT_{}", index);
    let tag_fn = format_ident!("__tag_{}", index);
    let name = &variant.name;
    let model_name = format!("{enum_name}::{}", variant.ident);
    let data = match (&variant.shape, content) {
        (VariantShape::Unit | VariantShape::Tuple(_), _) => Vec::new(),
        (VariantShape::Struct(fields), None) => fields.iter().map(field_schema).collect(),
        (VariantShape::Newtype(ty), Some(content)) => {
            vec![quote!(__p::FieldSchema::new(#content, #content, <#ty as __p::Attribute>::schema))]
        }
        (VariantShape::Struct(fields), Some(content)) => {
            let content_model = format_ident!("__CONTENT_{}", index);
            let content_fn = format_ident!("__content_{}", index);
            let fields = fields.iter().map(field_schema);
            return quote! {
                static #content_model: __p::ModelSchema = __p::ModelSchema::new(#model_name, &[#(#fields),*]);
                #[allow(non_snake_case)]
                fn #content_fn() -> __p::TypeSchema {
                    __p::TypeSchema::Model(&#content_model)
                }
                #[allow(non_snake_case)]
                fn #tag_fn() -> __p::TypeSchema {
                    __p::TypeSchema::Enum(&[#name])
                }
                static #model: __p::ModelSchema = __p::ModelSchema::new(#model_name, &[
                    __p::FieldSchema::new(#tag, #tag, #tag_fn),
                    __p::FieldSchema::new(#content, #content, #content_fn),
                ]);
            };
        }
        // Refused by `check`: a newtype variant needs `content`.
        (VariantShape::Newtype(_), None) => Vec::new(),
    };
    quote! {
        #[allow(non_snake_case)]
        fn #tag_fn() -> __p::TypeSchema {
            __p::TypeSchema::Enum(&[#name])
        }
        static #model: __p::ModelSchema = __p::ModelSchema::new(#model_name, &[
            __p::FieldSchema::new(#tag, #tag, #tag_fn),
            #(#data,)*
        ]);
    }
}

fn field_schema(field: &VariantField) -> TokenStream {
    let (name, ty) = (&field.name, &field.ty);
    let rust_name = field.ident.to_string();
    quote!(__p::FieldSchema::new(#name, #rust_name, <#ty as __p::Attribute>::schema))
}

/// How many levels a variant's map occupies; recursive fields are left out (unbounded).
fn variant_depth(variant: &TaggedVariant, adjacent: bool) -> TokenStream {
    match &variant.shape {
        VariantShape::Unit | VariantShape::Tuple(_) => quote!(1),
        VariantShape::Newtype(ty) => quote_spanned!(ty.span()=> 1 + <#ty as __p::Attribute>::DEPTH),
        VariantShape::Struct(fields) => {
            let deepest = fields
                .iter()
                .filter(|field| !field.recursive)
                .map(|field| {
                    let ty = &field.ty;
                    quote_spanned!(ty.span()=> <#ty as __p::Attribute>::DEPTH)
                })
                .fold(quote!(0), |acc, depth| quote!(__p::max(#acc, #depth)));
            let levels = if adjacent { quote!(2) } else { quote!(1) };
            quote!(#levels + #deepest)
        }
    }
}

/// The match arm encoding one variant into `__map`.
fn encode_variant(variant: &TaggedVariant, tag: &str, content: Option<&str>) -> TokenStream {
    let (ident, name) = (&variant.ident, &variant.name);
    let put_tag = quote! {
        __map.insert(::std::string::String::from(#tag), __p::AttributeValue::S(::std::string::String::from(#name)));
    };
    match &variant.shape {
        VariantShape::Unit | VariantShape::Tuple(_) => quote! {
            Self::#ident { .. } => { #put_tag }
        },
        VariantShape::Newtype(ty) => {
            let content = content.unwrap_or_default();
            quote! {
                Self::#ident(__data) => {
                    #put_tag
                    <#ty as __p::Attribute>::__encode_field(__data, &mut __map, &mut __violations, #content, false);
                }
            }
        }
        VariantShape::Struct(fields) => {
            let idents: Vec<_> = fields.iter().map(|field| &field.ident).collect();
            let encode = fields.iter().map(|field| {
                let (var, ty, name) = (&field.ident, &field.ty, &field.name);
                quote! {
                    <#ty as __p::Attribute>::__encode_field(#var, &mut __fields, &mut __problems, #name, false);
                }
            });
            let store = match content {
                None => quote! {
                    __map.extend(__fields);
                    __violations.extend(__problems);
                },
                Some(content) => quote! {
                    __map.insert(::std::string::String::from(#content), __p::AttributeValue::M(__fields));
                    __violations.extend(__problems.inside(__p::Segment::Field(#content)));
                },
            };
            quote! {
                Self::#ident { #(#idents),* } => {
                    #put_tag
                    let mut __fields = ::std::collections::HashMap::new();
                    let mut __problems = __p::Violations::default();
                    #(#encode)*
                    #store
                }
            }
        }
    }
}

/// The match arm decoding one variant from `__map` (its tag removed).
fn decode_variant(variant: &TaggedVariant, content: Option<&str>) -> TokenStream {
    let (ident, name) = (&variant.ident, &variant.name);
    match &variant.shape {
        VariantShape::Unit | VariantShape::Tuple(_) => quote! {
            #name => ::core::result::Result::Ok(Self::#ident),
        },
        VariantShape::Newtype(ty) => {
            let content = content.unwrap_or_default();
            quote! {
                #name => match <#ty as __p::Attribute>::__decode_field(&mut __map, &mut __violations, #content) {
                    ::core::option::Option::Some(__data) => ::core::result::Result::Ok(Self::#ident(__data)),
                    ::core::option::Option::None => ::core::result::Result::Err(__violations),
                },
            }
        }
        VariantShape::Struct(fields) => {
            let vars: Vec<_> = fields.iter().map(|field| &field.ident).collect();
            let decode = fields.iter().map(|field| {
                let (var, ty, name) = (&field.ident, &field.ty, &field.name);
                quote! {
                    let #var = <#ty as __p::Attribute>::__decode_field(&mut __fields, &mut __problems, #name);
                }
            });
            let (take, keep) = match content {
                None => (
                    quote!(let mut __fields = __map;),
                    quote!(__violations.extend(__problems);),
                ),
                Some(content) => (
                    quote! {
                        let mut __fields = match __p::take_content(&mut __map, #content) {
                            ::core::result::Result::Ok(__fields) => __fields,
                            ::core::result::Result::Err(__problems) => return ::core::result::Result::Err(__problems),
                        };
                    },
                    quote!(__violations.extend(__problems.inside(__p::Segment::Field(#content)));),
                ),
            };
            quote! {
                #name => {
                    #take
                    let mut __problems = __p::Violations::default();
                    #(#decode)*
                    #keep
                    #[allow(unreachable_patterns)]
                    match (#(#vars,)*) {
                        (#(::core::option::Option::Some(#vars),)*) => {
                            ::core::result::Result::Ok(Self::#ident { #(#vars),* })
                        }
                        _ => ::core::result::Result::Err(__violations),
                    }
                }
            }
        }
    }
}
