"""`tokenforge signal samples|train|eval` end to end on generated data: training learns, resumes exactly after
an interruption (exit 130, nothing partial), evaluation's JSON and HTML report."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest

torch = pytest.importorskip("torch")

from tokenforge.cli.main import main  # noqa: E402
from tokenforge.signal.data import ImageFolder  # noqa: E402
from tokenforge.signal.metrics import psnr  # noqa: E402
from tokenforge.signal.models import MODELS, load  # noqa: E402
from tokenforge.signal.train import TrainOptions, train  # noqa: E402

VQ2D = ["--kind", "vq2d", "--size", "16", "--width", "8", "--tokens", "16", "--codebook", "64", "--batch-size", "8"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    assert main(["signal", "samples", "shapes", "-o", str(root / "shapes"), "--count", "40", "--holdout", "0.25"]) == 0
    assert main(["signal", "samples", "tones", "-o", str(root / "tones"), "--count", "4"]) == 0
    return root


def test_samples_hold_out_a_share(data):
    assert len(list((data / "shapes" / "train").iterdir())) == 30
    assert len(list((data / "shapes" / "test").iterdir())) == 10


def test_training_learns(data, tmp_path, capsys):
    args = ["signal", "train", *VQ2D, "--quantizer", "fsq", "--data", str(data / "shapes" / "train"), "-q"]
    assert main([*args, "--steps", "80", "--lr", "3e-3", "-o", str(tmp_path / "tok")]) == 0
    assert "trained vq2d (fsq, 16 tokens, 6.0 bits per token) to step 80" in capsys.readouterr().out
    log = [json.loads(line) for line in (tmp_path / "tok" / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [25, 50, 75, 80]
    # on held-out images the trained tokenizer beats the same one untrained (the same seed: same start)
    x = next(ImageFolder(data / "shapes" / "test", 16, 3).items())
    torch.manual_seed(0)
    untrained = MODELS["vq2d"](dict(load(tmp_path / "tok").config)).eval()
    trained = load(tmp_path / "tok")
    gain = psnr(trained.decode(trained.encode(x)), x).mean() - psnr(untrained.decode(untrained.encode(x)), x).mean()
    assert gain > 1.0


def _options(data, out, **kw) -> TrainOptions:
    return TrainOptions(
        kind="vq2d", data=str(data / "shapes" / "train"), out=str(out), quantizer="vq", codebook=16, tokens=16,
        steps=4, batch_size=4, checkpoint_every=2, model={"size": 16, "width": 8}, **kw,
    )  # fmt: skip


def test_interrupted_run_resumes_exactly_and_leaves_nothing_partial(data, tmp_path, monkeypatch):
    train(_options(data, tmp_path / "straight"), progress=False)
    calls = {"n": 0}
    real = ImageFolder.batch

    def interrupting(self, rng, n):
        calls["n"] += 1
        if calls["n"] == 3:  # Ctrl-C during step 3, after the checkpoint of step 2
            raise KeyboardInterrupt
        return real(self, rng, n)

    monkeypatch.setattr(ImageFolder, "batch", interrupting)
    out = tmp_path / "resumed"
    argv = ["signal", "train", "--kind", "vq2d", "--data", str(data / "shapes" / "train"), "--quantizer", "vq"]
    argv += ["--codebook", "16", "--tokens", "16", "--steps", "4", "--batch-size", "4", "--checkpoint-every", "2"]
    argv += ["--size", "16", "--width", "8", "-q", "-o", str(out)]
    assert main(argv) == 130
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint", "train_log.jsonl"]  # no final model, no temp
    assert json.loads((out / "checkpoint" / "state.json").read_text())["step"] == 2
    monkeypatch.setattr(ImageFolder, "batch", real)
    assert main([*argv, "--resume"]) == 0
    straight, resumed = load(tmp_path / "straight"), load(out)
    for (name, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), name


def test_bad_data_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "bad.png").write_bytes(b"not a png")
    assert main(["signal", "train", "--kind", "vq2d", "--data", str(tmp_path), "-o", str(tmp_path / "o"), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tokenforge: error: {tmp_path / 'bad.png'}: not a readable image") and err.count("\n") == 1
    assert not (tmp_path / "o").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["signal", "train", "--kind", "audio", "--data", str(empty), "-o", str(tmp_path / "o"), "-q"]) == 1
    assert "no audio files" in capsys.readouterr().err


@pytest.fixture(scope="module")
def evaluated(data, tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    shapes, tones = str(data / "shapes" / "train"), str(data / "tones")
    common = ["--steps", "3", "--batch-size", "4", "-q"]
    tiny_titok = ["--size", "16", "--patch", "4", "--width", "16", "--tokens", "8"]
    assert (
        main(["signal", "train", "--kind", "titok", *tiny_titok, "--data", shapes, "-o", str(root / "t"), *common]) == 0
    )
    assert main(["signal", "train", *VQ2D, "--quantizer", "lfq", "--data", shapes, "-o", str(root / "v"), *common]) == 0
    audio = ["--kind", "audio", "--quantizer", "rvq", "--layers", "3", "--codebook", "32", "--width", "4"]
    audio += ["--sample-rate", "8000", "--tokens", "100"]
    assert main(["signal", "train", *audio, "--data", tones, "-o", str(root / "a"), *common]) == 0
    argv = ["signal", "eval", "-t", f"titok={root / 't'}", "-t", f"grid={root / 'v'}", "-t", f"codec={root / 'a'}"]
    argv += ["--data", f"shapes={data / 'shapes' / 'test'}", "--data", f"tones={tones}", "-q"]
    assert main([*argv, "--json", str(root / "r.json"), "--report", str(root / "r.html")]) == 0
    return root


def test_eval_json(evaluated):
    result = json.loads((evaluated / "r.json").read_text())
    assert set(result["tokenizers"]) == {"titok", "grid", "codec"}
    assert result["data"]["shapes"]["items"] == 10 and result["data"]["tones"]["modality"] == "audio"
    titok = result["tokenizers"]["titok"]
    m = titok["data"]["shapes"]
    assert set(titok["data"]) == {"shapes"}  # only data of its kind
    assert {"psnr", "ssim", "code_usage", "perplexity", "bits_per_pixel", "tokens_per_item"} <= set(m)
    assert m["bits_per_pixel"] == pytest.approx(8 * math.log2(1000) / 256)  # 8 tokens, fsq levels 8,5,5,5, 16x16
    assert [p["tokens"] for p in m["rate_distortion"]] == [1, 2, 4, 8]
    assert m["rate_distortion"][-1]["psnr"] == pytest.approx(m["psnr"])
    assert "rate_distortion" not in result["tokenizers"]["grid"]["data"]["shapes"]
    codec = result["tokenizers"]["codec"]["data"]["tones"]
    assert codec["bits_per_second"] == pytest.approx(100 * 3 * 5)  # 100 tokens/s x 3 layers x 5 bits
    assert [p["layers"] for p in codec["rate_distortion"]] == [1, 2, 3]
    assert {"si_snr", "lsd"} <= set(codec)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/test.sh installs it)")
def test_eval_report_renders_in_a_headless_browser(evaluated):
    page = evaluated / "r.html"
    flags = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr", "--v=0"]
    run = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert dom.count('<table class="summary">') == 2 and "Rate–distortion" in dom and dom.count("<svg") == 4
    assert "CONSOLE" not in run.stderr, run.stderr
