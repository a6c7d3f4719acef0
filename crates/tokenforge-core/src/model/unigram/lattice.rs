//! The segmentation lattice of one pre-token: every vocabulary piece found in it (a node per occurrence),
//! plus an unknown node for each character no one-character piece covers — sentencepiece's `Lattice`.
//! Viterbi, forward-backward marginals (training), n-best (A*) and forward-filtering backward-sampling.
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use daachorse::DoubleArrayAhoCorasick;
use rand_xoshiro::rand_core::Rng;

/// One piece occurrence: bytes `start..end` of the text, piece `id`, log-probability `score`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Node {
    pub start: u32,
    pub end: u32,
    pub id: u32,
    pub score: f32,
}

/// The pieces a lattice is built from: an automaton over the piece strings and a score per piece.
pub(crate) struct Pieces {
    /// Piece string → index into `scores` (and the id reported in nodes).
    pub matcher: DoubleArrayAhoCorasick<u32>,
    pub scores: Vec<f32>,
    /// The id and score of the node that stands for an uncovered character.
    pub unk_id: u32,
    pub unk_score: f32,
}

impl Pieces {
    /// The automaton over `(piece, id)` pairs (an empty list matches nothing).
    pub fn matcher<'a>(pieces: impl IntoIterator<Item = (&'a str, u32)>) -> DoubleArrayAhoCorasick<u32> {
        let mut pieces: Vec<(&str, u32)> = pieces.into_iter().filter(|(p, _)| !p.is_empty()).collect();
        if pieces.is_empty() {
            // The automaton needs a pattern: this one's id is out of range, so `lattice` ignores its matches.
            pieces.push(("\0", u32::MAX));
        }
        DoubleArrayAhoCorasick::with_values(pieces).expect("distinct, non-empty pieces")
    }

    /// The lattice of `text`: nodes sorted by end, then start.
    pub fn lattice(&self, text: &str, nodes: &mut Vec<Node>) {
        nodes.clear();
        let bytes = text.as_bytes();
        let mut matches = self.matcher.find_overlapping_iter(bytes).peekable();
        for (pos, c) in text.char_indices() {
            let end = pos + c.len_utf8();
            let first = nodes.len();
            let mut single = false;
            while let Some(m) = matches.next_if(|m| m.end() <= end) {
                let id = m.value();
                if (id as usize) < self.scores.len() {
                    single |= m.start() == pos;
                    nodes.push(Node {
                        start: m.start() as u32,
                        end: m.end() as u32,
                        id,
                        score: self.scores[id as usize],
                    });
                }
            }
            if !single {
                nodes.push(Node { start: pos as u32, end: end as u32, id: self.unk_id, score: self.unk_score });
            }
            nodes[first..].sort_unstable_by_key(|n| n.start);
        }
    }
}

/// The best score reaching each byte position and the node that reaches it there (Viterbi's table).
pub(crate) type Best = Vec<(f32, u32)>;

/// `log(exp(a) + exp(b))`, with `NEG_INFINITY` as the empty sum.
pub(crate) fn log_sum_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi + (lo - hi).exp().ln_1p()
}

/// The best path through `nodes` of a text of `len` bytes (sentencepiece's rule: scores summed in `f32`,
/// the strictly better candidate wins, so on a tie the piece that starts first is kept), as node indices.
pub(crate) fn viterbi(nodes: &[Node], len: usize, best: &mut Best) -> Vec<usize> {
    best.clear();
    best.resize(len + 1, (f32::NEG_INFINITY, u32::MAX));
    best[0].0 = 0.0;
    for (k, n) in nodes.iter().enumerate() {
        let s = best[n.start as usize].0 + n.score;
        let b = &mut best[n.end as usize];
        if b.1 == u32::MAX || s > b.0 {
            *b = (s, k as u32);
        }
    }
    let mut path = Vec::new();
    let mut pos = len;
    while pos > 0 {
        let k = best[pos].1 as usize;
        path.push(k);
        pos = nodes[k].start as usize;
    }
    path.reverse();
    path
}

/// Forward log-sums: `alpha[p]` is the log of the summed `exp(theta * score)` of the paths to byte `p`.
fn forward(nodes: &[Node], len: usize, theta: f64) -> Vec<f64> {
    let mut alpha = vec![f64::NEG_INFINITY; len + 1];
    alpha[0] = 0.0;
    for n in nodes {
        let a = alpha[n.start as usize] + theta * n.score as f64;
        alpha[n.end as usize] = log_sum_exp(alpha[n.end as usize], a);
    }
    alpha
}

