//! Parsing: the derive input, read once into a `Model` or `StringEnum` for `check` and `expand`.

use darling::util::{Flag, Override};
use darling::{FromDeriveInput, FromField, FromMeta, FromVariant};
use proc_macro2::Span;
use syn::spanned::Spanned as _;

use crate::case::RenameRule;
use crate::serde_attrs::{self, SerdeAttrs};
use crate::template::KeyTemplate;

mod attribute;

pub use attribute::{
    DerivedAttribute, Newtype, TaggedEnum, TaggedVariant, VariantField, VariantShape,
};

/// An option's value, with the span of the option's name (`rename` in `rename = "x"`), where errors
/// about the option point.
pub struct Setting<T> {
    pub value: T,
    pub span: Span,
}

impl<T: FromMeta> FromMeta for Setting<T> {
    fn from_meta(meta: &syn::Meta) -> darling::Result<Self> {
        Ok(Self {
            value: T::from_meta(meta).map_err(|error| error.with_span(meta))?,
            span: meta.path().span(),
        })
    }
}

#[derive(FromDeriveInput)]
#[darling(attributes(structnosql), supports(struct_named), forward_attrs(serde))]
struct ModelInput {
    ident: syn::Ident,
    vis: syn::Visibility,
    generics: syn::Generics,
    attrs: Vec<syn::Attribute>,
    data: darling::ast::Data<(), syn::Field>,
    rename_all: Option<syn::LitStr>,
    #[darling(rename = "crate")]
    krate: Option<syn::Path>,
    entity: Option<syn::LitStr>,
    pk: Option<syn::LitStr>,
    sk: Option<syn::LitStr>,
    #[darling(multiple)]
    index: Vec<IndexInput>,
}

/// `index(name = "gsi1", pk = "...", sk = "...")` on an entity.
#[derive(FromMeta)]
struct IndexInput {
    name: syn::LitStr,
    pk: syn::LitStr,
    sk: Option<syn::LitStr>,
}

#[derive(FromField)]
#[darling(attributes(structnosql), forward_attrs(serde))]
struct FieldInput {
    ident: Option<syn::Ident>,
    ty: syn::Type,
    attrs: Vec<syn::Attribute>,
    #[darling(flatten)]
    options: FieldOptions,
}

/// What `#[structnosql(...)]` sets on a field.
#[derive(FromMeta)]
pub struct FieldOptions {
    pub rename: Option<Setting<syn::LitStr>>,
    /// The placeholder name of the field's items in string paths.
    pub key_name: Option<Setting<syn::LitStr>>,
    /// The custom check, `fn(&T) -> Result<(), E>`.
    pub validate: Option<Setting<syn::Path>>,
    /// The field leads back to the model through another type.
    pub recursive: Flag,
    /// The field holds the record's version, for optimistic locking.
    pub version: Flag,
    /// The field holds the record's expiry time (epoch seconds) for DynamoDB's TTL.
    pub ttl: Flag,
    /// The field is written only with the whole record, never by field updates or removes.
    pub read_only: Flag,
    /// An `Option` field whose `None` is stored as `NULL` (StructNoSQL's way) instead of being left
    /// out of the item.
    pub none_as_null: Flag,
    /// The function applied to values of the field read.
    pub read_transform: Option<Setting<syn::Path>>,
    /// The function applied to values of the field written, before its custom check.
    pub write_transform: Option<Setting<syn::Path>>,
    /// The field's struct (a `MapModel`) is stored at this level: its attributes are the enclosing
    /// map's, and the field has no attribute of its own.
    pub flatten: Flag,
    /// The field's default value, stored in maps of the model that field writes create:
    /// `Default::default()` (`Inherit`) or a function (`Explicit`).
    pub default: Option<Setting<Override<syn::Path>>>,
}

