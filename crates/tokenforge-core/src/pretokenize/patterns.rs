//! The exact patterns behind the presets (documented in docs/pretokenizers.md).

/// GPT-2 / Hugging Face `ByteLevel` pattern.
pub const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// cl100k_base (GPT-4), in its classic form.
pub const CL100K: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen2 (Qwen2, Qwen2.5, Qwen3 `tokenizer.json`): cl100k with single digits.
pub const QWEN2: &str =
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// o200k_base (GPT-4o).
pub const O200K: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
);

/// SuperBPE stage 1: o200k without its contraction suffixes.
pub const SUPERBPE_STAGE1: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*",
    r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
);

/// SuperBPE stage 2: numbers, runs of two or more symbols, trailing spaces; the rest may merge across spaces.
pub const SUPERBPE_STAGE2: &str = r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]{2,}[\r\n/]*| +(?!\S)";

/// The `metaspace` preset as a regex: a piece starts at every space and `▁` (U+2581), as Hugging Face's
/// `Metaspace` pre-tokenizer splits after writing spaces as `▁`.
pub const METASPACE: &str = "[ \u{2581}][^ \u{2581}]*|[^ \u{2581}]+";

/// Source code: identifiers, numbers, operators and indentation runs as units (see `code.rs`).
pub const CODE: &str = concat!(
    r" ?[\p{L}_][\p{L}\p{N}_]*| ?\p{N}+",
    r"| ?(?:<<=|>>=|\*\*=|//=|\.\.\.|->|=>|::|==|!=|<=|>=|&&|\|\||<<|>>|\+\+|--|\*\*|//|\+=|-=|\*=|/=|%=|&=|\|=|\^=)",
    r"| ?[^\s\p{L}\p{N}_]|\r?\n[ \t]*|[ \t]+|\s"
);

/// BERT's pre-tokenizer (Hugging Face's `BertPreTokenizer`): runs of white space, single punctuation characters
/// (`\p{P}` and ASCII symbols), runs of anything else. The model ignores the white-space pieces.
pub const BERT: &str =
    concat!(r"\s+|[\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]", r"|[^\s\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]+");

/// DeepSeek-V3 (and R1) `tokenizer.json`: a sequence of three splits, as the JSON array of their patterns (how a
/// sequence is spelled as one spec); `deepseek.rs` runs them in one pass.
pub const DEEPSEEK_V3: &str = concat!(
    r##"["\\p{N}{1,3}","[一-龥぀-ゟ゠-ヿ]+","[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"##,
    r##"|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"]"##
);
