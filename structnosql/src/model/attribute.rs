//! [`Attribute`]: how a Rust type is stored in DynamoDB, and its implementations for the standard types.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::number;
use super::schema::{FloatKind, IntegerKind, NumberKind, TypeSchema};
use super::violation::Violations;
use crate::path::{AnyPath, FieldPath, FromPath, ListPath, MapPath, Segment};

/// A Rust type that can be stored as a DynamoDB attribute value.
///
/// Implemented for `String`, `bool`, every integer type up to `i128`/`u128`, `f32`, `f64`, `Vec<u8>`
/// (stored as binary), `Option<T>`, `Box<T>`, `Vec<T>` (a list), `HashMap`/`BTreeMap<String, T>` (a map),
/// `HashSet`/`BTreeSet` of strings, integers or byte strings (DynamoDB sets), `serde_json::Value`
/// (free-form data), and every type with `#[derive(MapModel)]`, `#[derive(TableDataModel)]` or
/// `#[derive(StringEnum)]`.
///
/// Conversions never panic: a value DynamoDB cannot store (NaN, more than 38 digits, an empty set) or a
/// stored value that does not fit the type is reported as [`Violations`] naming the path.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in DynamoDB by structnosql",
    label = "not a structnosql attribute type",
    note = "supported: String, bool, integers, f32/f64, Vec<u8>, Option, Box, Arc, Vec, HashMap/BTreeMap<String, _>, \
            sets of strings, integers or bytes, serde_json::Value, char, Duration, SystemTime, IP addresses, \
            NonZero integers, Cow<'static, str>, arrays [T; N], tuples of 2 to 4, EpochSeconds<T>, Serde<T>, the uuid, chrono, time, rust_decimal \
            and url types (with the cargo feature named after their crate), and types deriving MapModel, \
            TableDataModel, StringEnum or Attribute"
)]
pub trait Attribute: Sized + Send + Sync + 'static {
    /// The typed-path accessor for a value of this type: [`FieldPath`] for plain values, [`MapPath`] and
    /// [`ListPath`] for maps and lists, the generated `…Fields` type for models.
    type Accessor: FromPath;
    /// The accessor of `Vec<Self>` (binary for `u8`, a list otherwise).
    #[doc(hidden)]
    type ListAccessor: FromPath;

    /// Whether items of this type are addressed by key or index (maps, lists, sets).
    const CONTAINER: bool = false;
    /// How many levels of nesting a value of this type occupies (a plain value is 1).
    const DEPTH: usize = 1;

    /// What the value looks like in DynamoDB.
    fn schema() -> TypeSchema;
    /// The value as DynamoDB stores it.
    fn to_attribute(&self) -> Result<AttributeValue, Violations>;
    /// The value from its stored form.
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations>;

    /// The value of a struct field whose attribute is absent: an error unless the type is optional.
    #[doc(hidden)]
    fn __when_absent() -> Result<Self, Violations> {
        Err(Violations::new("required attribute is missing"))
    }
    /// Whether a struct field holding this value is left out of the item (`None`).
    #[doc(hidden)]
    fn __is_absent(&self) -> bool {
        false
    }
    // What generated code does with a struct field's value is made of trait methods, not generic
    // functions: it calls them as `<T as Attribute>::…`, as every other use of a field's type, so
    // that an unsupported type is one compile error, not one per use.

    /// The value encoded as far as it could be, and the problems found: a model's map holds the
    /// fields that encoded, so that checks on them can report their problems along with the others.
    #[doc(hidden)]
    fn __encode_parts(&self) -> (Option<AttributeValue>, Violations) {
        match self.to_attribute() {
            Ok(value) => (Some(value), Violations::default()),
            Err(problems) => (None, problems),
        }
    }
    /// Encodes a struct field holding this value into the struct's `map`; a `None` is left out,
    /// or stored as `NULL` when `keep_none` (`#[structnosql(none_as_null)]`). Custom checks run later, on the stored form of the whole value written.
    #[doc(hidden)]
    fn __encode_field(
        &self,
        map: &mut HashMap<String, AttributeValue>,
        violations: &mut Violations,
        name: &'static str,
        keep_none: bool,
    ) {
        if self.__is_absent() && !keep_none {
            return;
        }
        match self.to_attribute() {
            Ok(encoded) => {
                map.insert(name.to_owned(), encoded);
            }
            Err(problems) => violations.extend(problems.inside(Segment::Field(name))),
        }
    }
    /// Decodes a struct field of this type from the struct's stored `map`; problems are collected,
    /// `None` returned.
    #[doc(hidden)]
    fn __decode_field(
        map: &mut HashMap<String, AttributeValue>,
        violations: &mut Violations,
        name: &'static str,
    ) -> Option<Self> {
        let decoded = match map.remove(name) {
            Some(value) => Self::from_attribute(value),
            None => Self::__when_absent(),
        };
        match decoded {
            Ok(value) => Some(value),
            Err(problems) => {
                violations.extend(problems.inside(Segment::Field(name)));
                None
            }
        }
    }
    /// The stored-form check of a field of this type with a custom check: decode, then check.
    #[doc(hidden)]
    fn __check_stored(value: &AttributeValue, check: FieldCheck<Self>) -> Result<(), String> {
        let decoded =
            Self::from_attribute(value.clone()).map_err(|problems| problems.to_string())?;
        check(&decoded)
    }
    /// The stored-form wrapper of a field transformer on this type: decodes a value, applies
    /// `transform`, encodes the result. `NULL` and values of another type are returned unchanged.
    #[doc(hidden)]
    fn __transform_stored(
        value: AttributeValue,
        transform: fn(Self) -> Self,
    ) -> Result<AttributeValue, String> {
        if matches!(value, AttributeValue::Null(_)) {
            return Ok(value);
        }
        match Self::from_attribute(value.clone()) {
            Ok(decoded) => transform(decoded)
                .to_attribute()
                .map_err(|problems| problems.to_string()),
            Err(_) => Ok(value),
        }
    }
    /// The stored form of a field's default value (`None` for an absent `None`).
    #[doc(hidden)]
    fn __encode_default(&self) -> Result<Option<AttributeValue>, String> {
        if self.__is_absent() {
            return Ok(None);
        }
        self.to_attribute()
            .map(Some)
            .map_err(|problems| problems.to_string())
    }
    #[doc(hidden)]
    const __LIST_CONTAINER: bool = true;
    #[doc(hidden)]
    const __LIST_DEPTH: usize = 1 + Self::DEPTH;
    #[doc(hidden)]
    fn __list_schema() -> TypeSchema {
        TypeSchema::List(Self::schema)
    }
    #[doc(hidden)]
    fn __list_to_attribute(items: &[Self]) -> Result<AttributeValue, Violations> {
        let mut values = Vec::with_capacity(items.len());
        let mut violations = Violations::default();
        for (index, item) in items.iter().enumerate() {
            match item.to_attribute() {
                Ok(value) => values.push(value),
                Err(error) => violations.extend(error.inside(Segment::Index(index))),
            }
        }
        violations.into_result(AttributeValue::L(values))
    }
    #[doc(hidden)]
    fn __list_from_attribute(value: AttributeValue) -> Result<Vec<Self>, Violations> {
        let AttributeValue::L(values) = value else {
            return Err(mismatch(&value, Self::__list_schema()));
        };
        collect_items(values.into_iter().enumerate(), |index| {
            Segment::Index(index)
        })
    }
}

