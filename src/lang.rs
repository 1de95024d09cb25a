//! The language of what people read: review reasons, the end-of-run summary. Chinese by default, for the
//! offices that read decisions; English for scripts and for colleagues who do not read Chinese.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// 简体中文.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The Chinese or the English text, whichever this language is.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Pads `text` with spaces to `width` terminal columns (a Chinese character takes two), for tables that mix
/// Chinese and ASCII.
pub fn pad_to_width(text: &str, width: usize) -> String {
    let shown = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}

/// The widest of the texts, in terminal columns.
pub fn display_width<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    texts
        .into_iter()
        .map(unicode_width::UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_characters_take_two_columns() {
        assert_eq!(pad_to_width("税收", 6), "税收  ");
        assert_eq!(pad_to_width("tax", 6), "tax   ");
        assert_eq!(display_width(["tax", "用电用能成本"]), 12);
    }
}
