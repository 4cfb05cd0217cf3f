"""The explorer page: one HTML file with its CSS, its script (page.js) and its data inline — no
network, so it opens from a USB stick. Open it with ``#selftest`` after its address and it clicks
a unit and selects a span by itself, writing what happened into ``<pre id="selftest-result">``
(the browser tests read it)."""
import html
import os

HERE = os.path.dirname(os.path.abspath(__file__))

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{css}</style></head>
<body>
<header><h1>{title}</h1>
<div class="sub">Explained: {explained}. Every number below is what lstm_np's own forward pass and its
hand-written backpropagation through time computed for this input.</div></header>
<main>
<div id="status" class="muted">Reading the data…</div>
<section>
  <h2>The input, coloured by one unit</h2>
  <p class="help">Each token is coloured by the chosen unit's value at that step (blue: negative, red: positive;
  gates: white 0 to green 1). Click a row of a heatmap below to choose a unit; drag across tokens to select a span.</p>
  <div class="controls">
    <label for="layer">layer</label><select id="layer"></select>
    <label for="series">series</label><select id="series"></select>
    <label for="unit">unit</label><input id="unit" type="number" min="0" value="0" style="width:5em">
    <span id="now" class="muted"></span>
  </div>
  <div id="text"></div>
  <div id="text-legend" class="legend"></div>
</section>
<section id="attention-section">
  <h2>Attention</h2>
  <div id="attention" class="row"></div>
</section>
<section>
  <h2>Units on across a span (as LSTMVis finds them)</h2>
  <p class="help">Select a span of the input: the units whose mean over it differs most from their mean elsewhere,
  ranked (click one); the windows of the same length where that unit is as high (or low) again are underlined.</p>
  <div id="span" class="muted">No span selected yet.</div>
  <ol id="units"></ol>
  <div id="matches" class="muted"></div>
</section>
<section id="dataset-section">
  <h2>The data set</h2>
  <p class="help">More inputs run through the same model: where the pattern of the selected span's unit appears
  again, it is underlined here too.</p>
  <div id="dataset"></div>
</section>
<section>
  <h2>Heatmaps: every unit over time</h2>
  <p class="help">Rows are units, columns time steps (click a row to choose that unit). A Bidirectional layer
  shows its forward and backward directions side by side, both in the input's time order.</p>
  <div id="heatmaps"></div>
</section>
<section>
  <h2>Gate saturation (Karpathy, Johnson &amp; Fei-Fei 2015)</h2>
  <p class="help">One dot per unit: how often its gate is nearly shut (&lt; 0.1, right) or fully open (&gt; 0.9, up).
  Units near the top left are "always open" — a forget gate there remembers across the whole input.</p>
  <div id="saturation" class="row"></div>
</section>
<section>
  <h2>The gradient flowing back through time</h2>
  <p class="help">From the explained output back to every step: |dL/dh_t| (all paths), |dL/dc_t| arriving from the
  steps after t (the LSTM's constant error carousel), |dL/dx_t| at this layer's input. A line falling to the left
  is the vanishing gradient.</p>
  <div id="gradient"></div>
</section>
<pre id="selftest-result"></pre>
</main>
<script id="data" type="application/json">{data}</script>
<script>{js}</script>
</body></html>
"""


def _read(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read()


def render(explanation):
    data = explanation.to_json(packed=True).replace("</", "<\\/")          # never closes the script tag
    return TEMPLATE.format(title=html.escape(explanation.data["title"]),
                           explained=html.escape(explanation.data["explained"]),
                           css=_read("page.css"), js=_read("page.js"), data=data)
