//! Pre-tokenization throughput: each preset's scanner against the same pattern run by fancy-regex.
//!
//! `cargo run --release -p tokenforge-core --example pretokenize_speed -- [FILE…]` reads the files (by
//! default every file in /usr/share/common-licenses), repeats their text to at least 4 MB, and prints
//! MB/s (best of 3 runs) for both paths, after checking that they give the same pieces.
use std::time::Instant;

use tokenforge_core::pretokenize::{Pretokenizer, CL100K, GPT2, O200K};

const MIN_SIZE: usize = 4 << 20;
const RUNS: usize = 3;

/// The text of `paths`, lossily decoded and repeated to at least `MIN_SIZE` bytes.
fn load(paths: &[String]) -> std::io::Result<String> {
    let mut text = String::new();
    for path in paths {
        text.push_str(&String::from_utf8_lossy(&std::fs::read(path)?));
    }
    if text.is_empty() {
        return Ok(text);
    }
    Ok(text.repeat(MIN_SIZE.div_ceil(text.len())))
}

/// Best throughput in MB/s over `RUNS` splits, and the pieces of the last one.
fn measure<'a>(pre: &Pretokenizer, text: &'a str) -> (f64, Vec<&'a str>) {
    let mut best = f64::INFINITY;
    let mut pieces = Vec::new();
    for _ in 0..RUNS {
        pieces.clear();
        let start = Instant::now();
        pre.split(text, &mut pieces).expect("the presets never fail");
        best = best.min(start.elapsed().as_secs_f64());
    }
    (text.len() as f64 / 1e6 / best, pieces)
}

fn main() -> std::io::Result<()> {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        for entry in std::fs::read_dir("/usr/share/common-licenses")? {
            paths.push(entry?.path().to_string_lossy().into_owned());
        }
        paths.sort();
    }
    let text = load(&paths)?;
    println!("{:.1} MB from {} file(s)", text.len() as f64 / 1e6, paths.len());
    println!("{:<6} {:>12} {:>16} {:>8} {:>10}", "preset", "scanner MB/s", "fancy-regex MB/s", "speed-up", "pieces");
    for (name, pattern) in [("gpt2", GPT2), ("gpt4", CL100K), ("o200k", O200K)] {
        let (fast, fast_pieces) = measure(&Pretokenizer::new(name).expect("preset"), &text);
        let (slow, slow_pieces) = measure(&Pretokenizer::new(pattern).expect("preset pattern"), &text);
        assert!(fast_pieces == slow_pieces, "{name}: the scanner and the regex disagree");
        println!("{name:<6} {fast:>12.1} {slow:>16.1} {:>7.1}x {:>10}", fast / slow, fast_pieces.len());
    }
    Ok(())
}
