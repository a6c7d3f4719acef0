//! Where text meets the lexicon: runs of letters are words, the rest gaps; a word in lower case (or with a
//! capital first letter, after `<uppercase>`) is a root and the affixes that cover the rest exactly; one space
//! is `<space>`; everything else is left to BPE.
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::harmony::{affix_key, lower, realise, upper};
use super::{N_SPECIALS, SPACE, UPPER};

/// How case is folded: Unicode's rules, with Turkish dotted and dotless i when `turkish`.
#[derive(Clone, Copy, Debug)]
pub struct Casing {
    pub turkish: bool,
}

impl Casing {
    /// `word` in lower case.
    pub fn lower(&self, word: &str) -> String {
        let mut out = String::with_capacity(word.len());
        word.chars().for_each(|c| lower(c, self.turkish, &mut out));
        out
    }

    /// `word` with its first character in upper case.
    pub fn upper_first(&self, word: &str) -> String {
        let mut out = String::with_capacity(word.len() + 2);
        let mut chars = word.chars();
        if let Some(c) = chars.next() {
            upper(c, self.turkish, &mut out);
        }
        out.push_str(chars.as_str());
        out
    }
}

/// Where the bytes of a word's lower case lie in the word itself: only the first character may differ in
/// length, and a span that ends inside it covers it whole.
pub struct Recased {
    at: usize,
    first: usize,
    shift: isize,
}

impl Recased {
    /// `lower` stands for the bytes `at..end` of the text.
    pub fn new(lower: &[u8], at: usize, end: usize) -> Self {
        let first = std::str::from_utf8(lower).ok().and_then(|s| s.chars().next()).map_or(0, char::len_utf8);
        Recased { at, first, shift: (end - at) as isize - lower.len() as isize }
    }

    /// The bytes of the text that `lower[a..b]` stands for.
    pub fn span(&self, a: usize, b: usize) -> (usize, usize) {
        let place = |p: usize| (self.at + p).saturating_add_signed(self.shift);
        let start = if a < self.first { self.at } else { place(a) };
        let end = if b == 0 { self.at } else { place(b.max(self.first)) };
        (start, end)
    }
}

/// What a piece of text becomes: an id of the lexicon, or text for BPE.
pub enum Part<'a> {
    Id(u32),
    Bpe(&'a str),
}

/// Roots and affix groups with their ids: `<uppercase>` 0, `<space>` 1, the roots, then one id per group.
pub struct Lexicon {
    pub casing: Casing,
    roots: FxHashMap<String, u32>,
    root_text: Vec<String>,
    max_root: usize,
    groups: Vec<Vec<String>>,
    group_of: FxHashMap<String, u32>,
    max_affix: usize,
}

impl Lexicon {
    /// The lexicon of `roots` (lower case; ids from 2 in this order) and affix `groups` (each its allomorphs).
    pub fn new(roots: &[String], groups: Vec<Vec<String>>, casing: Casing) -> Self {
        let base = N_SPECIALS + roots.len() as u32;
        let group_of = groups.iter().enumerate().flat_map(|(k, g)| g.iter().map(move |a| (a.clone(), base + k as u32)));
        Lexicon {
            casing,
            roots: roots.iter().enumerate().map(|(i, r)| (r.clone(), N_SPECIALS + i as u32)).collect(),
            root_text: roots.to_vec(),
            max_root: roots.iter().map(|r| r.chars().count()).max().unwrap_or(0),
            max_affix: groups.iter().flatten().map(|a| a.chars().count()).max().unwrap_or(0),
            group_of: group_of.collect(),
            groups,
        }
    }

    /// Affixes (lower case) grouped: with `harmony`, the affixes of one archiphoneme spelling share a group
    /// (Turkish); otherwise each affix is its own. Groups by spelling, allomorphs in order.
    pub fn group_affixes(affixes: &[String], harmony: bool) -> Vec<Vec<String>> {
        let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for a in affixes {
            grouped.entry(affix_key(a, harmony)).or_default().push(a.clone());
        }
        grouped.into_values().collect()
    }

    /// The first id after the roots.
    pub fn group_base(&self) -> u32 {
        N_SPECIALS + self.roots.len() as u32
    }

    /// The first id after the groups.
    pub fn end(&self) -> u32 {
        self.group_base() + self.groups.len() as u32
    }

