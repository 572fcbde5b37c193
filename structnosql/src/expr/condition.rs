//! Conditions (filter and condition expressions) built from typed or string paths, rendered with
//! placeholders.

use aws_sdk_dynamodb::types::AttributeValue;

use super::Placeholders;
use crate::error::{Error, Result};
use crate::model::{Attribute, ModelSchema, Violation};
use crate::path::{DocumentPath, KeyValues, ReadablePath, StringPath};

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

/// The DynamoDB types `attribute_type` can check for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
    /// Boolean.
    Bool,
    /// Null.
    Null,
    /// Map.
    M,
    /// List.
    L,
    /// String set.
    Ss,
    /// Number set.
    Ns,
    /// Binary set.
    Bs,
}

impl AttributeType {
    fn code(self) -> &'static str {
        match self {
            AttributeType::S => "S",
            AttributeType::N => "N",
            AttributeType::B => "B",
            AttributeType::Bool => "BOOL",
            AttributeType::Null => "NULL",
            AttributeType::M => "M",
            AttributeType::L => "L",
            AttributeType::Ss => "SS",
            AttributeType::Ns => "NS",
            AttributeType::Bs => "BS",
        }
    }
}

/// Where a condition looks: a typed path, or a string path checked against the table's model when
/// the condition is used.
#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Typed(DocumentPath),
    String(StringPath),
}

/// A value in a condition: encoded already (typed paths), or waiting for the string path's type.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Encoded(AttributeValue),
    /// Encoded from the caller's value, to be checked against the type at the string path.
    Unchecked(AttributeValue),
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Compare(Operand, Comparison, Value),
    Between(Operand, Value, Value),
    In(Operand, Vec<Value>),
    BeginsWith(Operand, Value),
    Contains(Operand, AttributeValue),
    Size(Operand, Comparison, u64),
    Exists(Operand),
    NotExists(Operand),
    Type(Operand, AttributeType),
    /// Every one holds. Chains of `and` are one flat list, so that a long chain is not a deep tree
    /// (which rendering, cloning and dropping would walk recursively).
    And(Vec<Node>),
    /// One holds; flat like `And`.
    Or(Vec<Node>),
    Not(Box<Node>),
    /// A value that could not be converted; reported when the condition is used.
    Invalid(String),
}

/// A condition on the values of a record: a filter for queries and scans, or the condition of a
/// write. Built from typed paths (checked by the compiler) or string paths (checked against the
/// table's model when the condition is used), and rendered with placeholders only.
///
/// ```
/// # use structnosql::expr::Condition;
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)] struct Movie { id: String, rating: Option<f64>, name: Option<String> }
/// let f = Movie::fields();
/// let good_and_named = Condition::gt(f.rating(), 8.0).and(Condition::exists(f.name()));
/// let short_name = Condition::size(f.name()).lt(20);
/// let by_string_path = Condition::path("rating", &()).ge(7.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Condition(Node);

fn encode<V: Attribute>(value: V) -> std::result::Result<AttributeValue, String> {
    value
        .to_attribute()
        .map_err(|violations| violations.to_string())
}

fn typed(path: &impl ReadablePath) -> Operand {
    Operand::Typed(path.read_path().clone())
}

macro_rules! comparison {
    ($($name:ident => $op:ident),*) => {$(
        #[doc = concat!("`path ", stringify!($op), " value`.")]
        pub fn $name<P: ReadablePath>(path: P, value: impl Into<P::Value>) -> Self {
            match encode(value.into()) {
                Ok(value) => Self(Node::Compare(typed(&path), Comparison::$op, Value::Encoded(value))),
                Err(message) => Self(Node::Invalid(message)),
            }
        }
    )*};
}

impl Condition {
    comparison!(eq => Eq, ne => Ne, lt => Lt, le => Le, gt => Gt, ge => Ge);

