//! sentencepiece's precompiled character map (`NormalizerSpec.precompiled_charsmap`, also what Hugging Face's
//! `Precompiled` normalizer reads): a darts-clone double-array trie over UTF-8 byte strings whose values are
//! offsets into a blob of NUL-terminated replacement strings.
//!
//! Layout: a little-endian `u32` trie size in bytes, the trie (little-endian `u32` units), then the blob.
//! Every access is bounds-checked: a hostile map can make lookups miss, never read out of range.

use crate::error::{Error, Result};

/// A loaded character map.
#[derive(Debug, Clone)]
pub struct Charsmap {
    units: Vec<u32>,
    blob: Vec<u8>,
}

/// Only the first this-many prefix matches of a lookup are considered, as sentencepiece does.
const MAX_MATCHES: usize = 32;

impl Charsmap {
    /// Parses the bytes of a precompiled charsmap.
    pub fn new(data: &[u8]) -> Result<Self> {
        let bad = |m: &str| Error::InvalidModel(format!("precompiled_charsmap: {m}"));
        let head: [u8; 4] = data.get(..4).and_then(|h| h.try_into().ok()).ok_or_else(|| bad("shorter than 4 bytes"))?;
        let trie_size = u32::from_le_bytes(head) as usize;
        if !trie_size.is_multiple_of(4) || trie_size > data.len() - 4 {
            return Err(bad(&format!("trie size {trie_size} does not fit in {} bytes", data.len())));
        }
        let trie = &data[4..4 + trie_size];
        let units = trie.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect::<Vec<_>>();
        if units.is_empty() {
            return Err(bad("the trie is empty"));
        }
        Ok(Charsmap { units, blob: data[4 + trie_size..].to_vec() })
    }

    fn unit(&self, pos: usize) -> Option<u32> {
        self.units.get(pos).copied()
    }

    /// Whether a rule may match at the ASCII byte `b` when an ASCII byte follows it: a rule for `b` alone, or one
    /// continuing `b` with an ASCII byte (not counted: rules continuing it otherwise, `A` + a combining mark).
    pub fn rewrites_before_ascii(&self, b: u8) -> bool {
        let Some(root) = self.unit(0) else { return false };
        let pos = offset(root) ^ b as usize;
        let Some(u) = self.unit(pos).filter(|&u| label(u) == b as u32) else { return false };
        let children = pos ^ offset(u);
        has_leaf(u) || (0..128u32).any(|c| self.unit(children ^ c as usize).is_some_and(|v| label(v) == c))
    }

    /// The longest rule matching a prefix of `text`: `(bytes of text it consumes, replacement)`. A replacement
    /// that is not valid UTF-8 or runs past the blob counts as no match.
    pub fn longest_prefix<'a>(&'a self, text: &[u8]) -> Option<(usize, &'a str)> {
        let mut pos = offset(self.unit(0)?);
        let (mut best, mut matches) = (None, 0);
        for (i, &b) in text.iter().enumerate() {
            pos ^= b as usize;
            let u = self.unit(pos)?;
            if label(u) != b as u32 {
                break;
            }
            pos ^= offset(u);
            if has_leaf(u) {
                if matches < MAX_MATCHES {
                    let value = (self.unit(pos)? & 0x7FFF_FFFF) as usize;
                    best = Some((i + 1, value));
                }
                matches += 1;
            }
        }
        let (len, value) = best?;
        let rest = self.blob.get(value..)?;
        let end = rest.iter().position(|&c| c == 0)?;
        std::str::from_utf8(&rest[..end]).ok().map(|s| (len, s))
    }
}

/// darts-clone's unit fields: the offset to a node's children, whether it has a leaf (a value), its label.
fn offset(u: u32) -> usize {
    ((u >> 10) << ((u & (1 << 9)) >> 6)) as usize
}

fn has_leaf(u: u32) -> bool {
    (u >> 8) & 1 == 1
}

fn label(u: u32) -> u32 {
    u & ((1 << 31) | 0xFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_maps_are_errors_or_misses_never_panics() {
        assert!(Charsmap::new(b"").is_err());
        assert!(Charsmap::new(&[8, 0, 0, 0, 1]).is_err());
        assert!(Charsmap::new(&[0, 0, 0, 0]).is_err());
        let mut seed = 7u64;
        for len in [4usize, 8, 12, 40, 400] {
            for _ in 0..200 {
                let mut data: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        (seed >> 56) as u8
                    })
                    .collect();
                data[..4].copy_from_slice(&(((len - 4) / 8 * 4) as u32).to_le_bytes());
                if let Ok(map) = Charsmap::new(&data) {
                    for text in ["abc", "ＡＢ", "\u{0}\u{ff}", "日本語"] {
                        let _ = map.longest_prefix(text.as_bytes());
                    }
                }
            }
        }
    }
}
