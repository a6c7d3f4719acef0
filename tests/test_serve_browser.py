"""`tokenforge serve` in a real browser: Debian's headless chromium driven by Selenium (chromium-driver), one
browser and one server (on a free port, in this process) for the module. Every wait is for a condition of the
page (`data-ready` set once the latest answer is drawn), never for a time."""

from __future__ import annotations

import threading
import urllib.parse
from pathlib import Path

import pytest
from browser_support import CHROMEDRIVER, CHROMIUM, headless_chrome
from serve_support import TEXTS, make_tokenizers, views_of

from tokenforge.serve.adapter import is_superword

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
webdriver = pytest.importorskip("selenium.webdriver")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tokenforge.serve.app import Limits, create_app, serve_in_thread  # noqa: E402
from tokenforge.serve.jobs import Job, report  # noqa: E402

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="chromium and chromium-driver are not installed (scripts/test.sh installs them)",
)
MAX_TEXT = 50_000
#: An upper bound for a wait on the page, only to fail instead of hanging; no test depends on how fast it is.
PATIENCE = 60
#: Longer texts are pasted, not typed key by key.
MAX_TYPED = 200
COMPARED = ["ours", "hf", "super", "bin", "gpt2"]

PANEL_IDS = """
return Array.from(document.querySelectorAll('#panels .panel')).map((p) =>
  [p.dataset.tokenizer, Array.from(p.querySelectorAll('[data-token-id]')).map((t) => Number(t.dataset.tokenId))]);
"""
ENCODED = """
const panels = document.querySelector('#panels');
return Boolean(window.tokenforge) && panels.dataset.ready === '1'
  && window.tokenforge.settledText() === document.querySelector('#text').value;
"""
TOKEN_READY = "return document.querySelector('#token').dataset.ready === '1'"
TREE_OK = """
function check(li) {
  const kids = Array.from(li.querySelectorAll(':scope > ul > li'));
  if (!kids.length) return li.dataset.hex;
  const joined = kids.map(check).join('');
  if (joined !== li.dataset.hex) throw new Error('node ' + li.dataset.tokenId + ' is not its parts');
  return joined;
}
const root = document.querySelector('#merge-tree > li');
return [check(root), root.dataset.tokenId];
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory, english_docs):
    d = tmp_path_factory.mktemp("serve-browser")
    corpus = d / "docs.txt"
    corpus.write_text("".join(doc.replace("\n", " ") + "\n" for doc in english_docs[:30]))
    views = views_of(make_tokenizers(d, english_docs))
    app = create_app(views, [("docs", str(corpus))], Limits(max_text=MAX_TEXT))
    service = app.state.service
    gate = threading.Event()

    def gated_report(progress):
        progress.start("measuring docs", 10, "bytes")
        progress.advance(4)
        gate.wait()
        return report(views, service.corpora, progress)

    service.report = Job("report", gated_report, 1)
    with serve_in_thread(app) as url:
        yield url, {v.name: v.tok for v in views}, gate
    gate.set()


@pytest.fixture(scope="module")
def browser():
    driver = headless_chrome(logs=True)
    yield driver
    driver.quit()


def until(driver, script: str, *args):
    """Waits until `script` returns something true in the page; returns it."""
    return WebDriverWait(driver, PATIENCE).until(lambda d: d.execute_script(script, *args))


def open_compare(driver, url: str, names: list[str], tokens: dict) -> None:
    driver.get(f"{url}/?t={','.join(n for n in names if n in tokens)}")
    until(driver, ENCODED)


def type_text(driver, text: str) -> None:
    """Types `text` into the text box (key by key when chromedriver can: BMP characters, no tab, not long), else
    sets it and sends the input event a paste would."""
    box = driver.find_element(By.ID, "text")
    box.clear()
    if len(text) <= MAX_TYPED and all(ord(c) < 0x10000 for c in text) and "\t" not in text:
        box.send_keys(text)
    else:
        driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", box, text
        )
    until(driver, ENCODED)


def panel_ids(driver) -> dict[str, list[int]]:
    """`{tokenizer: ids}` of the panels, in the page's order."""
    return dict(driver.execute_script(PANEL_IDS))


def query(driver) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(driver.current_url).query).items()}


@pytest.mark.parametrize("script", sorted(TEXTS))
def test_typed_text_shows_the_tokens_of_encode(setup, browser, script):
    url, tokens, _ = setup
    open_compare(browser, url, COMPARED, tokens)
    type_text(browser, TEXTS[script])
    assert browser.find_element(By.ID, "text").get_attribute("value") == TEXTS[script]
    shown = panel_ids(browser)
    assert list(shown) == [n for n in COMPARED if n in tokens]
    for name, ids in shown.items():
        assert ids == tokens[name].encode(TEXTS[script]), name


