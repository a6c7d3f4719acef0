//! Where a byte becomes a token: GPT-2's byte order and its byte-level alphabet.
//!
//! Ids 0–255 of a tokenforge vocabulary are the 256 bytes in the order of GPT-2's `bytes_to_unicode`:
//! the printable bytes `!`..`~`, `¡`..`¬`, `®`..`ÿ` first, then the other 68 bytes in increasing order.
//! That order is also the code-point order of the characters `bytes_to_unicode` maps them to, which is why
//! Hugging Face's `BpeTrainer` (which sorts its alphabet) assigns the same ids.

/// True for the bytes that `bytes_to_unicode` maps to themselves.
const fn printable(b: u8) -> bool {
    matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF)
}

/// The 256 bytes in GPT-2 order: `BYTE_ORDER[id]` is the byte that token `id` stands for.
pub const BYTE_ORDER: [u8; 256] = {
    let mut order = [0u8; 256];
    let mut n = 0;
    let mut b = 0;
    while b < 256 {
        if printable(b as u8) {
            order[n] = b as u8;
            n += 1;
        }
        b += 1;
    }
    b = 0;
    while b < 256 {
        if !printable(b as u8) {
            order[n] = b as u8;
            n += 1;
        }
        b += 1;
    }
    order
};

/// The inverse of [`BYTE_ORDER`]: `BYTE_RANK[byte]` is the id of the single-byte token.
pub const BYTE_RANK: [u32; 256] = {
    let mut rank = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        rank[BYTE_ORDER[i] as usize] = i as u32;
        i += 1;
    }
    rank
};

/// The character GPT-2's byte-level alphabet uses for `b` (as in `tokenizer.json` vocabularies).
pub fn byte_to_char(b: u8) -> char {
    if printable(b) {
        b as char
    } else {
        // Non-printable bytes get 256, 257, ... in increasing byte order.
        let n = (0..b).filter(|&x| !printable(x)).count() as u32;
        char::from_u32(256 + n).expect("valid code point")
    }
}

/// The byte behind a byte-level character, or `None` for a character outside the alphabet.
pub fn char_to_byte(c: char) -> Option<u8> {
    let cp = c as u32;
    if cp < 256 && printable(cp as u8) {
        return Some(cp as u8);
    }
    let n = cp.checked_sub(256)? as usize;
    (0u8..=255).filter(|&x| !printable(x)).nth(n)
}

/// A token's bytes written in the byte-level alphabet (`"Ġthe"` for `b" the"`).
pub fn bytes_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| byte_to_char(b)).collect()
}

/// The bytes behind a byte-level string, or `None` if it holds a character outside the alphabet.
pub fn string_to_bytes(s: &str) -> Option<Vec<u8>> {
    s.chars().map(char_to_byte).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_a_permutation_starting_with_printables() {
        let mut seen = [false; 256];
        for &b in BYTE_ORDER.iter() {
            assert!(!seen[b as usize]);
            seen[b as usize] = true;
        }
        assert_eq!(BYTE_ORDER[0], b'!');
        assert_eq!(BYTE_ORDER[188], 0x00);
        assert_eq!(BYTE_RANK[b' ' as usize], 188 + 32);
    }

    #[test]
    fn byte_chars_round_trip_and_match_gpt2() {
        assert_eq!(byte_to_char(b' '), 'Ġ');
        assert_eq!(byte_to_char(b'\n'), 'Ċ');
        assert_eq!(byte_to_char(b'a'), 'a');
        for b in 0..=255u8 {
            assert_eq!(char_to_byte(byte_to_char(b)), Some(b));
        }
        // Code-point order of the byte characters is GPT-2 order.
        let mut chars: Vec<char> = (0..=255u8).map(byte_to_char).collect();
        chars.sort();
        let order: Vec<u8> = chars.into_iter().map(|c| char_to_byte(c).unwrap()).collect();
        assert_eq!(order, BYTE_ORDER.to_vec());
        assert_eq!(char_to_byte('€'), None);
    }
}
