//! Parsing and checking of `#[derive(TableDataModel)]` / `#[derive(MapModel)]` input into a small IR.

use darling::{ast, FromDeriveInput, FromField};
use proc_macro2::Span;

use crate::case::RenameRule;
use crate::serde_attrs;

#[derive(FromDeriveInput)]
#[darling(
    attributes(structnosql),
    supports(struct_named),
    forward_attrs(serde, doc)
)]
struct ModelInput {
    ident: syn::Ident,
    vis: syn::Visibility,
    generics: syn::Generics,
    attrs: Vec<syn::Attribute>,
    data: ast::Data<(), FieldInput>,
    rename_all: Option<syn::LitStr>,
}

#[derive(FromField)]
#[darling(attributes(structnosql), forward_attrs(serde))]
struct FieldInput {
    ident: Option<syn::Ident>,
    ty: syn::Type,
    attrs: Vec<syn::Attribute>,
    rename: Option<syn::LitStr>,
    key_name: Option<syn::LitStr>,
    validate: Option<syn::Path>,
    #[darling(default)]
    recursive: bool,
    #[darling(default)]
    version: bool,
    #[darling(default)]
    ttl: bool,
    #[darling(default)]
    read_only: bool,
    read_transform: Option<syn::Path>,
    write_transform: Option<syn::Path>,
    #[darling(default)]
    flatten: bool,
    default: Option<darling::util::Override<syn::Path>>,
}

/// A checked model.
pub struct Model {
    pub ident: syn::Ident,
    pub vis: syn::Visibility,
    pub fields: Vec<Field>,
}

/// A checked field.
pub struct Field {
    pub ident: syn::Ident,
    pub ty: syn::Type,
    /// The DynamoDB attribute name.
    pub name: String,
    pub key_name: Option<syn::LitStr>,
    pub validate: Option<syn::Path>,
    /// Whether the field's type refers back to the model (its depth is unbounded).
    pub recursive: bool,
    /// Whether the field holds the record's version, for optimistic locking.
    pub version: bool,
    /// Whether the field holds the record's expiry time (epoch seconds) for DynamoDB's TTL.
    pub ttl: bool,
    /// Whether the field is written only with the whole record, never by field updates or removes.
    pub read_only: bool,
    /// The function applied to values of the field read.
    pub read_transform: Option<syn::Path>,
    /// The function applied to values of the field written, before its custom check.
    pub write_transform: Option<syn::Path>,
    /// Whether the field's struct (a `MapModel`) is stored at this level: its attributes are the
    /// enclosing map's, and the field has no attribute of its own.
    pub flatten: bool,
    /// The field's default value, stored in maps of the model that field writes create:
    /// `Default::default()` (`Inherit`) or a function (`Explicit`).
    pub default: Option<darling::util::Override<syn::Path>>,
}

/// Characters that would make string paths ambiguous.
const FORBIDDEN_IN_NAMES: &[char] = &['.', '{', '}', '(', ')', '[', ']'];

/// Parses and checks the input, collecting every error.
pub fn parse(input: &syn::DeriveInput) -> darling::Result<Model> {
    let parsed = ModelInput::from_derive_input(input)?;
    let mut errors = darling::Error::accumulator();
    if !parsed.generics.params.is_empty() {
        errors.push(
            darling::Error::custom("structnosql models cannot be generic: their schema is static")
                .with_span(&parsed.generics),
        );
    }
    let serde = serde_attrs::read(&parsed.attrs, true, &mut errors);
    let rule = rename_rule(parsed.rename_all.as_ref(), serde.rename_all, &mut errors);
    let fields = match parsed.data {
        ast::Data::Struct(fields) => fields.fields,
        ast::Data::Enum(_) => Vec::new(),
    };
    let mut checked: Vec<Field> = Vec::with_capacity(fields.len());
    for field in fields {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        let rust_name = ident.to_string();
        let rust_name = rust_name
            .strip_prefix("r#")
            .unwrap_or(&rust_name)
            .to_owned();
        let serde = serde_attrs::read_with(&field.attrs, false, field.flatten, &mut errors);
        if field.flatten {
            check_flatten(&field, &parsed.ident, &mut errors);
            checked.push(Field {
                ident,
                ty: field.ty,
                name: rust_name,
                key_name: None,
                validate: None,
                recursive: false,
                version: false,
                ttl: false,
                read_only: false,
                read_transform: None,
                write_transform: None,
                flatten: true,
                default: None,
            });
            continue;
        }
        let name = match (&field.rename, serde.rename) {
            (Some(ours), Some((theirs, span))) if ours.value() != theirs => {
                errors.push(
                    darling::Error::custom(format!(
                        "`#[structnosql(rename = {:?})]` and `#[serde(rename = {theirs:?})]` disagree; \
                         a field has one DynamoDB attribute name",
                        ours.value()
                    ))
                    .with_span(&span),
                );
                ours.value()
            }
            (Some(ours), _) => ours.value(),
            (None, Some((theirs, _))) => theirs,
            (None, None) => rule.map_or(rust_name.clone(), |rule| rule.apply_to_field(&rust_name)),
        };
        let name_span = field
            .rename
            .as_ref()
            .map_or(ident.span(), syn::LitStr::span);
        check_name(&name, name_span, &mut errors);
        if let Some(previous) = checked
            .iter()
            .find(|other| !other.flatten && other.name == name)
        {
            errors.push(
                darling::Error::custom(format!(
                    "attribute name {name:?} is already used by field `{}`",
                    previous.ident
                ))
                .with_span(&ident),
            );
        }
        if let Some(key_name) = &field.key_name {
            check_key_name(key_name, &mut errors);
        }
        if field.ttl {
            if let Some(previous) = checked.iter().find(|other| other.ttl) {
                errors.push(
                    darling::Error::custom(format!(
                        "a model has one TTL field; `{}` is one already",
                        previous.ident
                    ))
                    .with_span(&ident),
                );
            }
        }
        if field.version {
            if let Some(previous) = checked.iter().find(|other| other.version) {
                errors.push(
                    darling::Error::custom(format!(
                        "a model has one version field; `{}` is one already",
                        previous.ident
                    ))
                    .with_span(&ident),
                );
            }
        }
        let recursive = field.recursive || mentions(&field.ty, &parsed.ident);
        checked.push(Field {
            ident,
            ty: field.ty,
            name,
            key_name: field.key_name,
            validate: field.validate,
            recursive,
            version: field.version,
            ttl: field.ttl,
            read_only: field.read_only,
            read_transform: field.read_transform,
            write_transform: field.write_transform,
            flatten: false,
            default: field.default,
        });
    }
    errors.finish_with(Model {
        ident: parsed.ident,
        vis: parsed.vis,
        fields: checked,
    })
}