/// A `#[derive(TableDataModel)]` or `#[derive(MapModel)]` struct.
pub struct Model {
    pub ident: syn::Ident,
    pub vis: syn::Visibility,
    pub generics: syn::Generics,
    pub rename_all: Option<syn::LitStr>,
    /// `#[structnosql(crate = "path")]`: where structnosql is, for code that reaches it through a
    /// re-export.
    pub krate: Option<syn::Path>,
    pub serde: SerdeAttrs,
    pub fields: Vec<Field>,
    /// `#[structnosql(entity = "...", pk = "...", ...)]`: the model is an entity of a shared table.
    pub entity: Option<EntityAttrs>,
}

/// An entity's name and key templates.
pub struct EntityAttrs {
    pub name: syn::LitStr,
    pub primary: KeyTemplates,
    /// Each index's name and templates.
    pub indexes: Vec<(syn::LitStr, KeyTemplates)>,
}

/// The templates of one index's keys.
pub struct KeyTemplates {
    pub hash: Template,
    pub sort: Option<Template>,
}

impl KeyTemplates {
    /// The templates, hash first.
    pub fn both(&self) -> impl Iterator<Item = &Template> {
        std::iter::once(&self.hash).chain(&self.sort)
    }
}

/// A key template and where it is written.
pub struct Template {
    pub parsed: KeyTemplate,
    pub literal: syn::LitStr,
}

impl Template {
    fn parse(literal: &syn::LitStr, errors: &mut darling::error::Accumulator) -> Option<Self> {
        match KeyTemplate::parse(&literal.value()) {
            Ok(parsed) => Some(Self {
                parsed,
                literal: literal.clone(),
            }),
            Err(problem) => {
                errors.push(
                    darling::Error::custom(format!("invalid key template: {problem}"))
                        .with_span(literal),
                );
                None
            }
        }
    }
}

impl KeyTemplates {
    fn parse(
        hash: &syn::LitStr,
        sort: Option<&syn::LitStr>,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Self> {
        let hash = Template::parse(hash, errors);
        let sort = sort.map(|sort| Template::parse(sort, errors));
        match (hash, sort) {
            (Some(hash), None) => Some(Self { hash, sort: None }),
            (Some(hash), Some(Some(sort))) => Some(Self {
                hash,
                sort: Some(sort),
            }),
            _ => None,
        }
    }
}

impl EntityAttrs {
    /// Reads the entity options of a model: `None` without `entity`, or when one is wrong (the
    /// error reported).
    fn parse(input: &ModelInput, errors: &mut darling::error::Accumulator) -> Option<Self> {
        let Some(name) = &input.entity else {
            let stray = input
                .pk
                .as_ref()
                .or(input.sk.as_ref())
                .or(input.index.first().map(|index| &index.name));
            if let Some(stray) = stray {
                errors.push(
                    darling::Error::custom(
                        "key templates belong to an entity: add `entity = \"Name\"`",
                    )
                    .with_span(stray),
                );
            }
            return None;
        };
        let Some(pk) = &input.pk else {
            errors.push(
                darling::Error::custom(
                    "an entity needs the template of its hash key: `pk = \"PREFIX#{field}\"`",
                )
                .with_span(name),
            );
            return None;
        };
        let primary = KeyTemplates::parse(pk, input.sk.as_ref(), errors);
        let indexes: Vec<_> = input
            .index
            .iter()
            .map(|index| {
                KeyTemplates::parse(&index.pk, index.sk.as_ref(), errors)
                    .map(|templates| (index.name.clone(), templates))
            })
            .collect();
        let indexes = indexes.into_iter().collect::<Option<Vec<_>>>()?;
        Some(Self {
            name: name.clone(),
            primary: primary?,
            indexes,
        })
    }
}

/// One field of a model.
pub struct Field {
    pub ident: syn::Ident,
    pub ty: syn::Type,
    /// The Rust name, without `r#`.
    pub rust_name: String,
    /// The DynamoDB attribute name (after `rename`, serde's `rename` and `rename_all`).
    pub name: String,
    /// Where the name is written: the `rename` literal, else the field's name.
    pub name_span: Span,
    pub serde: SerdeAttrs,
    /// Whether the field's type names the model (or `Self`).
    pub mentions_model: bool,
    /// Whether the entity's primary key templates hold the field.
    pub in_primary_key: bool,
    pub options: FieldOptions,
}

impl Model {
    /// Reads a model; errors are accumulated in `errors`. `None` when the struct itself cannot be
    /// read (its shape or its own attributes); a field that cannot be read is left out.
    pub fn parse(
        input: &syn::DeriveInput,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Model> {
        let parsed = errors.handle(ModelInput::from_derive_input(input))?;
        let serde = serde_attrs::read(&parsed.attrs, true, errors);
        let rule = rename_rule(parsed.rename_all.as_ref(), &serde);
        let entity = EntityAttrs::parse(&parsed, errors);
        let fields = match parsed.data {
            darling::ast::Data::Struct(fields) => fields.fields,
            darling::ast::Data::Enum(_) => Vec::new(),
        };
        let fields = fields
            .iter()
            .filter_map(|field| {
                let input = errors.handle(FieldInput::from_field(field))?;
                let mut field = Field::new(input, &parsed.ident, rule, errors)?;
                field.in_primary_key = entity.as_ref().is_some_and(|entity| {
                    entity.primary.both().any(|template| {
                        template.parsed.fields().any(|name| name == field.rust_name)
                    })
                });
                Some(field)
            })
            .collect();
        Some(Model {
            ident: parsed.ident,
            vis: parsed.vis,
            generics: parsed.generics,
            rename_all: parsed.rename_all,
            krate: parsed.krate,
            serde,
            fields,
            entity,
        })
    }

    /// The field whose Rust name is `name`, with an attribute of its own (not flattened).
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|field| field.rust_name == name && !field.options.flatten.is_present())
    }
}