/// A struct field's custom check, on its Rust value.
pub(crate) type FieldCheck<T> = fn(&T) -> Result<(), String>;

/// Decodes every item, collecting all problems.
fn collect_items<K, T: Attribute, C: FromIterator<T>>(
    items: impl Iterator<Item = (K, AttributeValue)>,
    segment: impl Fn(K) -> Segment,
) -> Result<C, Violations> {
    let mut violations = Violations::default();
    let collected: Vec<T> = items
        .filter_map(|(key, value)| match T::from_attribute(value) {
            Ok(item) => Some(item),
            Err(error) => {
                violations.extend(error.inside(segment(key)));
                None
            }
        })
        .collect();
    violations.into_result(collected.into_iter().collect())
}

/// The problem of a stored value of the wrong kind.
pub(crate) fn mismatch(value: &AttributeValue, expected: TypeSchema) -> Violations {
    Violations::new(format!(
        "expected {}, found {}",
        expected.describe(),
        describe_value(value)
    ))
}

/// A short description of a stored value's kind.
pub(crate) fn describe_value(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "a string",
        AttributeValue::N(_) => "a number",
        AttributeValue::B(_) => "bytes",
        AttributeValue::Bool(_) => "a boolean",
        AttributeValue::Null(_) => "null",
        AttributeValue::M(_) => "a map",
        AttributeValue::L(_) => "a list",
        AttributeValue::Ss(_) => "a string set",
        AttributeValue::Ns(_) => "a number set",
        AttributeValue::Bs(_) => "a binary set",
        _ => "an unknown kind of value",
    }
}