    /// The allomorphs of group id `id`.
    pub fn group(&self, id: u32) -> &[String] {
        &self.groups[(id - self.group_base()) as usize]
    }

    /// Hands each part of `text` to `f`, in order, with the bytes `lo..hi` of `text` it stands for. (A
    /// `Part::Bpe` of a capitalised word is its lower case, whose first character may differ in length.)
    pub fn parts(&self, text: &str, f: &mut impl FnMut(Part<'_>, usize, usize)) {
        let mut start = 0;
        while start < text.len() {
            let alpha = text[start..].chars().next().is_some_and(char::is_alphabetic);
            let end = text[start..]
                .char_indices()
                .find(|&(_, c)| c.is_alphabetic() != alpha)
                .map_or(text.len(), |(k, _)| start + k);
            let run = &text[start..end];
            match (alpha, run) {
                (false, " ") => f(Part::Id(SPACE), start, end),
                (false, _) => f(Part::Bpe(run), start, end),
                (true, _) => self.word(run, start, f),
            }
            start = end;
        }
    }

    /// The parts of one word at byte `at`: lower case as it is, a capital first letter as `<uppercase>` before
    /// it, any other casing (or a word the lexicon does not cover) to BPE.
    fn word(&self, word: &str, at: usize, f: &mut impl FnMut(Part<'_>, usize, usize)) {
        let lw = self.casing.lower(word);
        let end = at + word.len();
        if lw != word && self.casing.upper_first(&lw) != word {
            return f(Part::Bpe(word), at, end);
        }
        if lw != word {
            f(Part::Id(UPPER), at, at);
        }
        match self.segment(&lw) {
            Some(ids) => {
                let recased = Recased::new(lw.as_bytes(), at, end);
                let mut prev = 0;
                for (id, stop) in ids {
                    let (lo, hi) = recased.span(prev, stop);
                    f(Part::Id(id), lo, hi);
                    prev = stop;
                }
            }
            None => f(Part::Bpe(&lw), at, end),
        }
    }

    /// A root and the affix groups that give back the rest exactly, each with where it ends in `word`: the
    /// longest root that allows that.
    pub fn segment(&self, word: &str) -> Option<Vec<(u32, usize)>> {
        let mut failed = vec![false; word.len() + 1];
        let bounds: Vec<usize> = word.char_indices().map(|(i, _)| i).skip(1).chain([word.len()]).collect();
        for &end in bounds[..self.max_root.min(bounds.len())].iter().rev() {
            if let Some(&root) = self.roots.get(&word[..end]) {
                let mut ids = vec![(root, end)];
                if self.cover(word, end, &mut failed, &mut ids) {
                    return Some(ids);
                }
            }
        }
        None
    }

    /// Appends to `ids` the groups covering `word[pos..]`, longest affix first, each realised after the word so
    /// far as its exact surface; false (and `ids` as it was) when none does. `failed` remembers positions that
    /// cannot be covered (what follows a position depends on nothing else).
    fn cover(&self, word: &str, pos: usize, failed: &mut [bool], ids: &mut Vec<(u32, usize)>) -> bool {
        if pos == word.len() {
            return true;
        }
        if failed[pos] {
            return false;
        }
        let rest = &word[pos..];
        let ends: Vec<usize> =
            rest.char_indices().map(|(i, _)| i).skip(1).chain([rest.len()]).take(self.max_affix).collect();
        for &end in ends.iter().rev() {
            let affix = &rest[..end];
            let Some(&gid) = self.group_of.get(affix) else { continue };
            if realise(self.group(gid), &word[..pos]) != affix {
                continue;
            }
            ids.push((gid, pos + end));
            if self.cover(word, pos + end, failed, ids) {
                return true;
            }
            ids.pop();
        }
        failed[pos] = true;
        false
    }

    /// The text of lexicon id `id` (`<space>`, a root or a group; not `<uppercase>`) after the word so far,
    /// `word`, which a root starts and an affix extends.
    pub fn surface<'s>(&'s self, id: u32, word: &mut String) -> &'s str {
        if id == SPACE {
            return " ";
        }
        if id < self.group_base() {
            let root = &self.root_text[(id - N_SPECIALS) as usize];
            word.clone_from(root);
            return root;
        }
        let affix = realise(self.group(id), word);
        word.push_str(affix);
        affix
    }

    /// The roots, by id from 2.
    pub fn roots(&self) -> &[String] {
        &self.root_text
    }
}
