//! The compact form of what is known of a record while none of its writes is pending.
//!
//! Most records of a long-lived cache are only read, and the SDK's `AttributeValue` maps take about
//! twelve times an item's own size (a hash table per map, a heap string per name and value). A
//! record without pending writes is therefore held as one byte string, close to the item's size,
//! that reads navigate in place, decoding only the value they return. The first write unpacks it;
//! it is packed again once nothing is pending.
//!
//! Layout: a tag byte, then for names, strings, numbers and binaries a length (LEB128) and the
//! bytes; for maps, lists, sets and partly known maps a body length (4 bytes, little-endian, so
//! that lookups skip what they do not need) and an entry count. Map entries are sorted by name.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::knowledge::{Known, Lookup};
use crate::model::Item;
use crate::path::{DocumentPath, Segment};

const ABSENT: u8 = 0;
const PARTIAL: u8 = 1;
const S: u8 = 2;
const N: u8 = 3;
const B: u8 = 4;
const FALSE: u8 = 5;
const TRUE: u8 = 6;
const NULL: u8 = 7;
const M: u8 = 8;
const L: u8 = 9;
const SS: u8 = 10;
const NS: u8 = 11;
const BS: u8 = 12;

/// What a read of a whole record finds in the cache.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Whole {
    /// The record is known not to exist.
    Absent,
    /// The record, known whole.
    Record(Item),
    /// Only part of the record, or nothing, is known.
    NotKnown,
}

impl Whole {
    pub(super) fn of(known: &Known) -> Self {
        match known {
            Known::Absent => Whole::Absent,
            Known::Value(AttributeValue::M(item)) => Whole::Record(item.clone()),
            _ => Whole::NotKnown,
        }
    }
}

/// What is known of what DynamoDB holds of a record: unpacked while writes are pending (they apply
/// to it), packed otherwise.
#[derive(Debug)]
pub(super) struct Base {
    /// What is known, unless `packed` holds it (then nothing here).
    unpacked: Known,
    packed: Option<Box<[u8]>>,
}

impl Base {
    pub(super) fn new(known: Known) -> Self {
        Self {
            unpacked: known,
            packed: None,
        }
    }

    /// What is known, unpacked first if need be (for changes, or to build on).
    pub(super) fn known(&mut self) -> &mut Known {
        if let Some(bytes) = self.packed.take() {
            // Packed bytes are written by `pack` alone; unreadable ones would mean nothing known.
            self.unpacked = unpack(&bytes).unwrap_or_else(Known::unknown);
        }
        &mut self.unpacked
    }

    /// Packs what is known when that saves memory (a value, or a partly known map with entries).
    pub(super) fn pack(&mut self) {
        let worth_it = match &self.unpacked {
            Known::Absent => false,
            Known::Value(_) => true,
            Known::Partial(children) => !children.is_empty(),
        };
        if self.packed.is_none() && worth_it {
            if let Some(bytes) = pack(&self.unpacked) {
                self.packed = Some(bytes);
                self.unpacked = Known::unknown();
            }
        }
    }

    pub(super) fn lookup(&self, path: &DocumentPath) -> Lookup {
        match &self.packed {
            None => self.unpacked.lookup(path),
            Some(bytes) => lookup_packed(bytes, path.segments()).unwrap_or(Lookup::Miss),
        }
    }

    pub(super) fn whole(&self) -> Whole {
        match &self.packed {
            None => Whole::of(&self.unpacked),
            Some(bytes) => {
                let mut reader = Reader::new(bytes);
                match reader.byte() {
                    Some(M) => match reader.value(M) {
                        Some(AttributeValue::M(item)) => Whole::Record(item),
                        _ => Whole::NotKnown,
                    },
                    Some(ABSENT) => Whole::Absent,
                    _ => Whole::NotKnown,
                }
            }
        }
    }

    pub(super) fn is_packed(&self) -> bool {
        self.packed.is_some()
    }