impl Attribute for String {
    type Accessor = FieldPath<Self>;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    fn schema() -> TypeSchema {
        TypeSchema::String
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        Ok(AttributeValue::S(self.clone()))
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        match value {
            AttributeValue::S(text) => Ok(text),
            other => Err(mismatch(&other, TypeSchema::String)),
        }
    }
}

impl Attribute for bool {
    type Accessor = FieldPath<Self>;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    fn schema() -> TypeSchema {
        TypeSchema::Bool
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        Ok(AttributeValue::Bool(*self))
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        match value {
            AttributeValue::Bool(flag) => Ok(flag),
            other => Err(mismatch(&other, TypeSchema::Bool)),
        }
    }
}

macro_rules! integer_attribute {
    ($($ty:ty => $kind:ident),* $(,)?) => {$(
        impl Attribute for $ty {
            type Accessor = FieldPath<Self>;
            type ListAccessor = ListPath<Vec<Self>, Self>;
            fn schema() -> TypeSchema {
                TypeSchema::Integer(IntegerKind::$kind)
            }
            fn to_attribute(&self) -> Result<AttributeValue, Violations> {
                number::encode_integer(*self).map(AttributeValue::N).map_err(Violations::new)
            }
            fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
                match value {
                    AttributeValue::N(text) => number::decode_integer(&text).map_err(Violations::new),
                    other => Err(mismatch(&other, Self::schema())),
                }
            }
        }
        impl SetElement for $ty {
            fn set_schema() -> TypeSchema {
                TypeSchema::NumberSet(NumberKind::Integer(IntegerKind::$kind))
            }
            fn encode_set<'a>(items: impl Iterator<Item = &'a Self>) -> Result<AttributeValue, Violations> {
                let texts = items
                    .map(|item| number::encode_integer(*item).map_err(Violations::new))
                    .collect::<Result<Vec<_>, _>>()?;
                non_empty_set(texts, AttributeValue::Ns)
            }
            fn decode_set(value: AttributeValue) -> Result<Vec<Self>, Violations> {
                match value {
                    AttributeValue::Ns(texts) => texts
                        .iter()
                        .map(|text| number::decode_integer(text).map_err(Violations::new))
                        .collect(),
                    other => Err(mismatch(&other, Self::set_schema())),
                }
            }
        }
    )*};
}

integer_attribute!(
    i8 => I8, i16 => I16, i32 => I32, i64 => I64, i128 => I128, isize => Isize,
    u16 => U16, u32 => U32, u64 => U64, u128 => U128, usize => Usize,
);

/// `u8` is an integer on its own, and `Vec<u8>` is bytes (`B`), not a list of numbers.
impl Attribute for u8 {
    type Accessor = FieldPath<Self>;
    type ListAccessor = FieldPath<Vec<u8>>;
    const __LIST_CONTAINER: bool = false;
    const __LIST_DEPTH: usize = 1;
    fn schema() -> TypeSchema {
        TypeSchema::Integer(IntegerKind::U8)
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        Ok(AttributeValue::N(self.to_string()))
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        match value {
            AttributeValue::N(text) => number::decode_integer(&text).map_err(Violations::new),
            other => Err(mismatch(&other, Self::schema())),
        }
    }
    fn __list_schema() -> TypeSchema {
        TypeSchema::Binary
    }
    fn __list_to_attribute(items: &[Self]) -> Result<AttributeValue, Violations> {
        Ok(AttributeValue::B(Blob::new(items)))
    }
    fn __list_from_attribute(value: AttributeValue) -> Result<Vec<Self>, Violations> {
        match value {
            AttributeValue::B(blob) => Ok(blob.into_inner()),
            other => Err(mismatch(&other, TypeSchema::Binary)),
        }
    }
}

impl SetElement for u8 {
    fn set_schema() -> TypeSchema {
        TypeSchema::NumberSet(NumberKind::Integer(IntegerKind::U8))
    }
    fn encode_set<'a>(items: impl Iterator<Item = &'a Self>) -> Result<AttributeValue, Violations> {
        non_empty_set(items.map(u8::to_string).collect(), AttributeValue::Ns)
    }
    fn decode_set(value: AttributeValue) -> Result<Vec<Self>, Violations> {
        match value {
            AttributeValue::Ns(texts) => texts
                .iter()
                .map(|text| number::decode_integer(text).map_err(Violations::new))
                .collect(),
            other => Err(mismatch(&other, Self::set_schema())),
        }
    }
}

