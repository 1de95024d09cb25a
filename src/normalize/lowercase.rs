//! ASCII letters are lower-cased so `ETC`, `Etc` and `etc` are one feature. Non-ASCII is left alone.

use super::{NormalizedText, Normalizer};

#[derive(Debug, Clone, Copy, Default)]
pub struct LowercaseAscii;

impl Normalizer for LowercaseAscii {
    fn normalize(&self, text: &mut NormalizedText) {
        if !text.as_str().bytes().any(|b| b.is_ascii_uppercase()) {
            return;
        }
        text.make_ascii_lowercase();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalized_with;

    #[test]
    fn ascii_letters_are_lower_cased() {
        assert_eq!(normalized_with(&LowercaseAscii, "ETC卡Ab"), "etc卡ab");
    }
}
