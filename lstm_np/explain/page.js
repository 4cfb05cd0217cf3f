// lstm_np explain page: the data is in <script id="data">; nothing is fetched.
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const ERRORS = [];
window.addEventListener("error", (e) => ERRORS.push(String(e.message)));
const state = Object.assign({ layer: 0, series: "h", unit: 0, span: null, values: {} }, DATA.focus || {});

// ---- the data: 8-bit codes (4-bit for gates) over each series' [min, max], zlib-compressed --------------------------
async function unpack() {
  const bytes = Uint8Array.from(atob(DATA.packed.blob), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  const codes = new Uint8Array(await new Response(stream).arrayBuffer());
  for (const [key, s] of Object.entries(DATA.packed.index)) {
    const n = s.shape[0] * s.shape[1], out = new Float32Array(n), scale = (s.max - s.min) / (2 ** s.bits - 1);
    if (s.bits === 4) for (let k = 0; k < n; k++) {
      const b = codes[s.offset + (k >> 1)]; out[k] = s.min + ((k & 1) ? b & 15 : b >> 4) * scale; }
    else for (let k = 0; k < n; k++) out[k] = s.min + codes[s.offset + k] * scale;
    state.values[key] = { T: s.shape[0], U: s.shape[1], v: out, min: s.min, max: s.max };
  }
}
const layer = () => DATA.layers[state.layer];
const key = (l, name) => `${l.name}/${l.direction}/${name}`;
const get = (l, name) => state.values[key(l, name)];
const at = (s, t, u) => s.v[t * s.U + u];

// ---- colours: diverging (blue-white-red) for h, c, candidates; sequential (white-green) for gates --
const isGate = (name) => name.includes("gate") || name.includes("attention");
function rgb(x, lo, hi, gate) {
  if (gate) { const a = Math.max(0, Math.min(1, (x - lo) / ((hi - lo) || 1)));
    return [255 - 200 * a, 255 - 95 * a, 255 - 180 * a]; }
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1, a = Math.max(-1, Math.min(1, x / m));
  return a >= 0 ? [255, 255 - 190 * a, 255 - 200 * a] : [255 + 200 * a, 255 + 150 * a, 255];
}
function colour(x, lo, hi, gate) { const [r, g, b] = rgb(x, lo, hi, gate); return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`; }
function range(name, s) {
  // Gates: [0, 1]. Otherwise symmetric about 0, to the 99th percentile of |value| (one unit whose
  // cell state grows to hundreds would otherwise wash every other unit out to white).
  if (isGate(name)) return [0, 1];
  if (s.robust === undefined) {
    const step = Math.max(1, Math.floor(s.v.length / 20000)), a = [];
    for (let k = 0; k < s.v.length; k += step) a.push(Math.abs(s.v[k]));
    a.sort((x, y) => x - y); s.robust = a[Math.floor(0.99 * (a.length - 1))] || 1;
  }
  return [-s.robust, s.robust];
}
function unitRange(name, s, u) {
  // The text shows one unit: its own scale, so every unit's pattern is visible.
  if (isGate(name)) return [0, 1];
  let m = 0; for (let t = 0; t < s.T; t++) m = Math.max(m, Math.abs(at(s, t, u)));
  return [-(m || 1), m || 1];
}
function legend(el, name, s, bounds) {
  const [lo, hi] = bounds || range(name, s), c = document.createElement("canvas"); c.width = 160; c.height = 12;
  const g = c.getContext("2d");
  for (let x = 0; x < 160; x++) { g.fillStyle = colour(lo + (hi - lo) * x / 159, lo, hi, isGate(name)); g.fillRect(x, 0, 1, 12); }
  el.replaceChildren(document.createTextNode(lo.toFixed(2)), c, document.createTextNode(`${hi.toFixed(2)}  (${name})`));
}

// ---- the text, coloured by one unit -----------------------------------------------------------------
function buildText() {
  const box = document.getElementById("text"); box.replaceChildren();
  DATA.tokens.forEach((tok, t) => {
    const s = document.createElement("span"); s.className = "tok"; s.dataset.t = t;
    s.textContent = tok === "\n" ? "↵\n" : (tok.length > 1 ? tok + " " : tok); box.appendChild(s);
  });
  let start = null;
  box.addEventListener("mousedown", (e) => { if (e.target.dataset.t !== undefined) start = +e.target.dataset.t; });
  box.addEventListener("mouseup", (e) => {
    if (start === null || e.target.dataset.t === undefined) return;
    const a = Math.min(start, +e.target.dataset.t), b = Math.max(start, +e.target.dataset.t); start = null;
    state.span = [a, b]; searchSpan();
  });
}
function colourText() {
  const l = layer(), s = get(l, state.series), [lo, hi] = unitRange(state.series, s, state.unit);
  document.querySelectorAll("#text .tok").forEach((el) => {
    const t = +el.dataset.t; el.style.background = colour(at(s, t, state.unit), lo, hi, isGate(state.series));
    el.title = `step ${t}: ${state.series}[${state.unit}] = ${at(s, t, state.unit).toFixed(3)}`;
    el.classList.toggle("sel", !!state.span && t >= state.span[0] && t <= state.span[1]);
  });
  legend(document.getElementById("text-legend"), `${state.series}[${state.unit}]`, s, [lo, hi]);
  document.getElementById("unit").value = state.unit;
  document.getElementById("now").textContent = `${l.name} (${l.direction}), ${state.series}, unit ${state.unit}`;
}

// ---- heatmaps units x time (both directions side by side for a Bidirectional) -----------------------
function heatmap(l, name, width) {
  // One pixel column per step at most (a long input is sampled: column x shows step x·T/width).
  const s = get(l, name), [lo, hi] = range(name, s), cell = Math.max(1, Math.min(28, Math.floor(width / s.T)));
  const rowh = Math.max(3, Math.min(14, Math.floor(240 / s.U))), W = Math.min(s.T * cell, width), H = s.U * rowh;
  const c = document.createElement("canvas"); c.className = "heat"; c.width = W; c.height = H;
  c.dataset.layer = DATA.layers.indexOf(l); c.dataset.rowh = rowh;
  const g = c.getContext("2d"), img = g.createImageData(W, H), px = img.data, gate = isGate(name);
  for (let x = 0; x < W; x++) {
    const t = Math.min(s.T - 1, Math.floor(x * s.T / W));
    for (let u = 0; u < s.U; u++) {
      const [r, gg, b] = rgb(at(s, t, u), lo, hi, gate);
      for (let y = u * rowh; y < (u + 1) * rowh; y++) { const k = 4 * (y * W + x); px[k] = r; px[k + 1] = gg; px[k + 2] = b; px[k + 3] = 255; }
    }
  }
  g.putImageData(img, 0, 0);
  if (DATA.layers.indexOf(l) === state.layer) { g.strokeStyle = "#111"; g.lineWidth = 2; g.strokeRect(1, state.unit * rowh, W - 2, rowh); }
  c.addEventListener("click", (e) => {
    const r = c.getBoundingClientRect(), u = Math.floor((e.clientY - r.top) * (c.height / r.height) / rowh);
    if (u >= 0 && u < s.U) { state.layer = +c.dataset.layer; state.unit = u; render(); }
  });
  const p = document.createElement("div"); p.className = "panel";
  const t = document.createElement("div"); t.className = "title"; t.textContent = `${l.direction} direction`;
  const lg = document.createElement("div"); lg.className = "legend"; legend(lg, name, s);
  p.append(t, c, lg); return p;
}
function buildHeatmaps() {
  const box = document.getElementById("heatmaps"); box.replaceChildren();
  const l = layer(), twins = DATA.layers.filter((m) => m.name === l.name), width = twins.length > 1 ? 560 : 1100;
  for (const name of l.series) {
    const h = document.createElement("h3"); h.className = "series"; h.textContent = `${l.name}: ${name}`;
    const row = document.createElement("div"); row.className = "row";
    for (const m of twins) row.appendChild(heatmap(m, name, width));
    box.append(h, row);
  }
}

// ---- units on across a selected span, and where else the same unit is on ---------------------------
function searchSpan() {
  const l = layer(), s = get(l, state.series), [a, b] = state.span, n = b - a + 1, list = document.getElementById("units");
  const scores = [];
  for (let u = 0; u < s.U; u++) {
    let inside = 0, all = 0;
    for (let t = 0; t < s.T; t++) { const v = at(s, t, u); all += v; if (t >= a && t <= b) inside += v; }
    const outside = s.T > n ? (all - inside) / (s.T - n) : 0;
    scores.push([inside / n - outside, u, inside / n]);
  }
  scores.sort((x, y) => Math.abs(y[0]) - Math.abs(x[0]));
  list.replaceChildren();
  for (const [d, u, m] of scores.slice(0, 10)) {
    const li = document.createElement("li");
    li.textContent = `unit ${u}: mean ${m.toFixed(3)} inside, ${d >= 0 ? "+" : ""}${d.toFixed(3)} against outside`;
    li.addEventListener("click", () => { state.unit = u; render(); markMatches(u, n, m, d); });
    list.appendChild(li);
  }
  document.getElementById("span").textContent = `steps ${a}–${b}: "${DATA.tokens.slice(a, b + 1).join("")}"`;
  state.unit = scores[0][1]; render(); markMatches(scores[0][1], n, scores[0][2], scores[0][0]);
}
function windowsLike(s, u, n, mean, diff) {
  // Start steps of the windows of n steps where unit u is as high (or as low) as over the span.
  const found = [];
  for (let t = 0; t + n <= s.T; t++) {
    let m = 0; for (let k = t; k < t + n; k++) m += at(s, k, u); m /= n;
    if (diff >= 0 ? m >= mean - 0.1 * Math.abs(diff) : m <= mean + 0.1 * Math.abs(diff)) found.push(t);
  }
  return found;
}
function markMatches(u, n, mean, diff) {
  const l = layer(), found = windowsLike(get(l, state.series), u, n, mean, diff);
  document.querySelectorAll(".tok").forEach((el) => el.classList.remove("match"));
  for (const t of found) for (let k = t; k < t + n; k++) document.querySelector(`#text .tok[data-t="${k}"]`).classList.add("match");
  let elsewhere = 0;
  (DATA.dataset || []).forEach((_, d) => {
    const s = state.values[`dataset${d}|${key(l, state.series)}`];
    if (!s) return;
    const more = windowsLike(s, u, n, mean, diff); elsewhere += more.length;
    for (const t of more) for (let k = t; k < t + n; k++) document.querySelector(`#dataset-${d} .tok[data-t="${k}"]`).classList.add("match");
  });
  document.getElementById("matches").textContent = `unit ${u} is as ${diff >= 0 ? "high" : "low"} over ${found.length} ` +
    `window(s) of ${n} steps here` + ((DATA.dataset || []).length ? ` and ${elsewhere} in the data set` : "") + " (underlined)";
}
function buildDataset() {
  const sec = document.getElementById("dataset-section"), box = document.getElementById("dataset");
  if (!(DATA.dataset || []).length) { sec.style.display = "none"; return; }
  box.replaceChildren();
  DATA.dataset.forEach((tokens, d) => {
    const div = document.createElement("div"); div.id = `dataset-${d}`; div.className = "text";
    tokens.forEach((tok, t) => { const s = document.createElement("span"); s.className = "tok"; s.dataset.t = t;
      s.textContent = tok === "\n" ? "↵\n" : (tok.length > 1 ? tok + " " : tok); div.appendChild(s); });
    box.appendChild(div);
  });
}

// ---- small SVG charts: gate saturation, gradient over time -----------------------------------------
function svg(w, h) { const e = document.createElementNS("http://www.w3.org/2000/svg", "svg"); e.setAttribute("width", w); e.setAttribute("height", h); return e; }
function el(tag, attrs, text) { const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text !== undefined) e.textContent = text; return e; }
function axes(g, w, h, m, xlabel, ylabel) {
  g.append(el("line", { x1: m, y1: h - m, x2: w - 8, y2: h - m, class: "axis" }), el("line", { x1: m, y1: 8, x2: m, y2: h - m, class: "axis" }),
           el("text", { x: (w + m) / 2, y: h - 6, "text-anchor": "middle" }, xlabel),
           el("text", { x: 12, y: (h - m) / 2, transform: `rotate(-90 12 ${(h - m) / 2})`, "text-anchor": "middle" }, ylabel));
}
function buildSaturation() {
  const box = document.getElementById("saturation"); box.replaceChildren(); const l = layer();
  const gates = Object.keys(l.saturation || {});
  if (!gates.length) { box.textContent = "This layer has no gates (SimpleRNN)."; return; }
  for (const gname of gates) {
    const w = 230, h = 210, m = 38, s = l.saturation[gname], g = svg(w, h);
    axes(g, w, h, m, "fraction of steps < 0.1", "fraction > 0.9");
    g.append(el("text", { x: w / 2, y: 14, "text-anchor": "middle", "font-weight": "bold" }, gname));
    for (const q of [0, 0.5, 1]) g.append(el("text", { x: m + q * (w - m - 12), y: h - m + 13, "text-anchor": "middle" }, q),
                                           el("text", { x: m - 4, y: h - m - q * (h - m - 22) + 4, "text-anchor": "end" }, q));
    s.low.forEach((lo, u) => { const hi = s.high[u];
      const c = el("circle", { cx: m + lo * (w - m - 12), cy: h - m - hi * (h - m - 22), r: u === state.unit ? 5 : 3,
                               fill: u === state.unit ? "#d62728" : "#1f77b4", "fill-opacity": 0.7 });
      c.append(el("title", {}, `unit ${u}: ${(100 * lo).toFixed(0)}% < 0.1, ${(100 * hi).toFixed(0)}% > 0.9`));
      c.addEventListener("click", () => { state.unit = u; render(); }); g.appendChild(c); });
    box.appendChild(g);
  }
}
function buildGradient() {
  const box = document.getElementById("gradient"); box.replaceChildren(); const l = layer(), G = l.gradient || {};
  const names = { dh: "|dL/dh_t|", dc: "|dL/dc_t| (from t+1 on)", dx: "|dL/dx_t| (this layer's input)" };
  const colors = { dh: "#1f77b4", dc: "#2ca02c", dx: "#d62728" }, keys = Object.keys(G).filter((k) => G[k].length);
  if (!keys.length) { box.textContent = "No gradient reached this layer from the explained output."; return; }
  const w = 760, h = 250, m = 52, g = svg(w, h), all = keys.flatMap((k) => G[k]).filter((v) => v > 0);
  const lo = Math.log10(Math.min(...all)), hi = Math.log10(Math.max(...all)) + 1e-9, T = G[keys[0]].length;
  axes(g, w, h, m, "time step t", "gradient norm (log)");
  for (const q of [0, 0.5, 1]) { const v = lo + q * (hi - lo);
    g.append(el("text", { x: m - 4, y: h - m - q * (h - m - 12) + 4, "text-anchor": "end" }, `1e${v.toFixed(1)}`)); }
  keys.forEach((k, j) => {
    const pts = G[k].map((v, t) => [m + (T > 1 ? t / (T - 1) : 0) * (w - m - 12), h - m - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (h - m - 12)]);
    g.append(el("polyline", { points: pts.map((p) => p.join(",")).join(" "), fill: "none", stroke: colors[k], "stroke-width": 2 }),
             el("rect", { x: m + 12, y: 12 + 16 * j, width: 12, height: 4, fill: colors[k] }),
             el("text", { x: m + 30, y: 17 + 16 * j }, names[k]));
  });
  box.appendChild(g);
}
function buildAttention() {
  const sec = document.getElementById("attention-section"); if (!DATA.attention.length) { sec.style.display = "none"; return; }
  const box = document.getElementById("attention"); box.replaceChildren();
  for (const a of DATA.attention) {
    const rows = a.weights.length, cols = a.weights[0].length, cell = Math.max(8, Math.min(26, Math.floor(600 / cols)));
    const left = 70, top = 60, c = document.createElement("canvas"); c.className = "heat";
    c.width = left + cols * cell; c.height = top + rows * cell; const g = c.getContext("2d");
    g.font = "11px sans-serif"; g.fillStyle = "#222";
    a.source.forEach((s, j) => { g.save(); g.translate(left + j * cell + cell / 2, top - 4); g.rotate(-Math.PI / 3); g.fillText(s, 0, 0); g.restore(); });
    a.target.forEach((s, i) => g.fillText(s, 4, top + i * cell + cell * 0.7));
    a.weights.forEach((row, i) => row.forEach((v, j) => { g.fillStyle = colour(v, 0, 1, true); g.fillRect(left + j * cell, top + i * cell, cell, cell); }));
    const p = document.createElement("div"); p.className = "panel";
    const t = document.createElement("div"); t.className = "title"; t.textContent = `${a.name}: each output token (row) over the source tokens (columns)`;
    const lg = document.createElement("div"); lg.className = "legend"; legend(lg, "attention weight", { min: 0, max: 1 });
    p.append(t, c, lg); box.appendChild(p);
  }
}

