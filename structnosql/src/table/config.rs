//! Table configuration: key schema, secondary indexes, billing.

/// The table's primary key: a hash (partition) key, optionally with a sort (range) key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryIndex {
    /// The hash key attribute.
    pub hash_key: String,
    /// The sort key attribute, if the key is composite.
    pub sort_key: Option<String>,
}

impl PrimaryIndex {
    /// A primary key made of the hash key attribute `hash_key` alone.
    pub fn hash(hash_key: impl Into<String>) -> Self {
        Self {
            hash_key: hash_key.into(),
            sort_key: None,
        }
    }

    /// A composite primary key: hash key `hash_key` and sort key `sort_key`.
    pub fn hash_and_sort(hash_key: impl Into<String>, sort_key: impl Into<String>) -> Self {
        Self {
            hash_key: hash_key.into(),
            sort_key: Some(sort_key.into()),
        }
    }
}

/// Which attributes a secondary index holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Projection {
    /// Every attribute.
    #[default]
    All,
    /// The index and table keys only.
    KeysOnly,
    /// The keys and the named attributes.
    Include(Vec<String>),
}

/// A global secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalSecondaryIndex {
    /// The index name (by default the hash key's name, as in StructNoSQL).
    pub name: String,
    /// The index's hash key attribute.
    pub hash_key: String,
    /// The index's sort key attribute, if any.
    pub sort_key: Option<String>,
    /// The attributes the index holds.
    pub projection: Projection,
}

impl GlobalSecondaryIndex {
    /// An index on hash key `hash_key`, named after it, holding every attribute.
    pub fn hash(hash_key: impl Into<String>) -> Self {
        let hash_key = hash_key.into();
        Self {
            name: hash_key.clone(),
            hash_key,
            sort_key: None,
            projection: Projection::All,
        }
    }

    /// Adds a sort key.
    pub fn sort_key(mut self, sort_key: impl Into<String>) -> Self {
        self.sort_key = Some(sort_key.into());
        self
    }

    /// Names the index.
    pub fn index_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets which attributes the index holds.
    pub fn projection(mut self, projection: Projection) -> Self {
        self.projection = projection;
        self
    }
}

/// How the table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BillingMode {
    /// On-demand (pay per request).
    #[default]
    OnDemand,
    /// Provisioned capacity, for the table and each of its indexes.
    Provisioned {
        /// Read capacity units.
        read_capacity: i64,
        /// Write capacity units.
        write_capacity: i64,
    },
}