    /// Whether the record is known whole (and so known to exist).
    pub(super) fn is_whole_record(&self) -> bool {
        match &self.packed {
            None => matches!(self.unpacked, Known::Value(_)),
            Some(bytes) => bytes.first().is_some_and(|tag| *tag >= S),
        }
    }

    /// Whether the record is known not to exist.
    pub(super) fn is_absent(&self) -> bool {
        match &self.packed {
            None => matches!(self.unpacked, Known::Absent),
            Some(bytes) => bytes.first() == Some(&ABSENT),
        }
    }
}

/// A record's key attributes, packed (every key value packs; any other is kept as it is).
#[derive(Debug)]
pub(super) enum KeyAttributes {
    Packed(Box<[u8]>),
    Plain(Item),
}

impl KeyAttributes {
    pub(super) fn new(key_item: &Item) -> Self {
        let record = Known::Value(AttributeValue::M(key_item.clone()));
        match pack(&record) {
            Some(bytes) => KeyAttributes::Packed(bytes),
            None => KeyAttributes::Plain(key_item.clone()),
        }
    }

    /// Whether `item` has an attribute of every key attribute's name (read without unpacking).
    pub(super) fn all_named_in(&self, item: &Item) -> bool {
        match self {
            KeyAttributes::Plain(key) => key.keys().all(|name| item.contains_key(name)),
            KeyAttributes::Packed(bytes) => {
                let mut reader = Reader::new(bytes);
                let Some((mut body, count)) = reader.byte().and_then(|_| reader.container()) else {
                    return false;
                };
                (0..count).all(|_| {
                    let named = body
                        .bytes()
                        .and_then(|name| std::str::from_utf8(name).ok())
                        .is_some_and(|name| item.contains_key(name));
                    named && body.byte().and_then(|tag| body.skip(tag)).is_some()
                })
            }
        }
    }

    /// The key attributes, unpacked.
    pub(super) fn item(&self) -> Item {
        match self {
            KeyAttributes::Plain(item) => item.clone(),
            KeyAttributes::Packed(bytes) => {
                let mut reader = Reader::new(bytes);
                match reader.byte().and_then(|tag| reader.value(tag)) {
                    Some(AttributeValue::M(item)) => item,
                    _ => Item::new(),
                }
            }
        }
    }
}

// ---- Packing --------------------------------------------------------------------------------

/// `known` packed, or `None` when it holds a value this form does not know (a future SDK variant).
fn pack(known: &Known) -> Option<Box<[u8]>> {
    let mut out = Vec::new();
    write_known(&mut out, known)?;
    Some(out.into_boxed_slice())
}

fn write_known(out: &mut Vec<u8>, known: &Known) -> Option<()> {
    match known {
        Known::Absent => out.push(ABSENT),
        Known::Value(value) => write_value(out, value)?,
        Known::Partial(children) => {
            out.push(PARTIAL);
            let mut entries: Vec<(&String, &Known)> = children.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            write_container(out, entries.len(), |out| {
                entries.into_iter().try_for_each(|(name, child)| {
                    write_bytes(out, name.as_bytes());
                    write_known(out, child)
                })
            })?;
        }
    }
    Some(())
}