/// The expected count of each node (its marginal probability) and the log partition function.
pub(crate) fn marginals(nodes: &[Node], len: usize, out: &mut Vec<f64>) -> f64 {
    let alpha = forward(nodes, len, 1.0);
    let mut beta = vec![f64::NEG_INFINITY; len + 1];
    beta[len] = 0.0;
    for n in nodes.iter().rev() {
        let b = beta[n.end as usize] + n.score as f64;
        beta[n.start as usize] = log_sum_exp(beta[n.start as usize], b);
    }
    let z = alpha[len];
    out.clear();
    out.extend(nodes.iter().map(|n| (alpha[n.start as usize] + n.score as f64 + beta[n.end as usize] - z).exp()));
    z
}

/// A uniform draw in `[0, 1)`.
pub(crate) fn uniform(rng: &mut impl Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Index drawn from `weights` (non-negative, not all zero).
pub(crate) fn draw(weights: &[f64], rng: &mut impl Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = uniform(rng) * total;
    for (k, w) in weights.iter().enumerate() {
        if u < *w {
            return k;
        }
        u -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// A path drawn with probability proportional to `exp(theta * score)` over all paths (forward filtering,
/// backward sampling), as node indices.
pub(crate) fn sample(nodes: &[Node], len: usize, theta: f64, rng: &mut impl Rng) -> Vec<usize> {
    let alpha = forward(nodes, len, theta);
    let mut path = Vec::new();
    let mut pos = len;
    let mut weights = Vec::new();
    let mut ending = Vec::new();
    while pos > 0 {
        // Nodes are sorted by end: those ending at `pos` are one run.
        let hi = nodes.partition_point(|n| n.end as usize <= pos);
        let lo = nodes[..hi].partition_point(|n| (n.end as usize) < pos);
        ending.clear();
        ending.extend(lo..hi);
        weights.clear();
        weights.extend(ending.iter().map(|&k| {
            let n = &nodes[k];
            (alpha[n.start as usize] + theta * n.score as f64 - alpha[pos]).exp()
        }));
        let k = ending[draw(&weights, rng)];
        path.push(k);
        pos = nodes[k].start as usize;
    }
    path.reverse();
    path
}

/// A partial path of the n-best search: it covers the text from `pos` to the end.
struct Hypothesis {
    /// Exact bound: the best score of a full path through this one.
    bound: f32,
    /// Score of the covered suffix.
    suffix: f32,
    pos: u32,
    /// The node taken, and the hypothesis it extends (indices into the arena).
    node: u32,
    next: u32,
    order: u32,
}

impl PartialEq for Hypothesis {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Hypothesis {}
impl PartialOrd for Hypothesis {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Hypothesis {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bound.total_cmp(&other.bound).then(other.order.cmp(&self.order))
    }
}

/// The hypotheses the n-best search keeps at most (sentencepiece's agenda bound is of this order).
const MAX_AGENDA: usize = 100_000;

/// The `n` best paths with their scores, best first (A* from the end, with the Viterbi scores of the
/// prefixes as the exact heuristic).
pub(crate) fn nbest(nodes: &[Node], len: usize, n: usize) -> Vec<(Vec<usize>, f32)> {
    let mut best = Vec::new();
    if n == 0 {
        return Vec::new();
    }
    viterbi(nodes, len, &mut best);
    let prefix: Vec<f32> = best.iter().map(|b| b.0).collect();
    // (node, next) of every hypothesis ever pushed; the chain from a finished one is its path.
    let mut arena: Vec<(u32, u32)> = vec![(u32::MAX, u32::MAX)];
    let mut heap = BinaryHeap::new();
    heap.push(Hypothesis { bound: prefix[len], suffix: 0.0, pos: len as u32, node: u32::MAX, next: 0, order: 0 });
    let mut out = Vec::new();
    let mut order = 1u32;
    while let Some(h) = heap.pop() {
        let slot = arena.len() as u32;
        arena.push((h.node, h.next));
        if h.pos == 0 {
            let mut path = Vec::new();
            let mut at = slot;
            while arena[at as usize].0 != u32::MAX {
                path.push(arena[at as usize].0 as usize);
                at = arena[at as usize].1;
            }
            out.push((path, h.suffix));
            if out.len() == n {
                break;
            }
            continue;
        }
        let pos = h.pos as usize;
        let hi = nodes.partition_point(|x| x.end as usize <= pos);
        let lo = nodes[..hi].partition_point(|x| (x.end as usize) < pos);
        for (k, x) in nodes[lo..hi].iter().enumerate() {
            let suffix = h.suffix + x.score;
            heap.push(Hypothesis {
                bound: prefix[x.start as usize] + suffix,
                suffix,
                pos: x.start,
                node: (lo + k) as u32,
                next: slot,
                order,
            });
            order += 1;
        }
        if heap.len() > MAX_AGENDA {
            let mut keep: Vec<Hypothesis> = std::mem::take(&mut heap).into_sorted_vec();
            keep.drain(..keep.len() - MAX_AGENDA / 10);
            heap = keep.into();
        }
    }
    out
}