// ---- controls and the whole page ---------------------------------------------------------------------
function buildControls() {
  const ls = document.getElementById("layer"); ls.replaceChildren();
  DATA.layers.forEach((l, i) => ls.add(new Option(`${l.name} (${l.direction}, ${l.kind}, ${l.units} units)`, i)));
  ls.addEventListener("change", () => { state.layer = +ls.value; state.unit = 0; fillSeries(); render(); });
  document.getElementById("series").addEventListener("change", (e) => { state.series = e.target.value; render(); });
  document.getElementById("unit").addEventListener("change", (e) => {
    state.unit = Math.max(0, Math.min(layer().units - 1, +e.target.value || 0)); render(); });
  fillSeries();
}
function fillSeries() {
  const s = document.getElementById("series"); s.replaceChildren();
  for (const n of layer().series) s.add(new Option(n, n));
  if (!layer().series.includes(state.series)) state.series = "h";
  s.value = state.series;
}
function render() {
  document.getElementById("layer").value = state.layer; document.getElementById("series").value = state.series;
  colourText(); buildHeatmaps(); buildSaturation(); buildGradient();
}

// ---- #selftest: what a person would do, done by the page itself, the result written into it --------
async function selftest() {
  const out = { ready_ms: state.ready_ms, errors: ERRORS, tokens: document.querySelectorAll("#text .tok").length,
                heatmaps: document.querySelectorAll("canvas.heat").length, svgs: document.querySelectorAll("svg").length };
  const tok = document.querySelector("#text .tok"), before = tok.style.background;
  const canvas = document.querySelector("#heatmaps canvas.heat"), r = canvas.getBoundingClientRect();
  const target = Math.min(layer().units - 1, 1 + state.unit), rowh = +canvas.dataset.rowh;
  canvas.dispatchEvent(new MouseEvent("click", { bubbles: true, clientX: r.left + 2,
    clientY: r.top + (target + 0.5) * rowh * (r.height / canvas.height) }));
  out.unit_after_click = state.unit; out.recoloured = document.querySelector("#text .tok").style.background !== before;
  const toks = document.querySelectorAll("#text .tok"), a = toks[Math.min(1, toks.length - 1)], b = toks[Math.min(3, toks.length - 1)];
  a.dispatchEvent(new MouseEvent("mousedown", { bubbles: true })); b.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
  out.units_listed = document.querySelectorAll("#units li").length;
  out.matches = document.querySelectorAll("#text .tok.match").length;
  out.dataset_matches = document.querySelectorAll("#dataset .tok.match").length;
  document.getElementById("selftest-result").textContent = JSON.stringify(out);
}

(async function main() {
  try {
    await unpack(); buildText(); buildDataset(); buildControls(); render(); buildAttention();
    document.getElementById("status").textContent = "";
    state.ready_ms = performance.now();                 // from navigation start to a drawn page
    if (location.hash === "#selftest") await selftest();
  } catch (e) { ERRORS.push(String(e)); document.getElementById("status").textContent = "error: " + e;
    const r = document.getElementById("selftest-result"); if (r) r.textContent = JSON.stringify({ errors: ERRORS }); }
})();
