//! Which merged tokens a trainer may create: length caps (KL3M), word caps and forbidden substrings
//! (SuperBPE). A merge whose token breaks a rule is never made; the pair is set aside for good.

/// Limits on learned tokens. The default allows everything.
#[derive(Debug, Clone, Default)]
pub struct TokenRules {
    /// At most this many bytes.
    pub max_bytes: Option<usize>,
    /// At most this many characters (code points; bytes of a partial UTF-8 sequence count one each).
    pub max_chars: Option<usize>,
    /// At most this many words: the non-empty parts left when the token is split at spaces.
    pub max_words: Option<usize>,
    /// Byte strings no token may contain (SuperBPE's `": "`).
    pub forbidden: Vec<Vec<u8>>,
}

/// Characters in `token`: code points of its valid UTF-8 runs plus one per invalid byte.
pub fn char_count(token: &[u8]) -> usize {
    token.utf8_chunks().map(|c| c.valid().chars().count() + c.invalid().len()).sum()
}

/// Words in `token`, counted as SuperBPE does: `" of the"` is 2, `"by the way"` is 3.
pub fn word_count(token: &[u8]) -> usize {
    token.split(|&b| b == b' ').filter(|part| !part.is_empty()).count()
}

impl TokenRules {
    /// True when no rule is set (the trainer then matches Hugging Face exactly).
    pub fn is_empty(&self) -> bool {
        self.max_bytes.is_none() && self.max_chars.is_none() && self.max_words.is_none() && self.forbidden.is_empty()
    }

    /// Whether a merged token may be created.
    pub fn allows(&self, token: &[u8]) -> bool {
        self.max_bytes.is_none_or(|m| token.len() <= m)
            && self.max_chars.is_none_or(|m| char_count(token) <= m)
            && self.max_words.is_none_or(|m| word_count(token) <= m)
            && !self.forbidden.iter().any(|f| !f.is_empty() && token.windows(f.len()).any(|w| w == f.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_like_superbpe() {
        assert_eq!(word_count(b" of the"), 2);
        assert_eq!(word_count(b"by the way"), 3);
        assert_eq!(word_count(b"   "), 0);
        assert_eq!(word_count(b" a  b "), 2);
    }

    #[test]
    fn chars_count_code_points_and_stray_bytes() {
        assert_eq!(char_count("héllo".as_bytes()), 5);
        assert_eq!(char_count(b"\xe4\xb8"), 2);
        assert_eq!(char_count("中".as_bytes()), 1);
    }

    #[test]
    fn rules_combine() {
        let r = TokenRules {
            max_bytes: Some(4),
            max_words: Some(1),
            forbidden: vec![b": ".to_vec()],
            ..Default::default()
        };
        assert!(r.allows(b"abcd"));
        assert!(!r.allows(b"abcde"));
        assert!(!r.allows(b"a b"));
        assert!(!r.allows(b"a: "));
        assert!(TokenRules::default().allows(&[0u8; 100]));
        let c = TokenRules { max_chars: Some(2), ..Default::default() };
        assert!(c.allows("中文".as_bytes()));
        assert!(!c.allows("中文字".as_bytes()));
    }
}
