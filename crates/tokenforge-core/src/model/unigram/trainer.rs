//! The Unigram trainer (Kudo 2018; sentencepiece's `unigram_model_trainer`), over counted pre-tokens.
//!
//! 1. Characters: the most frequent ones up to `character_coverage` of all characters (plus any required
//!    ones) are the alphabet; the rest are unknown and never part of a piece.
//! 2. Seeds: the substrings of the distinct pre-tokens that are nodes of their suffix tree (frequent,
//!    right-branching), valid as pieces (length, script, digits, `▁` only in front), scored by
//!    occurrences × length; the best `seed_size`, with every alphabet character, as the initial model.
//! 3. EM: the expected count of every piece under the current model (forward-backward over each pre-token's
//!    lattice, weighted by its count, in parallel), then new log-probabilities (the Bayesian digamma update,
//!    dropping pieces expected less than half a time); `num_sub_iterations` times.
//! 4. Pruning: for each piece, the loss of likelihood if its occurrences were re-split by the next best
//!    segmentation of the piece; keep the pieces that lose most, `shrinking_factor` of them, and go back to 3
//!    until at most 1.1 × the vocabulary size is left. Finally keep the most probable pieces and the alphabet.
//!
//! sentencepiece counts whitespace-split words with their frequencies (`SplitSentencesByWhitespace`) and so
//! do we: the counter already yields pre-tokens with counts, on all cores, and the seed candidates are the
//! suffix-tree nodes of the distinct pre-tokens only, in the order sentencepiece's suffix array lists them.
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use unicode_script::{Script, UnicodeScript};

use super::lattice::{self, Node, Pieces};
use super::model::UNK_PENALTY;
use crate::count::WordCounts;
use crate::error::{Error, Result};
use crate::interrupt;

/// The whitespace mark of sentencepiece (`▁`, U+2581): allowed only at the start of a piece.
pub const SPACE_MARK: char = '\u{2581}';

/// The settings of a run, sentencepiece's names and defaults.
#[derive(Debug, Clone)]
pub struct UnigramConfig {
    /// Number of pieces to learn (meta pieces such as `<unk>` and byte pieces not included).
    pub vocab_size: usize,
    /// Meta pieces the final vocabulary will add (they count towards the 1.1 × size that stops pruning).
    pub meta_pieces: usize,
    pub shrinking_factor: f64,
    pub num_sub_iterations: usize,
    /// In characters.
    pub max_piece_length: usize,
    pub character_coverage: f64,
    /// Every digit is a piece of its own.
    pub split_digits: bool,
    /// A digit does not share a piece with a letter (digits are of the `Common` script).
    pub split_by_number: bool,
    /// A piece holds one Unicode script (Hiragana and Katakana count as Han).
    pub split_by_script: bool,
    /// Characters that are pieces whatever their frequency.
    pub required_chars: Vec<char>,
    /// Number of seed pieces (sentencepiece's `seed_sentencepiece_size`).
    pub seed_size: usize,
    /// Put in front of every counted pre-token (`▁` turns whitespace-split words into sentencepiece's
    /// pre-tokens); when set, pre-tokens that are only whitespace are left out.
    pub prefix: String,
}

impl Default for UnigramConfig {
    fn default() -> Self {
        UnigramConfig {
            vocab_size: 8000,
            meta_pieces: 3,
            shrinking_factor: 0.75,
            num_sub_iterations: 2,
            max_piece_length: 16,
            character_coverage: 0.9995,
            split_digits: false,
            split_by_number: true,
            split_by_script: true,
            required_chars: Vec::new(),
            seed_size: 1_000_000,
            prefix: String::new(),
        }
    }
}

/// Pieces and their scores (log-probabilities) during training.
type Scored = Vec<(String, f64)>;

/// The id unknown characters get in training lattices (no piece has it).
const UNK: u32 = u32::MAX;
/// The number of a piece that is gone, in `Found::renumber`.
const GONE: u32 = u32::MAX - 1;