impl Field {
    /// Whether the field is written with the whole record only: marked `read_only`, or held by
    /// the entity's primary key (changing it would move the record).
    pub fn is_read_only(&self) -> bool {
        self.options.read_only.is_present() || self.in_primary_key
    }

    /// Whether the field's depth is unbounded (it leads back to the model), so left out of the
    /// model's.
    pub fn is_recursive(&self) -> bool {
        self.options.recursive.is_present() || self.mentions_model
    }

    fn new(
        input: FieldInput,
        model: &syn::Ident,
        rule: Option<RenameRule>,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Field> {
        let ident = input.ident?;
        let rust_name = ident.to_string();
        let rust_name = rust_name
            .strip_prefix("r#")
            .unwrap_or(&rust_name)
            .to_owned();
        let serde = serde_attrs::read(&input.attrs, false, errors);
        let rename = input.options.rename.as_ref().map(|rename| &rename.value);
        let name = resolve_name(rename, serde.rename.as_ref(), || {
            rule.map_or(rust_name.clone(), |rule| rule.apply_to_field(&rust_name))
        });
        let name_span = rename.map_or(ident.span(), syn::LitStr::span);
        Some(Field {
            mentions_model: mentions(&input.ty, model),
            in_primary_key: false,
            ident,
            ty: input.ty,
            rust_name,
            name,
            name_span,
            serde,
            options: input.options,
        })
    }
}

#[derive(FromDeriveInput)]
#[darling(attributes(structnosql), supports(enum_unit), forward_attrs(serde))]
struct EnumInput {
    ident: syn::Ident,
    generics: syn::Generics,
    attrs: Vec<syn::Attribute>,
    data: darling::ast::Data<VariantInput, ()>,
    rename_all: Option<syn::LitStr>,
    #[darling(rename = "crate")]
    krate: Option<syn::Path>,
}

#[derive(FromVariant)]
#[darling(attributes(structnosql), forward_attrs(serde))]
struct VariantInput {
    ident: syn::Ident,
    attrs: Vec<syn::Attribute>,
    rename: Option<syn::LitStr>,
}

/// A `#[derive(StringEnum)]` enum.
pub struct StringEnum {
    pub ident: syn::Ident,
    pub generics: syn::Generics,
    pub rename_all: Option<syn::LitStr>,
    /// `#[structnosql(crate = "path")]`, as on a model.
    pub krate: Option<syn::Path>,
    pub serde: SerdeAttrs,
    pub variants: Vec<Variant>,
}

/// One variant of a `StringEnum`.
pub struct Variant {
    pub ident: syn::Ident,
    /// The string stored (after `rename`, serde's `rename` and `rename_all`).
    pub name: String,
    /// Where the name is written: the `rename` literal, else the variant's name.
    pub name_span: Span,
    pub rename: Option<syn::LitStr>,
    pub serde: SerdeAttrs,
}

impl StringEnum {
    /// Reads a `StringEnum`; errors are accumulated in `errors`. `None` when the enum cannot be read.
    pub fn parse(
        input: &syn::DeriveInput,
        errors: &mut darling::error::Accumulator,
    ) -> Option<StringEnum> {
        let parsed = errors.handle(EnumInput::from_derive_input(input))?;
        let serde = serde_attrs::read(&parsed.attrs, true, errors);
        let rule = rename_rule(parsed.rename_all.as_ref(), &serde);
        let variants = match parsed.data {
            darling::ast::Data::Enum(variants) => variants,
            darling::ast::Data::Struct(_) => Vec::new(),
        };
        let variants = variants
            .into_iter()
            .map(|variant| {
                let serde = serde_attrs::read(&variant.attrs, false, errors);
                let rust_name = variant.ident.to_string();
                let name = resolve_name(variant.rename.as_ref(), serde.rename.as_ref(), || {
                    rule.map_or(rust_name.clone(), |rule| rule.apply_to_variant(&rust_name))
                });
                Variant {
                    name_span: variant
                        .rename
                        .as_ref()
                        .map_or(variant.ident.span(), syn::LitStr::span),
                    ident: variant.ident,
                    name,
                    rename: variant.rename,
                    serde,
                }
            })
            .collect();
        Some(StringEnum {
            ident: parsed.ident,
            generics: parsed.generics,
            rename_all: parsed.rename_all,
            krate: parsed.krate,
            serde,
            variants,
        })
    }
}

/// The rule names follow: structnosql's `rename_all`, else serde's; none if unknown (`check` reports
/// it).
fn rename_rule(ours: Option<&syn::LitStr>, serde: &SerdeAttrs) -> Option<RenameRule> {
    match (ours, &serde.rename_all) {
        (Some(ours), _) => RenameRule::from_name(&ours.value()),
        (None, Some((theirs, _))) => RenameRule::from_name(theirs),
        (None, None) => None,
    }
}

/// A stored name: structnosql's `rename`, else serde's, else the `rename_all` rule's (`check` reports
/// renames that disagree).
fn resolve_name(
    ours: Option<&syn::LitStr>,
    serde: Option<&(String, Span)>,
    by_rule: impl FnOnce() -> String,
) -> String {
    match (ours, serde) {
        (Some(ours), _) => ours.value(),
        (None, Some((theirs, _))) => theirs.clone(),
        (None, None) => by_rule(),
    }
}

/// Whether `ty` mentions `Self` or the type `ident` (a recursive field).
fn mentions(ty: &syn::Type, ident: &syn::Ident) -> bool {
    fn walk(tokens: proc_macro2::TokenStream, ident: &syn::Ident) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(found) => found == *ident || found == "Self",
            proc_macro2::TokenTree::Group(group) => walk(group.stream(), ident),
            _ => false,
        })
    }
    walk(quote::ToTokens::to_token_stream(ty), ident)
}
