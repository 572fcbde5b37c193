//! `Attribute` for other crates' everyday types, each behind the cargo feature named after its
//! crate. Each module documents its stored forms, chosen like the standard types' (`std_types.rs`):
//! DynamoDB sorts and compares them usefully, they round-trip exactly, and reading accepts only the
//! form written, so that a value written by string path is stored in that form too. URLs are the
//! exception: any spelling the url crate parses is read, and written back in its normal form.
//!
//! A set (`HashSet`, `BTreeSet`) of these types is not supported: DynamoDB's set schemas carry no
//! member type whose rules a string-path write could be checked against.

#[cfg(any(feature = "chrono", feature = "time"))]
mod calendar;
#[cfg(feature = "chrono")]
mod chrono;
#[cfg(feature = "rust_decimal")]
mod decimal;
#[cfg(feature = "time")]
mod time;
#[cfg(feature = "url")]
mod url;
#[cfg(feature = "uuid")]
mod uuid;
