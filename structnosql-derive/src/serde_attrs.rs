//! Reading of `#[serde(...)]`: the renames structnosql follows, the options it cannot follow.

use syn::spanned::Spanned;

/// What the serde attributes of one struct, field or variant say about naming.
#[derive(Default)]
pub struct SerdeAttrs {
    /// `rename = "..."`, with its span.
    pub rename: Option<(String, proc_macro2::Span)>,
    /// `rename_all = "..."` (on a container), with its span.
    pub rename_all: Option<(String, proc_macro2::Span)>,
    /// `tag = "..."` (on an enum), with its span: followed by `#[derive(Attribute)]` on enums.
    pub tag: Option<(String, proc_macro2::Span)>,
    /// `content = "..."` (on an enum), with its span: followed as `tag` is.
    pub content: Option<(String, proc_macro2::Span)>,
    /// The options that change which attributes serde writes (`skip`, `flatten`, `tag`, ...), which
    /// structnosql's schema cannot follow.
    pub unfollowable: Vec<syn::Path>,
}

/// Options that change which attributes serde writes; structnosql's schema could not follow them.
const FIELD_OPTIONS_UNFOLLOWABLE: &[&str] =
    &["flatten", "skip", "skip_serializing", "skip_deserializing"];
const CONTAINER_OPTIONS_UNFOLLOWABLE: &[&str] = &[
    "tag",
    "untagged",
    "content",
    "transparent",
    "from",
    "into",
    "try_from",
    "remote",
];

/// Reads the serde attributes among `attrs`; malformed ones are errors in `errors`.
pub fn read(
    attrs: &[syn::Attribute],
    is_container: bool,
    errors: &mut darling::error::Accumulator,
) -> SerdeAttrs {
    let unfollowable = if is_container {
        CONTAINER_OPTIONS_UNFOLLOWABLE
    } else {
        FIELD_OPTIONS_UNFOLLOWABLE
    };
    let mut read = SerdeAttrs::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            let name = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            if unfollowable.contains(&name.as_str()) {
                read.unfollowable.push(meta.path.clone());
                if (name == "tag" || name == "content") && meta.input.peek(syn::Token![=]) {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    let slot = if name == "tag" {
                        &mut read.tag
                    } else {
                        &mut read.content
                    };
                    *slot = Some((lit.value(), lit.span()));
                    return Ok(());
                }
                return skip_value(&meta);
            }
            if name == "rename" || name == "rename_all" {
                let value = if meta.input.peek(syn::Token![=]) {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    (lit.value(), lit.span())
                } else {
                    same_both_ways(&meta, &name)?
                };
                if name == "rename" {
                    read.rename = Some(value);
                } else {
                    read.rename_all = Some(value);
                }
                return Ok(());
            }
            skip_value(&meta)
        });
        if let Err(error) = result {
            errors.push(darling::Error::from(error));
        }
    }
    read
}

/// `rename(serialize = "a", deserialize = "b")`: accepted only when both names agree.
fn same_both_ways(
    meta: &syn::meta::ParseNestedMeta<'_>,
    name: &str,
) -> syn::Result<(String, proc_macro2::Span)> {
    let mut names: Vec<(String, proc_macro2::Span)> = Vec::new();
    meta.parse_nested_meta(|inner| {
        let lit: syn::LitStr = inner.value()?.parse()?;
        names.push((lit.value(), lit.span()));
        Ok(())
    })?;
    match names.as_slice() {
        [(first, span), rest @ ..] if rest.iter().all(|(other, _)| other == first) => Ok((first.clone(), *span)),
        _ => Err(syn::Error::new(
            meta.path.span(),
            format!("`#[serde({name}(...))]` with different serialize and deserialize names cannot match one DynamoDB attribute name"),
        )),
    }
}

/// Consumes whatever follows an option we do not interpret: `= value`, `(...)`, or nothing.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _: proc_macro2::Group = meta.input.parse()?;
    }
    Ok(())
}
