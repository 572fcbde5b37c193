//! Typed paths: `User::fields().tokens().key("t32").expiration_timestamp()` is a path whose value type
//! (`i64`) the compiler knows, so a typo or a wrong value type is a compile error.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::segment::{DocumentPath, Segment};
use crate::model::Attribute;

/// Builds an accessor for the value at a path. Implemented by every accessor type.
pub trait FromPath {
    /// The accessor for the value at `path`.
    fn from_path(path: DocumentPath) -> Self;
}

/// A path to a value of a known type, which reads and writes accept.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a path that can be written",
    label = "field updates and removes take a typed path from `<Model>::fields()`",
    note = "the path of a `#[structnosql(read_only)]` field can be read, not updated or removed; the whole record is written with `put_record`"
)]
pub trait TypedPath {
    /// The type of the value at the path.
    type Value: Attribute;
    /// The concrete path.
    fn document_path(&self) -> &DocumentPath;
    /// The concrete path, taken out of the accessor.
    fn into_document_path(self) -> DocumentPath
    where
        Self: Sized,
    {
        self.document_path().clone()
    }
    /// For a path resolved from a string ([`super::ModelPath`]): the resolution, whose schema values
    /// written are checked against (their type is only known at run time).
    #[doc(hidden)]
    fn __resolved(&self) -> Option<&super::ResolvedPath> {
        None
    }
}

/// A path that reads accept: every [`TypedPath`], and the [`ReadOnlyPath`] of a
/// `#[structnosql(read_only)]` field.
///
/// `get_field`, `get_fields`, `query_field`, `scan_field`, `batch_get_field`, [`Getters`] and
/// conditions take a `ReadablePath`; field updates and removes take a [`TypedPath`], which a
/// `ReadOnlyPath` is not, so writing a read-only field through its typed accessor does not compile.
/// Paths inside a read-only field (`.key()`, `.index()`, nested fields) and string paths are refused at
/// run time with [`Error::ReadOnly`](crate::Error::ReadOnly).
///
/// [`Getters`]: crate::table::Getters
pub trait ReadablePath {
    /// The type of the value at the path.
    type Value: Attribute;
    /// The concrete path.
    fn read_path(&self) -> &DocumentPath;
}

impl<P: TypedPath> ReadablePath for P {
    type Value = P::Value;
    fn read_path(&self) -> &DocumentPath {
        self.document_path()
    }
}

/// The path to a `#[structnosql(read_only)]` field: it reads like the path `P` (`get_field`,
/// `get_fields`, conditions, queries, and `P`'s own methods through `Deref`), but is not a
/// [`TypedPath`], so field updates and removes of it do not compile.
#[derive(Clone, PartialEq)]
pub struct ReadOnlyPath<P> {
    inner: P,
}

impl<P: TypedPath> ReadOnlyPath<P> {
    /// The concrete path.
    pub fn document_path(&self) -> &DocumentPath {
        self.inner.document_path()
    }
}

impl<P: FromPath> FromPath for ReadOnlyPath<P> {
    fn from_path(path: DocumentPath) -> Self {
        Self {
            inner: P::from_path(path),
        }
    }
}

impl<P: TypedPath> ReadablePath for ReadOnlyPath<P> {
    type Value = P::Value;
    fn read_path(&self) -> &DocumentPath {
        self.inner.document_path()
    }
}

impl<P> std::ops::Deref for ReadOnlyPath<P> {
    type Target = P;
    fn deref(&self) -> &P {
        &self.inner
    }
}

impl<P: fmt::Debug> fmt::Debug for ReadOnlyPath<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReadOnly({:?})", self.inner)
    }
}

/// A path to a plain value (string, number, bytes, set, enum) of type `T`.
pub struct FieldPath<T> {
    path: DocumentPath,
    value: PhantomData<fn() -> T>,
}

/// A path to a map of type `M` whose values are of type `V`; [`MapPath::key`] addresses one value.
pub struct MapPath<M, V> {
    path: DocumentPath,
    value: PhantomData<fn() -> (M, V)>,
}

/// A path to a list of type `L` whose items are of type `V`; [`ListPath::index`] addresses one item.
pub struct ListPath<L, V> {
    path: DocumentPath,
    value: PhantomData<fn() -> (L, V)>,
}

/// A path into free-form data (`serde_json::Value`), which can be followed by any key or index.
#[derive(Clone, PartialEq, Eq)]
pub struct AnyPath {
    path: DocumentPath,
}

