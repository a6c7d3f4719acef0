//! Pre-tokenization: cutting text into the pieces that BPE never merges across.
//!
//! A split keeps every byte: the pieces are the regex matches *and* the text between them
//! (Hugging Face's `Split(pattern, "isolated")`), so concatenating the pieces gives back the input.
//! Presets are exact regular expressions, run by hand-written linear scanners; any other pattern
//! goes through `fancy-regex` with a backtracking limit that turns into an error, never a hang.

mod bert;
mod blocks;
mod cl100k;
mod classes;
mod code;
mod deepseek;
mod gpt2;
mod o200k;
mod patterns;
mod scan;
mod superbpe;

pub use patterns::{BERT, CL100K, CODE, DEEPSEEK_V3, GPT2, METASPACE, O200K, QWEN2, SUPERBPE_STAGE1, SUPERBPE_STAGE2};

/// sentencepiece's whitespace symbol, where the metaspace split starts a piece.
const METASPACE_CHAR: char = '\u{2581}';
pub use scan::{Preset, BATCH};

use crate::error::{Error, Result};

/// How text is cut into pre-tokens.
#[derive(Debug, Clone)]
pub enum Pretokenizer {
    /// No splitting: a document is one piece.
    None,
    /// A named preset (`gpt2`, `gpt4`, `o200k`), run by a linear-time scanner.
    Preset(Preset),
    /// A user-supplied pattern.
    Regex { pattern: String, re: Box<fancy_regex::Regex> },
    /// Hugging Face's `Metaspace` split: a piece starts at every space and every `▁` (the spaces the
    /// normalizer writes as `▁`), so each holds one and what follows it up to the next.
    Metaspace,
    /// Several splits in a row, each cutting the pieces the one before left (Hugging Face's `Sequence` of
    /// `Split`s, as DeepSeek ships); `spec` is its JSON array of patterns.
    Sequence { spec: String, steps: Vec<Pretokenizer> },
}

/// Backtracking budget for user patterns; exceeding it is an [`Error::RegexLimit`].
const BACKTRACK_LIMIT: usize = 1_000_000;

fn compile(pattern: &str) -> Result<fancy_regex::Regex> {
    fancy_regex::RegexBuilder::new(pattern)
        .backtrack_limit(BACKTRACK_LIMIT)
        .build()
        .map_err(|e| Error::InvalidRegex(format!("{pattern:?}: {e}")))
}

impl Pretokenizer {
    /// A preset by name (`gpt2`, `gpt4` (alias `cl100k`), `o200k`, `none`) or by its exact pattern, a JSON
    /// array of specs (a sequence of splits), else `spec` as a regex.
    pub fn new(spec: &str) -> Result<Self> {
        if let Ok(list) = serde_json::from_str::<Vec<String>>(spec) {
            // DeepSeek's sequence, however its JSON is spelled, runs on its scanner.
            if serde_json::from_str::<Vec<String>>(DEEPSEEK_V3).is_ok_and(|steps| steps == list) {
                return Ok(Pretokenizer::Preset(Preset::DeepSeekV3));
            }
            if list.len() > 1 {
                let steps = list.iter().map(|s| Pretokenizer::new(s)).collect::<Result<Vec<_>>>()?;
                return Ok(Pretokenizer::Sequence { spec: spec.to_owned(), steps });
            }
        }
        match spec {
            "none" | "" => Ok(Pretokenizer::None),
            "metaspace" | METASPACE => Ok(Pretokenizer::Metaspace),
            // A preset's exact pattern runs on its scanner too (as in an imported tokenizer.json).
            "gpt2" | GPT2 => Ok(Pretokenizer::Preset(Preset::Gpt2)),
            "gpt4" | "cl100k" | CL100K => Ok(Pretokenizer::Preset(Preset::Cl100k)),
            "o200k" | O200K => Ok(Pretokenizer::Preset(Preset::O200k)),
            "qwen2" | QWEN2 => Ok(Pretokenizer::Preset(Preset::Qwen2)),
            "superbpe-stage1" | SUPERBPE_STAGE1 => Ok(Pretokenizer::Preset(Preset::SuperBpe1)),
            "superbpe-stage2" | SUPERBPE_STAGE2 => Ok(Pretokenizer::Preset(Preset::SuperBpe2)),
            "bert" | BERT => Ok(Pretokenizer::Preset(Preset::Bert)),
            "code" | CODE => Ok(Pretokenizer::Preset(Preset::Code)),
            "deepseek-v3" => Ok(Pretokenizer::Preset(Preset::DeepSeekV3)),
            _ => Ok(Pretokenizer::Regex { pattern: spec.to_owned(), re: Box::new(compile(spec)?) }),
        }
    }

