"""The HTML report: self-contained, the summary with the best values marked, the plots; and a real headless
browser (Debian's chromium) renders it with its tables and no console message."""

from __future__ import annotations

import re
import subprocess

import pytest
from browser_support import CHROMEDRIVER, CHROMIUM, headless_chrome

import tokenforge as tf
from tokenforge.metrics.adapters import OursAdapter
from tokenforge.metrics.evaluate import evaluate
from tokenforge.report import render_html, write_html

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def result(tmp_path_factory, small_tokenizer):
    d = tmp_path_factory.mktemp("report")
    (d / "corpus.txt").write_text("The cat sat on the mat.\nA <b>bold</b> & 'quoted' line.\n", encoding="utf-8")
    par = d / "par"
    par.mkdir()
    (par / "en.txt").write_text("Good morning.\nThank you.\n", encoding="utf-8")
    (par / "fr.txt").write_text("Bonjour.\nMerci beaucoup.\n", encoding="utf-8")
    adapters = [OursAdapter(small_tokenizer, "small <2k>"), OursAdapter(tf.Tokenizer.bytes_only("gpt2"), "bytes")]
    return evaluate(adapters, [("prose & tags", str(d / "corpus.txt"))], str(par))


def test_report_is_self_contained(result):
    page = render_html(result)
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert not re.search(r"""(href|url)\s*[=(]\s*["']?https?:""", page)
    assert page.count("<svg") == 4  # compression, length distribution, composition, parity
    assert "small &lt;2k&gt;" in page and "prose &amp; tags" in page  # names are escaped


def test_best_value_is_marked(result):
    page = render_html(result)
    row = re.search(r'<tr><td class="name">small &lt;2k&gt;</td>(.*?)</tr>', page).group(1)
    first = re.match(r"<td[^>]*>(.*?)</td>", row)
    # the trained tokenizer compresses better than raw bytes: its bytes/token is the best of the corpus
    assert "best" in first.group(0) and first.group(1).endswith("★")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/test.sh installs it)")
def test_report_renders_in_a_headless_browser(result, tmp_path):
    page = write_html(result, tmp_path / "report.html")
    flags = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr", "--v=0"]
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [*flags, "--dump-dom", f"--screenshot={shot}", "--window-size=1280,3000", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert '<table id="summary">' in dom and dom.count("<table") >= 6
    assert "How each number was computed" in dom
    assert "CONSOLE" not in run.stderr, run.stderr
    if not shot.exists():  # --dump-dom wins over --screenshot in some builds: take it separately
        subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1280,3000", page.as_uri()], timeout=60)
    from PIL import Image

    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 50  # not a blank page


def test_summary_table_fits_a_1400_px_window(result, tmp_path):
    """Item 11 of issue 13: at 1400 px the summary table overflowed and cut the Rényi column."""
    pytest.importorskip("selenium.webdriver")
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromedriver are needed")
    page = write_html(result, tmp_path / "report.html")
    driver = headless_chrome()
    try:
        driver.get(page.as_uri())
        overflow = driver.execute_script(
            "const t = document.getElementById('summary');"
            "const box = t.parentElement.getBoundingClientRect();"
            "return [...t.querySelectorAll('th')].map(th => th.getBoundingClientRect().right - Math.min(box.right,"
            " document.documentElement.clientWidth)).filter(x => x > 1).length"
        )
    finally:
        driver.quit()
    assert overflow == 0
