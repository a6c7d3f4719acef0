"""The morphology-aware hybrid as a model family (`algorithm="hybrid"`): lexicon segmentation, shared affix ids by
Turkish harmony, case and space tokens, exact round trip (hypothesis, Turkish casing included), save/load
(tokenforge.json), the CLI (`--roots`, `--affixes`, `--language`) and `tokenforge eval` beside BPE."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenforge as tf
from tokenforge.cli.main import main
from tokenforge.errors import ConfigError, TokenizerFileError, UnsupportedError
from tokenforge.metrics.adapters import load_adapter
from tokenforge.metrics.evaluate import Lexicon, evaluate
from tokenforge.metrics.integrity import fold

ROOTS = ["ev", "kitap", "okul", "göz", "insan", "gel", "git", "yap", "kuş", "söz", "hak"]
AFFIXES = ["ler", "lar", "de", "da", "te", "ta", "i", "ı", "u", "ü", "in", "ın", "un", "ün", "dı", "di", "tı", "ti"]
DOCS = [
    "Evler ve kitaplar okulda. İnsanın gözü kuşu gördü.\n",
    "Kitapta sözler var; okullar, evde insanlar. Hakları gelir.\n",
    "IBM ve NASA 2024'te geldi: ŞU çok büyük!\n",
] * 20


def train(docs=DOCS, vocab_size=400, **options) -> tf.Tokenizer:
    options = {"roots": ROOTS, "affixes": AFFIXES, "language": "tr", **options}
    return tf.train_from_iterator(docs, vocab_size, algorithm="hybrid", **options)


@pytest.fixture(scope="module")
def hybrid() -> tf.Tokenizer:
    return train()


def test_words_are_root_plus_shared_affix_ids(hybrid):
    ev, kitap, ler = hybrid.encode("ev"), hybrid.encode("kitap"), hybrid.encode("ler")
    evler, kitaplar = hybrid.encode("evler"), hybrid.encode("kitaplar")
    assert len(ev) == len(kitap) == 1 and evler[0] == ev[0] and kitaplar[0] == kitap[0]
    assert evler[1] == kitaplar[1] and evler[1] != ler[0]  # -ler and -lar: one id; "ler" alone is BPE
    assert hybrid.token_bytes(evler[1]) == b"lar"  # a group shows its first allomorph
    assert hybrid.encode("Evler") == [0, *evler]  # <uppercase>
    assert hybrid.encode("ev ev") == [ev[0], 1, ev[0]]  # <space>
    assert hybrid.decode(evler) == "evler" and hybrid.decode(kitaplar) == "kitaplar"
    assert hybrid.special_tokens == {"<uppercase>": 0} and hybrid.token_bytes(1) == b" "


def test_harmony_picks_the_allomorph_when_decoding(hybrid):
    gözü, kuşu = hybrid.encode("gözü"), hybrid.encode("kuşu")
    assert len(gözü) == len(kuşu) == 2 and gözü[1] == kuşu[1]  # -ü and -u: one group
    assert hybrid.decode(kuşu[:1] + gözü[1:]) == "kuşu"


def test_udhr_style_case_round_trips(hybrid):
    for text in ["İnsanın", "İnsanin", "INSAN", "Irmak", "ıİiI", "Ölçü ŞU", "insanİn"]:
        assert hybrid.decode(hybrid.encode(text)) == text
    assert hybrid.encode("İnsanın")[:2] == [0, hybrid.encode("insan")[0]]


def test_special_tokens_follow_the_bpe_part():
    tok = train(special_tokens=["<|endoftext|>"])
    eot = tok.special_tokens["<|endoftext|>"]
    assert eot == tok.vocab_size - 1
    ids = tok.encode("Evler<|endoftext|>evler", allowed_special="all")
    assert eot in ids and tok.decode(ids) == "Evler<|endoftext|>evler"


def test_other_languages_use_unicode_casing():
    english = train(
        ["Houses and the books. In IBM houses.\n"] * 10,
        400,
        roots=["house", "book", "in"],
        affixes=["s"],
        language=None,
    )
    assert english.encode("In")[0] == 0 and english.decode(english.encode("In Ii İı")) == "In Ii İı"


PARTS = st.sampled_from([*"abcçdeğfgıiİIklmnoöprsştuüvyzEKLÖß .,\n'2", "ev", "ler", "lar", "kitap", "dı", "ti", "  "])


@given(st.lists(PARTS).map("".join) | st.text())
def test_round_trip(hybrid, text):
    ids = hybrid.encode(text)
    assert hybrid.decode(ids) == text
    assert hybrid.encode_batch([text, text]) == [ids, ids]


@given(st.lists(PARTS).map("".join))
def test_offsets_cover_the_text_and_roots_spell_their_letters(hybrid, text):
    encoding = hybrid.encode(text, offsets=True)
    assert encoding.ids == hybrid.encode(text)
    covered = 0
    for i, (start, end) in zip(encoding.ids, encoding.offsets):
        assert start <= covered <= end or (i == 0 and start == end == covered)  # <uppercase>: empty, before its word
        covered = end
        if 2 <= i < 2 + hybrid.model.roots:
            assert fold(text[start:end], "tr") == hybrid.token_bytes(i).decode()
    assert covered == len(text)
    assert [t for t, (a, b) in zip(encoding.tokens, encoding.offsets) if a == b] == ["<uppercase>"] * hybrid.encode(
        text
    ).count(0)


def test_save_load_cli_and_eval(hybrid, tmp_path):
    hybrid.save(tmp_path / "h")
    assert json.loads((tmp_path / "h" / "tokenforge.json").read_text())["model"]["type"] == "hybrid"
    again = tf.Tokenizer.load(tmp_path / "h")
    assert again.encode(DOCS[0]) == hybrid.encode(DOCS[0]) and again.decode(again.encode(DOCS[1])) == DOCS[1]
    corpus, roots, affixes = tmp_path / "tr.txt", tmp_path / "roots.dic", tmp_path / "affixes.txt"
    corpus.write_text("".join(DOCS), encoding="utf-8")
    roots.write_text(f"{len(ROOTS)}\n" + "".join(f"{r}/AB\n" for r in ROOTS), encoding="utf-8")
    affixes.write_text("".join(f"-{a}\n" for a in AFFIXES), encoding="utf-8")
    args = ["--roots", str(roots), "--affixes", str(affixes), "--language", "tr"]
    assert (
        main(["train", str(corpus), "--algorithm", "hybrid", "--vocab-size", "400", *args, "-o", str(tmp_path / "cli")])
        == 0
    )
    cli = tf.Tokenizer.load(tmp_path / "cli")
    assert cli.vocab() == hybrid.vocab() and cli.encode(DOCS[2]) == hybrid.encode(DOCS[2])
    tf.train_from_iterator(DOCS, 400).save(tmp_path / "bpe")
    lexicon = Lexicon(set(ROOTS) | {"evler", "kitaplar"}, set(AFFIXES), language="tr")
    small = tmp_path / "small.txt"
    small.write_text("".join(DOCS[:3]), encoding="utf-8")
    adapters = [load_adapter(f"hybrid={tmp_path / 'h'}"), load_adapter(f"bpe={tmp_path / 'bpe'}")]
    result = evaluate(adapters, [("tr", str(small))], lexicon=lexicon)
    metrics = result["tokenizers"]["hybrid"]["corpora"]["tr"]
    assert metrics["tokens"] == sum(len(hybrid.encode(line)) for d in DOCS[:3] for line in d.splitlines(True))
    assert metrics["pure_tokens"] > result["tokenizers"]["bpe"]["corpora"]["tr"]["pure_tokens"]
    assert metrics["unknown_tokens"] == 0 and not result["tokenizers"]["hybrid"]["lossy"]  # <uppercase> loses nothing
    spans = adapters[0].tokenize(["İnsanın evleri"])  # from the offsets: the tokens' bytes do not spell the text
    assert spans.starts.tolist() == [0, 0, 6, 9, 10, 12, 15] and spans.ends.tolist() == [0, 6, 9, 10, 12, 15, 16]


def test_errors(hybrid, tmp_path):
    with pytest.raises(UnsupportedError, match="its model is hybrid, and tiktoken holds byte-level BPE only"):
        hybrid.save_tiktoken(tmp_path / "h.tiktoken")
    with pytest.raises(UnsupportedError, match="extend continues BPE training"):
        hybrid.extend_from_iterator(DOCS, 500)
    with pytest.raises(ConfigError, match="at least 256 are needed"):
        train(vocab_size=100)
    with pytest.raises(ConfigError, match="needs roots and affixes"):
        tf.train_from_iterator(DOCS, 400, algorithm="hybrid")
    with pytest.raises(ConfigError, match="roots is a hybrid option"):
        tf.train_from_iterator(DOCS, 400, roots=ROOTS)
    data = train().to_dict()
    data["model"]["roots"] = 10**6
    with pytest.raises(TokenizerFileError, match="do not fit"):
        tf.Tokenizer.from_dict(data)
    data["model"]["roots"] = -1
    with pytest.raises(TokenizerFileError, match="out of range"):
        tf.Tokenizer.from_dict(data)
    data["model"]["roots"] = 0
    data["model"]["groups"][0] = ["a" * 300]
    with pytest.raises(TokenizerFileError, match="longer than 256 characters"):
        tf.Tokenizer.from_dict(data)
    del data["model"]["groups"]
    with pytest.raises(TokenizerFileError, match="corrupt hybrid model"):
        tf.Tokenizer.from_dict(data)