    /// The preset's name, `"none"`, or `"regex"`.
    pub fn name(&self) -> &str {
        match self {
            Pretokenizer::None => "none",
            Pretokenizer::Metaspace => "metaspace",
            Pretokenizer::Preset(p) => p.name(),
            Pretokenizer::Regex { .. } => "regex",
            Pretokenizer::Sequence { .. } => "sequence",
        }
    }

    /// The exact pattern (empty for `none`; the JSON array of patterns for a sequence).
    pub fn pattern(&self) -> &str {
        match self {
            Pretokenizer::None => "",
            Pretokenizer::Metaspace => METASPACE,
            Pretokenizer::Preset(p) => p.pattern(),
            Pretokenizer::Regex { pattern, .. } => pattern,
            Pretokenizer::Sequence { spec, .. } => spec,
        }
    }

    /// The exact patterns of the splits, in order: one, or a sequence's (DeepSeek's preset is a sequence).
    pub fn patterns(&self) -> Vec<String> {
        match self {
            Pretokenizer::Sequence { steps, .. } => steps.iter().map(|s| s.pattern().to_owned()).collect(),
            Pretokenizer::Preset(Preset::DeepSeekV3) => {
                serde_json::from_str(DEEPSEEK_V3).expect("DEEPSEEK_V3 is a JSON array of patterns")
            }
            _ => vec![self.pattern().to_owned()],
        }
    }

