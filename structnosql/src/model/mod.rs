//! Models: the traits the derive macros implement, and the static schema they generate.
//!
//! - [`Attribute`]: how a type is stored (implemented for standard types and every derived type).
//! - [`MapModel`]: a struct stored as a DynamoDB map, with a static [`ModelSchema`].
//! - [`TableDataModel`]: a struct stored as a whole record (an item).
//!
//! # Defining models
//!
//! `#[derive(TableDataModel)]` on the record type, `#[derive(MapModel)]` on structs nested in it, and
//! `#[derive(StringEnum)]` on unit-only enums stored as strings. A field that is not an `Option` is
//! required. Each derive generates, with no run-time indexing: the static schema
//! ([`MapModel::model_schema`]), the conversions to and from DynamoDB values with validation, and the
//! typed path accessor `<Type>Fields`, returned by `<Type>::fields()`.
//!
//! ```
//! use std::collections::HashMap;
//! use structnosql::{MapModel, TableDataModel, TypedPath};
//!
//! #[derive(TableDataModel, Debug, PartialEq)]
//! #[structnosql(rename_all = "camelCase")]
//! struct User {
//!     user_id: String,                           // required
//!     username: Option<String>,                  // optional
//!     #[structnosql(key_name = "tokenId")]
//!     tokens: Option<HashMap<String, AuthToken>>,
//! }
//!
//! #[derive(MapModel, Debug, PartialEq)]
//! #[structnosql(rename_all = "camelCase")]
//! struct AuthToken {
//!     expiration_timestamp: i64,
//! }
//!
//! // A path typed to i64: a typo or a value of the wrong type does not compile.
//! let path = User::fields().tokens().key("t32").expiration_timestamp();
//! assert_eq!(path.document_path().to_string(), "tokens.t32.expirationTimestamp");
//!
//! // The same path as a string, checked against the schema at run time.
//! let resolved = structnosql::path::resolve(
//!     User::model_schema(),
//!     "tokens.{{tokenId}}.expirationTimestamp",
//!     &[("tokenId", "t32")],
//! )?;
//! assert_eq!(&resolved[0].path, path.document_path());
//! # Ok::<(), structnosql::Error>(())
//! ```
//!
//! ## Field types
//!
//! | Rust type | DynamoDB type |
//! |---|---|
//! | `String` | `S` |
//! | `bool` | `BOOL` |
//! | `i8` … `i128`, `u8` … `u128`, `isize`, `usize` | `N`, exact; more than 38 digits is an error |
//! | `f32`, `f64` | `N`, shortest round-trip form; NaN and infinities are errors |
//! | `Vec<u8>` | `B` (bytes, not a list) |
//! | `Option<T>` | `T`, or absent (`None` fields are left out of the item; `NULL` reads as `None`) |
//! | `Box<T>` | `T` (for recursive models) |
//! | `Vec<T>` | `L` |
//! | `HashMap<String, T>`, `BTreeMap<String, T>` | `M` |
//! | `HashSet` / `BTreeSet` of `String`, integers, `Vec<u8>` | `SS`, `NS`, `BS` (an empty set is an error: DynamoDB cannot store one) |
//! | a `#[derive(MapModel)]` struct | `M`, checked field by field |
//! | a `#[derive(StringEnum)]` enum | `S`, one of the variant names |
//! | a `#[derive(Attribute)]` newtype | as its field |
//! | a `#[derive(Attribute)]` enum with data | `M`, the tag naming the variant, with its data |
//! | `serde_json::Value` | any value (free-form data, converted with `serde_dynamo`); DynamoDB numbers carry no integer/float distinction, so a whole float such as `3.0` reads back as the integer `3` |
//! | `char`, `Duration`, `SystemTime`, `IpAddr`, `NonZero*`, `Arc<T>`, `Cow<'static, str>` | see the table in the README (`S` or `N`, exact) |
//! | `[T; N]` | as `Vec<T>` (`L`, or `B` for `[u8; N]`) of exactly `N` items, read and written whole |
//! | `(A, B)`, `(A, B, C)`, `(A, B, C, D)` | `L`, one item per element, read and written whole |
//! | [`Serde<T>`] | any `Serialize + Deserialize` type, stored whole by `serde_dynamo` |
//! | [`EpochSeconds<T>`] | `N`, seconds since the Unix epoch with up to nine decimals, for `SystemTime` and the optional crates' times |
//! | `uuid::Uuid` (cargo feature `uuid`) | `S`, lowercase hyphenated |
//! | chrono's `DateTime<Utc>` (feature `chrono`), time's `OffsetDateTime` (feature `time`) | `S`, RFC 3339 in UTC with exactly nine decimals (`"2026-12-05T02:10:00.000000000Z"`), years 0000–9999; an `OffsetDateTime` reads back with offset UTC |
//! | chrono's `NaiveDate`, time's `Date` | `S`, `"2026-12-05"` |
//! | chrono's `NaiveDateTime`, time's `PrimitiveDateTime` | `S`, `"2026-12-05T02:10:00.000000000"` |
//! | `rust_decimal::Decimal` (feature `rust_decimal`) | `N`, every digit, no trailing zeros; a stored number it cannot hold exactly is refused |
//! | `url::Url` (feature `url`) | `S`, the url crate's normal form; any spelling it parses is read |
//!
//! ## Newtypes and enums with data
//!
//! `#[derive(Attribute)]` stores a **newtype** as its field. Its typed path is a whole-value path of
//! the newtype; `#[structnosql(transparent)]` makes paths go through it, as through its field (their
//! values are then the field's type). `#[structnosql(validate = "path")]` names a
//! `fn(&Self) -> Result<(), E>` that every value written, and every value read, must pass; its
//! message is reported with the path. `#[structnosql(key)]` makes a newtype of a key type (a
//! string, an integer, bytes, or one of the [`KeyPart`](crate::table::KeyPart) types) a record key
//! type too, its `validate` run on every key given.
//!
//! It stores an **enum with data** as a map whose tag attribute holds the variant's name, like serde's
//! internally and adjacently tagged enums (and following serde's `tag`, `content`, `rename` and
//! `rename_all` when present):
//! - `#[structnosql(tag = "kind")]`: a variant's named fields beside the tag,
//!   `{"kind": "card", "last4": "4242"}`;
//! - `#[structnosql(tag = "type", content = "data")]`: the variant's data in the `content`
//!   attribute, named fields as a map or a variant's one value as it is:
//!   `{"type": "Created", "data": "web"}`.
//!
//! Each variant is described by a model of its own in a [`TaggedSchema`], so values written by
//! string path are checked against the variant their tag names, and a stored tag that names no
//! variant is an error naming its path ([`crate::Error::Validation`] on writes,
//! [`crate::Error::InvalidStoredData`] on reads). An enum's value is read and written whole: a path
//! cannot go inside it, since a write into one variant's field could not know which variant is
//! stored. Unit-only enums stored as a plain string keep `#[derive(StringEnum)]`.
//!
//! ```
//! use structnosql::aws_sdk_dynamodb::types::AttributeValue;
//! use structnosql::{Attribute, Error, TableDataModel};
//!
//! #[derive(Attribute, Debug, Clone, PartialEq)]
//! #[structnosql(validate = "Email::check")]
//! struct Email(String);
//!
//! impl Email {
//!     fn check(&self) -> Result<(), String> {
//!         self.0.contains('@').then_some(()).ok_or_else(|| format!("{:?} has no @", self.0))
//!     }
//! }
//!
//! #[derive(Attribute, Debug, Clone, PartialEq)]
//! #[structnosql(tag = "kind", rename_all = "snake_case")]
//! enum Payment {
//!     Card { last4: String },
//!     BankTransfer { iban: String },
//!     Cash,
//! }
//!
//! #[derive(TableDataModel, Debug)]
//! struct Customer {
//!     id: String,
//!     email: Email,
//!     payment: Payment,
//! }
//!
//! let customer = Customer {
//!     id: "c1".into(),
//!     email: Email("ada@example.com".into()),
//!     payment: Payment::Card { last4: "4242".into() },
//! };
//! let item = customer.to_item()?;
//! assert_eq!(item["email"], AttributeValue::S("ada@example.com".into()));
//! let AttributeValue::M(payment) = &item["payment"] else { unreachable!() };
//! assert_eq!(payment["kind"], AttributeValue::S("card".into()));
//! assert_eq!(payment["last4"], AttributeValue::S("4242".into()));
//!
//! let refused = Customer { email: Email("nobody".into()), ..customer }.to_item();
//! match refused {
//!     Err(Error::Validation { violations }) => assert_eq!(violations[0].path.to_string(), "email"),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), structnosql::Error>(())
//! ```
//!
//! ## Your own types
//!
//! Implement [`Attribute`] for a type of your own: its stored form, and its rules as a
//! [`CustomSchema`], so that values written by string path or as `serde_json::Value` are checked
//! against them too. Problems are reported with the path of the field, as for any other type.
//!
//! ```
//! use structnosql::aws_sdk_dynamodb::types::AttributeValue;
//! use structnosql::model::{Attribute, CustomSchema, TypeSchema, Violations};
//! use structnosql::path::{FieldPath, ListPath};
//! use structnosql::{Error, TableDataModel};
//!
//! /// An ISO 4217 currency code, stored as its three capital letters.
//! #[derive(Debug, Clone, PartialEq)]
//! struct Currency(String);
//!
//! fn decode(value: &AttributeValue) -> Result<Currency, String> {
//!     match value {
//!         AttributeValue::S(code) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) => {
//!             Ok(Currency(code.clone()))
//!         }
//!         other => Err(format!("{other:?} is not a currency code")),
//!     }
//! }
//!
//! impl Attribute for Currency {
//!     type Accessor = FieldPath<Self>;
//!     type ListAccessor = ListPath<Vec<Self>, Self>;
//!     fn schema() -> TypeSchema {
//!         static SCHEMA: CustomSchema =
//!             CustomSchema::new("a currency code", TypeSchema::String, |value| decode(value).map(drop));
//!         TypeSchema::Custom(&SCHEMA)
//!     }
//!     fn to_attribute(&self) -> Result<AttributeValue, Violations> {
//!         decode(&AttributeValue::S(self.0.clone())).map_err(Violations::new)?;
//!         Ok(AttributeValue::S(self.0.clone()))
//!     }
//!     fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
//!         decode(&value).map_err(Violations::new)
//!     }
//! }
//!
//! #[derive(TableDataModel, Debug)]
//! struct Price {
//!     id: String,
//!     currency: Currency,
//! }
//!
//! let item = Price { id: "p1".into(), currency: Currency("EUR".into()) }.to_item()?;
//! assert_eq!(item["currency"], AttributeValue::S("EUR".into()));
//! match (Price { id: "p2".into(), currency: Currency("euro".into()) }).to_item() {
//!     Err(Error::Validation { violations }) => assert_eq!(violations[0].path.to_string(), "currency"),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), structnosql::Error>(())
//! ```
//!
//! Models may contain themselves, through `Vec`, maps, `Option<Box<_>>`: a field whose type names the
//! model (or `Self`) is recognised as recursive. Mutually recursive models mark one field
//! `#[structnosql(recursive)]`.
//!
//! ## Attributes
//!
//! **`rename_all`** (on the struct or enum) and **`rename`** (on a field or variant) set the DynamoDB
//! attribute names, with serde's rules (`camelCase`, `snake_case`, `PascalCase`,
//! `SCREAMING_SNAKE_CASE`, `kebab-case`, `SCREAMING-KEBAB-CASE`, `lowercase`, `UPPERCASE`):
//!
//! ```
//! # use structnosql::{TableDataModel, TypedPath};
//! #[derive(TableDataModel)]
//! #[structnosql(rename_all = "PascalCase")]
//! struct Order {
//!     order_id: String,
//!     #[structnosql(rename = "TTL")]
//!     expires_at: i64,
//! }
//! assert_eq!(Order::fields().order_id().document_path().to_string(), "OrderId");
//! assert_eq!(Order::fields().expires_at().document_path().to_string(), "TTL");
//! ```
//!
//! The names must be usable in string paths: no `.`, `{`, `}`, `(`, `)`, `[`, `]`, and no two fields
//! with the same name (both are compile errors on the field). If the struct also derives serde's
//! traits, `#[serde(rename)]` and `#[serde(rename_all)]` are followed; a structnosql name that disagrees
//! with serde's, or serde options that change which attributes serde writes (`skip`, ..., and
//! `flatten` on a field that is not `#[structnosql(flatten)]`), are compile errors, so the two never
//! diverge silently.
//!
//! **`key_name`** (on a map, list or set field) names the placeholder of its items in string paths. The
//! default is StructNoSQL's: `<field>Key` for maps, `<field>Index` for lists and sets, and
//! `<parent key name>Child` for a map or list inside an item. In a recursive model, `{i}` in the name is
//! replaced by the level (`childKey0`, `childKey1`, ...):
//!
//! ```
//! # use std::collections::HashMap;
//! # use structnosql::{MapModel, TableDataModel};
//! #[derive(TableDataModel)]
//! #[structnosql(rename_all = "camelCase")]
//! struct Parameter {
//!     name: String,
//!     #[structnosql(key_name = "childKey{i}")]
//!     children: Option<HashMap<String, Parameter>>,
//!     friends: Vec<String>, // items: {{friendsIndex}}
//! }
//! let resolved = structnosql::path::resolve(
//!     Parameter::model_schema(),
//!     "children.{{childKey0}}.children.{{childKey1}}.name",
//!     &[("childKey0", "a"), ("childKey1", "b")],
//! )?;
//! assert_eq!(resolved[0].path.to_string(), "children.a.children.b.name");
//! let item = structnosql::path::resolve(Parameter::model_schema(), "friends.{{friendsIndex}}", &[("friendsIndex", 3usize)])?;
//! assert_eq!(item[0].path.to_string(), "friends[3]");
//! # Ok::<(), structnosql::Error>(())
//! ```
//!
//! **`validate`** names a function `fn(&T) -> Result<(), E>` (`E: Display`) that every write of the
//! field must pass; for an `Option<T>` field it receives the `T`, when there is one:
//!
//! ```
//! # use structnosql::{Error, TableDataModel};
//! fn not_blank(name: &str) -> Result<(), String> {
//!     if name.trim().is_empty() { Err("must not be blank".into()) } else { Ok(()) }
//! }
//!
//! #[derive(TableDataModel)]
//! struct Account {
//!     id: String,
//!     #[structnosql(validate = "not_blank")]
//!     owner: Option<String>,
//! }
//!
//! let account = Account { id: "a1".into(), owner: Some("  ".into()) };
//! match account.validate() {
//!     Err(Error::Validation { violations }) => {
//!         assert_eq!(violations[0].path.to_string(), "owner");
//!         assert_eq!(violations[0].message, "must not be blank");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```
//!
//! **`recursive`** (on a field) marks a field that leads back to the model through another type, so
//! that it is left out of the compile-time depth check (DynamoDB allows 32 levels; a model nested deeper
//! without recursion is a compile error on the field).
//!
//! **`none_as_null`** (on an `Option` field) stores the field's `None` as `NULL` in whole-record
//! writes, as StructNoSQL does; without it a `None` field is left out of the item. Both read back as
//! `None`.
//!
//! ```
//! use structnosql::aws_sdk_dynamodb::types::AttributeValue;
//! use structnosql::TableDataModel;
//!
//! #[derive(TableDataModel)]
//! struct Profile {
//!     id: String,
//!     #[structnosql(none_as_null)]
//!     nickname: Option<String>,
//!     bio: Option<String>,
//! }
//!
//! let item = Profile { id: "p1".into(), nickname: None, bio: None }.to_item()?;
//! assert_eq!(item.get("nickname"), Some(&AttributeValue::Null(true)));
//! assert!(!item.contains_key("bio"));
//! # Ok::<(), structnosql::Error>(())
//! ```
//!
//! **`read_only`** (on a field) makes a field that only whole-record writes set (`put_record`, batch
//! puts, a transaction's put). Its typed accessor returns a [`ReadOnlyPath`](crate::path::ReadOnlyPath),
//! which reads (`get_field`, `get_fields`, conditions, queries, scans: they take a
//! [`ReadablePath`](crate::path::ReadablePath)) but is not a [`TypedPath`](crate::TypedPath), so
//! `update_field`, `Setters::set`, `delete_field` and `remove_field` of it do not compile. Paths inside
//! it (`.key()`, `.index()`, its nested fields), string paths and the multiple-fields operations are
//! refused at run time with [`Error::ReadOnly`], before anything is sent:
//!
//! ```
//! # use structnosql::TableDataModel;
//! use structnosql::expr::Condition;
//!
//! #[derive(TableDataModel)]
//! struct Account {
//!     id: String,
//!     #[structnosql(read_only)]
//!     created_at: i64,
//!     note: Option<String>,
//! }
//!
//! // Reads and conditions take the read-only path like any other.
//! let recent = Condition::gt(Account::fields().created_at(), 1_700_000_000);
//! # let _ = recent;
//! ```
//!
//! ```compile_fail
//! # use structnosql::TableDataModel;
//! # use structnosql::table::Setters;
//! # #[derive(TableDataModel)]
//! # struct Account { id: String, #[structnosql(read_only)] created_at: i64 }
//! // error: `ReadOnlyPath<FieldPath<i64>>` is not a path that can be written
//! let setters = Setters::new().set(Account::fields().created_at(), 5);
//! ```
//!
//! **`read_transform`** and **`write_transform`** (on a field) name functions `fn(T) -> T` on the
//! field's type (for an `Option<T>` field, on the `T`, when there is one). The write transform runs on
//! every value written to the field, before its `validate` check: whole records (`put_record`,
//! [`TableDataModel::to_item`], batch puts, a transaction's put), field updates by typed or string
//! path, and values of maps that contain the field. The read transform runs on every value of the field
//! returned: [`TableDataModel::from_item`], `get_field`, `get_fields`, `get_multiple_fields`, queries,
//! and the old values of `*_return_old` and removes. DynamoDB and a `CachingTable`'s cache hold the
//! stored (write-transformed) form, so a value is read-transformed exactly once per value returned,
//! from a request or from the cache. Conditions and query filters compare stored forms, untransformed.
//! A write of a part of a transformed field (an item of a transformed map) is not transformed.
//!
//! ```
//! # use structnosql::TableDataModel;
//! fn lowercase(email: String) -> String { email.to_lowercase() }
//! fn exclaim(text: String) -> String { format!("{text}!") }
//!
//! #[derive(TableDataModel)]
//! struct Contact {
//!     id: String,
//!     #[structnosql(write_transform = "lowercase")]
//!     email: Option<String>,
//!     #[structnosql(read_transform = "exclaim")]
//!     greeting: Option<String>,
//! }
//!
//! let contact = Contact { id: "c1".into(), email: Some("Ada@X.ORG".into()), greeting: Some("Hi".into()) };
//! let item = structnosql::TableDataModel::to_item(&contact)?;
//! assert_eq!(item["email"].as_s().ok().map(String::as_str), Some("ada@x.org"));
//! assert_eq!(item["greeting"].as_s().ok().map(String::as_str), Some("Hi"));
//! let back = Contact::from_item(item)?;
//! assert_eq!(back.greeting.as_deref(), Some("Hi!"));
//! # Ok::<(), structnosql::Error>(())
//! ```
//!
//! **`flatten`** (on a field whose type derives `MapModel`) stores the struct's fields at the level of
//! the struct that holds it: the item (or map) has the inner fields as its own attributes, and no
//! attribute for the flattened field. Validation, string paths, [`paths`](crate::path::paths) and the
//! typed accessors treat them as fields declared directly: the accessor of the first flattened field
//! is reachable through `Deref` (`Member::fields().created_by()`), and every flattened field has a
//! method returning its struct's accessor at the same level (`Member::fields().audit().created_by()`).
//! Attribute names shared between a struct and the structs it flattens are a compile error (a failed
//! constant evaluation naming the model). Key attributes may be fields of a flattened struct. A
//! flattened field takes no other option (`rename`, `validate`, ...); the flattened struct's own
//! `version` and `ttl` fields are not the record's.
//!
//! ```
//! # use structnosql::{MapModel, TableDataModel, TypedPath};
//! #[derive(MapModel)]
//! #[structnosql(rename_all = "camelCase")]
//! struct Audit {
//!     created_by: String,
//!     revision: i64,
//! }
//!
//! #[derive(TableDataModel)]
//! #[structnosql(rename_all = "camelCase")]
//! struct Member {
//!     member_id: String,
//!     #[structnosql(flatten)]
//!     audit: Audit,
//! }
//!
//! let member = Member { member_id: "m1".into(), audit: Audit { created_by: "ada".into(), revision: 1 } };
//! let item = structnosql::TableDataModel::to_item(&member)?;
//! let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
//! names.sort();
//! assert_eq!(names, ["createdBy", "memberId", "revision"]);
//! assert_eq!(Member::fields().revision().document_path().to_string(), "revision");
//! assert_eq!(Member::fields().audit().created_by().document_path().to_string(), "createdBy");
//! # Ok::<(), structnosql::Error>(())
//! ```
//!
//! **`default`** (on a field) gives the field a default value: `#[structnosql(default)]` uses
//! `Default::default()`, `#[structnosql(default = "path::to::function")]` calls a `fn() -> T` of the
//! field's type. When a field write creates a missing parent map (`update_field` of
//! `games.g1.wins` when `games.g1` does not exist), every map level it creates gets the defaults of its
//! model's fields that the write does not set, so the stored map is valid against the model; the
//! values written are kept as given (a `0`, `""` or `false` is never replaced). Likewise, a record
//! created by field writes gets the defaults of its own fields that are not written (the first
//! request finds no record, a second creates it: two requests instead of one, for models whose own
//! fields have defaults). Maps and records that already exist, and whole values written
//! (`put_record`, a whole map), are left as they are. A `CachingTable` shows the defaults of what its
//! pending writes create when it knows the parent (or record) is missing.
//!
//! ```
//! # use std::collections::HashMap;
//! # use structnosql::{MapModel, TableDataModel};
//! fn bronze() -> String { "bronze".into() }
//!
//! #[derive(MapModel)]
//! struct GameStats {
//!     #[structnosql(default)]
//!     wins: i64,
//!     #[structnosql(default = "bronze")]
//!     rank: String,
//! }
//!
//! #[derive(TableDataModel)]
//! struct Player {
//!     id: String,
//!     games: Option<HashMap<String, GameStats>>,
//! }
//! // `update_field(key, Player::fields().games().key("g1").rank(), "gold")` on a player without
//! // `games` stores `games = {g1: {rank: "gold", wins: 0}}`.
//! ```
//!
//! **`crate`** (on the struct or enum) says where structnosql is, for code that reaches it through a
//! re-export (a facade crate, or a renamed dependency): the generated code then uses
//! `<path>::__private` instead of `::structnosql::__private`.
//!
//! ```
//! use structnosql::TypedPath;
//!
//! mod storage {
//!     /// The application's own path to structnosql.
//!     pub mod db {
//!         pub use structnosql::*;
//!     }
//! }
//!
//! #[derive(storage::db::TableDataModel)]
//! #[structnosql(crate = "crate::storage::db")]
//! struct Note {
//!     id: String,
//! }
//!
//! fn main() {
//!     assert_eq!(Note::fields().id().document_path().to_string(), "id");
//! }
//! ```
//!
//! ## Validation
//!
//! Writes are strict: nothing is sent unless the whole value is valid, and [`Error::Validation`] lists
//! every problem with its path. Reads are strict too ([`Error::InvalidStoredData`], never a panic), and
//! ignore attributes the model does not know. [`TableDataModel::from_item_lenient`] and
//! [`decode_lenient`] instead drop the invalid optional parts of stored data and report what they
//! dropped, as StructNoSQL did (minus its printing).

