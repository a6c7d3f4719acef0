// tokenforge serve: the page. Plain JavaScript, no build step, nothing loaded from the network.
// State lives in the URL (view, text, t=a,b, ids/hex/diff, tok, q, only, id) so a view can be shared.
"use strict";

const COLOURS = 8;
const MAX_RENDER = 20000; // tokens drawn per panel; the counts are always complete
const MAX_URL_TEXT = 20000; // longer texts are not kept in the URL
const DEBOUNCE_MS = 150;
const POLL_MS = 400;
const SAMPLE = "Tokenizers split text into pieces: naïve café, 12345, don't!\n你好世界 👋🏽 مرحبا";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

const fmt = (x, digits = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));
const int = (n) => Number(n).toLocaleString("en-US");
const spacedHex = (hex) => hex.replace(/(..)(?!$)/g, "$1 ");

// -- state and URL -------------------------------------------------------------------------------------

const params = new URLSearchParams(location.search);
const state = {
  view: params.get("view") || "compare",
  text: params.get("text") ?? SAMPLE,
  t: params.has("t") ? params.get("t").split(",").filter(Boolean) : null,
  ids: params.get("ids") === "1",
  hex: params.get("hex") === "1",
  diff: params.get("diff") === "1",
  tok: params.get("tok"),
  q: params.get("q") ?? "",
  only: params.get("only") ?? "",
  id: params.get("id"),
};
let info = null; // GET /api/tokenizers
let lastResults = null; // the answer of /api/encode for lastText
let lastText = "";
let settledText = null; // the text of the latest answer, drawn or refused

function writeURL() {
  const p = new URLSearchParams();
  if (state.view !== "compare") p.set("view", state.view);
  if (state.text && state.text.length <= MAX_URL_TEXT) p.set("text", state.text);
  if (state.t) p.set("t", state.t.join(","));
  for (const flag of ["ids", "hex", "diff"]) if (state[flag]) p.set(flag, "1");
  if (state.view === "vocab") {
    p.set("tok", state.tok);
    if (state.q) p.set("q", state.q);
    if (state.only) p.set("only", state.only);
    if (state.id !== null && state.id !== undefined) p.set("id", state.id);
  }
  history.replaceState(null, "", "?" + p.toString());
}