/// Learns a Unigram model from pre-token counts: `(piece, score)`, most probable first. After each EM step
/// and pruning round, `progress(done, total)` is called with the seed pieces dropped so far out of those to
/// drop, and a stop requested by [`interrupt::request`] ends the run.
pub fn train(
    counts: &WordCounts,
    config: &UnigramConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<(String, f32)>> {
    if !(0.0 < config.shrinking_factor && config.shrinking_factor < 1.0) {
        return Err(Error::InvalidArgument(format!(
            "shrinking_factor must be between 0 and 1, got {}",
            config.shrinking_factor
        )));
    }
    if !(0.0 < config.character_coverage && config.character_coverage <= 1.0) {
        return Err(Error::InvalidArgument(format!(
            "character_coverage must be in (0, 1], got {}",
            config.character_coverage
        )));
    }
    if config.vocab_size == 0 || config.max_piece_length == 0 {
        return Err(Error::InvalidArgument("vocab_size and max_piece_length must be positive".to_owned()));
    }
    let words = words(counts, &config.prefix);
    let alphabet = alphabet(&words, config);
    let (mut pieces, mut found) = seeds(&words, &alphabet, config)?;
    let desired = ((config.vocab_size + config.meta_pieces) as f64 * 1.1) as usize;
    let to_drop = pieces.len().saturating_sub(desired);
    let mut report = |left: usize| {
        progress((to_drop + desired).saturating_sub(left).min(to_drop), to_drop);
        interrupt::check()
    };
    report(pieces.len())?;
    loop {
        for _ in 0..config.num_sub_iterations.max(1) {
            let expected = expected_counts(&words, &found, &pieces, &Scores::new(&pieces));
            let kept = maximize(&pieces, &expected);
            found.follow(&pieces, &kept);
            pieces = kept;
            report(pieces.len())?;
        }
        if pieces.len() <= desired {
            break;
        }
        let target = desired.max((config.shrinking_factor * pieces.len() as f64) as usize);
        let pruned = prune(&words, &found, &pieces, &Scores::new(&pieces), target);
        if pruned.len() == pieces.len() {
            break;
        }
        found.follow(&pieces, &pruned);
        pieces = pruned;
        report(pieces.len())?;
    }
    finalize(pieces, &alphabet, config)
}

/// Longest pre-token trained on, in bytes (sentencepiece skips sentences over 4,192 bytes).
const MAX_WORD_BYTES: usize = u16::MAX as usize;

/// The distinct pre-tokens (valid UTF-8, non-empty, at most `MAX_WORD_BYTES` with `prefix` in front) with their
/// counts, most frequent first.
fn words(counts: &WordCounts, prefix: &str) -> Vec<(String, u64)> {
    let mut words: Vec<(String, u64)> = counts
        .iter()
        .filter_map(|(w, n)| {
            let w =
                std::str::from_utf8(w).ok().filter(|w| !w.is_empty() && w.len() + prefix.len() <= MAX_WORD_BYTES)?;
            if prefix.is_empty() {
                Some((w.to_owned(), n))
            } else {
                (!w.trim().is_empty()).then(|| (format!("{prefix}{w}"), n))
            }
        })
        .collect();
    words.par_sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    words
}

/// The alphabet: characters by frequency, most frequent first, until `character_coverage` of all characters
/// is covered, and the required ones; with their frequencies.
fn alphabet(words: &[(String, u64)], config: &UnigramConfig) -> Vec<(char, u64)> {
    let counts = words
        .par_iter()
        .fold(FxHashMap::<char, u64>::default, |mut m, (w, n)| {
            for c in w.chars().filter(|&c| c != '\0') {
                *m.entry(c).or_default() += n;
            }
            m
        })
        .reduce(FxHashMap::default, |mut a, b| {
            for (c, n) in b {
                *a.entry(c).or_default() += n;
            }
            a
        });
    let total: u64 = counts.values().sum();
    let mut chars: Vec<(char, u64)> = counts.into_iter().collect();
    chars.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut covered = 0u64;
    let mut keep = Vec::new();
    for (c, n) in chars {
        let required = config.required_chars.contains(&c);
        if required || (covered as f64) < config.character_coverage * total as f64 {
            covered += n;
            keep.push((c, n));
        }
    }
    for &c in &config.required_chars {
        if c != '\0' && !keep.iter().any(|k| k.0 == c) {
            keep.push((c, 0));
        }
    }
    keep
}

/// Whether `piece` may be a piece (sentencepiece's `IsValidSentencePiece` with whitespace as a prefix).
fn valid(piece: &[char], config: &UnigramConfig) -> bool {
    if piece.is_empty() || piece.len() > config.max_piece_length {
        return false;
    }
    let mut prev: Option<Script> = None;
    for (k, &c) in piece.iter().enumerate() {
        if c == '\0' || c == '\u{1}' || c == ' ' {
            return false;
        }
        if c == SPACE_MARK {
            if k > 0 {
                return false;
            }
            continue;
        }
        let digit = c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c);
        if config.split_digits && digit && piece.len() > 1 {
            return false;
        }
        let script = match c.script() {
            Script::Hiragana | Script::Katakana => Some(Script::Han),
            _ if c == '\u{30FC}' => Some(Script::Han),
            Script::Inherited => prev,
            _ if digit && !config.split_by_number => None,
            s => Some(s),
        };
        if config.split_by_script {
            if let (Some(s), Some(p)) = (script, prev) {
                if s != p {
                    return false;
                }
            }
        }
        prev = script;
    }
    true
}

/// The seed pieces with log-probability scores: the alphabet (scored by frequency), then substrings scored by
/// occurrences × length, best first, `seed_size` in all; and where each occurs in the pre-tokens.
///
/// sentencepiece takes the nodes of the suffix tree of the whole corpus: substrings seen at least twice and
/// followed by more than one character. Over counted pre-tokens the same set comes from a suffix tree of the
/// distinct pre-tokens in which a pre-token seen more than once appears twice, once ended by `\0`, once by
/// `\1` (so its endings branch, as they do in running text); occurrences are then counted with the counts.
fn seeds(words: &[(String, u64)], alphabet: &[(char, u64)], config: &UnigramConfig) -> Result<(Scored, Found)> {
    let mut candidates: Vec<String> = alphabet.iter().map(|a| a.0.to_string()).collect();
    let chars = candidates.len();
    candidates.extend(substrings(words, alphabet, config)?);
    let mut found = Found::new(words, &candidates);
    let mut frequency = vec![0u64; candidates.len()];
    for (k, (_, count)) in words.iter().enumerate() {
        for node in found.of(k).iter().filter(|n| n.2 != UNK) {
            frequency[node.2 as usize] += count;
        }
    }
    let mut scored: Vec<(u64, u32)> =
        (chars..candidates.len()).map(|k| (frequency[k] * candidates[k].chars().count() as u64, k as u32)).collect();
    // Best first; on a tie, the order of the suffix tree's nodes.
    scored.par_sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut chosen: Vec<(u32, f64)> = alphabet.iter().enumerate().map(|(k, &(_, n))| (k as u32, n as f64)).collect();
    chosen.retain(|p| p.1 > 0.0);
    let room = config.seed_size.saturating_sub(chosen.len());
    chosen.extend(scored.into_iter().take(room).map(|(score, k)| (k, score as f64)));
    // Occurrences of the chosen seeds only, numbered as the seeds.
    let mut renumber = vec![GONE; candidates.len()];
    for (id, (k, _)) in chosen.iter().enumerate() {
        renumber[*k as usize] = id as u32;
    }
    found.renumber(&renumber);
    let log_total = chosen.iter().map(|p| p.1).sum::<f64>().ln();
    let pieces = chosen
        .into_iter()
        .map(|(k, score)| (std::mem::take(&mut candidates[k as usize]), score.ln() - log_total))
        .collect();
    Ok((pieces, found))
}

