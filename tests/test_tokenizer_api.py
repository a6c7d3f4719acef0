"""The everyday API people know from Hugging Face and tiktoken: `get_vocab`, `token_to_id`, `id_to_token`,
`len`, `decode_batch`, pickling (DataLoader workers, multiprocessing) — against `tokenizers` on the same file."""

from __future__ import annotations

import multiprocessing
import pickle

import pytest
import sentencepiece as spm
from api_support import KINDS, pair
from interop_support import MULTILINGUAL
from sentencepiece_support import trained

import tokenforge as tf


@pytest.mark.parametrize("kind", KINDS)
def test_vocab_lookups_are_hugging_faces(kind):
    tok, hf = pair(kind)
    assert tok.get_vocab() == hf.get_vocab(with_added_tokens=True)
    assert len(tok) == hf.get_vocab_size(with_added_tokens=True) == tok.vocab_size
    for i in range(len(tok) + 2):
        assert tok.id_to_token(i) == hf.id_to_token(i)
    for token in [*hf.get_vocab(), "not a token", "Ġ", "##x", ""]:
        assert tok.token_to_id(token) == hf.token_to_id(token), token
    assert tok.id_to_token(-1) is None


@pytest.mark.parametrize("kind", KINDS)
def test_decode_batch(kind):
    tok, hf = pair(kind)
    batch = tok.encode_batch(MULTILINGUAL)
    assert tok.decode_batch(batch) == [tok.decode(ids) for ids in batch]
    if kind == "bpe":
        assert tok.decode_batch(batch) == hf.decode_batch(batch) == MULTILINGUAL


@pytest.mark.parametrize("kind", KINDS)
def test_pickle_round_trip(kind):
    tok, _ = pair(kind)
    again = pickle.loads(pickle.dumps(tok))
    assert type(again) is tf.Tokenizer and again.to_dict() == tok.to_dict()
    for text in MULTILINGUAL:
        assert again.encode(text, add_special_tokens=True) == tok.encode(text, add_special_tokens=True)
        assert again.encode(text, offsets=True) == tok.encode(text, offsets=True)


def test_tokenizer_goes_to_worker_processes():
    tok, _ = pair("bpe")
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert pool.map(tok.encode, MULTILINGUAL) == [tok.encode(t) for t in MULTILINGUAL]


def test_dataloader_workers_encode():
    torch = pytest.importorskip("torch")
    tok, _ = pair("wordpiece")

    loader = torch.utils.data.DataLoader(
        MULTILINGUAL, batch_size=4, num_workers=2, collate_fn=tok.encode_batch, multiprocessing_context="spawn"
    )
    got = [ids for batch in loader for ids in batch]
    assert got == tok.encode_batch(MULTILINGUAL)


def test_sentencepiece_families_spell_pieces(tmp_path):
    path = tmp_path / "unigram.model"
    path.write_bytes(trained("unigram", 500))
    tok = tf.Tokenizer.from_sentencepiece(path)
    pieces = [spm.SentencePieceProcessor(model_file=str(path)).id_to_piece(i) for i in range(len(tok))]
    assert [tok.id_to_token(i) for i in range(len(tok))] == pieces
    assert tok.token_to_id("▁the") == pieces.index("▁the")
    assert tok.encode("the fox", offsets=True).tokens == [tok.id_to_token(i) for i in tok.encode("the fox")]
