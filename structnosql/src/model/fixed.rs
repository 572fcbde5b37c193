//! `Attribute` for fixed-size arrays and tuples: lists of a fixed length, read and written whole.
//!
//! | Type | Stored as |
//! |---|---|
//! | `[T; N]` | as `Vec<T>` (`L`, or `B` for `[u8; N]`), of exactly `N` items |
//! | `(A, B)`, `(A, B, C)`, `(A, B, C, D)` | `L` of one item per element, each stored as its type |
//!
//! A stored value of another length is refused, on write by string path and on read. Their paths are
//! whole-value paths (an item written alone could change the length).

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use aws_sdk_dynamodb::types::AttributeValue;

use super::validation::check_write;
use super::{Attribute, CustomSchema, TypeSchema, Violations};
use crate::path::{FieldPath, ListPath, Segment};

/// The schema of the generic type `S`, made once and kept for the program's life: a static in a
/// generic function is shared by all its instances, so generic types keep theirs here.
fn schema_of<S: 'static>(make: impl FnOnce() -> CustomSchema) -> &'static CustomSchema {
    static SCHEMAS: OnceLock<RwLock<HashMap<TypeId, &'static CustomSchema>>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(RwLock::default);
    let id = TypeId::of::<S>();
    let known = schemas
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&id)
        .copied();
    if let Some(schema) = known {
        return schema;
    }
    let mut schemas = schemas
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let schema: &'static CustomSchema = schemas
        .entry(id)
        .or_insert_with(|| Box::leak(Box::new(make())));
    schema
}

/// The number of items of a stored list or byte string.
fn stored_len(value: &AttributeValue) -> Option<usize> {
    match value {
        AttributeValue::L(items) => Some(items.len()),
        AttributeValue::B(bytes) => Some(bytes.as_ref().len()),
        _ => None,
    }
}

/// The message for a stored list of `len` items where `expected` are.
fn wrong_len(len: usize, expected: usize) -> String {
    let items = if len == 1 { "item" } else { "items" };
    format!("{len} {items} where exactly {expected} are expected")
}

fn check_len<const N: usize>(value: &AttributeValue) -> Result<(), String> {
    match stored_len(value) {
        Some(len) if len != N => Err(wrong_len(len, N)),
        _ => Ok(()),
    }
}

impl<T: Attribute, const N: usize> Attribute for [T; N] {
    type Accessor = FieldPath<Self>;
    type ListAccessor = ListPath<Vec<Self>, Self>;
    const DEPTH: usize = T::__LIST_DEPTH;
    fn schema() -> TypeSchema {
        TypeSchema::Custom(schema_of::<Self>(|| {
            let name = format!("a list of exactly {N} items");
            CustomSchema::new(
                Box::leak(name.into_boxed_str()),
                T::__list_schema(),
                check_len::<N>,
            )
        }))
    }
    fn to_attribute(&self) -> Result<AttributeValue, Violations> {
        T::__list_to_attribute(self)
    }
    fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
        let items = T::__list_from_attribute(value)?;
        let len = items.len();
        items
            .try_into()
            .map_err(|_| Violations::new(wrong_len(len, N)))
    }
}

/// Checks the stored `items[index]` against `T`, naming its position.
fn check_item<T: Attribute>(items: &[AttributeValue], index: usize) -> Result<(), String> {
    match items.get(index) {
        Some(item) => check_write(T::schema(), item)
            .map_err(|violations| violations.inside(Segment::Index(index)).to_string()),
        None => Err(format!("no item {index}")),
    }
}