pub(crate) mod attribute;
pub(crate) mod defaults;
mod ecosystem;
mod epoch;
mod fixed;
pub(crate) mod number;
mod schema;
mod serde_value;
mod std_types;
#[cfg(test)]
pub(crate) mod test_models;
#[cfg(test)]
mod test_values;
pub(crate) mod transform;
pub(crate) mod validation;
pub(crate) mod version;
pub(crate) mod violation;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

pub use attribute::{Attribute, SetElement};
pub use epoch::EpochSeconds;
pub use schema::{
    AttributeCheck, CustomSchema, DefaultValue, FieldSchema, FloatKind, IntegerKind, ModelSchema,
    NumberKind, SchemaFn, StoredTransform, TaggedSchema, TypeSchema,
};
pub use serde_value::Serde;
pub use version::{TtlSeconds, VersionNumber};
pub use violation::{Violation, Violations};

use crate::error::{Error, Result};
use crate::path::DocumentPath;

pub use crate::item::Item;

/// A struct stored as a DynamoDB map. Implement it with `#[derive(MapModel)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a structnosql map model",
    label = "does not derive MapModel",
    note = "`#[structnosql(flatten)]` takes a struct deriving MapModel (or TableDataModel), whose \
            fields it stores at the enclosing level"
)]
pub trait MapModel: Attribute {
    /// The static description of the model's fields.
    fn model_schema() -> &'static ModelSchema;
    /// The model's fields as a constant (the fields of its flattened structs included), so that a
    /// model flattening this one can list them in its own static schema.
    #[doc(hidden)]
    const __FIELDS: &'static [FieldSchema];

