//! The static schema: `FieldSchema`s and the functions they point to, `ModelSchema`, `MapModel`.

use darling::util::Flag;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::ast::{Field, Model};

/// The functions the field schemas point to, for every field that needs one.
pub fn functions(model: &Model) -> TokenStream {
    let checks = model.fields.iter().filter_map(check_fns);
    let transforms = model.fields.iter().map(transform_fns);
    let defaults = model.fields.iter().filter_map(default_fn);
    quote! {
        #(#checks)*
        #(#transforms)*
        #(#defaults)*
    }
}

/// `__MODEL_FIELDS`: the model's field schemas, followed by those of the structs it flattens.
pub fn fields(model: &Model) -> TokenStream {
    let own = model
        .fields
        .iter()
        .filter(|field| !field.options.flatten.is_present())
        .map(field_schema);
    let flattened: Vec<&syn::Type> = model
        .fields
        .iter()
        .filter(|field| field.options.flatten.is_present())
        .map(|field| &field.ty)
        .collect();
    if flattened.is_empty() {
        return quote! {
            const __MODEL_FIELDS: &[__p::FieldSchema] = &[#(#own),*];
        };
    }
    quote! {
        const __OWN_FIELDS: &[__p::FieldSchema] = &[#(#own),*];
        const __FIELD_COUNT: usize =
            __OWN_FIELDS.len() #(+ <#flattened as __p::MapModel>::__FIELDS.len())*;
        const __ALL_FIELDS: [__p::FieldSchema; __FIELD_COUNT] =
            __p::concat_fields(&[__OWN_FIELDS, #(<#flattened as __p::MapModel>::__FIELDS),*]);
        const __MODEL_FIELDS: &[__p::FieldSchema] = &__ALL_FIELDS;
    }
}

/// `__SCHEMA`, the model's `ModelSchema`.
pub fn model_schema(model: &Model) -> TokenStream {
    let name = model.ident.to_string();
    // The setter naming the field with the flag `marker`, if there is one.
    let marked = |marker: fn(&Field) -> &Flag, setter: TokenStream| {
        let field = model
            .fields
            .iter()
            .find(|field| marker(field).is_present())?;
        let name = &field.name;
        Some(quote!(.#setter(#name)))
    };
    let version_field = marked(|field| &field.options.version, quote!(with_version_field));
    let ttl_field = marked(|field| &field.options.ttl, quote!(with_ttl_field));
    quote! {
        static __SCHEMA: __p::ModelSchema =
            __p::ModelSchema::new(#name, __MODEL_FIELDS) #version_field #ttl_field;
    }
}

/// The `MapModel` impl: the schema, and the fields a model flattening this one lists.
pub fn map_model_impl(model: &Model) -> TokenStream {
    let ident = &model.ident;
    quote! {
        #[automatically_derived]
        impl __p::MapModel for #ident {
            fn model_schema() -> &'static __p::ModelSchema {
                &__SCHEMA
            }
            const __FIELDS: &'static [__p::FieldSchema] = __MODEL_FIELDS;
        }
    }
}

/// The field's `FieldSchema`: the constructor, then a `with_*` call for each option set.
fn field_schema(field: &Field) -> TokenStream {
    let (name, ty, rust_name) = (&field.name, &field.ty, &field.rust_name);
    let schema = quote_spanned! {ty.span()=> <#ty as __p::Attribute>::schema };
    let mut options = Vec::new();
    if let Some(key_name) = &field.options.key_name {
        let key_name = &key_name.value;
        options.push(quote!(with_key_name(#key_name)));
    }
    if field.options.validate.is_some() {
        let check = check_fn_ident(field);
        options.push(quote!(with_check(#check)));
    }
    if field.is_read_only() {
        options.push(quote!(with_read_only(true)));
    }
    for direction in Direction::BOTH {
        if direction.function(field).is_some() {
            let (setter, wrapper) = (direction.setter(), direction.wrapper_ident(field));
            options.push(quote!(#setter(#wrapper)));
        }
    }
    if field.options.default.is_some() {
        let default = default_fn_ident(field);
        options.push(quote!(with_default(#default)));
    }
    quote! {
        __p::FieldSchema::new(#name, #rust_name, #schema) #(.#options)*
    }
}

fn check_fn_ident(field: &Field) -> syn::Ident {
    format_ident!("__check_{}", field.ident.unraw())
}

/// The typed wrapper of the field's `validate` function, which `codec` calls on writes.
pub fn validate_fn_ident(field: &Field) -> syn::Ident {
    format_ident!("__validate_{}", field.ident.unraw())
}

/// For a field with `validate = "path"`: a typed wrapper and a stored-form check for the schema.
fn check_fns(field: &Field) -> Option<TokenStream> {
    let validate = &field.options.validate.as_ref()?.value;
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
            <#ty as __p::Attribute>::__check_stored(__value, #typed)
        }
    })
}

/// The two transforms a field may have.
#[derive(Clone, Copy)]
enum Direction {
    Read,
    Write,
}

impl Direction {
    const BOTH: [Direction; 2] = [Direction::Read, Direction::Write];

    /// The field's `read_transform` or `write_transform` function.
    fn function(self, field: &Field) -> Option<&syn::Path> {
        let setting = match self {
            Direction::Read => &field.options.read_transform,
            Direction::Write => &field.options.write_transform,
        };
        setting.as_ref().map(|setting| &setting.value)
    }

    /// The stored-form wrapper of the field's function.
    fn wrapper_ident(self, field: &Field) -> syn::Ident {
        let direction = match self {
            Direction::Read => "read",
            Direction::Write => "write",
        };
        format_ident!("__{}_transform_{}", direction, field.ident.unraw())
    }

    /// The `FieldSchema` setter of the wrapper.
    fn setter(self) -> syn::Ident {
        match self {
            Direction::Read => format_ident!("with_read_transform"),
            Direction::Write => format_ident!("with_write_transform"),
        }
    }
}

/// For a field with `read_transform` / `write_transform`: the stored-form wrappers for the schema.
/// For an `Option<T>` field the function transforms the `T`, when there is one.
fn transform_fns(field: &Field) -> TokenStream {
    let ty = option_inner(&field.ty).unwrap_or(&field.ty);
    Direction::BOTH
        .into_iter()
        .filter_map(|direction| {
            let function = direction.function(field)?;
            let ident = direction.wrapper_ident(field);
            // A function of another signature is reported on the attribute, expected type included.
            let signature = super::respan(quote!(fn(#ty) -> #ty), function.span());
            Some(quote_spanned! {function.span()=>
                #[allow(non_snake_case)]
                fn #ident(
                    __value: __p::AttributeValue,
                ) -> ::core::result::Result<__p::AttributeValue, ::std::string::String> {
                    let __transform: #signature = #function;
                    <#ty as __p::Attribute>::__transform_stored(__value, __transform)
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
    let default = field.options.default.as_ref()?;
    let ty = &field.ty;
    let ident = default_fn_ident(field);
    let value = match &default.value {
        // A type without `Default` is reported on the option that asks for it.
        darling::util::Override::Inherit => {
            quote_spanned! {default.span=> ::core::default::Default::default() }
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
            <#ty as __p::Attribute>::__encode_default(&__value)
        }
    })
}

/// `T` if `ty` is written `Option<T>` (or a path ending in `Option<T>`).
pub(crate) fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
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