/// One occurrence of a piece in a pre-token: its byte span and the piece's number (`UNK`: an unknown character).
type Occurrence = (u16, u16, u32);

/// Where every piece of the model occurs in every pre-token, and an unknown node for each character no
/// one-character piece covers: the lattices. Found once for the seeds with one automaton; the model only loses
/// pieces from there on, and `follow` drops the occurrences of the pieces gone (a character gone becomes
/// unknown) and renumbers the others, so no automaton is built or run again and each pass reads only the
/// current model's nodes.
struct Found {
    /// Word k's occurrences are `nodes[offsets[k]..offsets[k + 1]]`, sorted by end, then start.
    offsets: Vec<usize>,
    nodes: Vec<Occurrence>,
}

impl Found {
    fn new(words: &[(String, u64)], pieces: &[String]) -> Found {
        let matcher = Pieces::matcher(pieces.iter().enumerate().map(|(k, s)| (s.as_str(), k as u32)));
        let chunk = words.len().div_ceil(rayon::current_num_threads() * 8).max(1);
        let parts: Vec<(Vec<usize>, Vec<Occurrence>)> = words
            .par_chunks(chunk)
            .map(|ws| {
                let mut lens = Vec::with_capacity(ws.len());
                let mut nodes = Vec::new();
                let mut found = Vec::new();
                for (w, _) in ws {
                    found.clear();
                    found.extend(
                        matcher.find_overlapping_iter(w).map(|m| (m.start() as u16, m.end() as u16, m.value())),
                    );
                    found.sort_unstable_by_key(|n| (n.1, n.0));
                    let first = nodes.len();
                    let mut found = found.iter().peekable();
                    for (pos, c) in w.char_indices() {
                        let end = pos + c.len_utf8();
                        let mut single = false;
                        while let Some(&o) = found.next_if(|o| o.1 as usize <= end) {
                            single |= o.0 as usize == pos;
                            nodes.push(o);
                        }
                        if !single {
                            // Its start is the latest of the nodes ending here: the order by start holds.
                            nodes.push((pos as u16, end as u16, UNK));
                        }
                    }
                    lens.push(nodes.len() - first);
                }
                (lens, nodes)
            })
            .collect();
        let mut offsets = Vec::with_capacity(words.len() + 1);
        offsets.push(0);
        let mut nodes = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
        for (lens, part) in parts {
            for len in lens {
                offsets.push(offsets.last().expect("starts with 0") + len);
            }
            nodes.extend(part);
        }
        Found { offsets, nodes }
    }

    fn of(&self, word: usize) -> &[Occurrence] {
        &self.nodes[self.offsets[word]..self.offsets[word + 1]]
    }

    /// Gives each occurrence of piece `k` the number `map[k]`: a new number, `UNK` (the piece was a character,
    /// which is unknown now) or `GONE` (dropped); unknown nodes stay. Runs of words are compacted in place on
    /// all cores, then moved together.
    fn renumber(&mut self, map: &[u32]) {
        let words = self.offsets.len() - 1;
        let per = words.div_ceil(rayon::current_num_threads() * 4).max(1);
        // Each run: its nodes, its words' offsets and where its nodes start.
        let mut runs = Vec::new();
        let (mut nodes, mut offsets, mut base) = (&mut self.nodes[..], &mut self.offsets[..], 0);
        while offsets.len() > 1 {
            let (run, rest) = offsets.split_at_mut(per.min(offsets.len() - 1));
            let end = rest[0];
            let (run_nodes, rest_nodes) = std::mem::take(&mut nodes).split_at_mut(end - base);
            runs.push((run_nodes, run, base));
            (nodes, offsets, base) = (rest_nodes, rest, end);
        }
        // Offsets become relative to the run's start; each run's start and kept count.
        let kept: Vec<(usize, usize)> = runs
            .into_par_iter()
            .map(|(nodes, offsets, base)| {
                let end = base + nodes.len();
                let mut kept = 0;
                for k in 0..offsets.len() {
                    let (lo, hi) = (offsets[k] - base, offsets.get(k + 1).map_or(end, |&o| o) - base);
                    offsets[k] = kept;
                    for i in lo..hi {
                        let (s, e, id) = nodes[i];
                        let id = if id == UNK { UNK } else { map[id as usize] };
                        if id != GONE {
                            nodes[kept] = (s, e, id);
                            kept += 1;
                        }
                    }
                }
                (base, kept)
            })
            .collect();
        let mut total = 0;
        for (run, (base, kept)) in kept.into_iter().enumerate() {
            self.nodes.copy_within(base..base + kept, total);
            self.offsets[run * per..((run + 1) * per).min(words)].iter_mut().for_each(|o| *o += total);
            total += kept;
        }
        *self.offsets.last_mut().expect("one offset per word and one more") = total;
        self.nodes.truncate(total);
        self.nodes.shrink_to_fit();
    }

