//! An entity's expansion: its templates as a static `EntitySchema`, the `Entity` impl, and the
//! typed `key` function.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;

use crate::ast::{EntityAttrs, KeyTemplates, Model, Template};
use crate::template::Piece;

/// The static `__ENTITY` and the `Entity` impl, inside the model's `const _` block.
pub fn entity_schema(model: &Model) -> Option<TokenStream> {
    let entity = model.entity.as_ref()?;
    let ident = &model.ident;
    let name = &entity.name;
    let primary = key_templates(model, &entity.primary, false);
    let indexes = entity.indexes.iter().map(|(name, templates)| {
        let templates = key_templates(model, templates, true);
        quote!((#name, #templates))
    });
    Some(quote! {
        static __ENTITY: __p::EntitySchema = __p::EntitySchema {
            name: #name,
            primary: #primary,
            indexes: &[#(#indexes),*],
        };

        #[automatically_derived]
        impl __p::Entity for #ident {
            const ENTITY: &'static __p::EntitySchema = &__ENTITY;
        }
    })
}

/// The `TableDataModel` impl's items: the entity's schema, for an entity.
pub fn table_items(model: &Model) -> Option<TokenStream> {
    model.entity.as_ref()?;
    Some(quote! {
        fn entity_schema() -> ::core::option::Option<&'static __p::EntitySchema> {
            ::core::option::Option::Some(&__ENTITY)
        }
    })
}

/// `Model::key(...)`: the key from the values of the primary key's fields, in template order.
pub fn key_function(model: &Model, private: &TokenStream) -> Option<TokenStream> {
    let entity: &EntityAttrs = model.entity.as_ref()?;
    let (ident, vis) = (&model.ident, &model.vis);
    let mut names: Vec<&str> = Vec::new();
    for template in entity.primary.both() {
        for name in template.parsed.fields() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let fields: Vec<_> = names.iter().filter_map(|name| model.field(name)).collect();
    let params = fields.iter().map(|field| {
        let (var, ty) = (&field.ident, &field.ty);
        quote!(#var: impl ::core::convert::Into<#ty>)
    });
    let values = fields.iter().map(|field| {
        let (var, ty, name) = (&field.ident, &field.ty, &field.name);
        quote! {
            (#name, #private::Attribute::to_attribute(&::core::convert::Into::<#ty>::into(#var)))
        }
    });
    let listed = names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let doc = format!(
        "The key of the {} whose {listed} are these: its key attributes' values are rendered from \
         them by the entity's templates.",
        entity.name.value()
    );
    Some(quote! {
        #[automatically_derived]
        impl #ident {
            #[doc = #doc]
            #vis fn key(#(#params),*) -> #private::EntityKey<Self> {
                #private::EntityKey::from_values([#(#values),*])
            }
        }
    })
}

/// One index's `KeyTemplates`.
fn key_templates(model: &Model, templates: &KeyTemplates, in_index: bool) -> TokenStream {
    let hash = template(model, &templates.hash, in_index);
    let sort = match &templates.sort {
        Some(sort) => {
            let sort = template(model, sort, in_index);
            quote!(::core::option::Option::Some(#sort))
        }
        None => quote!(::core::option::Option::None),
    };
    quote!(__p::KeyTemplates { hash: #hash, sort: #sort })
}

/// One `KeyTemplate`: its pieces, each field's encoding that of its type (the inner type of an
/// `Option` in an index's template), spanned at the type so that a type no template can hold is
/// reported there.
fn template(model: &Model, template: &Template, in_index: bool) -> TokenStream {
    let pieces = template
        .parsed
        .pieces
        .iter()
        .filter_map(|piece| match piece {
            Piece::Text(text) => Some(quote!(__p::KeyPiece::Text(#text))),
            Piece::Field(name) => {
                let field = model.field(name)?;
                let ty = match super::option_inner(&field.ty) {
                    Some(inner) if in_index => inner,
                    _ => &field.ty,
                };
                let name = &field.name;
                let encoding = quote_spanned!(ty.span()=> <#ty as __p::TemplatePart>::ENCODING);
                Some(quote!(__p::KeyPiece::Field { name: #name, encoding: #encoding }))
            }
        });
    quote!(__p::KeyTemplate(&[#(#pieces),*]))
}
