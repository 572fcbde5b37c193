//! `Attribute` for `url::Url` (cargo feature `url`).
//!
//! | Type | Stored as |
//! |---|---|
//! | `Url` | `S`, its serialization, `Url::as_str` (`"https://xn--bcher-kva.example/?q=%C3%A4"` for `https://bücher.example?q=ä`) |
//!
//! Writing always stores that form (the host in ASCII, the path percent-encoded), so one URL has one
//! stored text and equality conditions on it work. Reading accepts any text `Url::parse` accepts,
//! as other writers may store `https://example.com` without the final `/`; such a value is stored
//! in its normal form the next time it is written.

use ::url::Url;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::model::std_types::{custom_attribute, text};
use crate::model::TypeSchema;

fn decode_url(value: &AttributeValue) -> Result<Url, String> {
    let text = text(value)?;
    Url::parse(text).map_err(|error| format!("{text:?} is not a URL: {error}"))
}

custom_attribute!(
    Url,
    "a URL",
    TypeSchema::String,
    |url| Ok(AttributeValue::S(url.as_str().to_owned())),
    decode_url
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_values::s;
    use crate::model::Attribute;

    fn round_trip(text: &str) -> AttributeValue {
        let url = Url::parse(text).unwrap();
        let stored = url.to_attribute().unwrap();
        assert_eq!(Url::from_attribute(stored.clone()).unwrap(), url);
        crate::model::validation::check_write(Url::schema(), &stored).unwrap();
        stored
    }

    #[test]
    fn urls_are_stored_as_their_serialization() {
        for (written, stored) in [
            ("https://example.com/", "https://example.com/"),
            (
                "https://user:pw@example.com:8443/a/b?q=1&r=a%20b&empty=#frag",
                "https://user:pw@example.com:8443/a/b?q=1&r=a%20b&empty=#frag",
            ),
            (
                "https://bücher.example/ü?q=ä#é",
                "https://xn--bcher-kva.example/%C3%BC?q=%C3%A4#%C3%A9",
            ),
            ("HTTP://Example.COM", "http://example.com/"),
            ("http://[::1]:8080/", "http://[::1]:8080/"),
            ("mailto:ada@example.com", "mailto:ada@example.com"),
            ("data:text/plain,hello world", "data:text/plain,hello world"),
            ("file:///tmp/a%20b", "file:///tmp/a%20b"),
        ] {
            assert_eq!(round_trip(written), s(stored), "{written}");
        }
        let long = format!("https://example.com/{}", "a".repeat(10_000));
        assert_eq!(round_trip(&long), s(&long));
        let urls = vec![Url::parse("https://a.example/").unwrap()];
        assert_eq!(
            Some(urls.clone()).to_attribute().unwrap(),
            AttributeValue::L(vec![s("https://a.example/")])
        );
        assert_eq!(Url::schema().describe(), "a URL");
    }

    #[test]
    fn other_spellings_are_read_and_other_text_is_refused() {
        let refused = |value: AttributeValue| {
            assert!(Url::from_attribute(value.clone()).is_err());
            crate::model::validation::check_write(Url::schema(), &value)
                .unwrap_err()
                .to_string()
        };
        for (text, normal) in [
            ("https://example.com", "https://example.com/"),
            ("HTTP://EXAMPLE.COM/", "http://example.com/"),
            ("https://bücher.example/", "https://xn--bcher-kva.example/"),
            ("https://example.com/a b", "https://example.com/a%20b"),
        ] {
            let read = Url::from_attribute(s(text)).unwrap();
            assert_eq!(read.as_str(), normal);
            assert_eq!(read.to_attribute().unwrap(), s(normal));
        }
        for text in [
            "",
            "not a url",
            "/relative/path",
            "https://exa mple.com/",
            "http://[::1/",
        ] {
            assert!(refused(s(text)).contains("is not a URL:"), "{text}");
        }
        assert!(refused(AttributeValue::N("1".into())).contains("expected"));
    }
}