    /// Renumbers the occurrences from the pieces of `old` to those of `new` (a subset of them, in any order).
    fn follow(&mut self, old: &Scored, new: &Scored) {
        let ids: FxHashMap<&str, u32> = new.iter().enumerate().map(|(k, p)| (p.0.as_str(), k as u32)).collect();
        let map: Vec<u32> = old
            .iter()
            .map(|p| match ids.get(p.0.as_str()) {
                Some(&id) => id,
                None if p.0.chars().nth(1).is_none() => UNK,
                None => GONE,
            })
            .collect();
        if !map.iter().enumerate().all(|(k, &id)| id == k as u32) {
            self.renumber(&map);
        }
    }

    /// The lattice of pre-token `k` under the current pieces.
    fn lattice(&self, k: usize, current: &Scores, out: &mut Vec<Node>) {
        out.clear();
        out.extend(self.of(k).iter().map(|&(start, end, id)| Node {
            start: start as u32,
            end: end as u32,
            id,
            score: if id == UNK { current.unk_score } else { current.scores[id as usize] },
        }));
    }
}

/// The scores of the model's pieces as lattices see them.
struct Scores {
    scores: Vec<f32>,
    unk_score: f32,
}

impl Scores {
    fn new(pieces: &Scored) -> Scores {
        let scores: Vec<f32> = pieces.iter().map(|p| p.1 as f32).collect();
        let unk_score = scores.iter().copied().fold(f32::MAX, f32::min) - UNK_PENALTY;
        Scores { scores, unk_score }
    }
}

/// The candidate seeds: valid labels of the suffix tree's internal nodes (see `seeds`), at least two
/// characters long, in the order esaxx (sentencepiece's suffix array) lists them.
///
/// No label longer than `max_piece_length` is valid, and the nodes up to that depth are those of the suffixes
/// cut after `max_piece_length + 1` characters (or after the end of their word): those are sorted on all cores
/// (their first characters packed in an integer), and esaxx's walk over the common prefixes of neighbours
/// finds the nodes, in esaxx's order.
fn substrings(words: &[(String, u64)], alphabet: &[(char, u64)], config: &UnigramConfig) -> Result<Vec<String>> {
    // Characters become ranks in code point order from 2 on; 0 ends a word and stands for an unknown
    // character, 1 ends the second copy of a word seen more than once.
    let mut chars: Vec<char> = alphabet.iter().map(|a| a.0).filter(|&c| c > '\u{1}').collect();
    chars.sort_unstable();
    let rank: FxHashMap<char, u32> = chars.iter().enumerate().map(|(k, &c)| (c, k as u32 + 2)).collect();
    let mut text: Vec<u32> = Vec::new();
    for (w, n) in words {
        let start = text.len();
        text.extend(w.chars().map(|c| rank.get(&c).copied().unwrap_or(0)));
        text.push(0);
        if *n > 1 {
            text.extend_from_within(start..);
            *text.last_mut().expect("just pushed") = 1;
        }
    }
    if u32::try_from(text.len()).is_err() {
        return Err(Error::InvalidArgument("too many distinct words for the seed suffix array".to_owned()));
    }
    let cut = config.max_piece_length.min(u16::MAX as usize - 2) + 1;
    let bits = (u32::BITS - (chars.len() as u32 + 1).leading_zeros()) as usize;
    let packed = (64 / bits).min(cut);
    // Each suffix's first `packed` characters in an integer, its start and its length once cut.
    let mut sorted: Vec<(u64, u32, u16)> = (0..text.len() as u32)
        .into_par_iter()
        .filter(|&pos| text[pos as usize] >= 2)
        .map(|pos| {
            let s = &text[pos as usize..];
            let len = s.iter().take(cut).position(|&c| c < 2).map_or(cut.min(s.len()), |k| k + 1);
            let key = s[..len.min(packed)]
                .iter()
                .enumerate()
                .fold(0u64, |key, (j, &c)| key | (c as u64) << (64 - bits * (j + 1)));
            (key, pos, len as u16)
        })
        .collect();
    let tail = |&(_, pos, len): &(u64, u32, u16)| {
        &text[(pos as usize + packed).min(pos as usize + len as usize)..pos as usize + len as usize]
    };
    sorted.par_sort_unstable();
    // Suffixes whose packed characters are the same, ordered by the rest.
    sorted.par_chunk_by_mut(|a, b| a.0 == b.0).filter(|run| run.len() > 1 && run[0].2 as usize > packed).for_each(
        |run| {
            run.sort_unstable_by(|a, b| tail(a).cmp(tail(b)).then(a.1.cmp(&b.1)));
        },
    );
    // Common prefix of each suffix with the one before.
    let common: Vec<u16> = (0..sorted.len())
        .into_par_iter()
        .map(|i| match i.checked_sub(1).map(|j| (&sorted[j], &sorted[i])) {
            None => 0,
            Some((a, b)) if a.0 != b.0 => ((a.0 ^ b.0).leading_zeros() as usize / bits) as u16,
            Some((a, b)) => {
                (a.2.min(b.2) as usize).min(packed) as u16
                    + tail(a).iter().zip(tail(b)).take_while(|(x, y)| x == y).count() as u16
            }
        })
        .collect();
    // esaxx's walk: an interval of suffixes sharing `depth` characters is a node when it holds more than one.
    let leaf = cut as i32 + 1;
    let mut nodes: Vec<(u32, u16)> = Vec::new();
    let mut stack: Vec<(i64, i32)> = vec![(-1, -1)];
    for i in 0..=sorted.len() {
        let mut cur = (i as i64, common.get(i).map_or(-1, |&d| d as i32));
        let mut top = stack[stack.len() - 1];
        while top.1 > cur.1 {
            if i as i64 - top.0 > 1 && (2..=config.max_piece_length as i32).contains(&top.1) {
                nodes.push((sorted[top.0 as usize].1, top.1 as u16));
            }
            cur.0 = top.0;
            stack.pop();
            top = stack[stack.len() - 1];
        }
        if top.1 < cur.1 {
            stack.push(cur);
        }
        if i < sorted.len() {
            stack.push((i as i64, leaf));
        }
    }
    drop((sorted, common));
    Ok(nodes
        .par_iter()
        .filter_map(|&(pos, depth)| {
            // A label running into a word's end or an unknown character is no piece.
            let label = &text[pos as usize..pos as usize + depth as usize];
            let label: Vec<char> =
                label.iter().map(|&r| chars.get((r as usize).checked_sub(2)?).copied()).collect::<Option<_>>()?;
            valid(&label, config).then(|| label.into_iter().collect())
        })
        .collect())
}