async function api(path, body) {
  const options =
    body === undefined
      ? {}
      : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

const meta = (name) => info.tokenizers.find((t) => t.name === name);

// -- drawing tokens ------------------------------------------------------------------------------------

function drawPieces(node, pieces) {
  for (const [kind, text] of pieces) {
    if (kind === "text") node.append(text);
    else if (kind === "partial") node.append(el("span", { class: "p-partial" }, text.replaceAll("\\x", " ").trim()));
    else node.append(el("span", { class: `p-${kind}` }, text));
  }
}

/** `chars[b]` = the character of `text` that UTF-8 byte `b` belongs to. */
function byteChars(text) {
  const chars = [];
  const encoder = new TextEncoder();
  for (const ch of text) for (let k = encoder.encode(ch).length; k > 0; k--) chars.push(ch);
  return chars;
}

/** A token as a coloured chip (pieces, or hex for hex views). */
function chip(token, asHex, colour = 0) {
  const node = el("span", {
    class: `tok c${colour % COLOURS}${token.superword ? " superword" : ""}`,
    dataset: { tokenId: token.id },
    title: `id ${token.id} · ${spacedHex(token.hex)}`,
  });
  if (asHex) node.append(el("span", { class: "p-hex" }, spacedHex(token.hex)));
  else drawPieces(node, token.pieces);
  return node;
}

// -- Compare -------------------------------------------------------------------------------------------

let encodeSeq = 0;
let encodeTimer = null;

function scheduleCompare() {
  $("#panels").dataset.ready = "0";
  clearTimeout(encodeTimer);
  encodeTimer = setTimeout(runCompare, DEBOUNCE_MS);
}

async function runCompare() {
  const seq = ++encodeSeq;
  const status = $("#compare-status");
  const text = state.text;
  try {
    const res = await api("/api/encode", { text, tokenizers: state.t, detail: MAX_RENDER });
    if (seq !== encodeSeq) return;
    status.textContent = "";
    status.classList.remove("error");
    lastResults = res.tokenizers;
    lastText = text;
    renderCompare();
  } catch (e) {
    if (seq !== encodeSeq) return;
    status.textContent = e.message;
    status.classList.add("error");
  }
  settledText = text;
  $("#panels").dataset.ready = "1";
}

function renderCompare() {
  const results = lastResults;
  const names = Object.keys(results);
  renderSummary(results, names);
  const panels = $("#panels");
  panels.replaceChildren(...names.map((n) => panel(n, results[n])));
  markSame(names);
}

function renderSummary(results, names) {
  const fewest = Math.min(...names.map((n) => results[n].count));
  const head = el("tr", {}, ["tokenizer", "kind", "vocabulary", "tokens", "bytes/token", "chars/token"].map((h) => el("th", {}, h)));
  const rows = names.map((n) => {
    const r = results[n];
    const m = meta(n);
    return el(
      "tr",
      {},
      el("td", { class: "name" }, n),
      el("td", {}, m.kind),
      el("td", {}, int(m.vocab_size)),
      el("td", { class: r.count === fewest && names.length > 1 ? "best" : null }, int(r.count)),
      el("td", {}, fmt(r.bytes_per_token)),
      el("td", {}, r.count ? fmt(r.chars / r.count) : "–"),
    );
  });
  $("#summary").replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
}

function panel(name, r) {
  const m = meta(name);
  const asHex = state.hex || m.hex;
  const box = el("div", { class: "tokens" + (asHex ? " hexview" : "") });
  const shown = Math.min(r.count, MAX_RENDER);
  const chars = r.spans && r.pieces.some((p) => p.some(([kind]) => kind === "partial")) ? byteChars(lastText) : null;
  for (let k = 0; k < shown; k++) {
    const node = chip({ id: r.ids[k], hex: r.hex[k], pieces: r.pieces[k], superword: r.superword[k] }, asHex, k);
    if (r.spans) {
      const [start, end] = r.spans[k];
      node.dataset.start = start;
      node.dataset.end = end;
      if (chars && r.pieces[k].some(([kind]) => kind === "partial")) {
        node.title += ` · part of ${[...new Set(chars.slice(start, end))].join("")}`;
      }
    }
    box.append(node);
    if (!asHex) for (const _ of r.tokens[k].matchAll(/\n/g)) box.append(el("br"));
  }
  const head = el(
    "header",
    {},
    el("h2", {}, name),
    el("span", { class: "kind" }, m.kind),
    el("span", { class: "stats" }, `${int(r.count)} tokens · ${fmt(r.bytes_per_token)} bytes/token`),
  );
  const more = r.count > shown ? el("p", { class: "status" }, `the first ${int(shown)} of ${int(r.count)} tokens are shown`) : null;
  return el("section", { class: "panel", dataset: { tokenizer: name } }, head, box, more);
}

/** Marks tokens whose byte span is a token of every other panel too ("same"), for the differences view; panels
 * without spans (tokens that do not spell the text) take no part. */
function markSame(names) {
  const spelled = names.filter((n) => lastResults[n].spans);
  const keys = {};
  for (const n of spelled) keys[n] = new Set(lastResults[n].spans.map(([s, e]) => `${s}:${e}`));
  for (const p of $$("#panels .panel")) {
    if (!keys[p.dataset.tokenizer]) continue;
    const others = spelled.filter((n) => n !== p.dataset.tokenizer);
    for (const t of $$(".tok", p)) {
      const key = `${t.dataset.start}:${t.dataset.end}`;
      t.classList.toggle("same", others.length > 0 && others.every((n) => keys[n].has(key)));
    }
  }
}

function highlight(event) {
  const target = event.target.closest("#panels .tok");
  for (const t of $$("#panels .tok.hl")) t.classList.remove("hl");
  if (!target || target.dataset.start === undefined) return;
  const [s, e] = [Number(target.dataset.start), Number(target.dataset.end)];
  for (const t of $$("#panels .tok")) {
    if (Number(t.dataset.start) < e && Number(t.dataset.end) > s) t.classList.add("hl");
  }
}

function openToken(event) {
  const target = event.target.closest("#panels .tok");
  if (!target) return;
  state.tok = target.closest(".panel").dataset.tokenizer;
  state.id = target.dataset.tokenId;
  state.q = "#" + state.id;
  show("vocab");
}

function setupCompare() {
  const text = $("#text");
  text.value = state.text;
  text.addEventListener("input", () => {
    state.text = text.value;
    writeURL();
    scheduleCompare();
  });
  const known = info.tokenizers.map((t) => t.name);
  const unknown = (state.t || []).filter((n) => !known.includes(n));
  state.t = state.t ? state.t.filter((n) => known.includes(n)) : known.slice();
  if (unknown.length) $("#compare-status").textContent = `not loaded, left out: ${unknown.join(", ")}`;
  const chips = info.tokenizers.map((t) => {
    const box = el("input", { type: "checkbox", value: t.name, checked: state.t.includes(t.name) });
    box.addEventListener("change", () => {
      state.t = $$("#choose input:checked").map((b) => b.value);
      writeURL();
      scheduleCompare();
    });
    return el("label", { class: "choice", title: t.source }, box, t.name);
  });
  $("#choose").replaceChildren(...chips);
  for (const flag of ["ids", "hex", "diff"]) {
    const box = $(`#show-${flag}`);
    box.checked = state[flag];
    document.body.classList.toggle(`show-${flag}`, state[flag]);
    box.addEventListener("change", () => {
      state[flag] = box.checked;
      document.body.classList.toggle(`show-${flag}`, box.checked);
      writeURL();
      if (flag === "hex" && lastResults) renderCompare();
    });
  }
  const panels = $("#panels");
  panels.addEventListener("mouseover", highlight);
  panels.addEventListener("mouseleave", highlight);
  panels.addEventListener("click", openToken);
}

// -- Vocabulary ----------------------------------------------------------------------------------------

let searchSeq = 0;
let searchTimer = null;
let tokenSeq = 0;
let usageTimer = null;

function setupVocab() {
  const select = $("#vocab-tok");
  select.replaceChildren(...info.tokenizers.map((t) => el("option", { value: t.name }, `${t.name} (${t.kind})`)));
  if (!meta(state.tok || "")) state.tok = info.tokenizers[0].name;
  select.value = state.tok;
  select.addEventListener("change", () => {
    state.tok = select.value;
    state.id = null;
    writeURL();
    runSearch();
    renderNoToken();
  });
  const q = $("#vocab-q");
  q.value = state.q;
  q.addEventListener("input", () => {
    state.q = q.value;
    writeURL();
    $("#vocab-results").dataset.ready = "0";
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, DEBOUNCE_MS);
  });
  const only = $("#vocab-only");
  only.value = state.only;
  only.addEventListener("change", () => {
    state.only = only.value;
    writeURL();
    runSearch();
  });
  $("#vocab-results").addEventListener("click", (event) => {
    const row = event.target.closest("[data-token-id]");
    if (row) selectToken(row.dataset.tokenId);
  });
  $("#token").addEventListener("click", (event) => {
    const node = event.target.closest(".pick[data-token-id]");
    if (node) selectToken(node.dataset.tokenId);
  });
}

