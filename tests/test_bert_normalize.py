"""The `bert` and `bert-cased` normalizers (Rust core) against Hugging Face's `BertNormalizer` and against a
reference written here with `unicodedata`, on arbitrary text: CJK, accents, control characters, final sigma."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers.normalizers import BertNormalizer

from tokenforge.normalizers import normalize

#: BERT's Chinese characters (Hugging Face's `is_chinese_char`).
CJK = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
TRICKY = "ΑΒΓΔΟΣσςαβ İIiéÉ.,!\u0301\u0316\u0300中文字ǅⅫﬃ\t\n\r\x00\x0b\x1f\x7f\x85\u00a0\u200b\u2028\u3000\ufffd\ue000"

#: Assigned characters (no surrogates; unassigned ones and newer marks are where Unicode versions differ).
TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cn")) | st.sampled_from(TRICKY) | st.sampled_from("中文 abc ÀÉ"),
    max_size=40,
)


def reference(text: str, lowercase: bool) -> str:
    """BertNormalizer by its definition: drop Cc/Cf/Co (not tab, newline, return) and U+FFFD, white space to a
    space, CJK ideographs padded; uncased: NFD, nonspacing marks dropped, each character lowercased."""
    out = []
    for c in text:
        if c == "\ufffd" or (unicodedata.category(c) in ("Cc", "Cf", "Co") and c not in "\t\n\r"):
            continue
        if c.isspace():
            out.append(" ")
        elif any(lo <= ord(c) <= hi for lo, hi in CJK):
            out.append(f" {c} ")
        else:
            out.append(c)
    cased = "".join(out)
    if not lowercase:
        return cased
    return "".join(c.lower() for c in unicodedata.normalize("NFD", cased) if unicodedata.category(c) != "Mn")


@settings(max_examples=400)
@given(TEXT, st.booleans())
def test_bert_matches_hugging_face(text, lowercase):
    name = "bert" if lowercase else "bert-cased"
    assert normalize(name, text) == BertNormalizer(lowercase=lowercase).normalize_str(text)


@settings(max_examples=400)
@given(TEXT, st.booleans())
def test_bert_matches_reference(text, lowercase):
    assert normalize("bert" if lowercase else "bert-cased", text) == reference(text, lowercase)


def test_final_sigma_and_cjk():
    """A final capital sigma is 'σ' (one character at a time, as Rust's `char::to_lowercase`)."""
    assert normalize("bert", "ΟΔΟΣ 中文") == "οδοσ  中  文 "
    assert normalize("bert-cased", "Ä\x00\tb") == "Ä b"
