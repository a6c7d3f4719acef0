"""The tokenizers: every kind with every quantizer, encode/decode, save/load, nested tokens, load errors."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from tokenforge.cli import signal as signal_cli  # noqa: E402
from tokenforge.errors import ConfigError, InputFileError, TokenizerFileError  # noqa: E402
from tokenforge.signal.models import MODELS, load  # noqa: E402
from tokenforge.signal.quantizers.registry import CLASSES, quantizer_spec  # noqa: E402
from tokenforge.signal.samples import SAMPLES  # noqa: E402

TINY = {
    "vq2d": {"channels": 3, "size": 16, "tokens": 16, "width": 8, "latent_dim": 8},
    "titok": {"channels": 1, "size": 8, "patch": 4, "tokens": 6, "width": 16, "depth": 1, "heads": 2, "latent_dim": 8},
    "audio": {"sample_rate": 8000, "tokens": 100, "width": 4, "latent_dim": 8},
}


def tiny(kind: str, quantizer: str, codebook: int = 64) -> torch.nn.Module:
    config = dict(TINY[kind], quantizer=quantizer_spec(quantizer, TINY[kind]["latent_dim"], codebook))
    return MODELS[kind](config)


def batch(kind: str) -> torch.Tensor:
    if kind == "audio":
        return torch.rand(2, 1, 333) * 2 - 1
    c = TINY[kind]
    return torch.rand(2, c["channels"], c["size"], c["size"])


def test_the_cli_names_the_registries():
    assert signal_cli.KINDS == tuple(MODELS)
    assert signal_cli.QUANTIZERS == tuple(CLASSES)
    assert signal_cli.SAMPLE_SETS == tuple(SAMPLES)


@pytest.mark.parametrize("quantizer", list(CLASSES))
@pytest.mark.parametrize("kind", list(MODELS))
def test_every_quantizer_plugs_into_every_tokenizer(kind, quantizer, tmp_path):
    model = tiny(kind, quantizer).train()
    x = batch(kind)
    out = model(x)
    assert out.reconstruction.shape == x.shape
    (model.reconstruction_loss(out.reconstruction, x) + out.aux_loss).backward()
    assert all(p.grad is not None for n, p in model.named_parameters() if n.startswith("encoder"))
    ids = model.encode(x)
    tokens = {"vq2d": 16, "titok": 6, "audio": 5}[kind]  # audio: 333 samples at hop 80 -> 5 frames
    assert ids.dtype == torch.long and ids.shape[:2] == (2, tokens)
    assert ids.shape[2:] == ((4,) if quantizer == "rvq" else ())
    y = model.decode(ids, x.shape[-1])
    assert y.shape == x.shape
    model.save(tmp_path / "tok")
    again = load(tmp_path / "tok")
    assert torch.equal(again.encode(x), ids)
    torch.testing.assert_close(again.decode(ids, x.shape[-1]), y)


def test_saved_tokenizer_is_a_json_config_and_safetensors(tmp_path):
    tiny("titok", "fsq").save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["format"] == "tokenforge-signal" and config["kind"] == "titok"
    assert config["quantizer"] == {"name": "fsq", "kwargs": {"levels": [4, 4, 4], "dim": 8}}


def test_nested_tokens_decode_from_any_prefix():
    model = tiny("titok", "fsq").eval()
    x = batch("titok")
    ids = model.encode(x)
    for k in range(1, 7):
        assert model.decode(ids[:, :k]).shape == x.shape
    with pytest.raises(ConfigError, match="7 tokens given, the tokenizer has 6"):
        model.decode(torch.cat([ids, ids[:, :1]], dim=1))
    assert model.rate_levels(6) == ("tokens", [1, 2, 4, 6])
    assert tiny("audio", "rvq").rate_levels(100) == ("layers", [1, 2, 3, 4])
    assert tiny("vq2d", "fsq").rate_levels(16) is None


def test_configuration_errors_are_one_line():
    with pytest.raises(ConfigError, match="no preset levels for codebook 100"):
        quantizer_spec("fsq", 8, 100)
    with pytest.raises(ConfigError, match="power of 2"):
        quantizer_spec("lfq", 8, 100)
    with pytest.raises(ConfigError, match="not a square grid"):
        MODELS["vq2d"](dict(TINY["vq2d"], tokens=10, quantizer=quantizer_spec("fsq", 8, 64)))
    with pytest.raises(ConfigError, match="hop 7 is not a product"):
        MODELS["audio"](dict(TINY["audio"], sample_rate=700, quantizer=quantizer_spec("fsq", 8, 64)))


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(InputFileError, match="no such directory"):
        load(tmp_path / "missing")
    with pytest.raises(TokenizerFileError, match="no config.json"):
        load(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(TokenizerFileError, match="config.json: not valid JSON"):
        load(tmp_path)
    (tmp_path / "config.json").write_text('{"format": "other"}')
    with pytest.raises(TokenizerFileError, match="not a tokenforge-signal config"):
        load(tmp_path)
    tiny("vq2d", "fsq").save(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(TokenizerFileError, match="model.safetensors: not a readable safetensors file"):
        load(tmp_path)
    tiny("vq2d", "vq").save(tmp_path / "other")
    (tmp_path / "other" / "model.safetensors").replace(tmp_path / "model.safetensors")
    with pytest.raises(TokenizerFileError, match="weights do not match config.json"):
        load(tmp_path)
