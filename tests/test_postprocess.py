"""Post-processors (bos/eos and BERT templates, `add_special_tokens=True`) and token roles, against Hugging Face
`tokenizers` (the same tokenizer.json gives the same ids and type ids, both ways) and `transformers` (pads a
batch with the roles of tokenizer_config.json)."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from interop_support import MULTILINGUAL, hf_of, tricky_text
from tokenizers import BertWordPieceTokenizer, processors
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf
from tokenforge.errors import ConfigError, UnsupportedError
from tokenforge.processors import Template

SPECIALS = ["<s>", "</s>", "<pad>", "<unk>"]
TEXTS = [*MULTILINGUAL, "", " ", "hello <s> world </s>"]
ALL = "all"  # Hugging Face always maps special-token strings in text


@functools.cache
def bpe() -> tf.Tokenizer:
    """A small byte-level BPE with four special tokens."""
    import pydoc_data.topics

    docs = list(pydoc_data.topics.topics.values())[:200]
    return tf.train_from_iterator(docs, vocab_size=600, special_tokens=SPECIALS)


@functools.cache
def wordpiece() -> tf.Tokenizer:
    import pydoc_data.topics

    docs = list(pydoc_data.topics.topics.values())[:200]
    return tf.train_from_iterator(docs, vocab_size=800, algorithm="wordpiece")


def with_template(template: Template, **roles: str) -> tf.Tokenizer:
    tok = tf.Tokenizer.from_dict(bpe().to_dict())
    tok.post_processor = template
    tok.roles = roles
    return tok


TEMPLATES = {
    "bos": Template.bos_eos("<s>"),
    "bos_eos": Template.bos_eos("<s>", "</s>"),
    "eos": Template.bos_eos(eos="</s>"),
    "bert_like": Template.of("<s> $A </s>", "<s> $A </s> $B:1 </s>:1"),
    "roberta": Template.roberta(),
}


def test_template_syntax_is_hugging_faces():
    t = Template.of("[CLS]:0 $A:0 [SEP]", "[CLS] $a [SEP] $b:1 [SEP]:1")
    assert t.single == (("[CLS]", 0), ("$A", 0), ("[SEP]", 0))
    assert t.pair[-2:] == (("$B", 1), ("[SEP]", 1))
    assert Template.of("$ x", "$0 x $B:1 x:1").single == (("$A", 0), ("x", 0))
    assert Template.of("$1 x", "$A $B").single[0] == ("$A", 1)
    for bad in ("[CLS] [SEP]", "$A $A", "$A $B", "$A:x", "$C"):
        with pytest.raises(ConfigError):
            Template.of(bad)
    with pytest.raises(ConfigError, match="pair template"):
        Template.of("$A", "$A x")


def test_encode_adds_nothing_by_default():
    tok = with_template(TEMPLATES["bos_eos"])
    for text in TEXTS:
        assert tok.encode(text) == bpe().encode(text)
        bos, eos = tok.token_id("<s>"), tok.token_id("</s>")
        assert tok.encode(text, add_special_tokens=True) == [bos, *bpe().encode(text), eos]
    assert tok.encode("a", pair="b") == bpe().encode("a") + bpe().encode("b")
    assert bpe().encode("a", add_special_tokens=True) == bpe().encode("a"), "no post-processor: nothing to add"


@pytest.mark.parametrize("name", TEMPLATES)
def test_exported_template_gives_hugging_faces_ids(name, tmp_path):
    tok = with_template(TEMPLATES[name])
    hf = hf_of(tok, tmp_path)
    for text in TEXTS:
        assert tok.encode(text, ALL, add_special_tokens=True) == hf.encode(text, add_special_tokens=True).ids, text
        assert tok.encode(text, ALL) == hf.encode(text, add_special_tokens=False).ids
    for a, b in zip(TEXTS, TEXTS[1:]):
        want = hf.encode(a, b, add_special_tokens=True)
        assert tok.encode(a, ALL, pair=b, add_special_tokens=True) == want.ids
        assert tok.encode(a, ALL, pair=b) == hf.encode(a, b, add_special_tokens=False).ids
    assert tf.Tokenizer.from_huggingface(tmp_path).post_processor == tok.post_processor


@settings(max_examples=50)
@given(tricky_text(), st.sampled_from(sorted(TEMPLATES)))
def test_template_ids_on_generated_text(text, name):
    tok = with_template(TEMPLATES[name])
    hf = exported(name)
    assert tok.encode(text, ALL, add_special_tokens=True) == hf.encode(text, add_special_tokens=True).ids
    assert tok.encode(text, ALL, pair=text[::-1], add_special_tokens=True) == hf.encode(text, text[::-1]).ids


@functools.cache
def exported(name: str) -> HFTokenizer:
    import tempfile
    from pathlib import Path

    return hf_of(with_template(TEMPLATES[name]), Path(tempfile.mkdtemp()))


@pytest.mark.parametrize(
    "processor",
    [
        processors.TemplateProcessing(
            single="<s> $A </s>", pair="<s> $A </s> $B:1 </s>:1", special_tokens=[("<s>", 596), ("</s>", 597)]
        ),
        processors.BertProcessing(("</s>", 597), ("<s>", 596)),
        processors.RobertaProcessing(("</s>", 597), ("<s>", 596)),
        processors.Sequence(
            [
                processors.ByteLevel(trim_offsets=False),
                processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s>:1 $B:1", special_tokens=[("<s>", 596)]),
            ]
        ),
        processors.ByteLevel(trim_offsets=True),
    ],
    ids=["template", "bert", "roberta", "sequence", "bytelevel"],
)
def test_imported_post_processor_gives_hugging_faces_ids(processor, tmp_path):
    assert bpe().special_tokens == {"<s>": 596, "</s>": 597, "<pad>": 598, "<unk>": 599}
    hf = hf_of(bpe(), tmp_path)
    hf.post_processor = processor
    hf.save(str(tmp_path / "tokenizer.json"))
    ours = tf.Tokenizer.from_huggingface(tmp_path)
    for a, b in zip(TEXTS, TEXTS[1:]):
        assert ours.encode(a, ALL, add_special_tokens=True) == hf.encode(a).ids, a
        assert ours.encode(a, ALL, pair=b, add_special_tokens=True) == hf.encode(a, b).ids, (a, b)


def test_unreadable_post_processor_is_one_line(tmp_path):
    path = bpe().save_huggingface(tmp_path)
    data = json.loads(path.read_text())
    for bad, match in [
        ({"type": "Mystery"}, "post_processor 'Mystery'"),
        ({"type": "BertProcessing", "sep": ["</s>", 7], "cls": ["<s>", 596]}, "'</s>' with id 7"),
        ({"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}], "pair": 3}, "item"),
    ]:
        path.write_text(json.dumps({**data, "post_processor": bad}))
        with pytest.raises(UnsupportedError, match=match) as e:
            tf.Tokenizer.from_huggingface(path)
        assert "\n" not in str(e.value) and str(path) in str(e.value)


def test_template_and_roles_are_saved(tmp_path):
    tok = with_template(TEMPLATES["bos_eos"], bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    again = tf.Tokenizer.load(tok.save(tmp_path))
    assert again.post_processor == tok.post_processor and again.roles == tok.roles
    assert again.encode("hi there", pair="you", add_special_tokens=True) == tok.encode(
        "hi there", pair="you", add_special_tokens=True
    )
    tok.save_huggingface(tmp_path)
    assert tf.Tokenizer.from_huggingface(tmp_path).roles == tok.roles


def test_bad_template_or_role_is_refused():
    tok = tf.Tokenizer.from_dict(bpe().to_dict())
    with pytest.raises(ConfigError, match="'<bos>' is not in the vocabulary"):
        tok.post_processor = Template.bos_eos("<bos>")
    with pytest.raises(ConfigError, match="unknown token role 'bos'"):
        tok.roles = {"bos": "<s>"}
    with pytest.raises(ConfigError, match="pad_token '<nope>'"):
        tok.roles = {"pad_token": "<nope>"}


def test_batch_adds_the_template_in_both_outputs():
    tok = with_template(TEMPLATES["bos_eos"])
    texts = [*TEXTS, "a" * 5000]
    want = [tok.encode(t, add_special_tokens=True) for t in texts]
    assert tok.encode_batch(texts, add_special_tokens=True) == want
    ids, offsets = tok.encode_batch(texts, output="numpy", add_special_tokens=True)
    assert [ids[offsets[i] : offsets[i + 1]].tolist() for i in range(len(texts))] == want
    assert offsets.dtype == np.int64 and ids.dtype == np.uint32
    assert tok.encode_batch(texts) == [tok.encode(t) for t in texts]


def test_transformers_pads_a_batch_with_the_roles(tmp_path):
    transformers = pytest.importorskip("transformers")
    tok = with_template(TEMPLATES["bos_eos"], bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>")
    tok.save_huggingface(tmp_path)
    fast = transformers.PreTrainedTokenizerFast.from_pretrained(str(tmp_path))
    assert (fast.bos_token, fast.eos_token, fast.pad_token, fast.unk_token) == ("<s>", "</s>", "<pad>", "<unk>")
    texts = ["Hello world", "a much longer sentence than the first one", ""]
    batch = fast(texts, padding=True)
    width = max(len(tok.encode(t, add_special_tokens=True)) for t in texts)
    for text, ids, mask in zip(texts, batch["input_ids"], batch["attention_mask"]):
        ours = tok.encode(text, add_special_tokens=True)
        assert ids == ours + [tok.token_id("<pad>")] * (width - len(ours))
        assert mask == [1] * len(ours) + [0] * (width - len(ours))


def test_trained_wordpiece_gets_berts_template(tmp_path):
    tok = wordpiece()
    assert tok.post_processor == Template.bert()
    assert tok.roles == {
        "pad_token": "[PAD]",
        "unk_token": "[UNK]",
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "mask_token": "[MASK]",
    }
    bert = BertWordPieceTokenizer(str(tok.save_bert_vocab(tmp_path)))
    for a, b in zip(TEXTS, TEXTS[1:]):
        assert tok.encode(a, add_special_tokens=True) == bert.encode(a).ids, a
        assert tok.encode(a, pair=b, add_special_tokens=True) == bert.encode(a, b).ids
    assert tf.Tokenizer.from_bert_vocab(tmp_path).post_processor == Template.bert()
