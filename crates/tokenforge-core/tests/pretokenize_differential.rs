//! The preset scanners against the regex they implement, run by fancy-regex (the pattern wrapped in a
//! non-capturing group, so that `Pretokenizer::new` does not recognise it as a preset; DeepSeek's sequence
//! of three, each wrapped, as a sequence of splits): same pieces on random strings over a tricky alphabet
//! and on real text.
use tokenforge_core::pretokenize::{
    Pretokenizer, BERT, CL100K, CODE, DEEPSEEK_V3, GPT2, O200K, QWEN2, SUPERBPE_STAGE1, SUPERBPE_STAGE2,
};

const PRESETS: [(&str, &str); 9] = [
    ("gpt2", GPT2),
    ("gpt4", CL100K),
    ("qwen2", QWEN2),
    ("o200k", O200K),
    ("superbpe-stage1", SUPERBPE_STAGE1),
    ("superbpe-stage2", SUPERBPE_STAGE2),
    ("code", CODE),
    ("bert", BERT),
    ("deepseek-v3", DEEPSEEK_V3),
];

/// Characters that sit on the edges of the patterns' classes (some several times, for long runs).
#[rustfmt::skip]
const ALPHABET: &[&str] = &[
    // Latin letters, incl. every contraction letter in both cases, LONG S (folds to s), KELVIN SIGN.
    "a", "b", "k", "s", "S", "t", "T", "r", "R", "e", "E", "v", "V", "m", "M", "l", "L", "d", "D", "x", "Q",
    "ſ", "\u{212A}", "é", "É", "ß",
    // Titlecase (Lt), modifier (Lm), other letters (Lo), Greek, Cyrillic, Arabic, CJK, kana, Hangul.
    "ǅ", "ʰ", "ー", "ª", "Ω", "ω", "Я", "я", "ب", "中", "文", "あ", "한",
    // Combining marks: Mn, Mc, Me; variation selector; ZWJ (Cf).
    "\u{301}", "\u{903}", "\u{20DD}", "\u{FE0F}", "\u{200D}",
    // Numbers: ASCII, Arabic-Indic, fullwidth, Roman numeral (Nl), superscript and fraction (No).
    "0", "1", "7", "٣", "７", "Ⅻ", "²", "½",
    // White space; NEL, NBSP, ideographic space, line separator, VT, FF.
    " ", " ", " ", " ", "\t", "\r", "\n", "\n", "\r\n", "\u{85}", "\u{A0}", "\u{3000}", "\u{2028}", "\u{B}",
    "\u{C}",
    // Apostrophes and punctuation, incl. '/' (o200k) and a symbol.
    "'", "'", "'", "\u{2019}", "\"", ".", ",", "!", "?", "/", "/", "-", "_", "(", ")", "$", "©",
    // Operator characters (the code pattern's multi-character operators).
    "=", "=", "<", ">", "*", "&", "|", ":", "+", "%", "^", ".", "#",
    // Emoji (So), skin tone modifier (Sk), flag, private use, ZWNBSP (Cf, not White_Space).
    "😀", "👍", "\u{1F3FD}", "🇫🇷", "\u{E000}", "\u{FEFF}",
    // DeepSeek's kana/ideograph range and its edges: voiced sound mark (Sk), katakana double hyphen (Pd),
    // middle dot (Po), combining kana mark (Mn), unassigned U+3040, the last ideograph and the one after,
    // ideographic zero (Nl), NUL and a control before a letter.
    "\u{309B}", "\u{30A0}", "\u{30FB}", "\u{3099}", "\u{3040}", "\u{9FA5}", "\u{9FA6}", "\u{3007}", "\u{0}",
    "\u{1}",
];

/// SplitMix64: a small seeded generator, so every run tests the same strings.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `count` strings of 0..200 symbols: half drawn from the whole alphabet, half from a few symbols
/// (which makes long runs and repetitive structures).
fn random_strings(seed: u64, count: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|k| {
            let symbols: Vec<&str> = if k % 2 == 0 {
                ALPHABET.to_vec()
            } else {
                let n = 2 + rng.below(4);
                (0..n).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect()
            };
            let len = rng.below(200);
            (0..len).map(|_| symbols[rng.below(symbols.len())]).collect()
        })
        .collect()
}

fn split<'a>(pre: &Pretokenizer, text: &'a str) -> Vec<&'a str> {
    let mut out = Vec::new();
    pre.split(text, &mut out).unwrap();
    out
}

