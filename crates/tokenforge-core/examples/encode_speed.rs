//! Encoding throughput of the core on a rank file (`.tiktoken`), for profiling and instruction counts.
//!
//! `cargo run --release -p tokenforge-core --example encode_speed -- RANKS.tiktoken PRESET TEXT [ITEM_BYTES [RUNS]]`
//! loads the ranks (tiktoken semantics: merges recovered, a piece that is a token emitted whole), splits TEXT
//! on blank lines into paragraphs (or joins them into items of about ITEM_BYTES), encodes every item once to
//! warm the piece cache (`warm_up`), then times one more pass (`timed_pass`, the function to give callgrind's
//! `--toggle-collect`; both passes were counted before 2026-12-03's cache work) and prints MB/s and the id count
//! (with RUNS, the best of that many timed passes).
use std::time::Instant;

use tokenforge_core::encode::Encoder;
use tokenforge_core::model::bpe::{recover_merges, Bpe};
use tokenforge_core::model::{Model, Vocab};
use tokenforge_core::pretokenize::Pretokenizer;

/// The bytes of one standard base64 string.
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {text:?}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let bits = chunk.iter().enumerate().fold(0u32, |acc, (k, &d)| acc | (d as u32) << (18 - 6 * k));
        out.extend_from_slice(&bits.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// An encoder of the rank file at `path` with the preset `preset`.
fn load(path: &str, preset: &str) -> Encoder {
    let mut tokens: Vec<Vec<u8>> = Vec::new();
    for line in std::fs::read_to_string(path).expect("rank file").lines().filter(|l| !l.is_empty()) {
        let (token, rank) = line.split_once(' ').expect("`token rank` lines");
        let rank: usize = rank.parse().expect("rank");
        tokens.resize(tokens.len().max(rank + 1), Vec::new());
        tokens[rank] = base64(token);
    }
    let merges: Vec<((u32, u32), u32)> =
        recover_merges(&tokens).into_iter().enumerate().filter_map(|(id, pair)| Some((pair?, id as u32))).collect();
    let vocab = Vocab::new(tokens, &[]);
    let model = Model::Bpe(Bpe::new(&vocab, &merges, true).expect("valid merges"));
    Encoder::new(vocab, model, None, Pretokenizer::new(preset).expect("preset"), &[], &[]).expect("encoder")
}

/// Encodes every item, one call each; returns the number of ids.
#[inline(always)]
fn pass(enc: &Encoder, items: &[&str]) -> usize {
    items.iter().map(|t| enc.encode_ordinary(t).expect("encodes").len()).sum()
}

/// The timed pass.
#[inline(never)]
fn timed_pass(enc: &Encoder, items: &[&str]) -> usize {
    pass(enc, items)
}

/// The first pass (fills the piece cache), apart from `timed_pass` so that callgrind can leave it out.
#[inline(never)]
fn warm_up(enc: &Encoder, items: &[&str]) -> usize {
    pass(enc, items)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [ranks, preset, text, rest @ ..] = args.as_slice() else {
        panic!("usage: encode_speed RANKS.tiktoken PRESET TEXT [ITEM_BYTES [RUNS]]");
    };
    let item_bytes: usize = rest.first().map_or(0, |s| s.parse().expect("ITEM_BYTES"));
    let runs: usize = rest.get(1).map_or(1, |s| s.parse().expect("RUNS"));
    let enc = load(ranks, preset);
    let text = std::fs::read_to_string(text).expect("UTF-8 text");
    let paragraphs: Vec<&str> = text.split("\n\n").filter(|p| !p.is_empty()).collect();
    let joined: Vec<String>;
    let items: Vec<&str> = if item_bytes == 0 {
        paragraphs
    } else {
        let mut items = vec![String::new()];
        for p in paragraphs {
            let last = items.last_mut().expect("one item");
            if !last.is_empty() {
                last.push_str("\n\n");
            }
            last.push_str(p);
            if last.len() >= item_bytes {
                items.push(String::new());
            }
        }
        joined = items;
        joined.iter().map(String::as_str).filter(|t| !t.is_empty()).collect()
    };
    let bytes: usize = items.iter().map(|t| t.len()).sum();
    warm_up(&enc, &items);
    let (mut ids, mut secs) = (0, f64::INFINITY);
    for _ in 0..runs {
        let start = Instant::now();
        ids = timed_pass(&enc, &items);
        secs = secs.min(start.elapsed().as_secs_f64());
    }
    println!("{} items, {:.1} MB, {ids} ids: {:.1} MB/s", items.len(), bytes as f64 / 1e6, bytes as f64 / 1e6 / secs);
}
