"""The morphology-aware hybrid tokenizer: lexicon segmentation, shared affix ids by Turkish harmony, case and
space tokens, exact round trip (hypothesis), save/load, and its adapter for `tokenforge eval`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenforge.errors import ConfigError, TokenizerFileError
from tokenforge.hybrid import HybridTokenizer, affix_key, realise, tr_lower, tr_upper_first, train_hybrid
from tokenforge.metrics.adapters import load_adapter
from tokenforge.metrics.evaluate import Lexicon, evaluate

ROOTS = ["ev", "kitap", "okul", "göz", "insan", "gel", "git", "yap", "kuş", "söz", "hak"]
AFFIXES = ["ler", "lar", "de", "da", "te", "ta", "i", "ı", "u", "ü", "in", "ın", "un", "ün", "dı", "di", "tı", "ti"]
DOCS = [
    "Evler ve kitaplar okulda. İnsanın gözü kuşu gördü.\n",
    "Kitapta sözler var; okullar, evde insanlar. Hakları gelir.\n",
    "IBM ve NASA 2024'te geldi: ŞU çok büyük!\n",
] * 20


@pytest.fixture(scope="module")
def hybrid() -> HybridTokenizer:
    return train_hybrid(DOCS, 400, ROOTS, AFFIXES)


def test_harmony_groups_and_picks_allomorphs():
    assert affix_key("ler", True) == affix_key("lar", True) == "lAr"
    assert affix_key("dı", True) == affix_key("ti", True) == "DI"
    assert realise(("lar", "ler"), "kitap") == "lar" and realise(("lar", "ler"), "ev") == "ler"
    assert realise(("dı", "di", "du", "dü", "tı", "ti", "tu", "tü"), "gel") == "di"
    assert realise(("dı", "di", "du", "dü", "tı", "ti", "tu", "tü"), "yap") == "tı"
    assert tr_lower("İNSAN") == "insan" and tr_upper_first("ırmak") == "Irmak"


def test_words_are_root_plus_shared_affix_ids(hybrid):
    ev, ler, kitap, lar = (hybrid.encode(w) for w in ("ev", "ler", "kitap", "lar"))
    evler, kitaplar = hybrid.encode("evler"), hybrid.encode("kitaplar")
    assert evler[0] == ev[0] and kitaplar[0] == kitap[0]
    assert evler[1] == kitaplar[1]  # -ler and -lar: one id
    assert hybrid.encode("Evler")[0] == 0 and hybrid.encode("Evler")[1:] == evler
    assert hybrid.encode("ev ev")[1] == 1  # <space>
    assert hybrid.decode(evler) == "evler" and hybrid.decode(kitaplar) == "kitaplar"


def test_udhr_style_case_round_trips(hybrid):
    for text in ["İnsanın", "İnsanin", "INSAN", "Irmak", "ıİiI", "Ölçü ŞU"]:
        assert hybrid.decode(hybrid.encode(text)) == text


PARTS = st.sampled_from([*"abcçdeğfgıiİIklmnoöprsştuüvyzEKLÖß .,\n'2", "ev", "ler", "lar", "kitap", "dı", "ti"])


@given(st.lists(PARTS).map("".join) | st.text())
def test_round_trip(hybrid, text):
    assert hybrid.decode(hybrid.encode(text)) == text


def test_save_load_and_eval_adapter(hybrid, tmp_path):
    hybrid.save(tmp_path / "h")
    again = HybridTokenizer.load(tmp_path / "h")
    assert again.encode(DOCS[0]) == hybrid.encode(DOCS[0])
    corpus = tmp_path / "tr.txt"
    corpus.write_text("".join(DOCS[:3]), encoding="utf-8")
    adapter = load_adapter(f"hybrid={tmp_path / 'h'}")
    lexicon = Lexicon(set(ROOTS) | {"evler", "kitaplar"}, set(AFFIXES), language="tr")
    result = evaluate([adapter], [("tr", str(corpus))], lexicon=lexicon)
    metrics = result["tokenizers"]["hybrid"]["corpora"]["tr"]
    assert metrics["tokens"] == sum(len(hybrid.encode(line)) for d in DOCS[:3] for line in d.splitlines(True))
    assert metrics["pure_tokens"] > 0.3


def test_errors(tmp_path):
    with pytest.raises(ConfigError, match="at least 256"):
        train_hybrid(DOCS, 100, ROOTS, AFFIXES)
    (tmp_path / "hybrid.json").write_text("{}", encoding="utf-8")
    with pytest.raises(TokenizerFileError, match="not a hybrid tokenizer"):
        HybridTokenizer.load(tmp_path)
