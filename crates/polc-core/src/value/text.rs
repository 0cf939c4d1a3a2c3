//! String values. Most strings a record carries are short identifiers — an
//! application id, a device id, an account number — decoded once per line and
//! dropped with it: allocating each cost more than deciding on it. A [`Text`]
//! of up to [`INLINE`] bytes is held in place; a longer one is shared.

use std::fmt;
use std::sync::Arc;

/// The most bytes a [`Text`] holds in place (so that a `Value` stays 32 bytes).
pub const INLINE: usize = 22;

/// An immutable string, cheap to clone.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    /// The string's bytes, then zeros; always valid UTF-8 up to `len`.
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Shared(Arc<str>),
}

impl Text {
    pub fn new(text: &str) -> Text {
        let mut bytes = [0u8; INLINE];
        match bytes.get_mut(..text.len()) {
            Some(head) => {
                head.copy_from_slice(text.as_bytes());
                Text(Repr::Inline { len: text.len() as u8, bytes })
            }
            None => Text(Repr::Shared(Arc::from(text))),
        }
    }

    /// The string's bytes (without checking they are UTF-8 again).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Repr::Shared(text) => text.as_bytes(),
        }
    }

    /// The string. Held in place, its bytes are checked as UTF-8 again (safe
    /// code cannot skip that); they always are, so nothing is ever lost.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Repr::Shared(text) => text,
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::new(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::new(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_strings_read_back_as_given() {
        let long = "x".repeat(INLINE + 1);
        let words = [
            "",
            "A0000001",
            "0fbac5e3c00d",
            "张三的设备",
            "exactly_twenty_two_b_x",
            long.as_str(),
            "名字很长的申请人编号超过了",
        ];
        for word in words {
            let text = Text::new(word);
            assert_eq!(text.as_str(), word);
            assert_eq!(text.as_bytes(), word.as_bytes());
            assert_eq!(&*text, word);
            assert_eq!(format!("{text:?}"), format!("{word:?}"));
            assert_eq!(text.to_string(), word);
            assert_eq!(text.clone(), Text::from(word.to_string()));
            assert_eq!(matches!(text.0, Repr::Inline { .. }), word.len() <= INLINE, "{word}");
        }
        assert_ne!(Text::new("a"), Text::new("b"));
        assert_ne!(Text::new("a"), Text::new("a\0"), "trailing zeros are not part of the string");
        assert_eq!(std::mem::size_of::<crate::value::Value>(), 32);
    }
}
