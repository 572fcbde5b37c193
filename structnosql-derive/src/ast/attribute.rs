//! Parsing of `#[derive(Attribute)]`: a newtype, or an enum with data stored as a tagged map.

use darling::util::Flag;
use darling::{FromDeriveInput, FromField, FromVariant};
use proc_macro2::Span;

use super::{mentions, rename_rule, resolve_name, Setting};
use crate::serde_attrs::{self, SerdeAttrs};

#[derive(FromDeriveInput)]
#[darling(
    attributes(structnosql),
    supports(struct_newtype, enum_any),
    forward_attrs(serde)
)]
struct AttributeInput {
    ident: syn::Ident,
    generics: syn::Generics,
    attrs: Vec<syn::Attribute>,
    data: darling::ast::Data<VariantInput, NewtypeFieldInput>,
    #[darling(rename = "crate")]
    krate: Option<syn::Path>,
    transparent: Flag,
    validate: Option<Setting<syn::Path>>,
    key: Flag,
    tag: Option<syn::LitStr>,
    content: Option<syn::LitStr>,
    rename_all: Option<syn::LitStr>,
}

#[derive(FromField)]
#[darling(attributes(structnosql))]
struct NewtypeFieldInput {
    ty: syn::Type,
}

#[derive(FromVariant)]
#[darling(attributes(structnosql), forward_attrs(serde))]
struct VariantInput {
    ident: syn::Ident,
    attrs: Vec<syn::Attribute>,
    fields: darling::ast::Fields<VariantFieldInput>,
    rename: Option<syn::LitStr>,
}

#[derive(FromField)]
#[darling(attributes(structnosql), forward_attrs(serde))]
struct VariantFieldInput {
    ident: Option<syn::Ident>,
    ty: syn::Type,
    attrs: Vec<syn::Attribute>,
    rename: Option<syn::LitStr>,
}

/// What `#[derive(Attribute)]` is applied to.
pub enum DerivedAttribute {
    Newtype(Newtype),
    Tagged(TaggedEnum),
}

/// `struct UserId(String)`: stored as its one field.
pub struct Newtype {
    pub ident: syn::Ident,
    pub generics: syn::Generics,
    pub krate: Option<syn::Path>,
    pub serde: SerdeAttrs,
    pub inner: syn::Type,
    /// Typed paths go through the newtype into the inner type's accessor.
    pub transparent: Flag,
    /// The check of a value, `fn(&Self) -> Result<(), E>`.
    pub validate: Option<Setting<syn::Path>>,
    /// The newtype is also a record key type, stored as its field's.
    pub key: Flag,
    /// Options meant for an enum, refused on a newtype.
    pub enum_options: Vec<Span>,
}

/// An enum with data, stored as a map whose tag attribute names the variant.
pub struct TaggedEnum {
    pub ident: syn::Ident,
    pub generics: syn::Generics,
    pub krate: Option<syn::Path>,
    pub serde: SerdeAttrs,
    pub rename_all: Option<syn::LitStr>,
    /// The attribute holding the variant's name; `None` if neither structnosql nor serde names one.
    pub tag: Option<Setting<String>>,
    /// Adjacent tagging: the attribute holding the variant's data, beside the tag.
    pub content: Option<Setting<String>>,
    pub variants: Vec<TaggedVariant>,
    /// Options meant for a newtype, refused on an enum.
    pub newtype_options: Vec<Span>,
}

/// One variant of a `TaggedEnum`.
pub struct TaggedVariant {
    pub ident: syn::Ident,
    /// The name stored in the tag (after `rename`, serde's `rename` and `rename_all`).
    pub name: String,
    pub name_span: Span,
    pub rename: Option<syn::LitStr>,
    pub serde: SerdeAttrs,
    pub shape: VariantShape,
}

/// What a variant holds.
pub enum VariantShape {
    Unit,
    /// One unnamed field: `Transfer(String)`.
    Newtype(syn::Type),
    /// Named fields: `Card { last4: String }`.
    Struct(Vec<VariantField>),
    /// Several unnamed fields, which have no attribute names (refused by `check`).
    Tuple(Span),
}

/// A named field of a struct variant.
pub struct VariantField {
    pub ident: syn::Ident,
    pub ty: syn::Type,
    /// The attribute name (after `rename` or serde's `rename`).
    pub name: String,
    pub name_span: Span,
    pub rename: Option<syn::LitStr>,
    pub serde: SerdeAttrs,
    /// Whether the field's type names the enum (its depth is unbounded).
    pub recursive: bool,
}