fn write_value(out: &mut Vec<u8>, value: &AttributeValue) -> Option<()> {
    match value {
        AttributeValue::S(text) => {
            out.push(S);
            write_bytes(out, text.as_bytes());
        }
        AttributeValue::N(number) => {
            out.push(N);
            write_bytes(out, number.as_bytes());
        }
        AttributeValue::B(blob) => {
            out.push(B);
            write_bytes(out, blob.as_ref());
        }
        AttributeValue::Bool(flag) => out.push(if *flag { TRUE } else { FALSE }),
        AttributeValue::Null(_) => out.push(NULL),
        AttributeValue::M(entries) => {
            out.push(M);
            let mut sorted: Vec<(&String, &AttributeValue)> = entries.iter().collect();
            sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
            write_container(out, sorted.len(), |out| {
                sorted.into_iter().try_for_each(|(name, value)| {
                    write_bytes(out, name.as_bytes());
                    write_value(out, value)
                })
            })?;
        }
        AttributeValue::L(items) => {
            out.push(L);
            write_container(out, items.len(), |out| {
                items.iter().try_for_each(|item| write_value(out, item))
            })?;
        }
        AttributeValue::Ss(texts) => write_set(out, SS, texts.iter().map(String::as_bytes))?,
        AttributeValue::Ns(numbers) => write_set(out, NS, numbers.iter().map(String::as_bytes))?,
        AttributeValue::Bs(blobs) => write_set(out, BS, blobs.iter().map(Blob::as_ref))?,
        _ => return None,
    }
    Some(())
}

fn write_set<'a>(
    out: &mut Vec<u8>,
    tag: u8,
    members: impl ExactSizeIterator<Item = &'a [u8]>,
) -> Option<()> {
    out.push(tag);
    write_container(out, members.len(), |out| {
        members.for_each(|member| write_bytes(out, member));
        Some(())
    })
}

/// Writes a body length, to be filled in, an entry count and the body `write_body` writes.
fn write_container(
    out: &mut Vec<u8>,
    count: usize,
    write_body: impl FnOnce(&mut Vec<u8>) -> Option<()>,
) -> Option<()> {
    let length_at = out.len();
    out.extend_from_slice(&[0; 4]);
    let body_from = out.len();
    write_length(out, count);
    write_body(out)?;
    let body = u32::try_from(out.len() - body_from).ok()?;
    out.get_mut(length_at..body_from)?
        .copy_from_slice(&body.to_le_bytes());
    Some(())
}

fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_length(out, bytes.len());
    out.extend_from_slice(bytes);
}

/// A length as LEB128: seven bits a byte, the high bit set on every byte but the last.
fn write_length(out: &mut Vec<u8>, mut length: usize) {
    while length >= 0x80 {
        out.push((length as u8 & 0x7f) | 0x80);
        length >>= 7;
    }
    out.push(length as u8);
}

// ---- Reading ----------------------------------------------------------------------------------