/// The regex (or sequence of regexes) a preset implements, in a form that does not run on its scanner.
fn reference(pattern: &str) -> Pretokenizer {
    match serde_json::from_str::<Vec<String>>(pattern) {
        Ok(steps) => {
            let wrapped: Vec<String> = steps.iter().map(|p| format!("(?:{p})")).collect();
            Pretokenizer::new(&serde_json::to_string(&wrapped).unwrap()).unwrap()
        }
        Err(_) => Pretokenizer::new(&format!("(?:{pattern})")).unwrap(),
    }
}

fn assert_same_pieces(texts: &[String]) {
    for (name, pattern) in PRESETS {
        let scanner = Pretokenizer::new(name).unwrap();
        let regex = reference(pattern);
        assert_eq!(Pretokenizer::new(pattern).unwrap().name(), name, "the exact pattern runs on the scanner");
        assert_eq!(scanner.name(), name);
        assert!(matches!(regex.name(), "regex" | "sequence"), "{name}: the reference is not the scanner");
        for text in texts {
            assert_eq!(split(&scanner, text), split(&regex, text), "{name} on {text:?}");
        }
    }
}

#[test]
fn scanners_match_the_regex_on_random_strings() {
    assert_same_pieces(&random_strings(0x7F4A_7C15, 10_000));
}

#[test]
fn scanners_match_the_regex_on_every_pair_and_triple_of_a_small_alphabet() {
    let small = ["a", "A", "ʰ", "\u{301}", "1", " ", "\n", "\t", "'", "s", "!", "/", "_", "=", "\r", "あ", "\u{1}"];
    let mut texts = Vec::new();
    for a in small {
        for b in small {
            for c in small {
                texts.push(format!("{a}{b}{c}"));
                texts.push(format!("{a}{b}{c}{c}{b}{a}"));
            }
        }
    }
    assert_same_pieces(&texts);
}

/// ASCII of the classes the block scanner tells apart (`blocks.rs`), and a few characters it leaves to the
/// scalar scanner.
#[rustfmt::skip]
const ASCII: &[&str] = &[
    "a", "s", "S", "t", "T", "r", "e", "E", "v", "m", "l", "L", "d", "D", "x", "0", "1", "9", " ", " ", " ",
    "\n", "\r", "\t", "\u{B}", "\u{C}", "'", "'", "'", ".", ",", "!", "(", "-", "/", "\"",
];
const RARE: &[&str] = &["é", "\u{A0}", "\u{3000}", "ſ", "\u{2019}", "中", "\u{85}", "😀"];

/// `count` texts of 60-300 bytes that cross the scanner's 64-byte blocks: runs of 1-7 of one ASCII character
/// (spaces, newlines, digits, apostrophes), now and then a non-ASCII character.
fn block_strings(seed: u64, count: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|_| {
            let len = 60 + rng.below(240);
            let mut text = String::new();
            while text.len() < len {
                let symbol =
                    if rng.below(40) == 0 { RARE[rng.below(RARE.len())] } else { ASCII[rng.below(ASCII.len())] };
                let run = if rng.below(3) == 0 { 1 + rng.below(7) } else { 1 };
                text.push_str(&symbol.repeat(run));
            }
            text
        })
        .collect()
}

#[test]
fn scanners_match_the_regex_across_block_edges() {
    assert_same_pieces(&block_strings(0x5EED_B10C, 20_000));
}

const MULTILINGUAL: &str = "\
The quick brown fox can't jump; it'S tired, isn't it? I'd've LOVED 2 see 12345678 foxes.\r\n\
Der schnelle braune Fuchs springt über den faulen Hund — ÄÖÜ äöü ß.\n\
Быстрая коричневая лиса прыгает через ленивую собаку, 1 234 567 руб.\n\
Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο.\n\
敏捷的棕色狐狸跳过了懒狗。すばやい茶色の狐がのろまな犬を飛び越える。빠른 갈색 여우가 게으른 개를 뛰어넘는다.\n\
الثعلب البني السريع يقفز فوق الكلب الكسول ٣٤٥ مرة.\n\
तेज़ भूरी लोमड़ी आलसी कुत्ते के ऊपर कूदती है।  \n\n\t\tindented\u{3000}text\u{a0}with odd spaces\n\
Emoji: 👍🏽 🇫🇷 😀!! https://example.org/a/b?c=d&e=f — “quotes” ‘and’ more…  \n";

#[test]
fn scanners_match_the_regex_on_real_text() {
    let texts: Vec<String> = [
        MULTILINGUAL,
        include_str!("../src/pretokenize/scan.rs"),
        include_str!("../src/pretokenize/o200k.rs"),
        include_str!("../../../docs/pretokenizers.md"),
        include_str!("../../../README.md"),
        include_str!("../../../python/tokenforge/repro/common.py"),
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    assert_same_pieces(&texts);
}