function selectToken(id) {
  state.id = String(id);
  writeURL();
  showToken();
}

async function runSearch() {
  const seq = ++searchSeq;
  const list = $("#vocab-results");
  list.dataset.ready = "0";
  const query = new URLSearchParams({ q: state.q, limit: "200" });
  if (state.only) query.set("only", state.only);
  try {
    const res = await api(`/api/vocab/${encodeURIComponent(state.tok)}?${query}`);
    if (seq !== searchSeq) return;
    const asHex = meta(state.tok).hex;
    $("#vocab-count").textContent =
      res.total > res.results.length ? `${int(res.total)} tokens, the first ${res.results.length} shown` : `${int(res.total)} tokens`;
    list.replaceChildren(
      ...res.results.map((t, k) =>
        el(
          "li",
          { dataset: { tokenId: t.id }, class: String(t.id) === state.id ? "current" : null },
          el("span", { class: "id" }, `#${t.id}`),
          chip(t, asHex, k),
          el("span", { class: "len" }, `${t.length} B`),
        ),
      ),
    );
  } catch (e) {
    if (seq !== searchSeq) return;
    $("#vocab-count").textContent = e.message;
    list.replaceChildren();
  }
  list.dataset.ready = "1";
}

function renderNoToken() {
  $("#token").replaceChildren(el("p", { class: "status" }, "Pick a token on the left."));
}