    // Trait methods for the reason given at `Attribute::__encode_field`.

    /// Encodes a `#[structnosql(flatten)]` field holding this value: its attributes go into the
    /// enclosing `map`.
    #[doc(hidden)]
    fn __encode_flattened(&self, map: &mut Item, violations: &mut Violations) {
        match self.to_attribute() {
            Ok(AttributeValue::M(inner)) => map.extend(inner),
            Ok(other) => violations.extend(attribute::mismatch(&other, Self::schema())),
            Err(problems) => violations.extend(problems),
        }
    }
    /// Decodes a `#[structnosql(flatten)]` field of this type from the attributes of the enclosing
    /// `map` that belong to it; problems are collected, `None` returned.
    #[doc(hidden)]
    fn __decode_flattened(map: &mut Item, violations: &mut Violations) -> Option<Self> {
        let fields = Self::model_schema().fields();
        let mut inner = HashMap::with_capacity(fields.len());
        for field in fields {
            if let Some(value) = map.remove(field.name()) {
                inner.insert(field.name().to_owned(), value);
            }
        }
        match Self::from_attribute(AttributeValue::M(inner)) {
            Ok(value) => Some(value),
            Err(problems) => {
                violations.extend(problems);
                None
            }
        }
    }
}

/// A record as a DynamoDB item: encoded, write-transformed, checked (its fields' custom checks only
/// when `checks` says so), with every problem reported with its path.
pub(crate) fn record_item<M: TableDataModel>(
    record: &M,
    checks: transform::Checks,
) -> Result<Item> {
    let root = DocumentPath::root();
    let (encoded, problems) = record.__encode_parts();
    let item = match encoded {
        Some(AttributeValue::M(item)) => item,
        Some(other) => {
            return Err(Error::validation_at(
                &root,
                attribute::mismatch(&other, M::schema()),
            ))
        }
        None => return Err(Error::validation_at(&root, problems)),
    };
    // The checks run on the fields that did encode, so that one error names every problem.
    let checked = transform::item(M::model_schema(), item, transform::Direction::Write(checks));
    let mut violations: Vec<Violation> = problems.at(&root).into_iter().collect();
    let item = match checked {
        Ok(item) => item,
        Err(Error::Validation { violations: found }) => {
            violations.extend(found);
            return Err(Error::Validation { violations });
        }
        Err(other) => return Err(other),
    };
    if !violations.is_empty() {
        return Err(Error::Validation { violations });
    }
    for (name, value) in &item {
        crate::model::validation::check_attribute_depth(name, value)?;
    }
    Ok(item)
}