/// A position in packed bytes. Every read is checked: `None` means the bytes end too soon.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(first)
    }

    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        if count > self.bytes.len() {
            return None;
        }
        let (taken, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        Some(taken)
    }

    fn length(&mut self) -> Option<usize> {
        let mut length = 0usize;
        for shift in (0..usize::BITS).step_by(7) {
            let byte = self.byte()?;
            length |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(length);
            }
        }
        None
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let length = self.length()?;
        self.take(length)
    }

    fn text(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    /// A container's body (after its tag) and its entry count.
    fn container(&mut self) -> Option<(Reader<'a>, usize)> {
        let length: [u8; 4] = self.take(4)?.try_into().ok()?;
        let mut body = Reader::new(self.take(u32::from_le_bytes(length) as usize)?);
        let count = body.length()?;
        Some((body, count))
    }

    /// Skips one value or piece of knowledge whose tag was read.
    fn skip(&mut self, tag: u8) -> Option<()> {
        match tag {
            ABSENT | FALSE | TRUE | NULL => {}
            S | N | B => {
                self.bytes()?;
            }
            PARTIAL | M | L | SS | NS | BS => {
                self.container()?;
            }
            _ => return None,
        }
        Some(())
    }

    fn known(&mut self) -> Option<Known> {
        match self.byte()? {
            ABSENT => Some(Known::Absent),
            PARTIAL => {
                let (mut body, count) = self.container()?;
                let mut children = HashMap::with_capacity(count);
                for _ in 0..count {
                    let name = body.text()?;
                    children.insert(name, body.known()?);
                }
                Some(Known::Partial(children))
            }
            tag => self.value(tag).map(Known::Value),
        }
    }

    fn value(&mut self, tag: u8) -> Option<AttributeValue> {
        Some(match tag {
            S => AttributeValue::S(self.text()?),
            N => AttributeValue::N(self.text()?),
            B => AttributeValue::B(Blob::new(self.bytes()?)),
            FALSE => AttributeValue::Bool(false),
            TRUE => AttributeValue::Bool(true),
            NULL => AttributeValue::Null(true),
            M => {
                let (mut body, count) = self.container()?;
                let mut entries = HashMap::with_capacity(count);
                for _ in 0..count {
                    let name = body.text()?;
                    let tag = body.byte()?;
                    entries.insert(name, body.value(tag)?);
                }
                AttributeValue::M(entries)
            }
            L => {
                let (mut body, count) = self.container()?;
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    let tag = body.byte()?;
                    items.push(body.value(tag)?);
                }
                AttributeValue::L(items)
            }
            SS | NS => {
                let (mut body, count) = self.container()?;
                let members = (0..count)
                    .map(|_| body.text())
                    .collect::<Option<Vec<String>>>()?;
                if tag == SS {
                    AttributeValue::Ss(members)
                } else {
                    AttributeValue::Ns(members)
                }
            }
            BS => {
                let (mut body, count) = self.container()?;
                let members = (0..count)
                    .map(|_| body.bytes().map(Blob::new))
                    .collect::<Option<Vec<Blob>>>()?;
                AttributeValue::Bs(members)
            }
            _ => return None,
        })
    }

    /// Moves to the entry `name` of a map or partly known map whose tag was read; `false` when it
    /// has no such entry.
    fn enter_entry(&mut self, name: &str) -> Option<bool> {
        let (mut body, count) = self.container()?;
        for _ in 0..count {
            let entry = body.bytes()?;
            if entry == name.as_bytes() {
                *self = body;
                return Some(true);
            }
            if entry > name.as_bytes() {
                // Entries are sorted by name: it is not further on either.
                break;
            }
            let tag = body.byte()?;
            body.skip(tag)?;
        }
        Some(false)
    }

    /// Moves to the item `index` of a list whose tag was read; `false` past its end.
    fn enter_item(&mut self, index: usize) -> Option<bool> {
        let (mut body, count) = self.container()?;
        if index >= count {
            return Some(false);
        }
        for _ in 0..index {
            let tag = body.byte()?;
            body.skip(tag)?;
        }
        *self = body;
        Some(true)
    }
}

fn unpack(bytes: &[u8]) -> Option<Known> {
    Reader::new(bytes).known()
}

