//! The attributes a table computes for an entity's items (single-table design, see
//! [`crate::entity`]): the key attributes rendered by the entity's templates, its indexes' keys, and
//! the entity-type attribute. Every write of a whole record stores them; a field write rewrites the
//! index keys whose templates hold a written field, in the same request.

use aws_sdk_dynamodb::types::AttributeValue;

use super::config::{GlobalSecondaryIndex, PrimaryIndex};
use super::core::TableCore;
use super::key::RecordKey;
use crate::entity::{EntitySchema, KeyTemplates};
use crate::error::{Error, Result};
use crate::expr::UpdateAction;
use crate::model::{Item, ModelSchema, Violation, Violations};
use crate::path::{DocumentPath, Segment};

/// The attribute that names an item's entity, unless the table names another.
pub const DEFAULT_ENTITY_TYPE_ATTRIBUTE: &str = "_et";

/// An entity's templates with the attribute names of the table they are stored in.
#[derive(Debug, Clone)]
pub(crate) struct EntityTable {
    pub(crate) schema: &'static EntitySchema,
    /// The attribute holding the entity's name.
    pub(crate) type_attribute: String,
    /// The primary key's templates, then each of the entity's indexes': with the attribute names
    /// of the index's hash and sort keys.
    keys: Vec<ComputedKeys>,
}

#[derive(Debug, Clone)]
struct ComputedKeys {
    templates: KeyTemplates,
    hash: String,
    sort: Option<String>,
}

impl ComputedKeys {
    fn attributes(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.hash).chain(&self.sort)
    }

    /// The key attributes of `item`, rendered from its fields; `None` when a field is absent.
    fn render(&self, item: &Item) -> Result<Option<Vec<(String, AttributeValue)>>> {
        let rendered = self
            .templates
            .both()
            .map(|template| template.render(|name| item.get(name)))
            .collect::<std::result::Result<Option<Vec<String>>, _>>()
            .map_err(|problem| Error::validation_at(&DocumentPath::root(), problem))?;
        Ok(rendered.map(|values| {
            let values = values.into_iter().map(AttributeValue::S);
            self.attributes().cloned().zip(values).collect()
        }))
    }
}

impl EntityTable {
    /// The entity in a table of this primary index and these indexes: the templates must fit them
    /// (a sort key template where the index has a sort key, and only there; an index of the table
    /// for each of the entity's), and no computed attribute may be a field of the model.
    pub(crate) fn new(
        schema: &'static EntitySchema,
        model: &'static ModelSchema,
        primary_index: &PrimaryIndex,
        indexes: &[GlobalSecondaryIndex],
        type_attribute: &str,
    ) -> std::result::Result<Self, String> {
        let name = schema.name;
        let fits = |index: &str, templates: &KeyTemplates, sort: &Option<String>| match (
            templates.sort.is_some(),
            sort.is_some(),
        ) {
            (true, false) => Err(format!(
                "entity {name} has a sort key template for {index}, which has no sort key"
            )),
            (false, true) => Err(format!(
                "entity {name} needs a sort key template for {index}, which has a sort key"
            )),
            _ => Ok(()),
        };
        fits("the table", &schema.primary, &primary_index.sort_key)?;
        let mut keys = vec![ComputedKeys {
            templates: schema.primary,
            hash: primary_index.hash_key.clone(),
            sort: primary_index.sort_key.clone(),
        }];
        for (index_name, templates) in schema.indexes {
            let index = indexes
                .iter()
                .find(|index| index.name == *index_name)
                .ok_or_else(|| {
                    format!("entity {name} has templates for index {index_name:?}, which the table does not have")
                })?;
            fits(&format!("index {index_name:?}"), templates, &index.sort_key)?;
            keys.push(ComputedKeys {
                templates: *templates,
                hash: index.hash_key.clone(),
                sort: index.sort_key.clone(),
            });
        }
        let table = Self {
            schema,
            type_attribute: type_attribute.to_owned(),
            keys,
        };
        if let Some(attribute) = table
            .computed_attributes()
            .find(|attribute| model.field(attribute).is_some())
        {
            return Err(format!(
                "{attribute:?} is computed for every {name} (a key or the entity type), so it cannot be a field of the model"
            ));
        }
        Ok(table)
    }