    /// Appends the pieces of `text` to `out`. Their concatenation is `text`; no piece is empty.
    pub fn split<'a>(&self, text: &'a str, out: &mut Vec<&'a str>) -> Result<()> {
        match self {
            Pretokenizer::None => {
                if !text.is_empty() {
                    out.push(text);
                }
                Ok(())
            }
            Pretokenizer::Preset(p) => {
                p.split(text, out);
                Ok(())
            }
            Pretokenizer::Metaspace => {
                split_metaspace(text, out);
                Ok(())
            }
            Pretokenizer::Regex { re, .. } => split_regex(re, text, out),
            Pretokenizer::Sequence { steps, .. } => {
                let mut pieces = vec![text];
                for step in steps {
                    let mut next = Vec::with_capacity(pieces.len());
                    for piece in pieces {
                        step.split(piece, &mut next)?;
                    }
                    pieces = next;
                }
                out.extend(pieces);
                Ok(())
            }
        }
    }

    /// Bytes of text that must follow a piece start before [`settled`](Self::settled) can vouch for it: what
    /// the presets' scanners look ahead, and a generous bound for user patterns (whose look-ahead must be
    /// shorter than this for streamed documents to split exactly as whole ones).
    pub fn margin(&self) -> usize {
        match self {
            Pretokenizer::Regex { .. } => 1024,
            Pretokenizer::Sequence { steps, .. } => steps.iter().map(Self::margin).max().unwrap_or(16),
            _ => 16,
        }
    }

    /// Whether the pieces before a piece start at byte `at` of `data` stay the same whatever follows `data`
    /// (given [`margin`](Self::margin) bytes after `at`). For the presets a piece can only reach far ahead
    /// inside a run of white space (`\s+(?!\S)`, `\s*[\r\n]+`) or, in o200k, of letters (its case
    /// structure), so a start between two such characters is never settled. `none` never cuts.
    pub fn settled(&self, data: &[u8], at: usize) -> bool {
        let preset = match self {
            Pretokenizer::Preset(preset) => preset,
            Pretokenizer::Regex { .. } => return true,
            Pretokenizer::Sequence { steps, .. } => return steps.iter().all(|s| s.settled(data, at)),
            Pretokenizer::None => return false,
            Pretokenizer::Metaspace => return matches!(char_at(data, at), Some(' ' | METASPACE_CHAR)),
        };
        let (Some(before), Some(after)) = (char_before(data, at), char_at(data, at)) else { return false };
        let (fb, fa) = (classes::char_flags(before), classes::char_flags(after));
        let both = |mask: u8| fb & mask != 0 && fa & mask != 0;
        let word_runs = matches!(preset, Preset::O200k | Preset::SuperBpe1);
        let bert_word = |f: u8| f & (classes::SPACE | classes::PUNCT) == 0;
        let bert_runs = *preset == Preset::Bert && bert_word(fb) && bert_word(fa);
        !(both(classes::SPACE) || bert_runs || (word_runs && both(classes::LETTER | classes::UPPER | classes::LOWER)))
    }

    /// Where `data` can be cut into parts of about `part` bytes that split independently (the pieces of the
    /// parts, in order, are the pieces of the whole): `[0, c1, …, data.len()]`. A preset cuts at a space
    /// between two ASCII letters: every preset's piece ends after a letter that a space follows, and the piece
    /// at the space depends only on what follows it. Other pre-tokenizers give one part.
    pub fn parts(&self, data: &[u8], part: usize) -> Vec<usize> {
        let mut cuts = vec![0];
        let cuttable = matches!(
            self,
            Pretokenizer::Preset(
                Preset::Gpt2 | Preset::Cl100k | Preset::Qwen2 | Preset::O200k | Preset::SuperBpe1 | Preset::DeepSeekV3
            )
        );
        if cuttable && part > 0 {
            let mut at = part;
            while at + part / 2 < data.len() {
                let window = &data[at - 1..(at + part + 1).min(data.len())];
                let found = window
                    .windows(3)
                    .position(|w| w[1] == b' ' && w[0].is_ascii_alphabetic() && w[2].is_ascii_alphabetic());
                match found {
                    Some(k) => {
                        cuts.push(at + k);
                        at += k + part;
                    }
                    None => at += part,
                }
            }
        }
        cuts.push(data.len());
        cuts
    }

    /// Like [`split`](Self::split) for arbitrary bytes: valid UTF-8 runs are split as text, each
    /// invalid sequence becomes a piece of its own (with `none`, all of `data` is one piece).
    pub fn split_bytes<'a>(&self, data: &'a [u8], out: &mut Vec<&'a [u8]>) -> Result<()> {
        if let Pretokenizer::None = self {
            // No text assumptions: raw bytes (an executable, say) stay one piece.
            if !data.is_empty() {
                out.push(data);
            }
            return Ok(());
        }
        let mut pieces = Vec::new();
        for chunk in data.utf8_chunks() {
            pieces.clear();
            self.split(chunk.valid(), &mut pieces)?;
            out.extend(pieces.iter().map(|p| p.as_bytes()));
            if !chunk.invalid().is_empty() {
                out.push(chunk.invalid());
            }
        }
        Ok(())
    }
}

/// The character that starts at byte `at`, if a valid one does.
fn char_at(data: &[u8], at: usize) -> Option<char> {
    let end = (at + 4).min(data.len());
    data.get(at..end)?.utf8_chunks().next()?.valid().chars().next()
}

/// The character that ends at byte `at`, if a valid one does.
fn char_before(data: &[u8], at: usize) -> Option<char> {
    (1..=4.min(at)).find_map(|n| std::str::from_utf8(&data[at - n..at]).ok()?.chars().next())
}

/// The metaspace split: a piece starts at every space and `▁` (and at the start of `text`).
fn split_metaspace<'a>(text: &'a str, out: &mut Vec<&'a str>) {
    let mut start = 0;
    for (at, _) in text.match_indices([' ', METASPACE_CHAR]) {
        if at > start {
            out.push(&text[start..at]);
        }
        start = at;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
}