def test_partial_utf8_is_marked_and_white_space_visible(setup, browser):
    url, tokens, _ = setup
    open_compare(browser, url, ["ours"], tokens)
    text = TEXTS["cjk"] + " two  spaces\nand a line"
    type_text(browser, text)
    chips = browser.execute_script(
        "return Array.from(document.querySelectorAll('#panels .panel[data-tokenizer=\"ours\"] [data-token-id]'))"
        ".map((t) => [Number(t.dataset.tokenId), Boolean(t.querySelector('.p-partial')), t.textContent]);"
    )
    partial = 0
    for token_id, marked, drawn in chips:
        data = tokens["ours"].token_bytes(token_id)
        try:
            whole = data.decode("utf-8")
        except UnicodeDecodeError:
            whole = None
        assert marked == (whole is None), data
        partial += marked
        if whole is not None:
            assert drawn.replace("·", " ").replace("↵", "\n") == whole
    assert partial > 0


def test_url_state_round_trips(setup, browser):
    url, tokens, _ = setup
    text = "Round trip: “quotes”, 日本語 & more"
    browser.get(f"{url}/?" + urllib.parse.urlencode({"text": text, "t": "super,ours", "ids": "1", "diff": "1"}))
    until(browser, ENCODED)
    assert browser.find_element(By.ID, "text").get_attribute("value") == text
    assert list(panel_ids(browser)) == ["super", "ours"]
    assert browser.find_element(By.ID, "show-ids").is_selected()
    assert browser.find_element(By.ID, "show-diff").is_selected()
    assert not browser.find_element(By.ID, "show-hex").is_selected()

    browser.find_element(By.ID, "text").send_keys(" again")
    until(browser, ENCODED)
    state = query(browser)
    assert state == {"text": text + " again", "t": "super,ours", "ids": "1", "diff": "1"}
    before = panel_ids(browser)
    browser.get(browser.current_url)
    until(browser, ENCODED)
    assert panel_ids(browser) == before
    assert before["ours"] == tokens["ours"].encode(text + " again")

    browser.find_element(By.CSS_SELECTOR, '#choose input[value="ours"]').click()
    until(browser, ENCODED)
    assert list(panel_ids(browser)) == ["super"] and query(browser)["t"] == "super"


def test_differences_mark_tokens_every_tokenizer_shares(setup, browser):
    url, tokens, _ = setup
    text = "the ﬁne cat and the dog"  # NFKC turns the ligature into "fi": the nfkc tokens do not spell the text
    browser.get(f"{url}/?" + urllib.parse.urlencode({"text": text, "t": "ours,hf,nfkc", "diff": "1"}))
    until(browser, ENCODED)
    same = browser.execute_script(
        "return Array.from(document.querySelectorAll('#panels .panel')).map((p) => [p.dataset.tokenizer, "
        "Array.from(p.querySelectorAll('.tok')).map((t) => t.classList.contains('same'))]);"
    )
    # ours and its Hugging Face export give the same tokens, so every one is shared; nfkc has no spans to compare
    assert [name for name, _ in same] == ["ours", "hf", "nfkc"]
    assert all(all(marks) and marks for name, marks in same if name != "nfkc")
    assert not any(dict(same)["nfkc"])


def test_clicking_a_token_opens_it_in_the_vocabulary(setup, browser):
    url, tokens, _ = setup
    open_compare(browser, url, ["ours"], tokens)
    type_text(browser, "Hello there")
    chip = browser.find_elements(By.CSS_SELECTOR, '#panels .panel[data-tokenizer="ours"] [data-token-id]')[-1]
    token_id = chip.get_attribute("data-token-id")
    chip.click()
    until(browser, "return document.querySelector('#token').dataset.ready === '1'")
    assert query(browser)["view"] == "vocab" and query(browser)["tok"] == "ours" and query(browser)["id"] == token_id
    assert f"#{token_id} in ours" in browser.find_element(By.CSS_SELECTOR, ".token-title").text


@pytest.mark.parametrize("name", ["ours", "super", "bin", "gpt2"])
def test_the_merge_tree_rebuilds_the_token(setup, browser, name):
    url, tokens, _ = setup
    if name not in tokens:
        pytest.skip("GPT-2 was not fetched (scripts/fetch_test_data.sh)")
    tok = tokens[name]
    longest = max((n for _, n in tok.merge_ids), key=lambda i: (len(tok.token_bytes(i)), i))
    browser.get(f"{url}/?view=vocab&tok={name}&id={longest}")
    until(browser, "return document.querySelector('#token').dataset.ready === '1'")
    rebuilt, root = browser.execute_script(TREE_OK)
    assert int(root) == longest and bytes.fromhex(rebuilt) == tok.token_bytes(longest)
    leaves = browser.find_elements(By.CSS_SELECTOR, "#merge-tree li.leaf")
    assert all(len(bytes.fromhex(leaf.get_attribute("data-hex"))) == 1 for leaf in leaves)
    assert bool(browser.find_elements(By.CSS_SELECTOR, ".hexdump")) == (name == "bin")