    /// `low <= path <= high`.
    pub fn between<P: ReadablePath>(
        path: P,
        low: impl Into<P::Value>,
        high: impl Into<P::Value>,
    ) -> Self {
        match (encode(low.into()), encode(high.into())) {
            (Ok(low), Ok(high)) => Self(Node::Between(
                typed(&path),
                Value::Encoded(low),
                Value::Encoded(high),
            )),
            (Err(message), _) | (_, Err(message)) => Self(Node::Invalid(message)),
        }
    }

    /// The value at `path` is one of `values` (DynamoDB takes up to 100).
    pub fn is_in<P: ReadablePath, V: Into<P::Value>>(
        path: P,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let encoded: std::result::Result<Vec<Value>, String> = values
            .into_iter()
            .map(|value| encode(value.into()).map(Value::Encoded))
            .collect();
        match encoded {
            Ok(values) => Self(Node::In(typed(&path), values)),
            Err(message) => Self(Node::Invalid(message)),
        }
    }

    /// The string (or bytes) at `path` starts with `prefix`.
    pub fn begins_with<P: ReadablePath>(path: P, prefix: impl Into<P::Value>) -> Self {
        match encode(prefix.into()) {
            Ok(prefix) => Self(Node::BeginsWith(typed(&path), Value::Encoded(prefix))),
            Err(message) => Self(Node::Invalid(message)),
        }
    }

    /// The string at `path` contains `part`, or the set or list there holds `part`.
    pub fn contains<P: ReadablePath, V: Attribute>(path: P, part: V) -> Self {
        match encode(part) {
            Ok(part) => Self(Node::Contains(typed(&path), part)),
            Err(message) => Self(Node::Invalid(message)),
        }
    }

    /// A condition on the size of the value at `path` (string length, bytes, items of a set, list
    /// or map): `Condition::size(path).gt(3)`.
    pub fn size(path: impl ReadablePath) -> SizeOf {
        SizeOf(typed(&path))
    }

    /// A value is stored at `path`.
    pub fn exists(path: impl ReadablePath) -> Self {
        Self(Node::Exists(typed(&path)))
    }

    /// Nothing is stored at `path`.
    pub fn not_exists(path: impl ReadablePath) -> Self {
        Self(Node::NotExists(typed(&path)))
    }

    /// The value at `path` has the DynamoDB type `kind`.
    pub fn has_type(path: impl ReadablePath, kind: AttributeType) -> Self {
        Self(Node::Type(typed(&path), kind))
    }

    /// Conditions on a string path with its placeholder values (`"tokens.{{id}}.expiration"`),
    /// checked against the table's model, values included, when the condition is used.
    pub fn path(path: &str, keys: &(impl KeyValues + ?Sized)) -> PathCondition {
        PathCondition(Operand::String(StringPath::new(path, keys)))
    }

    /// Both conditions hold.
    pub fn and(self, other: Condition) -> Self {
        Self(match self.0 {
            Node::And(mut all) => {
                all.push(other.0);
                Node::And(all)
            }
            first => Node::And(vec![first, other.0]),
        })
    }

    /// Either condition holds.
    pub fn or(self, other: Condition) -> Self {
        Self(match self.0 {
            Node::Or(mut any) => {
                any.push(other.0);
                Node::Or(any)
            }
            first => Node::Or(vec![first, other.0]),
        })
    }