/// A flattened field has no attribute of its own, so no option about one.
fn check_flatten(field: &FieldInput, model: &syn::Ident, errors: &mut darling::error::Accumulator) {
    let options = [
        ("rename", field.rename.is_some()),
        ("key_name", field.key_name.is_some()),
        ("validate", field.validate.is_some()),
        ("recursive", field.recursive),
        ("version", field.version),
        ("ttl", field.ttl),
        ("read_only", field.read_only),
        ("read_transform", field.read_transform.is_some()),
        ("write_transform", field.write_transform.is_some()),
        ("default", field.default.is_some()),
    ];
    for (option, _) in options.iter().filter(|(_, set)| *set) {
        errors.push(
            darling::Error::custom(format!(
                "`flatten` cannot be combined with `{option}`: a flattened field has no attribute of \
                 its own (set options on the fields of the flattened struct)"
            ))
            .with_span(&field.ty),
        );
    }
    if mentions(&field.ty, model) {
        errors.push(darling::Error::custom("a model cannot flatten itself").with_span(&field.ty));
    }
}

/// The `rename_all` rule, from structnosql's attribute or serde's (which must agree).
pub fn rename_rule(
    ours: Option<&syn::LitStr>,
    serde: Option<(String, Span)>,
    errors: &mut darling::error::Accumulator,
) -> Option<RenameRule> {
    let (name, span) = match (ours, serde) {
        (Some(ours), Some((theirs, span))) if ours.value() != theirs => {
            errors.push(
                darling::Error::custom(format!(
                    "`#[structnosql(rename_all = {:?})]` and `#[serde(rename_all = {theirs:?})]` disagree",
                    ours.value()
                ))
                .with_span(&span),
            );
            return None;
        }
        (Some(ours), _) => (ours.value(), ours.span()),
        (None, Some(theirs)) => theirs,
        (None, None) => return None,
    };
    let rule = RenameRule::from_name(&name);
    if rule.is_none() {
        errors.push(
            darling::Error::custom(format!(
                "unknown rename_all rule {name:?}; expected one of {}",
                RenameRule::NAMES.join(", ")
            ))
            .with_span(&span),
        );
    }
    rule
}

/// Attribute names must be usable in string paths.
pub fn check_name(name: &str, span: Span, errors: &mut darling::error::Accumulator) {
    if name.is_empty() {
        errors.push(darling::Error::custom("an attribute name cannot be empty").with_span(&span));
    } else if let Some(bad) = name.chars().find(|c| FORBIDDEN_IN_NAMES.contains(c)) {
        errors.push(
            darling::Error::custom(format!(
                "attribute name {name:?} contains {bad:?}, which would make string paths ambiguous \
                 (names cannot contain . {{ }} ( ) [ ])"
            ))
            .with_span(&span),
        );
    }
}

fn check_key_name(key_name: &syn::LitStr, errors: &mut darling::error::Accumulator) {
    let value = key_name.value();
    let without_level = value.replace("{i}", "");
    if value.is_empty() || without_level.contains(FORBIDDEN_IN_NAMES) {
        errors.push(
            darling::Error::custom(format!(
                "key_name {value:?} must be a non-empty name without . {{ }} ( ) [ ] \
                 (except the level marker {{i}})"
            ))
            .with_span(&key_name.span()),
        );
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