macro_rules! float_attribute {
    ($($ty:ty => $kind:ident),*) => {$(
        impl Attribute for $ty {
            type Accessor = FieldPath<Self>;
            type ListAccessor = ListPath<Vec<Self>, Self>;
            fn schema() -> TypeSchema {
                TypeSchema::Float(FloatKind::$kind)
            }
            fn to_attribute(&self) -> Result<AttributeValue, Violations> {
                number::encode_float(f64::from(*self), *self)
                    .map(AttributeValue::N)
                    .map_err(Violations::new)
            }
            fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
                match value {
                    AttributeValue::N(text) => number::decode_float(&text).map_err(Violations::new),
                    other => Err(mismatch(&other, Self::schema())),
                }
            }
        }
    )*};
}

float_attribute!(f32 => F32, f64 => F64);

impl<T: Attribute> Attribute for Option<T> {
    type Accessor = T::Accessor;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    const CONTAINER: bool = T::CONTAINER;
    const DEPTH: usize = T::DEPTH;
    fn schema() -> TypeSchema {
        TypeSchema::Optional(T::schema)
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        match self {
            Some(value) => value.to_attribute(),
            None => Ok(AttributeValue::Null(true)),
        }
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        match value {
            AttributeValue::Null(_) => Ok(None),
            other => T::from_attribute(other).map(Some),
        }
    }
    fn __when_absent() -> Result<Self, Violations> {
        Ok(None)
    }
    fn __is_absent(&self) -> bool {
        self.is_none()
    }
}

/// `Attribute` for the smart pointers: stored as what they point to.
macro_rules! pointer_attribute {
    ($($pointer:ident),*) => {$(
        impl<T: Attribute> Attribute for $pointer<T> {
            type Accessor = T::Accessor;
            type ListAccessor = ListPath<Vec<Self>, Self>;
            const CONTAINER: bool = T::CONTAINER;
            const DEPTH: usize = T::DEPTH;
            fn schema() -> TypeSchema {
                T::schema()
            }
            fn to_attribute(&self) -> Result<AttributeValue, Violations> {
                T::to_attribute(self)
            }
            fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
                T::from_attribute(value).map($pointer::new)
            }
            fn __when_absent() -> Result<Self, Violations> {
                T::__when_absent().map($pointer::new)
            }
            fn __is_absent(&self) -> bool {
                T::__is_absent(self)
            }
        }
    )*};
}

pointer_attribute!(Box, Arc);

impl<T: Attribute> Attribute for Vec<T> {
    type Accessor = T::ListAccessor;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    const CONTAINER: bool = T::__LIST_CONTAINER;
    const DEPTH: usize = T::__LIST_DEPTH;
    fn schema() -> TypeSchema {
        T::__list_schema()
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        T::__list_to_attribute(self)
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        T::__list_from_attribute(value)
    }
}

/// DynamoDB attribute names, map keys included, are 1 byte to 64 KB long.
pub(crate) const EMPTY_KEY: &str = "DynamoDB does not accept an empty map key";

fn encode_map<'a, T: Attribute>(
    entries: impl Iterator<Item = (&'a String, &'a T)>,
) -> Result<AttributeValue, Violations> {
    let mut map = HashMap::new();
    let mut violations = Violations::default();
    for (key, value) in entries {
        if key.is_empty() {
            violations.extend(Violations::new(EMPTY_KEY).inside(Segment::Key("".into())));
            continue;
        }
        match value.to_attribute() {
            Ok(value) => {
                map.insert(key.clone(), value);
            }
            Err(error) => violations.extend(error.inside(Segment::Key(key.as_str().into()))),
        }
    }
    violations.into_result(AttributeValue::M(map))
}

fn decode_map<T: Attribute, C: FromIterator<(String, T)>>(
    value: AttributeValue,
    schema: TypeSchema,
) -> Result<C, Violations> {
    let AttributeValue::M(entries) = value else {
        return Err(mismatch(&value, schema));
    };
    let mut violations = Violations::default();
    let mut decoded = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        match T::from_attribute(value) {
            Ok(item) => decoded.push((key, item)),
            Err(error) => violations.extend(error.inside(Segment::Key(key.into()))),
        }
    }
    violations.into_result(decoded.into_iter().collect())
}