/// The lattice builder of a set of pieces.
fn lattice_of(pieces: &Scored) -> Pieces {
    let min = pieces.iter().map(|p| p.1 as f32).fold(f32::MAX, f32::min);
    Pieces {
        matcher: Pieces::matcher(pieces.iter().enumerate().map(|(k, p)| (p.0.as_str(), k as u32))),
        scores: pieces.iter().map(|p| p.1 as f32).collect(),
        unk_id: UNK,
        unk_score: min - UNK_PENALTY,
    }
}

/// Runs `f(acc, k)` for every pre-token `k`, on all cores, folding into `init()` values that `merge` adds up.
fn over_words<T: Send>(
    words: usize,
    init: impl Fn() -> T + Sync + Send,
    f: impl Fn(&mut T, usize) + Sync + Send,
    merge: impl Fn(T, T) -> T + Sync + Send,
) -> T {
    // A few large chunks per core: each holds one accumulator, which may be as large as the vocabulary.
    let chunk = words.div_ceil(rayon::current_num_threads() * 4).max(1);
    let indices: Vec<usize> = (0..words).collect();
    indices
        .par_chunks(chunk)
        .map(|ks| {
            let mut acc = init();
            for &k in ks {
                f(&mut acc, k);
            }
            acc
        })
        .reduce(&init, &merge)
}

/// Element-wise sum of two equally long vectors.
fn add<T: std::ops::AddAssign>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
    a
}

/// Units of a marginal probability in the E step's integer sums (exact, so the sums do not depend on the
/// order the threads add them in).
const FIXED: f64 = (1u64 << 32) as f64;

/// The E step: the expected count of every piece over the corpus.
fn expected_counts(words: &[(String, u64)], found: &Found, pieces: &Scored, current: &Scores) -> Vec<f64> {
    let n = current.scores.len();
    let weights = Weights::new(pieces, current);
    let (expected, _) = over_words(
        words.len(),
        || (vec![0u128; n], Buffers::default()),
        |(expected, buffers), k| {
            let (w, count) = &words[k];
            let occurrences = found.of(k);
            if !weights.marginals(occurrences, w.len(), buffers) {
                found.lattice(k, current, &mut buffers.nodes);
                lattice::marginals(&buffers.nodes, w.len(), &mut buffers.marginal);
            }
            for (o, p) in occurrences.iter().zip(&buffers.marginal) {
                if o.2 != UNK {
                    expected[o.2 as usize] += *count as u128 * (p * FIXED) as u64 as u128;
                }
            }
        },
        |a, b| (add(a.0, b.0), Buffers::default()),
    );
    expected.into_iter().map(|e| e as f64 / FIXED).collect()
}

/// Per-thread buffers of the E step.
#[derive(Default)]
struct Buffers {
    weights: Vec<f64>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    marginal: Vec<f64>,
    nodes: Vec<Node>,
}

/// Forward-backward in linear space (no `exp` or `log` per node): a node of piece `p` weighs
/// `exp(score(p) + shift × bytes(p))`. Every path covers the same bytes, so the shift scales all paths alike
/// and leaves the marginals as they are; it keeps the sums near 1 (it is minus the model's expected score per
/// byte). A word whose sums leave `[TINY, HUGE]` is done in log space instead.
struct Weights {
    pieces: Vec<f64>,
    /// An unknown character's weight by its length in bytes.
    unknown: [f64; 5],
    /// Whether every weight is in `[1 / WIDE, WIDE]`: then a sum leaving the safe range is caught while it is
    /// still a normal number (one node's step cannot jump past the margin).
    linear: bool,
}

/// The safe range of forward and backward sums.
const TINY: f64 = 1e-200;
const HUGE: f64 = 1e200;
/// Bound on one weight and its inverse (sums of up to a node per byte of 16 characters stay finite).
const WIDE: f64 = 1e90;

impl Weights {
    fn new(pieces: &Scored, current: &Scores) -> Weights {
        let (mut score, mut bytes) = (0.0, 0.0);
        for ((p, _), &s) in pieces.iter().zip(&current.scores) {
            let prob = (s as f64).exp();
            score += prob * s as f64;
            bytes += prob * p.len() as f64;
        }
        let shift = if bytes > 0.0 { -score / bytes } else { 0.0 };
        let weight = |s: f32, len: usize| (s as f64 + shift * len as f64).exp();
        let pieces: Vec<f64> = pieces.iter().zip(&current.scores).map(|((p, _), &s)| weight(s, p.len())).collect();
        let unknown = std::array::from_fn(|len| weight(current.unk_score, len));
        let linear = pieces.iter().chain(&unknown[1..]).all(|w| (1.0 / WIDE..=WIDE).contains(w));
        Weights { pieces, unknown, linear }
    }

