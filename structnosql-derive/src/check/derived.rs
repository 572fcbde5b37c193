//! The rules of `#[derive(Attribute)]`: a newtype, or an enum with data and its tag.

use darling::error::Accumulator;
use proc_macro2::Span;

use super::{
    flag_span, not_generic, rename_all, serde_followable_but, stored_name, usable_in_paths,
    variant_name_unique,
};
use crate::ast::{DerivedAttribute, Newtype, TaggedEnum, TaggedVariant, VariantShape};

/// Checks the input of `#[derive(Attribute)]`, collecting every error.
pub fn derived_attribute(derived: &DerivedAttribute, errors: &mut Accumulator) {
    match derived {
        DerivedAttribute::Newtype(newtype) => self::newtype(newtype, errors),
        DerivedAttribute::Tagged(tagged) => self::tagged(tagged, errors),
    }
}

fn newtype(newtype: &Newtype, errors: &mut Accumulator) {
    not_generic(
        &newtype.generics,
        "a derived Attribute cannot be generic: its schema is static",
        errors,
    );
    // serde's `transparent` stores a newtype as its field, as structnosql does.
    serde_followable_but(&newtype.serde, &["transparent"], errors);
    for span in &newtype.enum_options {
        errors.push(
            darling::Error::custom(
                "`tag`, `content` and `rename_all` are options of enums; a newtype is stored as its field",
            )
            .with_span(span),
        );
    }
    if let (Some(span), Some(_)) = (flag_span(newtype.transparent), &newtype.validate) {
        errors.push(
            darling::Error::custom(
                "a `transparent` newtype cannot have a `validate`: paths through it write the inner \
                 type's values, which the newtype's check would not see",
            )
            .with_span(&span),
        );
    }
}

fn tagged(tagged: &TaggedEnum, errors: &mut Accumulator) {
    not_generic(
        &tagged.generics,
        "a derived Attribute cannot be generic: its schema is static",
        errors,
    );
    serde_followable_but(&tagged.serde, &["tag", "content"], errors);
    rename_all(tagged.rename_all.as_ref(), &tagged.serde, errors);
    for span in &tagged.newtype_options {
        errors.push(
            darling::Error::custom("`transparent`, `validate` and `key` are options of newtypes")
                .with_span(span),
        );
    }
    let Some(tag) = &tagged.tag else {
        errors.push(
            darling::Error::custom(
                "an enum with data is stored as a map whose tag attribute names the variant: add \
                 `#[structnosql(tag = \"type\")]` (data beside the tag) or `tag` and `content` \
                 (data in an attribute of its own); an enum of unit variants can derive StringEnum",
            )
            .with_span(&tagged.ident),
        );
        return;
    };
    usable_in_paths(&tag.value, tag.span, errors);
    if let Some(content) = &tagged.content {
        usable_in_paths(&content.value, content.span, errors);
        if content.value == tag.value {
            errors.push(
                darling::Error::custom("the tag and the content need attributes of their own")
                    .with_span(&content.span),
            );
        }
    }
    if tagged.variants.is_empty() {
        errors.push(
            darling::Error::custom("an enum without variants has no value to store")
                .with_span(&tagged.ident),
        );
    }
    for (index, variant) in tagged.variants.iter().enumerate() {
        let before = tagged.variants.get(..index).unwrap_or_default();
        let before = before.iter().map(|other| other.name.as_str());
        variant_name_unique(&variant.name, variant.name_span, before, errors);
        self::variant(variant, &tag.value, tagged.content.is_some(), errors);
    }
}

fn variant(variant: &TaggedVariant, tag: &str, adjacent: bool, errors: &mut Accumulator) {
    stored_name(
        &variant.serde,
        variant.rename.as_ref(),
        (&variant.name, variant.name_span),
        "a variant is stored as one string",
        errors,
    );
    match &variant.shape {
        VariantShape::Unit => {}
        VariantShape::Tuple(span) => errors.push(
            darling::Error::custom(
                "a variant of several unnamed fields has no attribute names: name its fields, or \
                 hold one value",
            )
            .with_span(span),
        ),
        VariantShape::Newtype(_) if !adjacent => errors.push(
            darling::Error::custom(
                "with `tag` alone, a variant's data is stored beside the tag, as named fields; to \
                 store a variant's one value, add `content = \"...\"` (its attribute)",
            )
            .with_span(&variant.ident),
        ),
        VariantShape::Newtype(_) => {}
        VariantShape::Struct(fields) => {
            for (index, field) in fields.iter().enumerate() {
                stored_name(
                    &field.serde,
                    field.rename.as_ref(),
                    (&field.name, field.name_span),
                    "a field has one DynamoDB attribute name",
                    errors,
                );
                let earlier = fields.get(..index).unwrap_or_default();
                let clash = earlier.iter().any(|other| other.name == field.name)
                    || (!adjacent && field.name == tag);
                if clash {
                    errors.push(attribute_taken(&field.name, field.name_span));
                }
            }
        }
    }
}

fn attribute_taken(name: &str, span: Span) -> darling::Error {
    darling::Error::custom(format!(
        "attribute name {name:?} is used twice in this variant (the tag is stored beside its fields)"
    ))
    .with_span(&span)
}