/// What packed knowledge holds at `segments`, as [`Known::lookup`] answers; `None` only for bytes
/// `pack` did not write.
fn lookup_packed(bytes: &[u8], segments: &[Segment]) -> Option<Lookup> {
    let mut reader = Reader::new(bytes);
    for segment in segments {
        let tag = reader.byte()?;
        let found = match (tag, segment) {
            (ABSENT, _) => return Some(Lookup::Hit(None)),
            (PARTIAL, _) => match segment.name() {
                Some(name) => reader.enter_entry(name)?,
                None => return Some(Lookup::Miss),
            },
            (M, named) => match named.name() {
                Some(name) => reader.enter_entry(name)?,
                None => false,
            },
            (L, Segment::Index(index)) => reader.enter_item(*index)?,
            (S..=BS, _) => false,
            _ => return None,
        };
        if !found {
            // Nothing there: in a value that is known, a miss in a partly known map.
            return Some(if tag == PARTIAL {
                Lookup::Miss
            } else {
                Lookup::Hit(None)
            });
        }
    }
    match reader.byte()? {
        ABSENT => Some(Lookup::Hit(None)),
        PARTIAL => Some(Lookup::Miss),
        tag => reader.value(tag).map(|value| Lookup::Hit(Some(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = AttributeValue> {
        let leaf = prop_oneof![
            "[a-z]{0,12}".prop_map(AttributeValue::S),
            (-1_000_000i64..1_000_000).prop_map(|n| AttributeValue::N(n.to_string())),
            proptest::collection::vec(any::<u8>(), 0..200)
                .prop_map(|bytes| AttributeValue::B(Blob::new(bytes))),
            any::<bool>().prop_map(AttributeValue::Bool),
            Just(AttributeValue::Null(true)),
            proptest::collection::vec("[a-z]{1,3}", 1..4).prop_map(AttributeValue::Ss),
            proptest::collection::vec("[0-9]{1,3}", 1..4).prop_map(AttributeValue::Ns),
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..3), 1..3)
                .prop_map(|sets| AttributeValue::Bs(sets.into_iter().map(Blob::new).collect())),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(AttributeValue::L),
                proptest::collection::hash_map("[a-e]{1,2}", inner, 0..6)
                    .prop_map(AttributeValue::M),
            ]
        })
    }

    fn known() -> impl Strategy<Value = Known> {
        let leaf = prop_oneof![Just(Known::Absent), value().prop_map(Known::Value)];
        leaf.prop_recursive(3, 24, 5, |inner| {
            proptest::collection::hash_map("[a-e]{1,2}", inner, 0..5).prop_map(Known::Partial)
        })
    }

    fn segment() -> impl Strategy<Value = Segment> {
        prop_oneof![
            prop::sample::select(vec!["a", "b", "c", "d", "e", "ab", "ea", "zz"])
                .prop_map(|name| Segment::Key(name.into())),
            (0usize..7).prop_map(Segment::Index),
        ]
    }

    proptest! {
        #[test]
        fn packing_keeps_what_is_known(known in known()) {
            let packed = pack(&known).expect("every SDK value packs");
            prop_assert_eq!(unpack(&packed), Some(known));
        }

        #[test]
        fn a_packed_lookup_answers_as_the_unpacked_one(
            known in known(),
            paths in proptest::collection::vec(proptest::collection::vec(segment(), 0..5), 1..12),
        ) {
            let mut base = Base::new(known.clone());
            base.pack();
            for segments in paths {
                let path = DocumentPath::from_segments(segments);
                prop_assert_eq!(base.lookup(&path), known.lookup(&path), "at {}", path);
            }
            prop_assert_eq!(base.whole(), Whole::of(&known));
            prop_assert_eq!(base.is_whole_record(), matches!(known, Known::Value(_)));
            prop_assert_eq!(base.is_absent(), matches!(known, Known::Absent));
            prop_assert_eq!(base.known(), &known);
        }
    }

    #[test]
    fn key_attributes_unpack_as_they_were() {
        let key_item = Item::from([
            ("id".to_owned(), AttributeValue::S("user-0001".to_owned())),
            ("at".to_owned(), AttributeValue::N("17".to_owned())),
        ]);
        let key = KeyAttributes::new(&key_item);
        assert!(matches!(key, KeyAttributes::Packed(_)));
        assert_eq!(key.item(), key_item);
        let mut record = key_item.clone();
        record.insert("score".to_owned(), AttributeValue::N("1".to_owned()));
        assert!(key.all_named_in(&record));
        record.remove("at");
        assert!(!key.all_named_in(&record));
    }

    #[test]
    fn a_small_record_packs_close_to_its_size() {
        let item: Item = [
            ("id".to_owned(), AttributeValue::S("user-0001".to_owned())),
            ("score".to_owned(), AttributeValue::N("1234".to_owned())),
            (
                "stats".to_owned(),
                AttributeValue::M(Item::from([(
                    "label".to_owned(),
                    AttributeValue::S("statistics of the user".to_owned()),
                )])),
            ),
        ]
        .into();
        let data = crate::size::item_bytes(&item);
        let packed = pack(&Known::Value(AttributeValue::M(item))).expect("packs");
        assert!(
            packed.len() <= data + 20,
            "{} packed bytes for {data} bytes of data",
            packed.len()
        );
    }
}