    /// The marginal of each occurrence into `buffers.marginal`; false (nothing written) when a sum left the
    /// safe range.
    fn marginals(&self, occurrences: &[Occurrence], len: usize, buffers: &mut Buffers) -> bool {
        if !self.linear {
            return false;
        }
        let Buffers { weights, alpha, beta, marginal, .. } = buffers;
        weights.clear();
        weights.extend(occurrences.iter().map(|&(s, e, id)| {
            if id == UNK {
                self.unknown[(e - s) as usize]
            } else {
                self.pieces[id as usize]
            }
        }));
        alpha.clear();
        alpha.resize(len + 1, 0.0);
        alpha[0] = 1.0;
        for (&(s, e, _), w) in occurrences.iter().zip(weights.iter()) {
            alpha[e as usize] += alpha[s as usize] * w;
        }
        beta.clear();
        beta.resize(len + 1, 0.0);
        beta[len] = 1.0;
        for (&(s, e, _), w) in occurrences.iter().zip(weights.iter()).rev() {
            beta[s as usize] += w * beta[e as usize];
        }
        // Positions inside a character are 0; a sum that underflowed passed through (0, TINY) first.
        let safe = |v: &f64| *v == 0.0 || (TINY..=HUGE).contains(v);
        if alpha[len] == 0.0 || !alpha.iter().chain(beta.iter()).all(safe) {
            return false;
        }
        let inv_z = 1.0 / alpha[len];
        marginal.clear();
        marginal.extend(
            occurrences
                .iter()
                .zip(weights.iter())
                .map(|(&(s, e, _), w)| alpha[s as usize] * w * beta[e as usize] * inv_z),
        );
        true
    }
}

/// The digamma function ψ(x) for x > 0 (recurrence up to 6, then the asymptotic series).
fn digamma(mut x: f64) -> f64 {
    let mut result = 0.0;
    while x < 6.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    result + x.ln() - 0.5 * inv - inv2 * (1.0 / 12.0 - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 / 240.0)))
}

/// The M step (sentencepiece's Bayesian variant): pieces expected at least half a time, scored
/// `ψ(expected) − ψ(total)`.
fn maximize(pieces: &Scored, expected: &[f64]) -> Scored {
    let kept: Vec<(String, f64)> =
        pieces.iter().zip(expected).filter(|(_, &e)| e >= 0.5).map(|(p, &e)| (p.0.clone(), e)).collect();
    let log_total = digamma(kept.iter().map(|p| p.1).sum());
    kept.into_iter().map(|(p, e)| (p, digamma(e) - log_total)).collect()
}

/// Keeps `target` pieces: those that cannot be split otherwise, then those whose removal would lose the most
/// likelihood (their Viterbi occurrences re-split by the piece's second-best segmentation).
fn prune(words: &[(String, u64)], found: &Found, pieces: &Scored, current: &Scores, target: usize) -> Scored {
    let lattice = lattice_of(pieces);
    // How each piece would be split without it: `None` if it may go (its best split is not itself),
    // `Some([])` if it has no alternative, else the pieces of the second-best split.
    let alternatives: Vec<Option<Vec<u32>>> = pieces
        .par_iter()
        .map_init(Vec::new, |nodes, (p, _)| {
            lattice.lattice(p, nodes);
            let best = lattice::nbest(nodes, p.len(), 2);
            match best.as_slice() {
                [_] | [] => Some(Vec::new()),
                [first, ..] if first.0.len() >= 2 => None,
                [_, second, ..] => {
                    let ids: Vec<u32> = second.0.iter().map(|&k| nodes[k].id).collect();
                    Some(if ids.contains(&UNK) { Vec::new() } else { ids })
                }
            }
        })
        .collect();
    let n = pieces.len();
    let (freq, total_count, _, _) = over_words(
        words.len(),
        || (vec![0.0; n], 0.0, Vec::new(), Vec::new()),
        |(freq, total, nodes, best), k| {
            let (w, count) = &words[k];
            *total += *count as f64;
            found.lattice(k, current, nodes);
            for k in lattice::viterbi(nodes, w.len(), best) {
                if nodes[k].id != UNK {
                    freq[nodes[k].id as usize] += *count as f64;
                }
            }
        },
        |a, b| (add(a.0, b.0), a.1 + b.1, Vec::new(), Vec::new()),
    );
    let sum: f64 = freq.iter().sum();
    let log_sum = sum.ln();
    let mut kept = Vec::new();
    let mut candidates = Vec::new();
    for (i, alt) in alternatives.iter().enumerate() {
        match alt {
            _ if freq[i] == 0.0 => {}
            None => {}
            Some(alt) if alt.is_empty() => kept.push(i),
            Some(alt) => {
                let share = freq[i] / total_count;
                let log_prob = freq[i].ln() - log_sum;
                let log_sum_alt = (sum + freq[i] * (alt.len() as f64 - 1.0)).ln();
                let log_prob_alt: f64 = alt.iter().map(|&a| (freq[a as usize] + freq[i]).ln() - log_sum_alt).sum();
                candidates.push((i, share * (log_prob - log_prob_alt)));
            }
        }
    }
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let room = target.saturating_sub(kept.len());
    kept.extend(candidates.into_iter().take(room).map(|c| c.0));
    kept.into_iter().map(|i| pieces[i].clone()).collect()
}