/// Matches and the gaps between them, in order; empty matches are skipped.
fn split_regex<'a>(re: &fancy_regex::Regex, text: &'a str, out: &mut Vec<&'a str>) -> Result<()> {
    let mut last = 0;
    for m in re.find_iter(text) {
        let m = m.map_err(|e| Error::RegexLimit(e.to_string()))?;
        if m.start() == m.end() {
            continue;
        }
        if m.start() > last {
            out.push(&text[last..m.start()]);
        }
        out.push(m.as_str());
        last = m.end();
    }
    if last < text.len() {
        out.push(&text[last..]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(spec: &str, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        Pretokenizer::new(spec).unwrap().split(text, &mut out).unwrap();
        out.into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn gpt2_splits_words_and_spaces() {
        assert_eq!(pieces("gpt2", "Hello  world's"), ["Hello", " ", " world", "'s"]);
    }

    #[test]
    fn gpt4_groups_digits_by_three() {
        assert_eq!(pieces("gpt4", "x 12345"), ["x", " ", "123", "45"]);
    }

    #[test]
    fn metaspace_starts_a_piece_at_every_metaspace_as_its_regex_does() {
        for text in ["▁Hello▁▁world", "lead▁a", "", "▁", "▁▁▁x▁", "some  spaces ▁here"] {
            let ours = pieces("metaspace", text);
            let regex = pieces(&format!("(?:{METASPACE})"), text);
            assert_eq!(ours, regex, "{text:?}");
        }
        assert_eq!(pieces("metaspace", "▁Hello▁▁world"), ["▁Hello", "▁", "▁world"]);
        assert_eq!(pieces("metaspace", "Hello  world"), ["Hello", " ", " world"]);
    }

    #[test]
    fn code_keeps_identifiers_operators_and_indentation() {
        let text = "def f(x_1):\n    return x_1 **= y->z  # ok\n\tif a<<=3:\n";
        let want =
            ["def", " f", "(", "x_1", ")", ":", "\n    ", "return", " x_1", " **=", " y", "->", "z", "  ", "#", " ok"];
        assert_eq!(pieces("code", text)[..16], want);
        assert_eq!(pieces("code", text)[16..], ["\n\t", "if", " a", "<<=", "3", ":", "\n"]);
    }

    #[test]
    fn gaps_are_kept() {
        assert_eq!(pieces("[0-9]+", "ab12cd"), ["ab", "12", "cd"]);
    }

    #[test]
    fn a_sequence_splits_the_pieces_of_each_step() {
        let spec = r#"["\\p{N}{1,3}", "gpt2"]"#;
        assert_eq!(pieces(spec, "ab 12345 cd"), ["ab", " ", "123", "45", " cd"]);
        assert_eq!(Pretokenizer::new(spec).unwrap().name(), "sequence");
    }

    #[test]
    fn parts_split_as_the_whole() {
        let text = "The cat's 12345 dogs  ran\n\n  over Ünïcödé, 'LL words; then  more text ".repeat(40);
        for spec in ["gpt2", "gpt4", "o200k", "superbpe-stage1"] {
            let whole = pieces(spec, &text);
            let pre = Pretokenizer::new(spec).unwrap();
            for part in [1, 7, 64, 500] {
                let cuts = pre.parts(text.as_bytes(), part);
                assert!(cuts.len() > 2, "{spec} {part}");
                let mut joined = Vec::new();
                for w in cuts.windows(2) {
                    pre.split(&text[w[0]..w[1]], &mut joined).unwrap();
                }
                assert_eq!(joined, whole, "{spec} cut every {part} bytes");
            }
        }
        assert_eq!(Pretokenizer::new("superbpe-stage2").unwrap().parts(text.as_bytes(), 64), [0, text.len()]);
    }

    #[test]
    fn bad_regex_is_an_error() {
        assert!(matches!(Pretokenizer::new("(unclosed"), Err(Error::InvalidRegex(_))));
    }

    #[test]
    fn catastrophic_backtracking_is_an_error() {
        let pre = Pretokenizer::new(r"(?:a|a)*(?=b)").unwrap();
        let err = pre.split(&"a".repeat(100), &mut Vec::new()).unwrap_err();
        assert!(matches!(err, Error::RegexLimit(_)), "{err:?}");
    }

    #[test]
    fn invalid_bytes_are_their_own_pieces() {
        let pre = Pretokenizer::new("gpt2").unwrap();
        let mut out = Vec::new();
        pre.split_bytes(b"ab\xffcd", &mut out).unwrap();
        assert_eq!(out, [&b"ab"[..], &b"\xff"[..], &b"cd"[..]]);
    }
}
