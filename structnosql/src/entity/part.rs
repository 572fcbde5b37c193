//! The types a key template can hold, and how each is written so that string order is value order.

use super::template::KeyEncoding;
use crate::table::KeyPart;

/// A type a key template can hold: written as text (strings, ids, dates and times, `StringEnum`s)
/// or as an integer padded to its type's width, so that DynamoDB's string order of the keys is the
/// values' order. A newtype of one of these is one too with `#[derive(Attribute)]` and
/// `#[structnosql(key)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a key template",
    label = "not usable in a key template",
    note = "a key template holds strings, integers, (with their cargo features) Uuid, chrono and time \
            dates and times, Url, `StringEnum`s, or a newtype of one with `#[derive(Attribute)]` and \
            `#[structnosql(key)]`; a field that may be absent (`Option`) can be in an index's template only"
)]
pub trait TemplatePart: KeyPart {
    /// How the stored value is written into a key.
    #[doc(hidden)]
    const ENCODING: KeyEncoding;
}

macro_rules! text_parts {
    ($($ty:ty),*) => {$(
        impl TemplatePart for $ty {
            const ENCODING: KeyEncoding = KeyEncoding::Text;
        }
    )*};
}

macro_rules! integer_parts {
    ($($ty:ty),*) => {$(
        impl TemplatePart for $ty {
            const ENCODING: KeyEncoding = if <$ty>::MIN == 0 {
                KeyEncoding::Unsigned { bits: <$ty>::BITS }
            } else {
                KeyEncoding::Signed { bits: <$ty>::BITS }
            };
        }
    )*};
}

text_parts!(String);
integer_parts!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
#[cfg(feature = "uuid")]
text_parts!(uuid::Uuid);
#[cfg(feature = "chrono")]
text_parts!(
    chrono::DateTime<chrono::Utc>,
    chrono::NaiveDate,
    chrono::NaiveDateTime
);
#[cfg(feature = "time")]
text_parts!(time::OffsetDateTime, time::Date, time::PrimitiveDateTime);
#[cfg(feature = "url")]
text_parts!(url::Url);
