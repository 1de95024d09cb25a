//! jieba-rs with a domain user dictionary. The dictionary's text is stored inside the model, so a saved model
//! segments exactly as it did when trained, wherever it is run. One `Jieba` instance is built lazily and shared
//! by all threads (`Jieba` is `Send + Sync`).

use super::{Segmenter, Word};
use crate::error::TriageError;
use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};
use std::io::BufReader;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

/// The domain dictionary shipped with the tool (`corpora/domain_dict.txt`).
pub const DOMAIN_DICTIONARY: &str = include_str!("../../corpora/domain_dict.txt");

/// jieba's own dictionary takes about 0.1 s to build, a tenth of a 50,000-row batch's time: a command that will
/// segment starts building it at once on a thread of its own ([`prebuild_default_dictionary`]), while the model
/// file is read and decoded, and the first segmenter built takes it.
static PREBUILT: Mutex<Option<JoinHandle<Jieba>>> = Mutex::new(None);

/// Starts building jieba's default dictionary in the background, for the next segmenter to take.
pub fn prebuild_default_dictionary() {
    let mut prebuilt = PREBUILT.lock().unwrap_or_else(|e| e.into_inner());
    if prebuilt.is_none() {
        *prebuilt = Some(std::thread::spawn(Jieba::new));
    }
}

/// jieba with its default dictionary: the prebuilt one if there is one, else built now.
fn default_jieba() -> Jieba {
    let prebuilt = PREBUILT.lock().unwrap_or_else(|e| e.into_inner()).take();
    prebuilt
        .and_then(|building| building.join().ok())
        .unwrap_or_default()
}

#[derive(Debug, Serialize, Deserialize)]
pub struct JiebaSegmenter {
    /// User dictionary in jieba's format, `word [freq] [tag]` per line.
    user_dictionary: String,
    /// Whether jieba's HMM guesses words missing from its dictionaries.
    hmm: bool,
    #[serde(skip)]
    jieba: OnceLock<Jieba>,
}

impl Clone for JiebaSegmenter {
    fn clone(&self) -> Self {
        JiebaSegmenter {
            user_dictionary: self.user_dictionary.clone(),
            hmm: self.hmm,
            jieba: OnceLock::new(),
        }
    }
}

impl JiebaSegmenter {
    /// A segmenter with the given user dictionary; it is checked here so a bad line is reported at once.
    pub fn new(user_dictionary: String, hmm: bool) -> Result<Self, TriageError> {
        let segmenter = JiebaSegmenter {
            user_dictionary,
            hmm,
            jieba: OnceLock::new(),
        };
        let jieba = segmenter.build()?;
        let _ = segmenter.jieba.set(jieba);
        Ok(segmenter)
    }

    /// The shipped domain dictionary, with HMM on.
    pub fn with_domain_dictionary() -> Self {
        Self::new(DOMAIN_DICTIONARY.to_string(), true).expect("the shipped dictionary is valid")
    }

    pub fn user_dictionary(&self) -> &str {
        &self.user_dictionary
    }

    fn build(&self) -> Result<Jieba, TriageError> {
        let mut jieba = default_jieba();
        jieba
            .load_dict(&mut BufReader::new(self.user_dictionary.as_bytes()))
            .map_err(|e| TriageError::Dictionary(e.to_string()))?;
        Ok(jieba)
    }

    fn jieba(&self) -> &Jieba {
        // A dictionary that loaded at training time loads again; fall back to none rather than panic.
        self.jieba
            .get_or_init(|| self.build().unwrap_or_else(|_| Jieba::new()))
    }
}

impl Segmenter for JiebaSegmenter {
    fn segment(&self, text: &str) -> Vec<Word> {
        self.jieba()
            .cut(text, self.hmm)
            .into_iter()
            .map(|token| Word {
                char_start: token.start as u32,
                char_end: token.end as u32,
                byte_start: token.byte_start as u32,
                byte_end: token.byte_end as u32,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(segmenter: &JiebaSegmenter, text: &str) -> Vec<String> {
        segmenter
            .segment(text)
            .iter()
            .map(|w| w.text(text).to_string())
            .collect()
    }

    #[test]
    fn domain_terms_stay_whole_with_the_dictionary() {
        let segmenter = JiebaSegmenter::with_domain_dictionary();
        for term in ["城镇土地使用税", "基本电费", "过桥资金", "专精特新"] {
            let text = format!("企业反映{term}问题");
            assert!(
                words(&segmenter, &text).contains(&term.to_string()),
                "{term} split: {:?}",
                words(&segmenter, &text)
            );
        }
    }

    #[test]
    fn without_the_dictionary_the_same_terms_split() {
        let plain = JiebaSegmenter::new(String::new(), true).unwrap();
        assert!(
            !words(&plain, "企业反映城镇土地使用税问题").contains(&"城镇土地使用税".to_string())
        );
        assert!(!words(&plain, "企业反映基本电费问题").contains(&"基本电费".to_string()));
    }

    #[test]
    fn offsets_cover_the_text_exactly() {
        let segmenter = JiebaSegmenter::with_domain_dictionary();
        let text = "我公司2023年贷款300万元，期限只有三个月";
        let joined: String = words(&segmenter, text).concat();
        assert_eq!(joined, text);
        let last = segmenter.segment(text).last().copied().unwrap();
        assert_eq!(last.char_end as usize, text.chars().count());
    }

    #[test]
    fn a_saved_segmenter_rebuilds_itself() {
        let segmenter = JiebaSegmenter::with_domain_dictionary();
        let json = serde_json::to_string(&segmenter).unwrap();
        let loaded: JiebaSegmenter = serde_json::from_str(&json).unwrap();
        let text = "基本电费过高";
        assert_eq!(words(&segmenter, text), words(&loaded, text));
    }
}
