//! The caching table's record cache: what is known of each record, and the counters.

pub(crate) mod knowledge;
pub(crate) mod stats;
pub(crate) mod turns;