/// `HashMap` and `BTreeMap` with string keys are DynamoDB maps.
macro_rules! map_attribute {
    ($($map:ty => [$($bounds:tt)*]),*) => {$(
        impl<T: Attribute, $($bounds)*> Attribute for $map {
            type Accessor = MapPath<Self, T>;
            type ListAccessor = ListPath<Vec<Self>, Self>;
            const CONTAINER: bool = true;
            const DEPTH: usize = 1 + T::DEPTH;
            fn schema() -> TypeSchema {
                TypeSchema::Map(T::schema)
            }
            fn to_attribute(&self) -> Result<AttributeValue, Violations> {
                encode_map(self.iter())
            }
            fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
                decode_map(value, Self::schema())
            }
        }
    )*};
}

map_attribute!(
    HashMap<String, T, S> => [S: BuildHasher + Default + Send + Sync + 'static],
    BTreeMap<String, T> => []
);

/// A type that can be a member of a DynamoDB set: strings (`SS`), integers (`NS`), byte strings (`BS`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a member of a DynamoDB set",
    label = "not a set member type",
    note = "DynamoDB's sets hold strings, numbers or bytes: a set of String, an integer or Vec<u8>; \
            store other values in a Vec"
)]
pub trait SetElement: Sized + Send + Sync + 'static {
    /// The schema of a set of this type.
    fn set_schema() -> TypeSchema;
    /// The set's stored form; DynamoDB rejects empty sets.
    fn encode_set<'a>(items: impl Iterator<Item = &'a Self>) -> Result<AttributeValue, Violations>;
    /// The members from the stored form.
    fn decode_set(value: AttributeValue) -> Result<Vec<Self>, Violations>;
}

fn non_empty_set<T>(
    members: Vec<T>,
    wrap: fn(Vec<T>) -> AttributeValue,
) -> Result<AttributeValue, Violations> {
    if members.is_empty() {
        Err(Violations::new(
            "DynamoDB cannot store an empty set; make the field an Option and store None",
        ))
    } else {
        Ok(wrap(members))
    }
}

impl SetElement for String {
    fn set_schema() -> TypeSchema {
        TypeSchema::StringSet
    }
    fn encode_set<'a>(items: impl Iterator<Item = &'a Self>) -> Result<AttributeValue, Violations> {
        non_empty_set(items.cloned().collect(), AttributeValue::Ss)
    }
    fn decode_set(value: AttributeValue) -> Result<Vec<Self>, Violations> {
        match value {
            AttributeValue::Ss(members) => Ok(members),
            other => Err(mismatch(&other, TypeSchema::StringSet)),
        }
    }
}

impl SetElement for Vec<u8> {
    fn set_schema() -> TypeSchema {
        TypeSchema::BinarySet
    }
    fn encode_set<'a>(items: impl Iterator<Item = &'a Self>) -> Result<AttributeValue, Violations> {
        non_empty_set(
            items.map(|bytes| Blob::new(bytes.as_slice())).collect(),
            AttributeValue::Bs,
        )
    }
    fn decode_set(value: AttributeValue) -> Result<Vec<Self>, Violations> {
        match value {
            AttributeValue::Bs(members) => Ok(members.into_iter().map(Blob::into_inner).collect()),
            other => Err(mismatch(&other, TypeSchema::BinarySet)),
        }
    }
}

impl<T, S> Attribute for HashSet<T, S>
where
    T: SetElement + Eq + Hash,
    S: BuildHasher + Default + Send + Sync + 'static,
{
    type Accessor = FieldPath<Self>;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    const CONTAINER: bool = true;
    fn schema() -> TypeSchema {
        T::set_schema()
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        T::encode_set(self.iter())
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        T::decode_set(value).map(|members| members.into_iter().collect())
    }
}

impl<T: SetElement + Ord> Attribute for BTreeSet<T> {
    type Accessor = FieldPath<Self>;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    const CONTAINER: bool = true;
    fn schema() -> TypeSchema {
        T::set_schema()
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        T::encode_set(self.iter())
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        T::decode_set(value).map(|members| members.into_iter().collect())
    }
}

/// Free-form data of any shape (StructNoSQL's `dict` / `Any`), converted with `serde_dynamo`.
impl Attribute for serde_json::Value {
    type Accessor = AnyPath;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    const CONTAINER: bool = true;
    fn schema() -> TypeSchema {
        TypeSchema::Any
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        let value: AttributeValue =
            serde_dynamo::to_attribute_value(self).map_err(|e| Violations::new(e.to_string()))?;
        crate::model::validation::check_free_form(&value)?;
        Ok(value)
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        serde_dynamo::from_attribute_value(value).map_err(|e| Violations::new(e.to_string()))
    }
}

#[cfg(test)]
#[path = "attribute_tests.rs"]
mod tests;