macro_rules! tuple_attribute {
    ($len:literal: $($name:ident $var:ident $index:tt),+) => {
        impl<$($name: Attribute),+> Attribute for ($($name,)+) {
            type Accessor = FieldPath<Self>;
            type ListAccessor = ListPath<Vec<Self>, Self>;
            const DEPTH: usize = 1 + {
                let mut deepest = 0;
                $(if $name::DEPTH > deepest { deepest = $name::DEPTH; })+
                deepest
            };
            fn schema() -> TypeSchema {
                fn check<$($name: Attribute),+>(value: &AttributeValue) -> Result<(), String> {
                    let AttributeValue::L(items) = value else {
                        return Err("expected a list".into());
                    };
                    if items.len() != $len {
                        return Err(wrong_len(items.len(), $len));
                    }
                    $(check_item::<$name>(items, $index)?;)+
                    Ok(())
                }
                TypeSchema::Custom(schema_of::<Self>(|| {
                    let name = format!("a list of exactly {} items", $len);
                    CustomSchema::new(Box::leak(name.into_boxed_str()), TypeSchema::Any, check::<$($name),+>)
                }))
            }
            fn to_attribute(&self) -> Result<AttributeValue, Violations> {
                let mut items = Vec::with_capacity($len);
                let mut violations = Violations::default();
                $(match self.$index.to_attribute() {
                    Ok(item) => items.push(item),
                    Err(error) => violations.extend(error.inside(Segment::Index($index))),
                })+
                violations.into_result(AttributeValue::L(items))
            }
            fn from_attribute(value: AttributeValue) -> Result<Self, Violations> {
                let AttributeValue::L(items) = value else {
                    return Err(Violations::new("expected a list"));
                };
                if items.len() != $len {
                    return Err(Violations::new(wrong_len(items.len(), $len)));
                }
                let mut items = items.into_iter();
                let mut violations = Violations::default();
                let decoded = ($(
                    items.next().and_then(|item| match $name::from_attribute(item) {
                        Ok(value) => Some(value),
                        Err(error) => {
                            violations.extend(error.inside(Segment::Index($index)));
                            None
                        }
                    }),
                )+);
                match decoded {
                    ($(Some($var),)+) if violations.is_empty() => Ok(($($var,)+)),
                    _ => Err(violations),
                }
            }
        }
    };
}

tuple_attribute!(2: A a 0, B b 1);
tuple_attribute!(3: A a 0, B b 1, C c 2);
tuple_attribute!(4: A a 0, B b 1, C c 2, D d 3);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_values::{n, refused, round_trip, s};

    #[test]
    fn arrays_are_lists_of_their_length_and_byte_arrays_bytes() {
        let items = vec![
            1.5_f64.to_attribute().unwrap(),
            (-2.0_f64).to_attribute().unwrap(),
        ];
        assert_eq!(round_trip([1.5_f64, -2.0]), AttributeValue::L(items));
        assert!(matches!(round_trip([7_u8; 4]), AttributeValue::B(_)));

        let three = AttributeValue::L(vec![n("1"), n("2"), n("3")]);
        let message = refused::<[f64; 2]>(three);
        assert!(message.contains("3 items where exactly 2"), "{message}");
        let wrong_item = AttributeValue::L(vec![n("1"), s("x")]);
        let message = refused::<[f64; 2]>(wrong_item);
        assert!(message.contains("[1]"), "{message}");
        assert_eq!(
            <[i32; 0]>::from_attribute(AttributeValue::L(vec![])).unwrap(),
            [0_i32; 0]
        );
        assert_eq!(<[[i64; 2]; 2]>::DEPTH, 3);
    }

    #[test]
    fn tuples_are_lists_of_their_elements() {
        assert_eq!(
            round_trip(("ada".to_owned(), 36_u8)),
            AttributeValue::L(vec![s("ada"), n("36")])
        );
        round_trip((1_i64, true, vec![2.5_f64]));

        let swapped = AttributeValue::L(vec![n("36"), s("ada")]);
        let error = <(String, u8)>::from_attribute(swapped.clone()).unwrap_err();
        assert_eq!(error.iter().count(), 2, "{error}");
        let message = refused::<(String, u8)>(swapped);
        assert!(message.contains("[0]"), "{message}");
        refused::<(String, u8)>(AttributeValue::L(vec![s("ada")]));
        assert!(<(String, u8)>::from_attribute(n("1")).is_err());
        assert_eq!(
            <(u8, u16)>::schema().describe(),
            "a list of exactly 2 items"
        );
    }
}