function treeNode(node, asHex) {
  const label = el(
    "span",
    { class: "node pick", dataset: { tokenId: node.id } },
    chip(node, asHex, node.id),
    el("span", { class: "id" }, `#${node.id}`),
    node.rank === null ? el("span", { class: "rank" }, node.length === 1 ? "byte" : "entry") : el("span", { class: "rank" }, `merge ${int(node.rank)}`),
  );
  const item = el("li", { class: node.parts.length ? "inner" : "leaf", dataset: { tokenId: node.id, hex: node.hex } }, label);
  if (node.parts.length) item.append(el("ul", {}, node.parts.map((p) => treeNode(p, asHex))));
  return item;
}

function hexDump(hex) {
  const lines = [];
  for (let at = 0; at < hex.length; at += 32) {
    const row = hex.slice(at, at + 32);
    const ascii = (row.match(/../g) || [])
      .map((b) => parseInt(b, 16))
      .map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "."))
      .join("");
    lines.push(`${(at / 2).toString(16).padStart(8, "0")}  ${spacedHex(row).padEnd(47)}  |${ascii}|`);
  }
  return lines.join("\n");
}

function usageRows(usage) {
  if (!usage) return [["usage", "start with --corpus NAME=PATH to count"]];
  if (usage.status !== "done") {
    const p = usage.progress;
    if (usage.status === "failed") return [["usage", `counting failed: ${usage.error}`]];
    return [["usage", `counting… ${p.fraction === null ? "" : Math.round(p.fraction * 100) + "%"}`]];
  }
  return Object.entries(usage.counts).map(([c, n]) => [`used in ${c}`, `${int(n)} times`]);
}