/// A struct stored as a whole DynamoDB record. Implement it with `#[derive(TableDataModel)]`.
pub trait TableDataModel: MapModel {
    /// The entity the model is, with `#[structnosql(entity = "...")]` (see [`crate::entity`]).
    #[doc(hidden)]
    fn entity_schema() -> Option<&'static crate::entity::EntitySchema> {
        None
    }

    /// The record as a DynamoDB item, checked: every problem is reported with its path.
    fn to_item(&self) -> Result<Item> {
        record_item(self, transform::Checks::Run)
    }

    /// Checks the record as a write would, without converting it for good.
    fn validate(&self) -> Result<()> {
        self.to_item().map(drop)
    }

    /// The record from a DynamoDB item. Attributes the model does not know are ignored; anything else
    /// that does not match the model is an [`Error::InvalidStoredData`] naming every offending path.
    fn from_item(item: Item) -> Result<Self> {
        let item = transform::item(Self::model_schema(), item, transform::Direction::Read)?;
        Self::from_attribute(AttributeValue::M(item))
            .map_err(|violations| Error::stored_data_at(&DocumentPath::root(), violations))
    }

    /// The record from a DynamoDB item, leniently: invalid optional fields, map entries and list items
    /// are dropped and reported in [`Lenient::dropped`]. A missing or invalid required field is still an
    /// error.
    fn from_item_lenient(item: Item) -> Result<Lenient<Self>> {
        let item = transform::item(Self::model_schema(), item, transform::Direction::Read)?;
        let lenient = decode_lenient::<Self>(AttributeValue::M(item), &DocumentPath::root())?;
        match lenient.value {
            Some(value) => Ok(Lenient {
                value,
                dropped: lenient.dropped,
            }),
            None => Err(Error::InvalidStoredData {
                violations: lenient.dropped,
            }),
        }
    }
}

/// A value read leniently, and what was dropped from it because it did not match the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Lenient<T> {
    /// What could be read.
    pub value: T,
    /// The parts left out, each with its path and the reason.
    pub dropped: Vec<Violation>,
}

/// Reads a value stored at `base` leniently (see [`TableDataModel::from_item_lenient`]). An invalid
/// value of an optional type reads as `None`; of a required type, it is an error.
pub fn decode_lenient<T: Attribute>(
    value: AttributeValue,
    base: &DocumentPath,
) -> Result<Lenient<Option<T>>> {
    let pruned = crate::model::validation::prune_read(T::schema(), value);
    let dropped: Vec<Violation> = pruned.dropped.at(base).into_iter().collect();
    match pruned.value {
        Some(value) => {
            let value = T::from_attribute(value)
                .map_err(|violations| Error::stored_data_at(base, violations))?;
            Ok(Lenient {
                value: Some(value),
                dropped,
            })
        }
        None if T::schema().is_optional() => Ok(Lenient {
            value: None,
            dropped,
        }),
        None => Err(Error::InvalidStoredData {
            violations: dropped,
        }),
    }
}
