//! The typed path accessor: the `<Model>Fields` struct, its method per field, and `<Model>::fields()`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};

use crate::ast::{Field, Model};

/// The name of the accessor struct, `<Model>Fields`.
pub fn struct_ident(model: &Model) -> syn::Ident {
    format_ident!("{}Fields", model.ident)
}

/// The `<Model>Fields` accessor and `<Model>::fields()`.
pub fn accessors(model: &Model) -> TokenStream {
    let (ident, vis) = (&model.ident, &model.vis);
    let private = super::private(model.krate.as_ref());
    let fields_ident = struct_ident(model);
    let methods = model
        .fields
        .iter()
        .map(|field| method(field, vis, &private));
    let doc =
        format!("Typed paths to the fields of [`{ident}`]; obtained from `{ident}::fields()`.");
    let fields_doc = format!("Typed paths to the fields of `{ident}`.");
    let common = quote! {
        #[automatically_derived]
        impl #private::TypedPath for #fields_ident {
            type Value = #ident;
            fn document_path(&self) -> &#private::DocumentPath {
                &self.path
            }
        }

        #[automatically_derived]
        impl #fields_ident {
            #(#methods)*
        }

        #[automatically_derived]
        impl #ident {
            #[doc = #fields_doc]
            #vis fn fields() -> #fields_ident {
                #private::FromPath::from_path(#private::DocumentPath::root())
            }
        }
    };
    let Some(first_flattened) = model
        .fields
        .iter()
        .find(|field| field.options.flatten.is_present())
    else {
        return quote! {
            #[doc = #doc]
            #[derive(Clone, Debug, PartialEq)]
            #vis struct #fields_ident {
                path: #private::DocumentPath,
            }

            #[automatically_derived]
            impl #private::FromPath for #fields_ident {
                fn from_path(path: #private::DocumentPath) -> Self {
                    Self { path }
                }
            }

            #common
        };
    };
    // The first flattened struct's accessor is reachable through `Deref`: its fields read as this
    // model's own (`Outer::fields().inner_field()`).
    let flattened_accessor = accessor_type(&first_flattened.ty, false, &private);
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        #vis struct #fields_ident {
            path: #private::DocumentPath,
            flattened: #flattened_accessor,
        }

        #[automatically_derived]
        impl #private::FromPath for #fields_ident {
            fn from_path(path: #private::DocumentPath) -> Self {
                Self {
                    flattened: #private::FromPath::from_path(path.clone()),
                    path,
                }
            }
        }

        #[automatically_derived]
        impl ::core::ops::Deref for #fields_ident {
            type Target = #flattened_accessor;
            fn deref(&self) -> &Self::Target {
                &self.flattened
            }
        }

        #common
    }
}

/// The accessor's method for one field: the path to the field, or for a flattened field the
/// flattened struct's accessor at this level.
fn method(field: &Field, vis: &syn::Visibility, private: &TokenStream) -> TokenStream {
    let (var, ty, name) = (&field.ident, &field.ty, &field.name);
    if field.options.flatten.is_present() {
        let doc = format!(
            "The paths to the fields of the flattened `{var}`, which are stored at this level."
        );
        let accessor = accessor_type(ty, false, private);
        return quote! {
            #[doc = #doc]
            #vis fn #var(&self) -> #accessor {
                #private::FromPath::from_path(self.path.clone())
            }
        };
    }
    let read_only = field.is_read_only();
    let accessor = accessor_type(ty, read_only, private);
    let doc = if read_only {
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
            #private::FromPath::from_path(
                self.path.child(#private::Segment::Field(#name)),
            )
        }
    }
}

/// The accessor type of a field, `<ty as Attribute>::Accessor` (in a `ReadOnlyPath` if `read_only`),
/// spanned from the type's first token to its last: the compiler then reports an unsupported type
/// here on the type, as in the rest of the expansion, and shows the error once.
fn accessor_type(ty: &syn::Type, read_only: bool, private: &TokenStream) -> TokenStream {
    let mut tokens = ty.to_token_stream().into_iter();
    let first = tokens
        .next()
        .map_or_else(Span::call_site, |token| token.span());
    let last = tokens.last().map_or(first, |token| token.span());
    let (open, close) = if read_only {
        (
            quote!(#private::ReadOnlyPath< <),
            quote!(as #private::Attribute>::Accessor>),
        )
    } else {
        (quote!(<), quote!(as #private::Attribute>::Accessor))
    };
    let (open, close) = (super::respan(open, first), super::respan(close, last));
    quote!(#open #ty #close)
}
