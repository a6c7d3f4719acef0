//! `.tiktoken` rank files: one line per token, `base64(token bytes) rank`, blank lines allowed. Lines end at
//! `\n`, `\r` or `\r\n` and fields are split on ASCII whitespace, as Python's `bytes.splitlines` and
//! `bytes.split` do; the token is strict base64 (canonical padding, as Python's `b64decode(validate=True)`,
//! so never empty), the rank decimal digits. The first problem in line order is the error (`tokenforge/interop/tiktoken.py` says it
//! in words and decides what the ranks become).
use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use rustc_hash::{FxHashMap, FxHashSet};

/// Python's strict base64: canonical padding required, bits after the last byte ignored.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// The tokens of a rank file in line order, with their ranks.
pub struct RankFile {
    tokens: Vec<Vec<u8>>,
    /// Rank → the line that gives it.
    ranks: FxHashMap<u64, usize>,
    rank_order: Vec<u64>,
}

/// The first problem of a rank file, at a line (counted from 1).
#[derive(Debug, PartialEq, Eq)]
pub enum RankFileError {
    /// Not two fields, a base64 token and a rank (why).
    NotALine { line: usize, why: String },
    /// A token an earlier line has.
    TokenTwice { line: usize, token: Vec<u8> },
    /// A rank an earlier line (`first`) has.
    RankTwice { line: usize, rank: u64, first: usize },
}

/// Python's ASCII whitespace (`bytes.split`, `bytes.strip`): Rust's leaves out vertical tab.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The lines of `data`, as Python's `bytes.splitlines`.
fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.iter().position(|&c| c == b'\n' || c == b'\r').unwrap_or(rest.len());
        let line = &rest[..end];
        rest = &rest[(end + if rest[end..].starts_with(b"\r\n") { 2 } else { 1 }).min(rest.len())..];
        Some(line)
    })
}

/// The token and rank of one line (`None` for a blank line), or why it is not a `.tiktoken` line.
fn parse_line(line: &[u8]) -> Result<Option<(Vec<u8>, u64)>, String> {
    let mut fields = line.split(|&c| is_space(c)).filter(|f| !f.is_empty());
    let (token, rank) = match (fields.next(), fields.next(), fields.next()) {
        (None, ..) => return Ok(None),
        (Some(token), Some(rank), None) if rank.iter().all(u8::is_ascii_digit) => (token, rank),
        _ => return Err("expected a base64 token and a rank".to_owned()),
    };
    let rank = rank
        .iter()
        .try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
        .ok_or_else(|| "the rank does not fit in 64 bits".to_owned())?;
    let token = BASE64.decode(token).map_err(|e| format!("not base64: {e}"))?;
    Ok(Some((token, rank)))
}

impl RankFile {
    /// Reads the content of a rank file (not compressed).
    pub fn parse(data: &[u8]) -> Result<Self, RankFileError> {
        let (mut tokens, mut rank_order, mut line_of) = (Vec::new(), Vec::new(), Vec::new());
        let mut problem = None;
        for (line, text) in (1..).zip(lines(data)) {
            match parse_line(text) {
                Ok(None) => {}
                Ok(Some((token, rank))) => {
                    tokens.push(token);
                    rank_order.push(rank);
                    line_of.push(line);
                }
                Err(why) => {
                    problem = Some(RankFileError::NotALine { line, why });
                    break;
                }
            }
        }
        // A repeat on an earlier line comes before the problem that ended the reading.
        let mut seen: FxHashSet<&[u8]> = FxHashSet::with_capacity_and_hasher(tokens.len(), Default::default());
        let mut ranks = FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
        for ((token, &rank), &line) in tokens.iter().zip(&rank_order).zip(&line_of) {
            if !seen.insert(token) {
                return Err(RankFileError::TokenTwice { line, token: token.clone() });
            }
            if let Some(&first) = ranks.get(&rank) {
                return Err(RankFileError::RankTwice { line, rank, first });
            }
            ranks.insert(rank, line);
        }
        drop(seen);
        match problem {
            Some(problem) => Err(problem),
            None => Ok(RankFile { tokens, ranks, rank_order }),
        }
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when the file has no token.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The highest rank, if there is a token.
    pub fn max_rank(&self) -> Option<u64> {
        self.rank_order.iter().copied().max()
    }

    /// True when a token has rank `rank`.
    pub fn has_rank(&self, rank: u64) -> bool {
        self.ranks.contains_key(&rank)
    }

    /// Token bytes by rank for ids `0..size` (empty for a rank no token has; ranks from `size` on left out).
    pub fn by_rank(&self, size: usize) -> Vec<&[u8]> {
        let mut out = vec![&[][..]; size];
        for (token, &rank) in self.tokens.iter().zip(&self.rank_order) {
            if let Some(slot) = usize::try_from(rank).ok().and_then(|r| out.get_mut(r)) {
                *slot = token;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_as_python_splits_them() {
        let file = RankFile::parse(b"YQ== 1\r\n\r\x0bYg==\x0c0\rYWI= 7\n\n").unwrap();
        assert_eq!((file.len(), file.max_rank(), file.has_rank(7), file.has_rank(2)), (3, Some(7), true, false));
        assert_eq!(file.by_rank(3), [&b"b"[..], b"a", b""]);
        assert!(RankFile::parse(b"").unwrap().is_empty());
    }

    #[test]
    fn the_first_problem_in_line_order_is_the_error() {
        for (data, line) in [
            (&b"YQ== 1\nYQ 2\n"[..], 2),
            (b"YQ== 1 2\n", 1),
            (b"YQ== -1\n", 1),
            (b"YQ== 18446744073709551616\n", 1),
            (b"YQ=== 1\n", 1),
            (b"==== 1\n", 1),
        ] {
            let got = RankFile::parse(data).err();
            assert!(matches!(got, Some(RankFileError::NotALine { line: l, .. }) if l == line), "{data:?}: {got:?}");
        }
        let twice = RankFile::parse(b"YQ== 1\nYR== 2\n!!").err();
        assert_eq!(twice, Some(RankFileError::TokenTwice { line: 2, token: b"a".to_vec() }), "YR== is 'a' too");
        let rank = RankFile::parse(b"YQ== 1\n\nYg== 1\nYWI= x").err();
        assert_eq!(rank, Some(RankFileError::RankTwice { line: 3, rank: 1, first: 1 }));
    }
}
