//! BERT's pattern ([`patterns::BERT`](super::patterns::BERT)): white-space runs, single punctuation
//! characters, runs of anything else.
use super::classes::{Text, PUNCT, SPACE};

/// The end of the match starting at `i`.
pub(crate) fn match_end(t: &Text, i: usize) -> usize {
    let (f, len) = t.class(i);
    if f & SPACE != 0 {
        t.run(i, SPACE)
    } else if f & PUNCT != 0 {
        i + len
    } else {
        t.run_while(i, |f| f & (SPACE | PUNCT) == 0)
    }
}