/// The final vocabulary: the alphabet (a character the model dropped gets just under the lowest score), then
/// the most probable pieces up to the vocabulary size; most probable first.
fn finalize(pieces: Scored, alphabet: &[(char, u64)], config: &UnigramConfig) -> Result<Vec<(String, f32)>> {
    let min = pieces.iter().map(|p| p.1).fold(f64::MAX, f64::min);
    let scores: FxHashMap<&str, f64> = pieces.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let mut out: FxHashMap<String, f64> = FxHashMap::default();
    let mut penalty = 0.0;
    for (c, _) in alphabet {
        let c = c.to_string();
        let score = scores.get(c.as_str()).copied().unwrap_or_else(|| {
            // Distinct scores for the dropped characters, the more frequent ones higher.
            penalty += 0.0001;
            min + 0.0001 - penalty
        });
        out.insert(c, score);
    }
    if out.len() > config.vocab_size {
        return Err(Error::InvalidArgument(format!(
            "the vocabulary size {} is smaller than the {} characters the corpus needs (lower \
             character_coverage or raise the vocabulary size)",
            config.vocab_size + config.meta_pieces,
            out.len() + config.meta_pieces
        )));
    }
    let mut sorted: Vec<&(String, f64)> = pieces.iter().collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (p, s) in sorted {
        if out.len() == config.vocab_size {
            break;
        }
        out.entry(p.clone()).or_insert(*s);
    }
    if out.len() < config.vocab_size {
        return Err(Error::InvalidArgument(format!(
            "the corpus is too small for a vocabulary of {}: it yields only {} pieces (use a vocabulary size of \
             at most {}, or more text)",
            config.vocab_size + config.meta_pieces,
            out.len() + config.meta_pieces,
            out.len() + config.meta_pieces
        )));
    }
    let mut out: Vec<(String, f32)> = out.into_iter().map(|(p, s)| (p, s as f32)).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn validity_follows_sentencepiece() {
        let c = UnigramConfig::default();
        for ok in ["▁the", "ab", "12", "▁", ".,", "日本", "ひらがな漢字", "é"] {
            assert!(valid(&chars(ok), &c), "{ok}");
        }
        for bad in ["a▁", "a1", "ab.", "aж", "a\0", "a b"] {
            assert!(!valid(&chars(bad), &c), "{bad}");
        }
        let digits = UnigramConfig { split_digits: true, ..c.clone() };
        assert!(!valid(&chars("12"), &digits));
        assert!(valid(&chars("1"), &digits));
        let long = UnigramConfig { max_piece_length: 3, ..c };
        assert!(!valid(&chars("abcd"), &long));
    }

    #[test]
    fn digamma_matches_known_values() {
        assert!((digamma(1.0) + 0.577_215_664_901_532_9).abs() < 1e-9);
        assert!((digamma(0.5) + 1.963_510_026_021_423_5).abs() < 1e-9);
        assert!((digamma(10.0) - 2.251_752_589_066_721).abs() < 1e-9);
    }

    fn corpus() -> WordCounts {
        let mut c = WordCounts::default();
        let text = "the quick brown fox jumps over the lazy dog while the other dogs sleep in the sun \
                    and the foxes run through the forest looking for other foxes to play with";
        for (k, w) in text.split(' ').enumerate() {
            c.add(format!("▁{w}").as_bytes(), 1 + (k as u64 % 5) * 3);
        }
        c
    }

    #[test]
    fn learns_the_requested_number_of_pieces() {
        let config = UnigramConfig { vocab_size: 40, ..Default::default() };
        let mut reports = Vec::new();
        let pieces = train(&corpus(), &config, &mut |done, total| reports.push((done, total))).unwrap();
        assert!(reports.len() > 2 && reports.windows(2).all(|r| r[0].0 <= r[1].0), "{reports:?}");
        assert_eq!(reports[0].0, 0);
        assert_eq!(pieces.len(), 40);
        assert!(pieces.windows(2).all(|w| w[0].1 >= w[1].1), "most probable first");
        assert!(pieces.iter().any(|p| p.0 == "▁fox"), "{pieces:?}");
        for c in "thequickbrownfx▁".chars() {
            assert!(pieces.iter().any(|p| p.0 == c.to_string()), "{c}");
        }
    }

    /// Random `▁`-words over a few scripts (so substrings repeat), some long and periodic, with counts.
    fn random_counts(seed: u64, words: usize) -> WordCounts {
        use rand_xoshiro::rand_core::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let letters: Vec<char> = "aaaabbbccdeeeeéжж日本12▁.".chars().collect();
        let mut counts = WordCounts::default();
        for _ in 0..words {
            let len = 1 + (rng.next_u32() % if rng.next_u32() % 10 == 0 { 40 } else { 8 }) as usize;
            let word: String = (0..len).map(|_| letters[rng.next_u32() as usize % letters.len()]).collect();
            counts.add(format!("▁{word}").as_bytes(), 1 + u64::from(rng.next_u32() % 4 == 0) * 3);
        }
        counts.add("▁abababababababababababababababab".as_bytes(), 2);
        // 300 rare characters (9 bits a character: 7 packed), in words sharing their first 10 characters.
        for c in '\u{4E00}'..'\u{4F2C}' {
            counts.add(format!("▁abcabcabc{c}ab{c}").as_bytes(), 1 + c as u64 % 2);
        }
        counts
    }

    /// The candidate seeds as esaxx-rs's suffix array lists them (what `substrings` computes since).
    fn esaxx_substrings(words: &[(String, u64)], alphabet: &[(char, u64)], config: &UnigramConfig) -> Vec<String> {
        let known: rustc_hash::FxHashSet<char> = alphabet.iter().map(|a| a.0).filter(|&c| c > '\u{1}').collect();
        let mut text = String::new();
        for (w, n) in words {
            for end in &['\0', '\u{1}'][..if *n > 1 { 2 } else { 1 }] {
                text.extend(w.chars().map(|c| if known.contains(&c) { c } else { '\0' }));
                text.push(*end);
            }
        }
        let suffix = esaxx_rs::suffix_rs(&text).unwrap();
        suffix.iter().filter(|(s, _)| s.len() > 1 && valid(s, config)).map(|(s, _)| s.iter().collect()).collect()
    }

    #[test]
    fn seed_candidates_are_esaxx_nodes_in_its_order() {
        let cases =
            [(1, 16, true, 0.97), (2, 16, false, 1.0), (3, 3, false, 0.97), (4, 5, true, 1.0), (5, 12, false, 1.0)];
        for (seed, max_piece_length, split_by_script, character_coverage) in cases {
            let config = UnigramConfig { max_piece_length, split_by_script, character_coverage, ..Default::default() };
            let words = words(&random_counts(seed, 3000), "");
            let alphabet = alphabet(&words, &config);
            let ours = substrings(&words, &alphabet, &config).unwrap();
            assert!(ours.len() > 500, "{}", ours.len());
            assert_eq!(ours, esaxx_substrings(&words, &alphabet, &config), "seed {seed}");
        }
    }

    /// The seeds' lattices: words, occurrences, pieces and their scores.
    fn seeded(counts: &WordCounts) -> (Vec<(String, u64)>, Found, Scored) {
        let config = UnigramConfig { character_coverage: 0.97, ..Default::default() };
        let words = words(counts, "");
        let alphabet = alphabet(&words, &config);
        let (pieces, found) = seeds(&words, &alphabet, &config).unwrap();
        (words, found, pieces)
    }

    #[test]
    fn linear_forward_backward_is_log_space_forward_backward() {
        let mut counts = random_counts(5, 2000);
        // Unknown characters only (each seen once): sums far below the linear range, done in log space.
        let unknown: String = std::iter::once('▁').chain('\u{4E00}'..'\u{4F00}').collect();
        counts.add(unknown.as_bytes(), 1);
        let (words, found, pieces) = seeded(&counts);
        let current = Scores::new(&pieces);
        let weights = Weights::new(&pieces, &current);
        let (mut buffers, mut reference) = (Buffers::default(), vec![0.0; pieces.len()]);
        let mut fallbacks = Vec::new();
        for (k, (w, count)) in words.iter().enumerate() {
            found.lattice(k, &current, &mut buffers.nodes);
            let mut log_space = Vec::new();
            lattice::marginals(&buffers.nodes, w.len(), &mut log_space);
            for (node, p) in buffers.nodes.iter().zip(&log_space) {
                if node.id != UNK {
                    reference[node.id as usize] += *count as f64 * p;
                }
            }
            if weights.marginals(found.of(k), w.len(), &mut buffers) {
                for (a, b) in buffers.marginal.iter().zip(&log_space) {
                    assert!((a - b).abs() < 1e-9, "{w}: {a} vs {b}");
                }
            } else {
                fallbacks.push(w.clone());
            }
        }
        assert_eq!(fallbacks, [unknown]);
        let expected = expected_counts(&words, &found, &pieces, &current);
        for (e, r) in expected.iter().zip(&reference) {
            assert!((e - r).abs() < 1e-6 * r.max(1.0), "{e} vs {r}");
        }
    }

    #[test]
    fn sums_leaving_the_linear_range_go_to_log_space() {
        // One-byte unknown characters weighing 1e-20 each: one path, its sums 1e-20 per character.
        let weights = Weights { pieces: Vec::new(), unknown: [1e-20; 5], linear: true };
        let chain: Vec<Occurrence> = (0..16).map(|k| (k, k + 1, UNK)).collect();
        let mut buffers = Buffers::default();
        assert!(weights.marginals(&chain[..9], 9, &mut buffers));
        assert!(buffers.marginal.iter().all(|p| (p - 1.0).abs() < 1e-12), "{:?}", buffers.marginal);
        // 1e-320 is still above 0, but a subnormal's precision is gone.
        assert!(!weights.marginals(&chain, 16, &mut buffers));
    }

    #[test]
    fn training_does_not_depend_on_the_thread_count() {
        let counts = random_counts(6, 4000);
        let (words, found, pieces) = seeded(&counts);
        let config = UnigramConfig { vocab_size: 150, character_coverage: 0.97, ..Default::default() };
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                (
                    expected_counts(&words, &found, &pieces, &Scores::new(&pieces)),
                    train(&counts, &config, &mut |_, _| ()).unwrap(),
                )
            })
        };
        let one = run(1);
        for threads in [2, 3, 4] {
            let other = run(threads);
            assert!(one.0 == other.0, "expected counts differ with {threads} threads");
            assert_eq!(one.1, other.1, "{threads} threads");
        }
    }

    #[test]
    fn too_small_a_corpus_says_so() {
        let config = UnigramConfig { vocab_size: 5000, ..Default::default() };
        let err = train(&corpus(), &config, &mut |_, _| ()).unwrap_err().to_string();
        assert!(err.contains("too small for a vocabulary of 5003"), "{err}");
    }
}