def test_search_lists_superwords_and_picks_one(setup, browser):
    url, tokens, _ = setup
    browser.get(f"{url}/?view=vocab&tok=super")
    until(browser, "return document.querySelector('#vocab-results').dataset.ready === '1'")
    Select(browser.find_element(By.ID, "vocab-only")).select_by_value("superword")
    until(
        browser,
        "return document.querySelector('#vocab-results').dataset.ready === '1' && "
        "new URLSearchParams(location.search).get('only') === 'superword'",
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "#vocab-results li")
    ids = [int(r.get_attribute("data-token-id")) for r in rows]
    assert ids and all(is_superword(tokens["super"].token_bytes(i)) for i in ids)
    rows[0].click()
    until(
        browser,
        f"return new URLSearchParams(location.search).get('id') === '{ids[0]}' && "
        "document.querySelector('#token').dataset.ready === '1'",
    )
    assert "spans several words" in browser.find_element(By.ID, "token").text


def test_reports_show_progress_without_blocking_then_the_tables(setup, browser):
    url, tokens, gate = setup
    browser.get(f"{url}/?view=reports")
    until(
        browser,
        "return document.querySelector('#reports').dataset.status === 'running' && "
        "document.querySelector('#report-progress').value === 0.4",
    )
    assert "measuring docs" in browser.find_element(By.ID, "report-text").text
    browser.find_element(By.CSS_SELECTOR, 'nav a[data-view="compare"]').click()
    type_text(browser, "The page answers while the report is computed.")
    assert panel_ids(browser)["ours"] == tokens["ours"].encode("The page answers while the report is computed.")
    gate.set()
    browser.find_element(By.CSS_SELECTOR, 'nav a[data-view="reports"]').click()
    until(browser, "return document.querySelector('#reports').dataset.ready === '1'")
    browser.switch_to.frame(browser.find_element(By.ID, "report-frame"))
    try:
        page = browser.find_element(By.TAG_NAME, "body").text
    finally:
        browser.switch_to.default_content()
    assert "Tokenizer evaluation" in page and all(name in page for name in tokens)


def test_oversized_text_shows_the_servers_413_message(setup, browser):
    url, tokens, _ = setup
    open_compare(browser, url, ["ours"], tokens)
    type_text(browser, "x" * (MAX_TEXT + 1))
    message = browser.find_element(By.ID, "compare-status").text
    assert "text too large" in message and f"{MAX_TEXT:,}" in message


@pytest.mark.parametrize("width", [1400, 800])
def test_no_view_scrolls_sideways(setup, browser, width):
    """At 1400 and 800 px every view fits the window's width (long tokens wrap, tables scroll in their box)."""
    url, tokens, _ = setup
    name = "super" if "super" in tokens else "ours"
    browser.set_window_size(width, 1000)
    try:
        until(browser, f"return window.innerWidth <= {width}")
        views = [
            ("?" + urllib.parse.urlencode({"text": TEXTS["latin"] + " " + "x" * 300, "ids": "1"}), ENCODED),
            (f"?view=vocab&tok={name}&q=the&id={tokens[name].merge_ids[-1][1]}", TOKEN_READY),
        ]
        for query_string, ready in views:
            browser.get(f"{url}/{query_string}")
            until(browser, ready)
            assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        browser.set_window_size(1400, 1000)


def test_the_page_logged_no_error(browser):
    """Nothing failed in the page over the module (the deliberate 413 above aside)."""
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "413" not in e["message"]]
    assert errors == []


SHOTS = [
    (
        "compare",
        "?"
        + urllib.parse.urlencode(
            {
                "text": TEXTS["latin"].replace("\t", "")
                + "\n"
                + TEXTS["cjk"][:12]
                + " "
                + TEXTS["arabic"][:14]
                + " 👋🏽 of the year",
                "t": "gpt2,ours,super,bin",
                "diff": "1",
            }
        ),
        ENCODED,
    ),
    (
        "vocab",
        "?view=vocab&tok=super&q=of the&only=superword",
        "return document.querySelector('#token').dataset.ready === '1'",
    ),
    ("reports", "?view=reports", "return document.querySelector('#reports').dataset.ready === '1'"),
]


SHOT_HEIGHT = 2400


@pytest.mark.skipif(
    "TOKENFORGE_SCREENSHOTS" not in __import__("os").environ, reason="set TOKENFORGE_SCREENSHOTS=docs to refresh"
)
@pytest.mark.parametrize("width", [1400, 800])
@pytest.mark.parametrize(("view", "query_string", "ready"), SHOTS)
def test_screenshots(setup, browser, view, query_string, ready, width):
    """The screenshots of docs/serve.md (`TOKENFORGE_SCREENSHOTS=docs pytest tests/test_serve_browser.py`)."""
    import os

    url, tokens, gate = setup
    gate.set()
    if view == "vocab":
        query_string += f"&id={tokens['super'].token_id(' of the')}"
    browser.set_window_size(width, 1000)
    browser.get(url + "/" + query_string)
    until(browser, ready)
    content, chrome = browser.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
    )
    browser.set_window_size(width, min(content + chrome, SHOT_HEIGHT))
    until(browser, f"return window.innerHeight >= {min(content, SHOT_HEIGHT - chrome)}")
    browser.save_screenshot(str(Path(os.environ["TOKENFORGE_SCREENSHOTS"]) / f"serve-{view}-{width}.png"))
    browser.set_window_size(1400, 1000)