    /// The condition does not hold.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Self(Node::Not(Box::new(self.0)))
    }

    /// The paths the condition reads, string paths resolved against `model`.
    pub(crate) fn paths(&self, model: &'static ModelSchema) -> Result<Vec<DocumentPath>> {
        let mut paths = Vec::new();
        // An explicit stack: chains of `and` / `or` may be long, `not` deep.
        let mut nodes = vec![&self.0];
        while let Some(node) = nodes.pop() {
            match node {
                Node::Compare(operand, ..)
                | Node::Between(operand, ..)
                | Node::In(operand, _)
                | Node::BeginsWith(operand, _)
                | Node::Contains(operand, _)
                | Node::Size(operand, ..)
                | Node::Exists(operand)
                | Node::NotExists(operand)
                | Node::Type(operand, _) => paths.push(resolve(operand, model)?.0),
                Node::And(all) | Node::Or(all) => nodes.extend(all),
                Node::Not(inner) => nodes.push(inner),
                Node::Invalid(_) => {}
            }
        }
        Ok(paths)
    }

    /// The expression, with names and values added to `placeholders`; string paths are resolved
    /// against `model` and their values checked against the types there.
    pub fn render(
        &self,
        model: &'static ModelSchema,
        placeholders: &mut Placeholders,
    ) -> Result<String> {
        let mut out = String::new();
        render(&self.0, model, placeholders, &mut out)?;
        Ok(out)
    }
}

/// A size condition under construction; see [`Condition::size`].
#[derive(Debug, Clone)]
pub struct SizeOf(Operand);

/// Conditions on a string path; see [`Condition::path`].
#[derive(Debug, Clone)]
pub struct PathCondition(Operand);

macro_rules! size_comparison {
    ($($name:ident => $op:ident),*) => {$(
        #[doc = concat!("`size(path) ", stringify!($op), " size`.")]
        pub fn $name(self, size: u64) -> Condition {
            Condition(Node::Size(self.0, Comparison::$op, size))
        }
    )*};
}

impl SizeOf {
    size_comparison!(eq => Eq, ne => Ne, lt => Lt, le => Le, gt => Gt, ge => Ge);
}

macro_rules! path_comparison {
    ($($name:ident => $op:ident),*) => {$(
        #[doc = concat!("`path ", stringify!($op), " value`.")]
        pub fn $name(self, value: impl Attribute) -> Condition {
            match encode(value) {
                Ok(value) => Condition(Node::Compare(self.0, Comparison::$op, Value::Unchecked(value))),
                Err(message) => Condition(Node::Invalid(message)),
            }
        }
    )*};
}

impl PathCondition {
    path_comparison!(eq => Eq, ne => Ne, lt => Lt, le => Le, gt => Gt, ge => Ge);

    /// `low <= path <= high`.
    pub fn between<V: Attribute>(self, low: V, high: V) -> Condition {
        match (encode(low), encode(high)) {
            (Ok(low), Ok(high)) => Condition(Node::Between(
                self.0,
                Value::Unchecked(low),
                Value::Unchecked(high),
            )),
            (Err(message), _) | (_, Err(message)) => Condition(Node::Invalid(message)),
        }
    }

    /// The value at the path is one of `values`.
    pub fn is_in<V: Attribute>(self, values: impl IntoIterator<Item = V>) -> Condition {
        let encoded: std::result::Result<Vec<Value>, String> = values
            .into_iter()
            .map(|value| encode(value).map(Value::Unchecked))
            .collect();
        match encoded {
            Ok(values) => Condition(Node::In(self.0, values)),
            Err(message) => Condition(Node::Invalid(message)),
        }
    }

    /// The string at the path starts with `prefix`.
    pub fn begins_with(self, prefix: impl Attribute) -> Condition {
        match encode(prefix) {
            Ok(prefix) => Condition(Node::BeginsWith(self.0, Value::Unchecked(prefix))),
            Err(message) => Condition(Node::Invalid(message)),
        }
    }

    /// The string at the path contains `part`, or the set or list there holds `part`.
    pub fn contains(self, part: impl Attribute) -> Condition {
        match encode(part) {
            Ok(part) => Condition(Node::Contains(self.0, part)),
            Err(message) => Condition(Node::Invalid(message)),
        }
    }

    /// A condition on the size of the value at the path.
    pub fn size(self) -> SizeOf {
        SizeOf(self.0)
    }

    /// A value is stored at the path.
    pub fn exists(self) -> Condition {
        Condition(Node::Exists(self.0))
    }

    /// Nothing is stored at the path.
    pub fn not_exists(self) -> Condition {
        Condition(Node::NotExists(self.0))
    }

