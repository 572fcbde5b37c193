//! The rules a parsed model or `StringEnum` must follow before expansion, one function per rule.

use darling::error::Accumulator;
use darling::util::Flag;
use proc_macro2::Span;

use crate::ast::{Field, Model, StringEnum};
use crate::expand::Kind;

mod derived;
mod entity;

use crate::case::RenameRule;
use crate::serde_attrs::SerdeAttrs;
pub use derived::derived_attribute;

/// Characters that would make string paths ambiguous.
const FORBIDDEN_IN_NAMES: &[char] = &['.', '{', '}', '(', ')', '[', ']'];

/// Checks a model, collecting every error (in source order, as the compiler shows them).
pub fn model(model: &Model, kind: Kind, errors: &mut Accumulator) {
    entity::entity(model, kind, errors);
    not_generic(
        &model.generics,
        "structnosql models cannot be generic: their schema is static",
        errors,
    );
    serde_followable(&model.serde, false, errors);
    rename_all(model.rename_all.as_ref(), &model.serde, errors);
    for (index, field) in model.fields.iter().enumerate() {
        let before = model.fields.get(..index).unwrap_or_default();
        serde_followable(&field.serde, field.options.flatten.is_present(), errors);
        if field.options.flatten.is_present() {
            flatten_alone(field, errors);
            flatten_not_itself(field, errors);
            continue;
        }
        renames_agree(
            field.options.rename.as_ref().map(|rename| &rename.value),
            &field.serde,
            "a field has one DynamoDB attribute name",
            errors,
        );
        usable_in_paths(&field.name, field.name_span, errors);
        field_name_unique(field, before, errors);
        key_name_well_formed(field, errors);
        none_as_null_on_option(field, errors);
        one_field_marked(field, before, |field| &field.options.ttl, "TTL", errors);
        one_field_marked(
            field,
            before,
            |field| &field.options.version,
            "version",
            errors,
        );
    }
}

/// Checks a `StringEnum`, collecting every error.
pub fn string_enum(string_enum: &StringEnum, errors: &mut Accumulator) {
    not_generic(
        &string_enum.generics,
        "a StringEnum cannot be generic",
        errors,
    );
    serde_followable(&string_enum.serde, false, errors);
    rename_all(string_enum.rename_all.as_ref(), &string_enum.serde, errors);
    for (index, variant) in string_enum.variants.iter().enumerate() {
        stored_name(
            &variant.serde,
            variant.rename.as_ref(),
            (&variant.name, variant.name_span),
            "a variant is stored as one string",
            errors,
        );
        let before = string_enum.variants.get(..index).unwrap_or_default();
        let before = before.iter().map(|other| other.name.as_str());
        variant_name_unique(&variant.name, variant.name_span, before, errors);
    }
}

/// The fields of `fields` with an attribute of their own (not flattened).
fn own(fields: &[Field]) -> impl Iterator<Item = &Field> {
    fields
        .iter()
        .filter(|field| !field.options.flatten.is_present())
}

/// A static schema has no type parameters.
pub(crate) fn not_generic(generics: &syn::Generics, message: &str, errors: &mut Accumulator) {
    if !generics.params.is_empty() {
        errors.push(darling::Error::custom(message).with_span(generics));
    }
}

/// serde options that change which attributes serde writes cannot be followed by the schema; a
/// `#[serde(flatten)]` is followed on a field that is `#[structnosql(flatten)]` too.
fn serde_followable(serde: &SerdeAttrs, flattened: bool, errors: &mut Accumulator) {
    serde_followable_but(serde, if flattened { &["flatten"] } else { &[] }, errors);
}

/// serde options that change which attributes serde writes cannot be followed, but for `followed`.
pub(crate) fn serde_followable_but(
    serde: &SerdeAttrs,
    followed: &[&str],
    errors: &mut Accumulator,
) {
    for path in &serde.unfollowable {
        if followed.iter().any(|name| path.is_ident(name)) {
            continue;
        }
        let name = path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        errors.push(
            darling::Error::custom(format!(
                "`#[serde({name})]` changes the attributes serde writes, and structnosql's schema \
                 cannot follow it; remove it or keep serde apart from this model"
            ))
            .with_span(path),
        );
    }
}

/// structnosql's `rename_all` and serde's agree, and name a known rule.
pub(crate) fn rename_all(ours: Option<&syn::LitStr>, serde: &SerdeAttrs, errors: &mut Accumulator) {
    let (name, span) = match (ours, &serde.rename_all) {
        (Some(ours), Some((theirs, span))) if ours.value() != *theirs => {
            errors.push(
                darling::Error::custom(format!(
                    "`#[structnosql(rename_all = {:?})]` and `#[serde(rename_all = {theirs:?})]` disagree",
                    ours.value()
                ))
                .with_span(span),
            );
            return;
        }
        (Some(ours), _) => (ours.value(), ours.span()),
        (None, Some((theirs, span))) => (theirs.clone(), *span),
        (None, None) => return,
    };
    if RenameRule::from_name(&name).is_none() {
        errors.push(
            darling::Error::custom(format!(
                "unknown rename_all rule {name:?}; expected one of {}",
                RenameRule::NAMES.join(", ")
            ))
            .with_span(&span),
        );
    }
}