impl<M, V: Attribute> MapPath<M, V> {
    /// The value under `key`. Any string is a valid key, dots and brackets included.
    pub fn key(&self, key: impl Into<Arc<str>>) -> V::Accessor {
        V::Accessor::from_path(self.path.child(Segment::Key(key.into())))
    }
}

impl<L, V: Attribute> ListPath<L, V> {
    /// The item at `index`.
    pub fn index(&self, index: usize) -> V::Accessor {
        V::Accessor::from_path(self.path.child(Segment::Index(index)))
    }
}

impl AnyPath {
    /// The value under `key`, if the data there is a map.
    pub fn key(&self, key: impl Into<Arc<str>>) -> AnyPath {
        AnyPath {
            path: self.path.child(Segment::Key(key.into())),
        }
    }

    /// The item at `index`, if the data there is a list.
    pub fn index(&self, index: usize) -> AnyPath {
        AnyPath {
            path: self.path.child(Segment::Index(index)),
        }
    }
}

macro_rules! path_type {
    ($name:ident < $($param:ident),* >, $value:ty) => {
        impl<$($param),*> FromPath for $name<$($param),*> {
            fn from_path(path: DocumentPath) -> Self {
                Self { path, value: PhantomData }
            }
        }
        impl<$($param),*> Clone for $name<$($param),*> {
            fn clone(&self) -> Self {
                Self { path: self.path.clone(), value: PhantomData }
            }
        }
        impl<$($param),*> PartialEq for $name<$($param),*> {
            fn eq(&self, other: &Self) -> bool {
                self.path == other.path
            }
        }
        impl<$($param),*> fmt::Debug for $name<$($param),*> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.path)
            }
        }
        impl<$($param),*> TypedPath for $name<$($param),*>
        where
            $value: Attribute,
        {
            type Value = $value;
            fn document_path(&self) -> &DocumentPath {
                &self.path
            }
            fn into_document_path(self) -> DocumentPath {
                self.path
            }
        }
    };
}

path_type!(FieldPath<T>, T);
path_type!(MapPath<M, V>, M);
path_type!(ListPath<L, V>, L);

impl FromPath for AnyPath {
    fn from_path(path: DocumentPath) -> Self {
        Self { path }
    }
}

impl fmt::Debug for AnyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyPath({})", self.path)
    }
}

impl TypedPath for AnyPath {
    type Value = serde_json::Value;
    fn document_path(&self) -> &DocumentPath {
        &self.path
    }
}

/// Several typed paths read or removed together: a tuple of [`ReadablePath`]s, whose values come back as a
/// tuple of `Option`s in the same order.
pub trait Selection {
    /// The values, one `Option` per path (`None` where nothing is stored).
    type Values;
    /// The paths, in order.
    fn document_paths(&self) -> Vec<&DocumentPath>;
    /// Decodes the values found at the paths, in order.
    fn decode(
        &self,
        values: Vec<Option<aws_sdk_dynamodb::types::AttributeValue>>,
    ) -> Result<Self::Values, crate::model::Violations>;
}

macro_rules! selection_tuple {
    ($($name:ident : $index:tt),+) => {
        impl<$($name: ReadablePath),+> Selection for ($($name,)+) {
            type Values = ($(Option<$name::Value>,)+);
            fn document_paths(&self) -> Vec<&DocumentPath> {
                vec![$(self.$index.read_path()),+]
            }
            fn decode(
                &self,
                values: Vec<Option<aws_sdk_dynamodb::types::AttributeValue>>,
            ) -> Result<Self::Values, crate::model::Violations> {
                let mut values = values.into_iter();
                let mut violations = crate::model::Violations::default();
                let decoded = ($(
                    match values.next().flatten().map(<$name::Value as Attribute>::from_attribute) {
                        None => None,
                        Some(Ok(value)) => Some(value),
                        Some(Err(error)) => {
                            violations.extend(error.at(self.$index.read_path()));
                            None
                        }
                    },
                )+);
                violations.into_result(decoded)
            }
        }
    };
}

selection_tuple!(A: 0);
selection_tuple!(A: 0, B: 1);
selection_tuple!(A: 0, B: 1, C: 2);
selection_tuple!(A: 0, B: 1, C: 2, D: 3);
selection_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4);
selection_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5);
selection_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6);
selection_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7);
selection_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8);
selection_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9);
selection_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9, K: 10);
selection_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9, K: 10, L: 11);
