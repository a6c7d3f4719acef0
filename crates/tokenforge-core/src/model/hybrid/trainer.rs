//! Training the hybrid: keep the roots the corpus uses most (at most [`ROOT_SHARE`] of the vocabulary), group
//! the affixes, and train byte-level BPE on what the lexicon leaves (the same parts the encoder gives BPE).
use rustc_hash::FxHashMap;

use super::lexicon::{Casing, Lexicon, Part};
use super::N_SPECIALS;
use crate::count::WordCounts;
use crate::error::{Error, Result};
use crate::model::bpe::trainer::{train as train_bpe, BpeConfig};
use crate::model::bpe::BpeModel;

/// Share of the vocabulary that roots may take (the paper: 20k roots of a 32k vocabulary).
pub const ROOT_SHARE: f64 = 0.6;

/// What to learn.
pub struct HybridConfig {
    /// Ids in all: specials, roots, groups, BPE and `reserved`.
    pub vocab_size: usize,
    /// Ids for special tokens after the BPE part.
    pub reserved: usize,
    /// BPE stops when the best pair is seen fewer times.
    pub min_frequency: u64,
    pub casing: Casing,
    /// Turkish affix harmony: affixes of one archiphoneme spelling share an id.
    pub harmony: bool,
}

/// A trained hybrid: the kept roots (lower case, sorted), the affix groups, the BPE part.
pub struct HybridModel {
    pub roots: Vec<String>,
    pub groups: Vec<Vec<String>>,
    pub bpe: BpeModel,
}

/// Trains on pre-token counts (words and gaps, as the `\p{Alphabetic}+|\P{Alphabetic}+` pre-tokenizer gives
/// them) with the candidate `roots` and `affixes` (folded to lower case here; an affix's hyphens dropped).
pub fn train(
    counts: &WordCounts,
    roots: &[String],
    affixes: &[String],
    cfg: &HybridConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<HybridModel> {
    let fold = |list: &[String]| {
        let mut v: Vec<String> =
            list.iter().map(|w| cfg.casing.lower(w.trim_matches('-'))).filter(|w| !w.is_empty()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (roots, affixes) = (fold(roots), fold(affixes));
    let groups = Lexicon::group_affixes(&affixes, cfg.harmony);
    let pieces: Vec<(&str, u64)> =
        counts.iter().filter_map(|(p, n)| std::str::from_utf8(p).ok().map(|p| (p, n))).collect();
    let full = Lexicon::new(&roots, groups.clone(), cfg.casing);
    let mut used: FxHashMap<u32, u64> = FxHashMap::default();
    for &(piece, n) in &pieces {
        full.parts(piece, &mut |part, _, _| {
            if let Part::Id(id) = part {
                if (N_SPECIALS..full.group_base()).contains(&id) {
                    *used.entry(id).or_default() += n;
                }
            }
        });
    }
    let mut ranked: Vec<(u64, &String)> =
        used.into_iter().map(|(id, n)| (n, &roots[(id - N_SPECIALS) as usize])).collect();
    ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    ranked.truncate((cfg.vocab_size as f64 * ROOT_SHARE) as usize);
    let mut kept: Vec<String> = ranked.into_iter().map(|(_, r)| r.clone()).collect();
    kept.sort_unstable();
    let fixed = N_SPECIALS as usize + kept.len() + groups.len() + cfg.reserved;
    let bpe_size = cfg.vocab_size.saturating_sub(fixed);
    if bpe_size < 256 {
        return Err(Error::InvalidArgument(format!(
            "vocab_size {} leaves {bpe_size} ids for BPE after {} roots, {} affix groups and {} special tokens: at \
             least 256 are needed",
            cfg.vocab_size,
            kept.len(),
            groups.len(),
            cfg.reserved + N_SPECIALS as usize
        )));
    }
    let lexical = Lexicon::new(&kept, groups.clone(), cfg.casing);
    let mut residue = WordCounts::default();
    for &(piece, n) in &pieces {
        lexical.parts(piece, &mut |part, _, _| {
            if let Part::Bpe(s) = part {
                residue.add(s.as_bytes(), n);
            }
        });
    }
    let bpe_cfg =
        BpeConfig { vocab_size: bpe_size, min_frequency: cfg.min_frequency, reserved: 0, rules: Default::default() };
    let bpe = train_bpe(&residue, &bpe_cfg, progress)?;
    Ok(HybridModel { roots: kept, groups, bpe })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::hybrid::Hybrid;
    use crate::model::Vocab;

    fn words(list: &str) -> Vec<String> {
        list.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn trains_and_round_trips_turkish() {
        let text = "Evler ve kitaplar okulda. İnsanın gözü kuşu gördü. IBM ve NASA 2024'te geldi: ŞU çok büyük!\n";
        let mut counts = WordCounts::default();
        let pre = crate::pretokenize::Pretokenizer::new(r"\p{Alphabetic}+|\P{Alphabetic}+").unwrap();
        let mut pieces = Vec::new();
        pre.split(text, &mut pieces).unwrap();
        pieces.iter().for_each(|p| counts.add(p.as_bytes(), 3));
        let cfg = HybridConfig {
            vocab_size: 400,
            reserved: 0,
            min_frequency: 0,
            casing: Casing { turkish: true },
            harmony: true,
        };
        let roots = words("ev kitap okul göz insan gel kuş İnsan yap");
        let affixes = words("ler lar -de -da i ı u ü in ın dı di");
        let m = train(&counts, &roots, &affixes, &cfg, &mut |_, _| {}).unwrap();
        assert_eq!(m.roots, words("ev gel göz insan kitap kuş okul"), "the roots the text uses");
        let mut tokens: Vec<Vec<u8>> = vec![b"<uppercase>".to_vec(), b" ".to_vec()];
        tokens.extend(m.roots.iter().map(|r| r.as_bytes().to_vec()));
        tokens.extend(m.groups.iter().map(|g| g[0].as_bytes().to_vec()));
        tokens.extend(m.bpe.vocab.iter().cloned());
        let vocab = Vocab::new(tokens, &[0]);
        let h =
            Hybrid::new(&vocab, m.roots.len(), m.groups.clone(), m.bpe.vocab.len(), &m.bpe.merges, cfg.casing).unwrap();
        for t in [text, "İnsanin", "INSAN ıİiI Irmak", "evler kitaplar", "\u{ff}é"] {
            let mut ids = Vec::new();
            h.encode_piece(t.as_bytes(), &mut ids).unwrap();
            assert_eq!(String::from_utf8(h.decode(&vocab, &ids).unwrap()).unwrap(), t);
        }
        let mut ids = Vec::new();
        h.encode_piece("Evler kitaplar".as_bytes(), &mut ids).unwrap();
        let base = 2 + m.roots.len() as u32;
        assert_eq!(ids[0], 0, "<uppercase>");
        assert_eq!(ids[3], 1, "<space>");
        assert_eq!(ids[2], ids[5], "-ler and -lar share a group");
        assert!(ids[2] >= base && ids[2] < base + m.groups.len() as u32);
    }
}
