//! DynamoDB expressions: every attribute name and map key goes through a `#n` placeholder and every
//! value through a `:v` placeholder, so no input text ever appears in an expression. Sizes are counted
//! in UTF-8 bytes against DynamoDB's limits, and updates are split into several requests only where
//! those limits force it.

mod condition;
mod placeholders;
pub(crate) mod update;

pub use condition::{AttributeType, Comparison, Condition, PathCondition, SizeOf};
pub(crate) use limits::{MAX_EXPRESSION_BYTES, MAX_SUBSTITUTION_BYTES, MAX_UPDATE_CLAUSES};
pub(crate) use placeholders::reserve_first;
pub(crate) use placeholders::Placeholders;
pub(crate) use update::{normalize, plan_update, UpdateAction, UpdateSection};

/// DynamoDB's limits on expressions.
pub(crate) mod limits {
    /// The longest expression DynamoDB accepts (any one of Update, Projection, Condition, Filter).
    pub const MAX_EXPRESSION_BYTES: usize = 4 * 1024;
    /// The most operators and functions in one UpdateExpression; every clause is counted as one,
    /// which is conservative.
    pub const MAX_UPDATE_CLAUSES: usize = 300;
    /// The most bytes of substitutions (attribute names and values) in one request.
    pub const MAX_SUBSTITUTION_BYTES: usize = 2 * 1024 * 1024;
}
