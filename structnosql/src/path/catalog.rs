//! Every addressable path of a model, as string paths with their placeholders.

use crate::model::{ModelSchema, TypeSchema};

use super::segment::MAX_DEPTH;

/// How many paths a listing holds at most; recursive models would otherwise have billions.
const MAX_LISTED_PATHS: usize = 10_000;

/// One addressable path of a model.
#[derive(Debug, Clone)]
pub struct PathInfo {
    /// The string path, with `{{placeholders}}` for map keys and list indexes.
    pub path: String,
    /// The placeholders in the path, in order.
    pub placeholders: Vec<String>,
    /// The type of the value at the path.
    pub schema: TypeSchema,
    /// Whether a value must be present there when its parent is (false for optional fields and for map
    /// and list items).
    pub required: bool,
    /// The placeholder name of the value's own items, if it has items.
    pub key_name: Option<String>,
    /// Whether the path reaches a model that already occurs above it (a recursive model); its fields
    /// are listed once, at the first occurrence.
    pub recursive: bool,
}

/// Lists the addressable paths of `model`: each field, each map or list item, and the fields inside
/// them, down to DynamoDB's 32 levels. A recursive model is expanded once per branch.
pub fn paths(model: &'static ModelSchema) -> Vec<PathInfo> {
    let mut listed = Vec::new();
    let mut ancestors = vec![model as *const ModelSchema];
    list_model(model, "", &[], 0, &mut ancestors, &mut listed);
    listed
}

fn list_model(
    model: &'static ModelSchema,
    prefix: &str,
    placeholders: &[String],
    depth: usize,
    ancestors: &mut Vec<*const ModelSchema>,
    listed: &mut Vec<PathInfo>,
) {
    for field in model.fields() {
        let path = if prefix.is_empty() {
            field.name().to_owned()
        } else {
            format!("{prefix}.{}", field.name())
        };
        list_value(
            field.type_schema(),
            path,
            placeholders.to_vec(),
            field.is_required(),
            field.key_name(),
            depth + 1,
            ancestors,
            listed,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn list_value(
    schema: TypeSchema,
    path: String,
    placeholders: Vec<String>,
    required: bool,
    key_name: Option<String>,
    depth: usize,
    ancestors: &mut Vec<*const ModelSchema>,
    listed: &mut Vec<PathInfo>,
) {
    if depth > MAX_DEPTH || listed.len() >= MAX_LISTED_PATHS {
        return;
    }
    let inner = schema.required();
    // Only values with items of their own have a key name.
    let key_name = key_name
        .filter(|_| {
            matches!(
                inner,
                TypeSchema::Map(_) | TypeSchema::List(_) | TypeSchema::Any
            )
        })
        .map(|name| name.replace("{i}", "0"));
    let recursive = matches!(inner, TypeSchema::Model(m) if ancestors.contains(&(m as *const _)));
    listed.push(PathInfo {
        path: path.clone(),
        placeholders: placeholders.clone(),
        schema,
        required,
        key_name: key_name.clone(),
        recursive,
    });
    match inner {
        TypeSchema::Model(model) if !recursive => {
            ancestors.push(model);
            list_model(model, &path, &placeholders, depth, ancestors, listed);
            ancestors.pop();
        }
        TypeSchema::Map(item) | TypeSchema::List(item) => {
            let Some(key_name) = key_name else { return };
            let mut item_placeholders = placeholders;
            item_placeholders.push(key_name.clone());
            list_value(
                item(),
                format!("{path}.{{{{{key_name}}}}}"),
                item_placeholders,
                false,
                Some(format!("{key_name}Child")),
                depth + 1,
                ancestors,
                listed,
            );
        }
        _ => {}
    }
}

/// The known path nearest to `path` by edit distance, for "did you mean" messages.
pub(crate) fn closest_path(model: &'static ModelSchema, path: &str) -> Option<String> {
    paths(model)
        .into_iter()
        .map(|info| (strsim::levenshtein(&info.path, path), info.path))
        .min()
        .map(|(_, path)| path)
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
