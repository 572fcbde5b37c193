//! The rules of an entity's key templates.

use darling::error::Accumulator;

use crate::ast::{Model, Template};
use crate::expand::Kind;

/// An entity is a `TableDataModel` whose templates name its own fields, required ones in the
/// primary key, and whose indexes have distinct names.
pub fn entity(model: &Model, kind: Kind, errors: &mut Accumulator) {
    let Some(entity) = &model.entity else {
        return;
    };
    if kind == Kind::MapModel {
        errors.push(
            darling::Error::custom(
                "an entity is a record of a table: derive `TableDataModel`, not `MapModel`",
            )
            .with_span(&entity.name),
        );
        return;
    }
    if entity.name.value().is_empty() {
        errors.push(
            darling::Error::custom("an entity's name cannot be empty").with_span(&entity.name),
        );
    }
    for template in entity.primary.both() {
        fields_exist(model, template, true, errors);
    }
    for (index, (name, templates)) in entity.indexes.iter().enumerate() {
        if name.value().is_empty() {
            errors.push(darling::Error::custom("an index's name cannot be empty").with_span(name));
        }
        let before = entity.indexes.get(..index).unwrap_or_default();
        if before
            .iter()
            .any(|(other, _)| other.value() == name.value())
        {
            errors.push(
                darling::Error::custom(format!(
                    "the index {:?} has templates already",
                    name.value()
                ))
                .with_span(name),
            );
        }
        for template in templates.both() {
            fields_exist(model, template, false, errors);
        }
    }
}

/// Every field `template` names is a field of the model, not its version, and (in the primary
/// key's templates, which every record has) required.
fn fields_exist(model: &Model, template: &Template, primary: bool, errors: &mut Accumulator) {
    for name in template.parsed.fields() {
        let Some(field) = model.field(name) else {
            let known: Vec<&str> = model
                .fields
                .iter()
                .filter(|field| !field.options.flatten.is_present())
                .map(|field| field.rust_name.as_str())
                .collect();
            errors.push(
                darling::Error::custom(format!(
                    "`{name}` is not a field of {} (templates name fields by their Rust names: {})",
                    model.ident,
                    known.join(", ")
                ))
                .with_span(&template.literal),
            );
            continue;
        };
        if field.options.version.is_present() {
            errors.push(
                darling::Error::custom(
                    "a version field changes with every write, so it cannot be part of a key",
                )
                .with_span(&template.literal),
            );
        }
        if primary && crate::expand::option_inner(&field.ty).is_some() {
            errors.push(
                darling::Error::custom(format!(
                    "`{name}` is part of the primary key, which every record has: it cannot be an \
                     `Option` (an index's template can hold one, for a sparse index)"
                ))
                .with_span(&field.ty),
            );
        }
    }
}