/// structnosql's `rename` and serde's agree: `one_name` says why they must.
pub(crate) fn renames_agree(
    ours: Option<&syn::LitStr>,
    serde: &SerdeAttrs,
    one_name: &str,
    errors: &mut Accumulator,
) {
    if let (Some(ours), Some((theirs, span))) = (ours, &serde.rename) {
        if ours.value() != *theirs {
            errors.push(
                darling::Error::custom(format!(
                    "`#[structnosql(rename = {:?})]` and `#[serde(rename = {theirs:?})]` disagree; \
                     {one_name}",
                    ours.value()
                ))
                .with_span(span),
            );
        }
    }
}

/// Attribute names (and stored variant names) must be usable in string paths.
/// The checks of a name an enum variant or a variant's field is stored under: serde options
/// structnosql can follow, renames that agree (`one_name` says why they must), and a name string
/// paths can reach.
pub(crate) fn stored_name(
    serde: &SerdeAttrs,
    rename: Option<&syn::LitStr>,
    (name, span): (&str, Span),
    one_name: &str,
    errors: &mut Accumulator,
) {
    serde_followable_but(serde, &[], errors);
    renames_agree(rename, serde, one_name, errors);
    usable_in_paths(name, span, errors);
}

pub(crate) fn usable_in_paths(name: &str, span: Span, errors: &mut Accumulator) {
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

/// Two fields of a model have different attribute names (those of flattened structs are compared
/// when the model compiles, see `expand::asserts`).
fn field_name_unique(field: &Field, before: &[Field], errors: &mut Accumulator) {
    let same = own(before).find(|other| other.name == field.name);
    if let Some(previous) = same {
        errors.push(
            darling::Error::custom(format!(
                "attribute name {:?} is already used by field `{}`",
                field.name, previous.ident
            ))
            .with_span(&field.name_span),
        );
    }
}

/// Two variants are stored as different strings: `name` (written at `span`) is not among `before`.
pub(crate) fn variant_name_unique<'a>(
    name: &str,
    span: Span,
    mut before: impl Iterator<Item = &'a str>,
    errors: &mut Accumulator,
) {
    if before.any(|other| other == name) {
        errors.push(
            darling::Error::custom(format!("two variants are stored as {name:?}")).with_span(&span),
        );
    }
}

/// A `key_name` is a name usable in string paths, but for the level marker `{i}`.
fn key_name_well_formed(field: &Field, errors: &mut Accumulator) {
    let Some(key_name) = &field.options.key_name else {
        return;
    };
    let value = key_name.value.value();
    let without_level = value.replace("{i}", "");
    if value.is_empty() || without_level.contains(FORBIDDEN_IN_NAMES) {
        errors.push(
            darling::Error::custom(format!(
                "key_name {value:?} must be a non-empty name without . {{ }} ( ) [ ] \
                 (except the level marker {{i}})"
            ))
            .with_span(&key_name.value.span()),
        );
    }
}

/// A model has at most one field with the flag `marker` (`what`: its description).
fn one_field_marked(
    field: &Field,
    before: &[Field],
    marker: fn(&Field) -> &Flag,
    what: &str,
    errors: &mut Accumulator,
) {
    if !marker(field).is_present() {
        return;
    }
    if let Some(previous) = own(before).find(|other| marker(other).is_present()) {
        errors.push(
            darling::Error::custom(format!(
                "a model has one {what} field; `{}` is one already",
                previous.ident
            ))
            .with_span(&marker(field).span()),
        );
    }
}

/// A flattened field has no attribute of its own, so no option about one.
fn flatten_alone(field: &Field, errors: &mut Accumulator) {
    let options = &field.options;
    let spans = [
        ("rename", options.rename.as_ref().map(|set| set.span)),
        ("key_name", options.key_name.as_ref().map(|set| set.span)),
        ("validate", options.validate.as_ref().map(|set| set.span)),
        ("recursive", flag_span(options.recursive)),
        ("version", flag_span(options.version)),
        ("ttl", flag_span(options.ttl)),
        ("read_only", flag_span(options.read_only)),
        ("none_as_null", flag_span(options.none_as_null)),
        (
            "read_transform",
            options.read_transform.as_ref().map(|set| set.span),
        ),
        (
            "write_transform",
            options.write_transform.as_ref().map(|set| set.span),
        ),
        ("default", options.default.as_ref().map(|set| set.span)),
    ];
    for (option, span) in spans {
        if let Some(span) = span {
            errors.push(
                darling::Error::custom(format!(
                    "`flatten` cannot be combined with `{option}`: a flattened field has no \
                     attribute of its own (set options on the fields of the flattened struct)"
                ))
                .with_span(&span),
            );
        }
    }
}

/// Only an `Option` field has a `None` to store as `NULL`.
fn none_as_null_on_option(field: &Field, errors: &mut Accumulator) {
    let flag = field.options.none_as_null;
    let is_option = matches!(
        &field.ty,
        syn::Type::Path(path) if path.path.segments.last().is_some_and(|last| last.ident == "Option")
    );
    if flag.is_present() && !is_option {
        errors.push(
            darling::Error::custom(
                "`none_as_null` applies to `Option` fields: only they hold a `None`",
            )
            .with_span(&flag.span()),
        );
    }
}

/// A model cannot be stored inside itself at its own level.
fn flatten_not_itself(field: &Field, errors: &mut Accumulator) {
    if field.mentions_model {
        errors.push(
            darling::Error::custom("a model cannot flatten itself")
                .with_span(&field.options.flatten.span()),
        );
    }
}

/// Where a flag is written, if it is.
pub(crate) fn flag_span(flag: Flag) -> Option<Span> {
    flag.is_present().then(|| flag.span())
}
