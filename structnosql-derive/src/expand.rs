//! Code generation for models: the `Attribute`, `MapModel` and `TableDataModel` impls, the static schema
//! and the typed field accessor `<Model>Fields`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::model::{Field, Model};

/// Which derive is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    MapModel,
    TableDataModel,
}

/// The full expansion of a checked model.
pub fn model(model: &Model, kind: Kind) -> TokenStream {
    let ident = &model.ident;
    let name = ident.to_string();
    let fields_ident = format_ident!("{}Fields", ident);
    let own: Vec<&Field> = model.fields.iter().filter(|field| !field.flatten).collect();
    let flattened: Vec<&Field> = model.fields.iter().filter(|field| field.flatten).collect();
    let field_schemas = own.iter().map(|field| field_schema(field));
    let checks = model.fields.iter().filter_map(check_fn);
    let transforms = model.fields.iter().map(transform_fns);
    let defaults = model.fields.iter().filter_map(default_fn);
    let encode = model.fields.iter().map(encode_field);
    let decode = model.fields.iter().map(|field| {
        let (var, ty, name) = (&field.ident, &field.ty, &field.name);
        if field.flatten {
            quote! { let #var = __p::decode_flattened::<#ty>(&mut __map, &mut __violations); }
        } else {
            quote! { let #var = __p::decode_field::<#ty>(&mut __map, &mut __violations, #name); }
        }
    });
    let vars: Vec<_> = model.fields.iter().map(|field| &field.ident).collect();
    let depth = model
        .fields
        .iter()
        .filter(|field| !field.recursive)
        .map(|field| {
            let ty = &field.ty;
            if field.flatten {
                // A flattened struct's fields are at this level: one level less than the struct.
                quote_spanned! {ty.span()=> (<#ty as __p::Attribute>::DEPTH - 1) }
            } else {
                quote_spanned! {ty.span()=> <#ty as __p::Attribute>::DEPTH }
            }
        })
        .fold(quote!(0), |acc, depth| quote!(__p::max(#acc, #depth)));
    let key_name_asserts = model
        .fields
        .iter()
        .filter(|f| f.key_name.is_some())
        .map(|field| {
            let ty = &field.ty;
            let message = format!(
                "`key_name` on field `{}`: only maps, lists and sets have keys",
                field.ident
            );
            quote_spanned! {ty.span()=>
                const _: () = ::core::assert!(<#ty as __p::Attribute>::CONTAINER, #message);
            }
        });
    let table_impl = (kind == Kind::TableDataModel).then(|| {
        let depth_asserts = model.fields.iter().filter(|f| !f.recursive).map(|field| {
            let ty = &field.ty;
            let limit: usize = if field.flatten { 33 } else { 32 };
            let message = format!(
                "field `{}` nests deeper than DynamoDB's 32 levels",
                field.ident
            );
            quote_spanned! {ty.span()=>
                const _: () = ::core::assert!(<#ty as __p::Attribute>::DEPTH <= #limit, #message);
            }
        });
        quote! {
            impl __p::TableDataModel for #ident {}
            #(#depth_asserts)*
        }
    });
    let version_field = model
        .fields
        .iter()
        .find(|field| field.version)
        .map(|field| {
            let name = &field.name;
            quote!(.with_version_field(#name))
        });
    let ttl_field = model.fields.iter().find(|field| field.ttl).map(|field| {
        let name = &field.name;
        quote!(.with_ttl_field(#name))
    });
    let version_asserts = model
        .fields
        .iter()
        .filter(|f| f.version || f.ttl)
        .map(|field| {
            let ty = &field.ty;
            let check = if field.version {
                quote_spanned! {ty.span()=>
                    fn version_field_must_be_an_integer<T: __p::VersionNumber>() {}
                    version_field_must_be_an_integer::<#ty>();
                }
            } else {
                quote_spanned! {ty.span()=>
                    fn ttl_field_must_be_epoch_seconds<T: __p::EpochSeconds>() {}
                    ttl_field_must_be_epoch_seconds::<#ty>();
                }
            };
            quote_spanned! {ty.span()=>
                const _: fn() = || { #check };
            }
        });
    let field_count = model.fields.len();
    let accessors = accessors(model, &fields_ident);
    let fields_const = if flattened.is_empty() {
        quote! {
            const __MODEL_FIELDS: &[__p::FieldSchema] = &[#(#field_schemas),*];
        }
    } else {
        let types: Vec<_> = flattened.iter().map(|field| &field.ty).collect();
        // Names shared with a flattened struct, checked once its fields are known (at compile time),
        // each reported on the field that clashes.
        let mut clashes = Vec::new();
        for (index, flat) in flattened.iter().enumerate() {
            let (flat_ident, flat_ty) = (&flat.ident, &flat.ty);
            for field in &own {
                let attribute = &field.name;
                let message = format!(
                    "attribute name {attribute:?} of field `{}` is also a field of the struct \
                     flattened by `{flat_ident}`; attribute names must be unique at each level",
                    field.ident
                );
                clashes.push(quote_spanned! {field.ident.span()=>
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
                clashes.push(quote_spanned! {other.ident.span()=>
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
        let must_be_models = types.iter().map(|ty| {
            quote_spanned! {ty.span()=>
                const _: fn() = || {
                    fn flattened_field_must_be_a_map_model<T: __p::MapModel>() {}
                    flattened_field_must_be_a_map_model::<#ty>();
                };
            }
        });
        quote! {
            #(#must_be_models)*
            const __OWN_FIELDS: &[__p::FieldSchema] = &[#(#field_schemas),*];
            const __FIELD_COUNT: usize =
                __OWN_FIELDS.len() #(+ <#types as __p::MapModel>::__FIELDS.len())*;
            const __ALL_FIELDS: [__p::FieldSchema; __FIELD_COUNT] =
                __p::concat_fields(&[__OWN_FIELDS, #(<#types as __p::MapModel>::__FIELDS),*]);
            const __MODEL_FIELDS: &[__p::FieldSchema] = &__ALL_FIELDS;
            #(#clashes)*
        }
    };
    quote! {
        #[doc(hidden)]
        const _: () = {
            use ::structnosql::__private as __p;

            #(#checks)*
            #(#transforms)*
            #(#defaults)*
            #fields_const

            static __SCHEMA: __p::ModelSchema =
                __p::ModelSchema::new(#name, __MODEL_FIELDS) #version_field #ttl_field;

            #(#version_asserts)*

            impl __p::Attribute for #ident {
                type Accessor = #fields_ident;
                type ListAccessor = __p::ListPath<::std::vec::Vec<Self>, Self>;
                const DEPTH: usize = 1 + #depth;

                fn schema() -> __p::TypeSchema {
                    __p::TypeSchema::Model(&__SCHEMA)
                }

                fn to_attribute(&self) -> ::core::result::Result<__p::AttributeValue, __p::Violations> {
                    let mut __map = ::std::collections::HashMap::with_capacity(#field_count);
                    let mut __violations = __p::Violations::default();
                    #(#encode)*
                    __violations.into_result(__p::AttributeValue::M(__map))
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

            impl __p::MapModel for #ident {
                fn model_schema() -> &'static __p::ModelSchema {
                    &__SCHEMA
                }
                const __FIELDS: &'static [__p::FieldSchema] = __MODEL_FIELDS;
            }

            #table_impl
            #(#key_name_asserts)*
        };

        #accessors
    }
}

fn check_fn_ident(field: &Field) -> syn::Ident {
    format_ident!("__check_{}", field.ident.unraw())
}

fn validate_fn_ident(field: &Field) -> syn::Ident {
    format_ident!("__validate_{}", field.ident.unraw())
}

/// For a field with `validate = "path"`: a typed wrapper and a stored-form check for the schema.
fn check_fn(field: &Field) -> Option<TokenStream> {
    let validate = field.validate.as_ref()?;
    let ty = &field.ty;
    let check = check_fn_ident(field);
    let typed = validate_fn_ident(field);
    // For an `Option<T>` field the function checks the `T`, when there is one.
    let call = if option_inner(ty).is_some() {
        quote_spanned! {validate.span()=>
            match __value {
                ::core::option::Option::Some(__inner) => #validate(__inner),
                ::core::option::Option::None => ::core::result::Result::Ok(()),
            }
        }
    } else {
        quote_spanned! {validate.span()=> #validate(__value) }
    };
    Some(quote_spanned! {validate.span()=>
        #[allow(non_snake_case)]
        fn #typed(__value: &#ty) -> ::core::result::Result<(), ::std::string::String> {
            #call.map_err(|__error| ::std::string::ToString::to_string(&__error))
        }
        #[allow(non_snake_case)]
        fn #check(__value: &__p::AttributeValue) -> ::core::result::Result<(), ::std::string::String> {
            __p::check_stored::<#ty>(__value, #typed)
        }
    })
}

fn transform_fn_ident(field: &Field, direction: &str) -> syn::Ident {
    format_ident!("__{}_transform_{}", direction, field.ident.unraw())
}

/// For a field with `read_transform` / `write_transform`: the stored-form wrappers for the schema.
/// For an `Option<T>` field the function transforms the `T`, when there is one.
fn transform_fns(field: &Field) -> TokenStream {
    let ty = option_inner(&field.ty).unwrap_or(&field.ty);
    [
        ("read", &field.read_transform),
        ("write", &field.write_transform),
    ]
    .into_iter()
    .filter_map(|(direction, function)| {
        let function = function.as_ref()?;
        let ident = transform_fn_ident(field, direction);
        Some(quote_spanned! {function.span()=>
            #[allow(non_snake_case)]
            fn #ident(
                __value: __p::AttributeValue,
            ) -> ::core::result::Result<__p::AttributeValue, ::std::string::String> {
                __p::transform_stored::<#ty>(__value, #function)
            }
        })
    })
    .collect()
}

fn default_fn_ident(field: &Field) -> syn::Ident {
    format_ident!("__default_{}", field.ident.unraw())
}

/// For a field with `default`: the stored form of its default value, for the schema.
fn default_fn(field: &Field) -> Option<TokenStream> {
    let default = field.default.as_ref()?;
    let ty = &field.ty;
    let ident = default_fn_ident(field);
    let value = match default {
        darling::util::Override::Inherit => {
            quote_spanned! {ty.span()=> <#ty as ::core::default::Default>::default() }
        }
        darling::util::Override::Explicit(function) => {
            quote_spanned! {function.span()=> #function() }
        }
    };
    Some(quote_spanned! {ty.span()=>
        #[allow(non_snake_case)]
        fn #ident() -> ::core::result::Result<
            ::core::option::Option<__p::AttributeValue>,
            ::std::string::String,
        > {
            let __value: #ty = #value;
            __p::encode_default::<#ty>(&__value)
        }
    })
}

/// The field's `FieldSchema`: the constructor, then a `with_*` call for each option set.
fn field_schema(field: &Field) -> TokenStream {
    let (name, ty) = (&field.name, &field.ty);
    let rust_name = field.ident.unraw().to_string();
    let schema = quote_spanned! {ty.span()=> <#ty as __p::Attribute>::schema };
    let mut options = Vec::new();
    if let Some(key_name) = &field.key_name {
        options.push(quote!(with_key_name(#key_name)));
    }
    if field.validate.is_some() {
        let check = check_fn_ident(field);
        options.push(quote!(with_check(#check)));
    }
    if field.read_only {
        options.push(quote!(with_read_only(true)));
    }
    if field.read_transform.is_some() {
        let ident = transform_fn_ident(field, "read");
        options.push(quote!(with_read_transform(#ident)));
    }
    if field.write_transform.is_some() {
        let ident = transform_fn_ident(field, "write");
        options.push(quote!(with_write_transform(#ident)));
    }
    if field.default.is_some() {
        let ident = default_fn_ident(field);
        options.push(quote!(with_default(#ident)));
    }
    quote! {
        __p::FieldSchema::new(#name, #rust_name, #schema) #(.#options)*
    }
}

fn encode_field(field: &Field) -> TokenStream {
    let (var, ty, name) = (&field.ident, &field.ty, &field.name);
    if field.flatten {
        return quote! {
            __p::encode_flattened::<#ty>(&mut __map, &mut __violations, &self.#var);
        };
    }
    // A field with a write transform is checked after the transform, on the stored form.
    let check = match field.validate {
        Some(_) if field.write_transform.is_none() => {
            let typed = validate_fn_ident(field);
            quote!(::core::option::Option::Some(#typed as fn(&#ty) -> _))
        }
        _ => quote!(::core::option::Option::None),
    };
    quote! {
        __p::encode_field::<#ty>(&mut __map, &mut __violations, #name, &self.#var, #check);
    }
}

/// The `<Model>Fields` accessor and `<Model>::fields()`.
fn accessors(model: &Model, fields_ident: &syn::Ident) -> TokenStream {
    let (ident, vis) = (&model.ident, &model.vis);
    let methods = model.fields.iter().map(|field| {
        let (var, ty, name) = (&field.ident, &field.ty, &field.name);
        if field.flatten {
            let doc = format!(
                "The paths to the fields of the flattened `{var}`, which are stored at this level."
            );
            return quote! {
                #[doc = #doc]
                #vis fn #var(&self) -> <#ty as ::structnosql::__private::Attribute>::Accessor {
                    ::structnosql::__private::FromPath::from_path(self.path.clone())
                }
            };
        }
        let mut accessor =
            quote_spanned! {ty.span()=> <#ty as ::structnosql::__private::Attribute>::Accessor };
        let doc = if field.read_only {
            accessor = quote!(::structnosql::__private::ReadOnlyPath<#accessor>);
            format!(
                "The path to `{name}` (field `{var}`), read-only: it can be read and used in \
                 conditions, but not updated or removed field by field."
            )
        } else {
            format!("The path to `{name}` (field `{var}`).")
        };
        quote! {
            #[doc = #doc]
            #vis fn #var(&self) -> #accessor {
                ::structnosql::__private::FromPath::from_path(
                    self.path.child(::structnosql::__private::Segment::Field(#name)),
                )
            }
        }
    });
    let doc =
        format!("Typed paths to the fields of [`{ident}`]; obtained from `{ident}::fields()`.");
    let fields_doc = format!("Typed paths to the fields of `{ident}`.");
    let common = accessor_common(model, fields_ident, methods.collect(), &fields_doc);
    let Some(first_flattened) = model.fields.iter().find(|field| field.flatten) else {
        return quote! {
            #[doc = #doc]
            #[derive(Clone, Debug, PartialEq)]
            #vis struct #fields_ident {
                path: ::structnosql::__private::DocumentPath,
            }

            impl ::structnosql::__private::FromPath for #fields_ident {
                fn from_path(path: ::structnosql::__private::DocumentPath) -> Self {
                    Self { path }
                }
            }

            #common
        };
    };
    // The first flattened struct's accessor is reachable through `Deref`: its fields read as this
    // model's own (`Outer::fields().inner_field()`).
    let ty = &first_flattened.ty;
    let flattened_accessor = quote! { <#ty as ::structnosql::__private::Attribute>::Accessor };
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        #vis struct #fields_ident {
            path: ::structnosql::__private::DocumentPath,
            flattened: #flattened_accessor,
        }

        impl ::structnosql::__private::FromPath for #fields_ident {
            fn from_path(path: ::structnosql::__private::DocumentPath) -> Self {
                Self {
                    flattened: ::structnosql::__private::FromPath::from_path(path.clone()),
                    path,
                }
            }
        }

        impl ::core::ops::Deref for #fields_ident {
            type Target = #flattened_accessor;
            fn deref(&self) -> &Self::Target {
                &self.flattened
            }
        }

        #common
    }
}

/// The parts of the accessor common to every model.
fn accessor_common(
    model: &Model,
    fields_ident: &syn::Ident,
    methods: Vec<TokenStream>,
    fields_doc: &str,
) -> TokenStream {
    let (ident, vis) = (&model.ident, &model.vis);
    quote! {
        impl ::structnosql::__private::TypedPath for #fields_ident {
            type Value = #ident;
            fn document_path(&self) -> &::structnosql::__private::DocumentPath {
                &self.path
            }
        }

        impl #fields_ident {
            #(#methods)*
        }

        impl #ident {
            #[doc = #fields_doc]
            #vis fn fields() -> #fields_ident {
                ::structnosql::__private::FromPath::from_path(
                    ::structnosql::__private::DocumentPath::root(),
                )
            }
        }
    }
}

/// What is emitted next to the errors of an invalid model, so that the user sees those errors and not
/// a cascade of "trait not implemented" ones.
pub fn stub(input: &syn::DeriveInput, kind: Kind) -> TokenStream {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let name = ident.to_string();
    let table_impl = (kind == Kind::TableDataModel)
        .then(|| quote!(impl ::structnosql::__private::TableDataModel for #ident {}));
    quote! {
        const _: () = {
            use ::structnosql::__private as __p;
            static __SCHEMA: __p::ModelSchema = __p::ModelSchema::new(#name, &[]);
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

/// `T` if `ty` is written `Option<T>` (or a path ending in `Option<T>`).
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}
