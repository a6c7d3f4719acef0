"""sentencepiece `.model` files: reading every real file, writing files sentencepiece loads with the same
pieces, and one-line errors for corrupt or hostile files (hand-made corruptions and a hypothesis fuzz)."""

from __future__ import annotations

import pytest
import sentencepiece as spm
from hypothesis import given
from hypothesis import strategies as st
from interop_support import fetched
from sentencepiece_support import REAL_MODELS, trained

from tokenforge.errors import InputFileError, TokenizerFileError, UnsupportedError
from tokenforge.interop.sentencepiece import parse_model, read_model, write_model
from tokenforge.interop.sentencepiece_proto import ModelProto


def pieces_of(processor: spm.SentencePieceProcessor) -> list[tuple[str, float]]:
    return [(processor.id_to_piece(i), processor.get_score(i)) for i in range(processor.get_piece_size())]


@pytest.mark.parametrize("relative", REAL_MODELS)
def test_real_models_read_and_write_back_identically(relative, tmp_path):
    path = fetched(relative)
    model = read_model(path)
    theirs = spm.SentencePieceProcessor(model_file=str(path))
    assert list(zip(model.pieces, model.scores)) == pieces_of(theirs)
    assert model.unk_id == theirs.unk_id()
    for i, kind in enumerate(model.types):
        assert theirs.is_byte(i) == (kind == "BYTE")
        assert theirs.is_control(i) == (kind == "CONTROL")
        assert theirs.is_unknown(i) == (kind == "UNKNOWN")
    out = write_model(model, tmp_path / "copy.model")
    assert out.read_bytes() == path.read_bytes(), "an unchanged model writes back byte for byte"


def test_a_model_built_from_scratch_loads_in_sentencepiece(tmp_path):
    model = parse_model(trained("bpe", byte_fallback=True, user_defined_symbols="<tool>"), "trained")
    assert model.byte_fallback and "USER_DEFINED" in model.types and len(model.ids_of("BYTE")) == 256
    model.original = b""  # nothing kept from the source file: every field written from the model
    theirs = spm.SentencePieceProcessor(model_file=str(write_model(model, tmp_path / "new.model")))
    assert pieces_of(theirs) == list(zip(model.pieces, model.scores))
    source = spm.SentencePieceProcessor(model_proto=trained("bpe", byte_fallback=True, user_defined_symbols="<tool>"))
    text = "Größere <tool> Änderungen 👋 ＡＢＣ"
    assert theirs.encode(text) == source.encode(text)


# -- bad files ---------------------------------------------------------------------------------------------


def one_line_error(raw: bytes, tmp_path) -> None:
    """Reading `raw` as a .model either succeeds or raises one TokenizerFileError line naming the file."""
    path = tmp_path / "bad.model"
    path.write_bytes(raw)
    try:
        read_model(path)
    except (TokenizerFileError, UnsupportedError) as e:
        message = str(e)
        assert message.startswith(str(path)) and "\n" not in message


def corrupted(mutate) -> bytes:
    proto = ModelProto()
    proto.ParseFromString(trained("bpe"))
    mutate(proto)
    return proto.SerializeToString()


@pytest.mark.parametrize(
    "mutate, problem",
    [
        (lambda p: p.pieces[5].ClearField("piece"), "piece 5 is empty"),
        (lambda p: setattr(p.pieces[7], "piece", p.pieces[6].piece), "pieces 6 and 7 are both"),
        (lambda p: setattr(p.pieces[9], "score", float("nan")), "has the score nan"),
        (lambda p: setattr(p.pieces[0], "type", 1), "0 UNKNOWN pieces"),
        (lambda p: setattr(p.pieces[4], "type", 6), "not of the form <0xXX>"),
        (lambda p: p.ClearField("pieces"), "no pieces"),
        (lambda p: setattr(p.trainer_spec, "model_type", 3), "not supported yet: sentencepiece WORD models"),
    ],
)
def test_wrong_fields_are_named(mutate, problem, tmp_path):
    path = tmp_path / "bad.model"
    path.write_bytes(corrupted(mutate))
    with pytest.raises((TokenizerFileError, UnsupportedError), match=problem) as info:
        read_model(path)
    assert str(info.value).startswith(str(path))


def test_truncated_and_foreign_files(tmp_path):
    raw = trained("bpe")
    for cut in (1, 7, len(raw) // 2, len(raw) - 1):
        path = tmp_path / f"cut{cut}.model"
        path.write_bytes(raw[:cut])
        with pytest.raises(TokenizerFileError, match=f"^{path}: "):
            read_model(path)
    text = tmp_path / "notes.model"
    text.write_text("just some text\n")
    with pytest.raises(TokenizerFileError, match="not a"):
        read_model(text)
    with pytest.raises(InputFileError, match="no such file"):
        read_model(tmp_path / "missing.model")


def test_absurd_length_prefix(tmp_path):
    # field 1 (pieces), length-delimited, claiming 2^62 bytes
    one_line_error(b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\x3f" + b"x" * 20, tmp_path)
    path = tmp_path / "bad.model"
    with pytest.raises(TokenizerFileError):
        read_model(path)


@given(st.binary(max_size=300))
def test_random_bytes_never_crash(tmp_path_factory, raw):
    one_line_error(raw, tmp_path_factory.mktemp("fuzz"))


@given(st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), min_size=1, max_size=8), st.integers(0, 5000))
def test_mutated_real_models_never_crash(tmp_path_factory, flips, cut):
    raw = bytearray(trained("bpe"))
    for at, value in flips:
        raw[at % len(raw)] = value
    one_line_error(bytes(raw[: len(raw) - cut]), tmp_path_factory.mktemp("fuzz"))


def test_a_hostile_charsmap_is_named(tmp_path):
    path = tmp_path / "bad.model"
    path.write_bytes(corrupted(lambda p: setattr(p.normalizer_spec, "precompiled_charsmap", b"\xff\xff\x00\x00abc")))
    with pytest.raises(TokenizerFileError, match=f"^{path}: .*precompiled_charsmap: trie size"):
        read_model(path)