    /// The value at the path has the DynamoDB type `kind`.
    pub fn has_type(self, kind: AttributeType) -> Condition {
        Condition(Node::Type(self.0, kind))
    }
}

/// A resolved operand: its path, and for string paths the resolution (to check values against).
fn resolve(
    operand: &Operand,
    model: &'static ModelSchema,
) -> Result<(DocumentPath, Option<crate::path::ResolvedPath>)> {
    match operand {
        Operand::Typed(path) => Ok((path.clone(), None)),
        Operand::String(string) => {
            let mut resolved = string.resolve(model)?;
            match (resolved.pop(), resolved.is_empty()) {
                (Some(single), true) => Ok((single.path.clone(), Some(single))),
                _ => Err(Error::InvalidPath {
                    path: string.path.clone(),
                    reason: "a condition takes one path; combine conditions with and/or instead"
                        .into(),
                }),
            }
        }
    }
}

/// The value as sent: values given for a string path must fit the type there.
fn checked_value(
    value: &Value,
    resolved: Option<&crate::path::ResolvedPath>,
) -> Result<AttributeValue> {
    match (value, resolved) {
        (Value::Encoded(value), _) | (Value::Unchecked(value), None) => Ok(value.clone()),
        (Value::Unchecked(value), Some(resolved)) => {
            crate::model::validation::check_at(resolved, value.clone())
        }
    }
}

fn render(
    node: &Node,
    model: &'static ModelSchema,
    placeholders: &mut Placeholders,
    out: &mut String,
) -> Result<()> {
    let operand = |operand: &Operand, placeholders: &mut Placeholders, out: &mut String| {
        let (path, resolved) = resolve(operand, model)?;
        placeholders.push_path(out, &path);
        Ok::<_, Error>(resolved)
    };
    match node {
        Node::Compare(path, op, value) => {
            let resolved = operand(path, placeholders, out)?;
            out.push(' ');
            out.push_str(op.operator());
            out.push(' ');
            placeholders.push_value(out, checked_value(value, resolved.as_ref())?);
        }
        Node::Between(path, low, high) => {
            let resolved = operand(path, placeholders, out)?;
            out.push_str(" BETWEEN ");
            placeholders.push_value(out, checked_value(low, resolved.as_ref())?);
            out.push_str(" AND ");
            placeholders.push_value(out, checked_value(high, resolved.as_ref())?);
        }
        Node::In(path, values) => {
            let resolved = operand(path, placeholders, out)?;
            out.push_str(" IN (");
            for (position, value) in values.iter().enumerate() {
                if position > 0 {
                    out.push_str(", ");
                }
                placeholders.push_value(out, checked_value(value, resolved.as_ref())?);
            }
            out.push(')');
        }
        Node::BeginsWith(path, prefix) => {
            out.push_str("begins_with(");
            let resolved = operand(path, placeholders, out)?;
            out.push_str(", ");
            placeholders.push_value(out, checked_value(prefix, resolved.as_ref())?);
            out.push(')');
        }
        Node::Contains(path, part) => {
            out.push_str("contains(");
            operand(path, placeholders, out)?;
            out.push_str(", ");
            placeholders.push_value(out, part.clone());
            out.push(')');
        }
        Node::Size(path, op, size) => {
            out.push_str("size(");
            operand(path, placeholders, out)?;
            out.push_str(") ");
            out.push_str(op.operator());
            out.push(' ');
            placeholders.push_value(out, AttributeValue::N(size.to_string()));
        }
        Node::Exists(path) => {
            out.push_str("attribute_exists(");
            operand(path, placeholders, out)?;
            out.push(')');
        }
        Node::NotExists(path) => {
            out.push_str("attribute_not_exists(");
            operand(path, placeholders, out)?;
            out.push(')');
        }
        Node::Type(path, kind) => {
            out.push_str("attribute_type(");
            operand(path, placeholders, out)?;
            out.push_str(", ");
            placeholders.push_value(out, AttributeValue::S(kind.code().to_owned()));
            out.push(')');
        }
        Node::And(nodes) | Node::Or(nodes) => {
            let joiner = if matches!(node, Node::And(..)) {
                ") AND ("
            } else {
                ") OR ("
            };
            out.push('(');
            for (position, operand) in nodes.iter().enumerate() {
                if position > 0 {
                    out.push_str(joiner);
                }
                render(operand, model, placeholders, out)?;
            }
            out.push(')');
        }
        Node::Not(inner) => {
            out.push_str("NOT (");
            render(inner, model, placeholders, out)?;
            out.push(')');
        }
        Node::Invalid(message) => {
            return Err(Error::Validation {
                violations: vec![Violation {
                    path: DocumentPath::root(),
                    message: format!("invalid value in a condition: {message}"),
                }],
            })
        }
    }
    Ok(())
}