impl DerivedAttribute {
    /// Reads the input of `#[derive(Attribute)]`; errors are accumulated in `errors`.
    pub fn parse(
        input: &syn::DeriveInput,
        errors: &mut darling::error::Accumulator,
    ) -> Option<DerivedAttribute> {
        let parsed = errors.handle(AttributeInput::from_derive_input(input))?;
        let serde = serde_attrs::read(&parsed.attrs, true, errors);
        match parsed.data {
            darling::ast::Data::Struct(fields) => {
                let inner = fields.fields.into_iter().next()?.ty;
                let enum_options = [&parsed.tag, &parsed.content, &parsed.rename_all]
                    .into_iter()
                    .flatten()
                    .map(syn::LitStr::span)
                    .collect();
                Some(DerivedAttribute::Newtype(Newtype {
                    ident: parsed.ident,
                    generics: parsed.generics,
                    krate: parsed.krate,
                    serde,
                    inner,
                    transparent: parsed.transparent,
                    validate: parsed.validate,
                    key: parsed.key,
                    enum_options,
                }))
            }
            darling::ast::Data::Enum(variants) => {
                let rule = rename_rule(parsed.rename_all.as_ref(), &serde);
                let variants = variants
                    .into_iter()
                    .map(|variant| TaggedVariant::new(variant, &parsed.ident, rule, errors))
                    .collect();
                let setting = |ours: Option<syn::LitStr>, theirs: &Option<(String, Span)>| {
                    ours.map(|lit| Setting {
                        value: lit.value(),
                        span: lit.span(),
                    })
                    .or_else(|| {
                        theirs.as_ref().map(|(value, span)| Setting {
                            value: value.clone(),
                            span: *span,
                        })
                    })
                };
                let mut newtype_options: Vec<Span> =
                    parsed.validate.iter().map(|v| v.span).collect();
                for flag in [parsed.transparent, parsed.key] {
                    if flag.is_present() {
                        newtype_options.push(flag.span());
                    }
                }
                Some(DerivedAttribute::Tagged(TaggedEnum {
                    tag: setting(parsed.tag, &serde.tag),
                    content: setting(parsed.content, &serde.content),
                    ident: parsed.ident,
                    generics: parsed.generics,
                    krate: parsed.krate,
                    rename_all: parsed.rename_all,
                    serde,
                    variants,
                    newtype_options,
                }))
            }
        }
    }
}

impl TaggedVariant {
    fn new(
        input: VariantInput,
        enum_ident: &syn::Ident,
        rule: Option<crate::case::RenameRule>,
        errors: &mut darling::error::Accumulator,
    ) -> TaggedVariant {
        let serde = serde_attrs::read(&input.attrs, false, errors);
        let rust_name = input.ident.to_string();
        let name = resolve_name(input.rename.as_ref(), serde.rename.as_ref(), || {
            rule.map_or(rust_name.clone(), |rule| rule.apply_to_variant(&rust_name))
        });
        let fields = input.fields;
        let shape = match fields.style {
            darling::ast::Style::Unit => VariantShape::Unit,
            darling::ast::Style::Tuple if fields.fields.len() == 1 => fields
                .fields
                .into_iter()
                .next()
                .map_or(VariantShape::Unit, |field| VariantShape::Newtype(field.ty)),
            darling::ast::Style::Tuple => VariantShape::Tuple(input.ident.span()),
            darling::ast::Style::Struct => VariantShape::Struct(
                fields
                    .fields
                    .into_iter()
                    .filter_map(|field| VariantField::new(field, enum_ident, errors))
                    .collect(),
            ),
        };
        TaggedVariant {
            name_span: input
                .rename
                .as_ref()
                .map_or(input.ident.span(), syn::LitStr::span),
            ident: input.ident,
            name,
            rename: input.rename,
            serde,
            shape,
        }
    }
}

impl VariantField {
    fn new(
        input: VariantFieldInput,
        enum_ident: &syn::Ident,
        errors: &mut darling::error::Accumulator,
    ) -> Option<VariantField> {
        let ident = input.ident?;
        let serde = serde_attrs::read(&input.attrs, false, errors);
        let rust_name = ident.to_string();
        let rust_name = rust_name
            .strip_prefix("r#")
            .unwrap_or(&rust_name)
            .to_owned();
        let name = resolve_name(input.rename.as_ref(), serde.rename.as_ref(), || rust_name);
        Some(VariantField {
            name_span: input
                .rename
                .as_ref()
                .map_or(ident.span(), syn::LitStr::span),
            recursive: mentions(&input.ty, enum_ident),
            ident,
            ty: input.ty,
            name,
            rename: input.rename,
            serde,
        })
    }
}