async function showToken() {
  clearTimeout(usageTimer);
  if (state.id === null || state.id === undefined) return renderNoToken();
  const seq = ++tokenSeq;
  const box = $("#token");
  box.dataset.ready = "0";
  for (const li of $$("#vocab-results li")) li.classList.toggle("current", li.dataset.tokenId === state.id);
  let t;
  try {
    t = await api(`/api/token/${encodeURIComponent(state.tok)}/${encodeURIComponent(state.id)}`);
  } catch (e) {
    if (seq !== tokenSeq) return;
    box.replaceChildren(el("p", { class: "status error" }, e.message));
    box.dataset.ready = "1";
    return;
  }
  if (seq !== tokenSeq) return;
  const asHex = meta(state.tok).hex;
  const facts = [
    ["id", `#${t.id}`],
    ["kind", t.kind === "merge" ? `made by merge ${int(t.tree.rank)}` : t.kind],
    ["length", `${t.length} bytes`],
    ["bytes", spacedHex(t.hex)],
    ["as text", JSON.stringify(t.text)],
    ...(t.superword ? [["superword", "spans several words"]] : []),
    ...usageRows(t.usage),
  ];
  const dl = el("dl", { class: "facts" }, facts.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  const parts = [
    el("h2", { class: "token-title" }, chip(t, asHex), el("span", { class: "id" }, `#${t.id} in ${t.tokenizer}`)),
    dl,
  ];
  if (asHex) parts.push(el("h3", {}, "Hex view"), el("pre", { class: "hexdump" }, hexDump(t.hex)));
  parts.push(el("h3", {}, "Merge tree"));
  if (!t.has_merges) parts.push(el("p", { class: "status" }, "This model has no merges: the token is an entry of its vocabulary."));
  else if (!t.tree.parts.length) parts.push(el("p", { class: "status" }, "No merge made this token (a byte, a special token or an entry as is)."));
  else parts.push(el("ul", { id: "merge-tree", class: "tree", dataset: { hex: t.hex } }, treeNode(t.tree, asHex)));
  if (t.has_merges) {
    parts.push(el("h3", {}, `Helps build ${int(t.builds_total)} token${t.builds_total === 1 ? "" : "s"}`));
    const builds = t.builds.map((b, k) =>
      el("li", { class: "pick", dataset: { tokenId: b.id } }, chip(b, asHex, k), el("span", { class: "id" }, `#${b.id} · merge ${int(b.rank)}`)),
    );
    parts.push(el("ul", { class: "builds" }, builds));
    if (t.builds_total > t.builds.length) parts.push(el("p", { class: "status" }, `the first ${t.builds.length} are listed`));
  }
  box.replaceChildren(...parts);
  box.dataset.ready = "1";
  if (t.usage && t.usage.status !== "done" && t.usage.status !== "failed") usageTimer = setTimeout(showToken, POLL_MS);
}

// -- Reports -------------------------------------------------------------------------------------------

let reportTimer = null;

async function openReports() {
  clearTimeout(reportTimer);
  const text = $("#report-text");
  const bar = $("#report-progress");
  const frame = $("#report-frame");
  if (!info.corpora.length) {
    text.textContent = "No corpus to measure: start tokenforge serve with --corpus NAME=PATH (repeatable).";
    return;
  }
  let s;
  try {
    s = await api("/api/report", {});
  } catch (e) {
    text.textContent = e.message;
    return;
  }
  $("#reports").dataset.status = s.status;
  if (s.status === "running") {
    const p = s.progress;
    text.textContent = `Measuring ${info.tokenizers.length} tokenizers on ${s.corpora.join(", ")}: ${p.description || "starting"} (step ${p.step} of ${s.steps}); the other views stay usable.`;
    bar.hidden = false;
    if (p.fraction === null) bar.removeAttribute("value");
    else bar.value = p.fraction;
    reportTimer = setTimeout(openReports, POLL_MS);
  } else if (s.status === "failed") {
    text.textContent = `The report failed: ${s.error}`;
    bar.hidden = true;
  } else if (s.status === "done") {
    text.textContent = `tokenforge eval of ${info.tokenizers.map((t) => t.name).join(", ")} on ${s.corpora.join(", ")}.`;
    bar.hidden = true;
    if (frame.hidden) {
      frame.addEventListener("load", () => {
        const page = frame.contentDocument.documentElement;
        const fit = () => (frame.style.height = page.scrollHeight + 24 + "px");
        fit();
        new ResizeObserver(fit).observe(frame.contentDocument.body);
        $("#reports").dataset.ready = "1";
      });
      frame.src = "/report";
      frame.hidden = false;
    }
  }
}

// -- views ---------------------------------------------------------------------------------------------

function show(view) {
  state.view = ["compare", "vocab", "reports"].includes(view) ? view : "compare";
  writeURL();
  for (const v of $$(".view")) v.hidden = v.id !== state.view;
  for (const a of $$("nav a")) a.classList.toggle("active", a.dataset.view === state.view);
  if (state.view === "compare") scheduleCompare();
  if (state.view === "vocab") {
    $("#vocab-tok").value = state.tok;
    $("#vocab-q").value = state.q;
    runSearch();
    showToken();
  }
  if (state.view === "reports") openReports();
}

async function main() {
  try {
    info = await api("/api/tokenizers");
  } catch (e) {
    document.body.prepend(el("p", { class: "status error" }, `cannot reach the server: ${e.message}`));
    return;
  }
  setupCompare();
  setupVocab();
  for (const a of $$("nav a")) {
    a.addEventListener("click", (event) => {
      event.preventDefault();
      show(a.dataset.view);
    });
  }
  show(state.view);
}

// For scripts and tests: the text of the latest answer (its tokens drawn, or its error shown).
window.tokenforge = { settledText: () => settledText };

main();