// ---- The wire form (external tables) ----------------------------------------------------------

#[cfg(any(feature = "external-server", feature = "external-client"))]
mod wire_form {
    use super::*;
    #[cfg(feature = "external-client")]
    use crate::external::wire::WireValue;
    use crate::external::wire::{WireCondition, WirePath};

    const COMPARISONS: [(Comparison, &str); 6] = [
        (Comparison::Eq, "eq"),
        (Comparison::Ne, "ne"),
        (Comparison::Lt, "lt"),
        (Comparison::Le, "le"),
        (Comparison::Gt, "gt"),
        (Comparison::Ge, "ge"),
    ];

    #[cfg(feature = "external-server")]
    const TYPES: [AttributeType; 10] = [
        AttributeType::S,
        AttributeType::N,
        AttributeType::B,
        AttributeType::Bool,
        AttributeType::Null,
        AttributeType::M,
        AttributeType::L,
        AttributeType::Ss,
        AttributeType::Ns,
        AttributeType::Bs,
    ];

    #[cfg(feature = "external-client")]
    fn comparison_name(op: Comparison) -> String {
        COMPARISONS
            .iter()
            .find(|(known, _)| *known == op)
            .map_or("eq", |(_, name)| name)
            .to_owned()
    }

    #[cfg(feature = "external-server")]
    fn comparison(name: &str) -> Result<Comparison> {
        COMPARISONS
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(op, _)| *op)
            .ok_or_else(|| invalid(format!("{name:?} is not a comparison")))
    }

    fn invalid(message: String) -> Error {
        Error::Validation {
            violations: vec![Violation {
                path: DocumentPath::root(),
                message: format!("invalid condition: {message}"),
            }],
        }
    }

    impl Condition {
        /// The condition in the wire format: string paths resolved against `model`, their values
        /// checked against the types there.
        #[cfg(feature = "external-client")]
        pub(crate) fn to_wire(&self, model: &'static ModelSchema) -> Result<WireCondition> {
            to_wire(&self.0, model)
        }

        /// A condition from the wire format, and the paths it reads. Paths are taken as given:
        /// the caller checks them against the model.
        #[cfg(feature = "external-server")]
        pub(crate) fn from_wire(wire: WireCondition) -> Result<(Self, Vec<DocumentPath>)> {
            let mut paths = Vec::new();
            let node = from_wire(wire, &mut paths)?;
            Ok((Self(node), paths))
        }
    }

    #[cfg(feature = "external-client")]
    fn to_wire(node: &Node, model: &'static ModelSchema) -> Result<WireCondition> {
        let path = |operand: &Operand| resolve(operand, model);
        Ok(match node {
            Node::Compare(operand, op, value) => {
                let (at, resolved) = path(operand)?;
                WireCondition::Compare {
                    path: WirePath(at),
                    op: comparison_name(*op),
                    value: WireValue(checked_value(value, resolved.as_ref())?),
                }
            }
            Node::Between(operand, low, high) => {
                let (at, resolved) = path(operand)?;
                WireCondition::Between {
                    path: WirePath(at),
                    low: WireValue(checked_value(low, resolved.as_ref())?),
                    high: WireValue(checked_value(high, resolved.as_ref())?),
                }
            }
            Node::In(operand, values) => {
                let (at, resolved) = path(operand)?;
                WireCondition::In {
                    path: WirePath(at),
                    values: values
                        .iter()
                        .map(|value| checked_value(value, resolved.as_ref()).map(WireValue))
                        .collect::<Result<_>>()?,
                }
            }
            Node::BeginsWith(operand, value) => {
                let (at, resolved) = path(operand)?;
                WireCondition::BeginsWith {
                    path: WirePath(at),
                    value: WireValue(checked_value(value, resolved.as_ref())?),
                }
            }
            Node::Contains(operand, value) => WireCondition::Contains {
                path: WirePath(path(operand)?.0),
                value: WireValue(value.clone()),
            },
            Node::Size(operand, op, size) => WireCondition::Size {
                path: WirePath(path(operand)?.0),
                op: comparison_name(*op),
                size: *size,
            },
            Node::Exists(operand) => WireCondition::Exists {
                path: WirePath(path(operand)?.0),
            },
            Node::NotExists(operand) => WireCondition::NotExists {
                path: WirePath(path(operand)?.0),
            },
            Node::Type(operand, kind) => WireCondition::HasType {
                path: WirePath(path(operand)?.0),
                r#type: kind.code().to_owned(),
            },
            Node::And(nodes) => WireCondition::And(
                nodes
                    .iter()
                    .map(|node| to_wire(node, model))
                    .collect::<Result<_>>()?,
            ),
            Node::Or(nodes) => WireCondition::Or(
                nodes
                    .iter()
                    .map(|node| to_wire(node, model))
                    .collect::<Result<_>>()?,
            ),
            Node::Not(inner) => WireCondition::Not(Box::new(to_wire(inner, model)?)),
            Node::Invalid(message) => return Err(invalid(message.clone())),
        })
    }

    #[cfg(feature = "external-server")]
    fn from_wire(wire: WireCondition, paths: &mut Vec<DocumentPath>) -> Result<Node> {
        let mut operand = |path: WirePath| {
            paths.push(path.0.clone());
            Operand::Typed(path.0)
        };
        Ok(match wire {
            WireCondition::Compare { path, op, value } => {
                Node::Compare(operand(path), comparison(&op)?, Value::Encoded(value.0))
            }
            WireCondition::Between { path, low, high } => {
                Node::Between(operand(path), Value::Encoded(low.0), Value::Encoded(high.0))
            }
            WireCondition::In { path, values } => Node::In(
                operand(path),
                values.into_iter().map(|v| Value::Encoded(v.0)).collect(),
            ),
            WireCondition::BeginsWith { path, value } => {
                Node::BeginsWith(operand(path), Value::Encoded(value.0))
            }
            WireCondition::Contains { path, value } => Node::Contains(operand(path), value.0),
            WireCondition::Size { path, op, size } => {
                Node::Size(operand(path), comparison(&op)?, size)
            }
            WireCondition::Exists { path } => Node::Exists(operand(path)),
            WireCondition::NotExists { path } => Node::NotExists(operand(path)),
            WireCondition::HasType { path, r#type } => {
                let kind = TYPES
                    .into_iter()
                    .find(|kind| kind.code() == r#type)
                    .ok_or_else(|| invalid(format!("{type:?} is not a DynamoDB type")))?;
                Node::Type(operand(path), kind)
            }
            WireCondition::And(all) => Node::And(
                all.into_iter()
                    .map(|wire| from_wire(wire, paths))
                    .collect::<Result<_>>()?,
            ),
            WireCondition::Or(any) => Node::Or(
                any.into_iter()
                    .map(|wire| from_wire(wire, paths))
                    .collect::<Result<_>>()?,
            ),
            WireCondition::Not(inner) => Node::Not(Box::new(from_wire(*inner, paths)?)),
        })
    }
}