    /// The attributes the table computes for every item: keys, index keys, the entity type.
    pub(crate) fn computed_attributes(&self) -> impl Iterator<Item = &str> {
        self.keys
            .iter()
            .flat_map(ComputedKeys::attributes)
            .chain([&self.type_attribute])
            .map(String::as_str)
    }

    /// Whether the table computes the attribute `name`.
    #[cfg(any(feature = "external-client", feature = "external-server"))]
    pub(crate) fn computes(&self, name: &str) -> bool {
        self.computed_attributes().any(|computed| computed == name)
    }

    /// The entity's indexes (not the primary key).
    fn indexes(&self) -> &[ComputedKeys] {
        self.keys.get(1..).unwrap_or_default()
    }
}

impl TableCore {
    /// Completes a whole item about to be written: an entity's keys, index keys (those whose
    /// fields all have values) and entity type; else the leading key.
    pub(crate) fn complete_item(&self, item: &mut Item) -> Result<()> {
        let Some(entity) = &self.entity else {
            self.add_leading_key(item);
            return Ok(());
        };
        let mut computed = Vec::new();
        for keys in &entity.keys {
            // Only an index's template can lack a value (primary key fields are required): the
            // item is left out of that index.
            computed.extend(keys.render(item)?.unwrap_or_default());
        }
        item.extend(computed);
        item.insert(
            entity.type_attribute.clone(),
            AttributeValue::S(entity.schema.name.to_owned()),
        );
        Ok(())
    }

    /// The key attributes of an entity's item that does not hold them yet (one whose computed
    /// attributes the server of an external API adds), rendered from its fields; `None` for an item
    /// that holds them, or a table of no entity.
    pub(crate) fn rendered_key(&self, item: &Item) -> Result<Option<Item>> {
        let holds_key = self
            .entity
            .as_ref()
            .and_then(|entity| entity.keys.first())
            .is_some_and(|primary| item.contains_key(&primary.hash));
        if holds_key {
            return Ok(None);
        }
        self.key_from_fields(item)
    }

    /// The key attributes of an entity's item rendered from its fields (whatever key attributes
    /// it holds); `None` for a table of no entity.
    pub(crate) fn key_from_fields(&self, item: &Item) -> Result<Option<Item>> {
        let Some(primary) = self.entity.as_ref().and_then(|entity| entity.keys.first()) else {
            return Ok(None);
        };
        // A record without a key field is refused by its model's checks.
        let rendered = primary.render(item)?.unwrap_or_default();
        Ok(Some(rendered.into_iter().collect()))
    }

    /// The writes of an entity's record that name it whatever it holds: its entity type and the
    /// fields of its key (none for a table of no entity).
    pub(crate) fn identity_writes<K: RecordKey>(&self, key: &K) -> Vec<UpdateAction> {
        let Some(entity) = &self.entity else {
            return Vec::new();
        };
        let entity_type = UpdateAction::Set(
            attribute_path(&entity.type_attribute),
            AttributeValue::S(entity.schema.name.to_owned()),
        );
        let key_fields = key.template_values().iter().map(|(name, value)| {
            UpdateAction::Set(
                DocumentPath::from_segments(vec![Segment::Field(name)]),
                value.clone(),
            )
        });
        std::iter::once(entity_type).chain(key_fields).collect()
    }

    /// Whether a write at `path` is one the table adds to a field write (see
    /// [`TableCore::computed_writes`]): an entity's computed attribute or a field of its primary
    /// key (which the caller's own writes cannot name, being read-only).
    #[cfg(feature = "external-server")]
    pub(crate) fn is_computed_write(&self, path: &DocumentPath) -> bool {
        let Some(entity) = &self.entity else {
            return false;
        };
        match path.segments() {
            [segment] => segment.name().is_some_and(|name| {
                entity.computes(name)
                    || entity
                        .schema
                        .primary
                        .both()
                        .any(|t| t.fields().any(|f| f == name))
            }),
            _ => false,
        }
    }

    /// A whole item without the attributes the table computes, as an external table sends it.
    #[cfg(feature = "external-client")]
    pub(crate) fn without_computed(&self, mut item: Item) -> Item {
        if let Some(entity) = &self.entity {
            item.retain(|name, _| !entity.computes(name));
        }
        item
    }

