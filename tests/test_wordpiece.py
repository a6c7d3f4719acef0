"""WordPiece against Hugging Face `tokenizers`: a real BERT vocabulary (ids both ways, tokenizer.json and
vocab.txt), training with BERT's defaults (the vocabulary of `BertWordPieceTokenizer().train`)."""

from __future__ import annotations

import functools

from hypothesis import given, settings
from interop_support import MULTILINGUAL, fetched, tricky_text
from tokenizers import BertWordPieceTokenizer
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf

TEXTS = [
    *MULTILINGUAL,
    "Héllo, WORLD!! unaffable un-believable 中文字 ＡＢＣ\tcafé\u00a0x\u200by",
    "a" * 150 + " " + "b" * 99,
    "",
    "   ",
]


@functools.cache
def bert_pair() -> tuple[tf.Tokenizer, HFTokenizer]:
    path = fetched("bert/tokenizer.json")
    hf = HFTokenizer.from_file(str(path))
    hf.no_padding()
    hf.no_truncation()
    return tf.Tokenizer.from_huggingface(path), hf


def hf_ids(hf: HFTokenizer, text: str) -> list[int]:
    return hf.encode(text, add_special_tokens=False).ids


def test_real_bert_ids_match_tokenizers():
    ours, hf = bert_pair()
    from_vocab = tf.Tokenizer.from_bert_vocab(fetched("bert/vocab.txt"))
    for text in TEXTS:
        assert ours.encode(text) == hf_ids(hf, text), text
        assert from_vocab.encode(text) == hf_ids(hf, text), text
    ids = hf_ids(hf, TEXTS[0])
    assert ours.decode(ids) == hf.decode(ids, skip_special_tokens=False)


@settings(max_examples=200)
@given(tricky_text())
def test_real_bert_ids_on_generated_text(text):
    ours, hf = bert_pair()
    assert ours.encode(text) == hf_ids(hf, text)


def test_export_gives_our_ids(tmp_path):
    ours, _ = bert_pair()
    ours.save_huggingface(tmp_path)
    again = HFTokenizer.from_file(str(tmp_path / "tokenizer.json"))
    for text in TEXTS:
        assert hf_ids(again, text) == ours.encode(text)
    path = ours.save_bert_vocab(tmp_path)
    assert path.read_bytes() == fetched("bert/vocab.txt").read_bytes()
    assert tf.Tokenizer.load(ours.save(tmp_path / "ours")).encode(TEXTS[0]) == ours.encode(TEXTS[0])


def test_training_gives_hugging_faces_vocabulary(tmp_path, english_docs):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(english_docs[:400]), encoding="utf-8")
    ours = tf.train([corpus], vocab_size=1500, algorithm="wordpiece")
    runs = []
    for _ in range(2):
        hf = BertWordPieceTokenizer()
        hf.train([str(corpus)], vocab_size=1500, show_progress=False)
        runs.append(set(hf.get_vocab()))
    mine = {t.decode() for t in ours.vocab()}
    assert ours.vocab()[:5] == [b"[PAD]", b"[UNK]", b"[CLS]", b"[SEP]", b"[MASK]"]
    assert len(mine) == len(runs[0])
    # Hugging Face numbers the ## continuations in hash-map order, so its own runs differ where pairs tie.
    between_runs = len(runs[0] ^ runs[1])
    assert len(mine ^ runs[0]) <= max(2 * between_runs, len(mine) // 100), sorted(mine ^ runs[0])[:20]


def test_bad_vocab_txt_is_one_line(tmp_path):
    bad = tmp_path / "vocab.txt"
    bad.write_text("[PAD]\n[UNK]\nhello\nhello\n", encoding="utf-8")
    try:
        tf.Tokenizer.from_bert_vocab(bad)
    except tf.TokenizerFileError as e:
        assert str(bad) in str(e) and "line 4" in str(e)
    else:
        raise AssertionError("a duplicate token was accepted")
