"""GPT-2's original files (encoder.json + vocab.bpe) through `load_any`."""

from __future__ import annotations

import json

import pytest
from interop_support import MULTILINGUAL, fetched
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import models, pre_tokenizers

from tokenforge.errors import ConfigError, InputFileError, TokenizerFileError
from tokenforge.interop.bytelevel import to_unicode
from tokenforge.loading import load_any

BYTE_TOKENS = [to_unicode(bytes([b])) for b in range(256)]


def write_pair(folder, encoder: dict, lines: list[str]) -> None:
    (folder / "encoder.json").write_text(json.dumps(encoder), encoding="utf-8")
    (folder / "vocab.bpe").write_text("#version: 0.2\n" + "".join(f"{line}\n" for line in lines), encoding="utf-8")


def test_real_gpt2_files_match_tokenizers():
    encoder, merges = fetched("gpt2/encoder.json"), fetched("gpt2/vocab.bpe")
    hf = HFTokenizer(models.BPE.from_file(str(encoder), str(merges)))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    ours = load_any(encoder.parent)
    assert (ours.vocab_size, len(ours.merge_ids), ours.pretokenizer) == (50257, 50000, "gpt2")
    assert ours.special_tokens == {"<|endoftext|>": 50256}
    for text in [*MULTILINGUAL, "\n".join(MULTILINGUAL)]:
        assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids
    assert load_any(merges).merge_ids == load_any(encoder).merge_ids == ours.merge_ids


def test_hand_made_pair(tmp_path):
    encoder = {t: i for i, t in enumerate(BYTE_TOKENS)} | {"Ġt": 256, "Ġth": 257, "<|end|>": 258}
    write_pair(tmp_path, encoder, ["Ġ t", "Ġt h"])
    tok = load_any(tmp_path / "encoder.json")
    space, t, h = (BYTE_TOKENS.index(c) for c in "Ġth")
    assert tok.merge_ids == [((space, t), 256), ((256, h), 257)]
    assert tok.special_tokens == {"<|end|>": 258}
    assert tok.encode(" th<|end|>", allowed_special="all") == [257, 258]


def test_errors_name_the_files(tmp_path):
    encoder = {t: i for i, t in enumerate(BYTE_TOKENS)} | {"Ġt": 256}
    (tmp_path / "encoder.json").write_text(json.dumps(encoder), encoding="utf-8")
    with pytest.raises(InputFileError, match="needs its vocab.bpe"):
        load_any(tmp_path)
    write_pair(tmp_path, encoder, ["Ġ t x"])
    with pytest.raises(TokenizerFileError, match=r"encoder.json \+ vocab.bpe: corrupt GPT-2 vocabulary: merge 0"):
        load_any(tmp_path / "vocab.bpe")
    with pytest.raises(ConfigError, match="pattern applies only"):
        load_any(tmp_path / "vocab.bpe", pattern="gpt4")