    /// The writes a field write to an entity's record adds: the index keys whose templates hold a
    /// written field, rewritten (removed when a field of theirs is removed), and with any value
    /// written, the entity type and the key's fields, so that a write creating the record creates
    /// one its queries find. An index key whose other fields neither the write nor the key gives is
    /// refused: it would be left stale.
    pub(crate) fn computed_writes<K: RecordKey>(
        &self,
        key: &K,
        actions: &mut Vec<UpdateAction>,
    ) -> Result<()> {
        let Some(entity) = &self.entity else {
            return Ok(());
        };
        // What the write gives each top-level attribute: `Some` a value, `None` a remove.
        let written = |name: &str| {
            actions
                .iter()
                .rev()
                .find_map(|action| match action.path().segments() {
                    [segment] if segment.name() == Some(name) => Some(match action {
                        UpdateAction::Set(_, value) => Some(value),
                        UpdateAction::Remove(_) => None,
                    }),
                    _ => None,
                })
        };
        let key_values = key.template_values();
        let from_key = |name: &str| crate::entity::value_of(key_values, name);
        let mut computed = Vec::new();
        for index in entity.indexes() {
            let fields: Vec<&str> = index.templates.both().flat_map(|t| t.fields()).collect();
            let Some(touched) = fields.iter().find(|name| written(name).is_some()) else {
                continue;
            };
            // A field removed (or written `NULL`) takes the record out of the index.
            let removed = fields
                .iter()
                .any(|name| matches!(written(name), Some(None | Some(AttributeValue::Null(_)))));
            if removed {
                computed.extend(
                    index
                        .attributes()
                        .map(|a| UpdateAction::Remove(attribute_path(a))),
                );
                continue;
            }
            let value = |name: &str| written(name).flatten().or_else(|| from_key(name));
            if let Some(missing) = fields.iter().find(|name| value(name).is_none()) {
                return Err(stale_index_key(touched, missing, &index.hash));
            }
            for (attribute, template) in index.attributes().zip(index.templates.both()) {
                let rendered = template
                    .render(value)
                    .map_err(|problem| Error::validation_at(&DocumentPath::root(), problem))?;
                if let Some(rendered) = rendered {
                    let path = attribute_path(attribute);
                    computed.push(UpdateAction::Set(path, AttributeValue::S(rendered)));
                }
            }
        }
        if actions
            .iter()
            .any(|action| matches!(action, UpdateAction::Set(..)))
        {
            computed.extend(self.identity_writes(key));
        }
        actions.extend(computed);
        Ok(())
    }

    /// The entity-type attribute of `item` when it names another entity than the table's (an
    /// item without the attribute is taken for the table's).
    pub(crate) fn other_entity<'a>(&self, item: &'a Item) -> Option<&'a AttributeValue> {
        let entity = self.entity.as_ref()?;
        item.get(&entity.type_attribute)
            .filter(|found| !matches!(found, AttributeValue::S(name) if name == entity.schema.name))
    }

    /// Refuses an item of another entity than the table's.
    pub(crate) fn check_entity_type(&self, item: &Item) -> Result<()> {
        let (Some(entity), Some(found)) = (&self.entity, self.other_entity(item)) else {
            return Ok(());
        };
        let found = match found {
            AttributeValue::S(name) => name.clone(),
            other => format!("{other:?}"),
        };
        Err(Error::InvalidStoredData {
            violations: vec![Violation {
                path: attribute_path(&entity.type_attribute),
                message: format!("the item's entity is {found}, not {}", entity.schema.name),
            }],
        })
    }
}

/// The path of a top-level attribute the table (not the model) names.
fn attribute_path(name: &str) -> DocumentPath {
    DocumentPath::from_segments(vec![Segment::Key(name.into())])
}

/// The refusal of a write that changes an index key's field without the key's other fields.
fn stale_index_key(written: &str, missing: &str, attribute: &str) -> Error {
    let problem = Violations::new(format!(
        "writing it changes the index key {attribute:?}, whose template also holds `{missing}`, \
         which this write does not give: write `{missing}` in the same call (or the whole record)"
    ));
    Error::validation_at(
        &DocumentPath::from_segments(vec![Segment::Key(written.into())]),
        problem,
    )
}
