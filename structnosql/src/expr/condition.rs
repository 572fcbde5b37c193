//! Conditions (filter and condition expressions) built from typed or concrete paths, rendered with
//! placeholders.

use aws_sdk_dynamodb::types::AttributeValue;

use super::Placeholders;
use crate::error::{Error, Result};
use crate::model::Attribute;
use crate::path::{DocumentPath, TypedPath};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Comparison {
    fn operator(self) -> &'static str {
        match self {
            Comparison::Eq => "=",
            Comparison::Ne => "<>",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
        }
    }
}

/// A condition on the values of a record.
///
/// ```
/// # use structnosql::expr::Condition;
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)] struct Movie { id: String, rating: Option<f64>, name: Option<String> }
/// let f = Movie::fields();
/// let good_and_named = Condition::gt(f.rating(), 8.0).and(Condition::exists(f.name()));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `path <op> value`.
    Compare(DocumentPath, Comparison, AttributeValue),
    /// `path BETWEEN low AND high`.
    Between(DocumentPath, AttributeValue, AttributeValue),
    /// `begins_with(path, prefix)`.
    BeginsWith(DocumentPath, AttributeValue),
    /// `contains(path, value)`.
    Contains(DocumentPath, AttributeValue),
    /// `attribute_exists(path)`.
    Exists(DocumentPath),
    /// `attribute_not_exists(path)`.
    NotExists(DocumentPath),
    /// Both.
    And(Box<Condition>, Box<Condition>),
    /// Either.
    Or(Box<Condition>, Box<Condition>),
    /// The opposite.
    Not(Box<Condition>),
    /// A value that could not be converted; reported when the condition is used.
    Invalid(String),
}

fn encode<V: Attribute>(value: V) -> std::result::Result<AttributeValue, String> {
    value
        .to_attribute()
        .map_err(|violations| violations.to_string())
}

macro_rules! comparison {
    ($($name:ident => $op:ident),*) => {$(
        #[doc = concat!("`path ", stringify!($op), " value`.")]
        pub fn $name<P: TypedPath>(path: P, value: impl Into<P::Value>) -> Self {
            match encode(value.into()) {
                Ok(value) => Condition::Compare(path.document_path().clone(), Comparison::$op, value),
                Err(message) => Condition::Invalid(message),
            }
        }
    )*};
}

impl Condition {
    comparison!(eq => Eq, ne => Ne, lt => Lt, le => Le, gt => Gt, ge => Ge);

    /// `low <= path <= high`.
    pub fn between<P: TypedPath>(
        path: P,
        low: impl Into<P::Value>,
        high: impl Into<P::Value>,
    ) -> Self {
        match (encode(low.into()), encode(high.into())) {
            (Ok(low), Ok(high)) => Condition::Between(path.document_path().clone(), low, high),
            (Err(message), _) | (_, Err(message)) => Condition::Invalid(message),
        }
    }

    /// The string (or bytes) at `path` starts with `prefix`.
    pub fn begins_with<P: TypedPath>(path: P, prefix: impl Into<P::Value>) -> Self {
        match encode(prefix.into()) {
            Ok(prefix) => Condition::BeginsWith(path.document_path().clone(), prefix),
            Err(message) => Condition::Invalid(message),
        }
    }

    /// The string at `path` contains `part`, or the set or list there holds `part`.
    pub fn contains<P: TypedPath, V: Attribute>(path: P, part: V) -> Self {
        match encode(part) {
            Ok(part) => Condition::Contains(path.document_path().clone(), part),
            Err(message) => Condition::Invalid(message),
        }
    }

    /// A value is stored at `path`.
    pub fn exists(path: impl TypedPath) -> Self {
        Condition::Exists(path.document_path().clone())
    }

    /// Nothing is stored at `path`.
    pub fn not_exists(path: impl TypedPath) -> Self {
        Condition::NotExists(path.document_path().clone())
    }

    /// Both conditions hold.
    pub fn and(self, other: Condition) -> Self {
        Condition::And(Box::new(self), Box::new(other))
    }

    /// Either condition holds.
    pub fn or(self, other: Condition) -> Self {
        Condition::Or(Box::new(self), Box::new(other))
    }

    /// The condition does not hold.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Condition::Not(Box::new(self))
    }

    /// The expression, with names and values added to `placeholders`.
    pub fn render(&self, placeholders: &mut Placeholders) -> Result<String> {
        Ok(match self {
            Condition::Compare(path, op, value) => {
                let path = placeholders.path(path);
                let value = placeholders.value(value.clone());
                format!("{path} {} {value}", op.operator())
            }
            Condition::Between(path, low, high) => {
                let path = placeholders.path(path);
                let low = placeholders.value(low.clone());
                let high = placeholders.value(high.clone());
                format!("{path} BETWEEN {low} AND {high}")
            }
            Condition::BeginsWith(path, prefix) => {
                let path = placeholders.path(path);
                let prefix = placeholders.value(prefix.clone());
                format!("begins_with({path}, {prefix})")
            }
            Condition::Contains(path, part) => {
                let path = placeholders.path(path);
                let part = placeholders.value(part.clone());
                format!("contains({path}, {part})")
            }
            Condition::Exists(path) => format!("attribute_exists({})", placeholders.path(path)),
            Condition::NotExists(path) => {
                format!("attribute_not_exists({})", placeholders.path(path))
            }
            Condition::And(a, b) => format!(
                "({}) AND ({})",
                a.render(placeholders)?,
                b.render(placeholders)?
            ),
            Condition::Or(a, b) => format!(
                "({}) OR ({})",
                a.render(placeholders)?,
                b.render(placeholders)?
            ),
            Condition::Not(inner) => format!("NOT ({})", inner.render(placeholders)?),
            Condition::Invalid(message) => {
                return Err(Error::Validation {
                    violations: vec![crate::model::Violation {
                        path: DocumentPath::root(),
                        message: format!("invalid value in a condition: {message}"),
                    }],
                })
            }
        })
    }
}
