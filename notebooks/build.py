"""Build the notebooks from the cells below and execute them, saving their outputs.

    python notebooks/build.py            # writes and runs notebooks/0*.ipynb (a few minutes)

The test suite re-runs each saved notebook top to bottom with LSTM_NP_QUICK=1 (smaller
settings), so they never rot. Edit the cells here, not in the .ipynb files.
"""
import os
import sys

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))
SETUP = '''import os
import numpy as np
import matplotlib.pyplot as plt
QUICK = os.environ.get("LSTM_NP_QUICK") == "1"     # the test suite runs every notebook quickly
%matplotlib inline'''

NOTEBOOKS = {}

NOTEBOOKS["01_lstm_cell_and_bptt"] = [
    ("md", """# 01 — One LSTM cell by hand, its BPTT, and a gradient check

An LSTM step with Keras's layout and gate order i, f, c, o:

$$z_t = x_t W + h_{t-1} U + b,\\quad i,f,o = \\sigma(z_i), \\sigma(z_f), \\sigma(z_o),\\quad g = \\tanh(z_c)$$
$$c_t = f \\odot c_{t-1} + i \\odot g, \\qquad h_t = o \\odot \\tanh(c_t)$$

`lstm_np.core.lstm` is the readable reference: the same symbols, shapes in comments."""),
    ("code", SETUP),
    ("code", '''from lstm_np.core import lstm as L
rng = np.random.default_rng(0)
B, D, H = 2, 3, 4
x_t = rng.standard_normal((B, D))
h_prev, c_prev = rng.standard_normal((B, H)), rng.standard_normal((B, H))
W, U, b = rng.standard_normal((D, 4 * H)) * 0.5, rng.standard_normal((H, 4 * H)) * 0.5, np.zeros(4 * H)

# The step written out, equation by equation
sig = lambda z: 1 / (1 + np.exp(-z))
z = x_t @ W + h_prev @ U + b                                   # (B, 4H)
i, f, g, o = sig(z[:, :H]), sig(z[:, H:2*H]), np.tanh(z[:, 2*H:3*H]), sig(z[:, 3*H:])
c = f * c_prev + i * g
h = o * np.tanh(c)

# ... and the library's step: the same numbers
h_lib, c_lib, cache = L.lstm_step_forward(x_t, h_prev, c_prev, W, U, b)
print("max |h - h_lib| =", np.abs(h - h_lib).max(), "  max |c - c_lib| =", np.abs(c - c_lib).max())'''),
    ("md", """## Backpropagation through one step

Given the gradients arriving at $h_t$ and $c_t$:
$do = dh \\odot \\tanh c_t$, $dc = dc_t + dh \\odot o \\odot (1-\\tanh^2 c_t)$,
$di = dc \\odot g$, $df = dc \\odot c_{t-1}$, $dg = dc \\odot i$, then through the gate
non-linearities into $dz$, and $dh_{t-1} = dz\\,U^\\top$, $dc_{t-1} = dc \\odot f$."""),
    ("code", '''dh, dc = rng.standard_normal((B, H)), rng.standard_normal((B, H))
dx, dh_prev, dc_prev, dW, dU, db = L.lstm_step_backward(dh, dc, cache)

# Check dW by central differences: perturb one weight, rerun, compare
def loss(W_):
    h_, c_, _ = L.lstm_step_forward(x_t, h_prev, c_prev, W_, U, b)
    return np.sum(dh * h_) + np.sum(dc * c_)
eps, (r, k) = 1e-6, (1, 5)            # a forget-gate weight
Wp, Wm = W.copy(), W.copy()
Wp[r, k] += eps; Wm[r, k] -= eps
print("analytic dW[1,5] =", dW[r, k], "  numerical =", (loss(Wp) - loss(Wm)) / (2 * eps))'''),
    ("md", """## A whole sequence, and the library's gradient checker

`lstm_forward` runs the loop (one GEMM for the input projection of all steps first);
`lstm_backward` is BPTT, with the weight gradients as one GEMM over all steps at the end.
`lstm_np.gradcheck` checks any layer with a random upstream gradient, in float64."""),
    ("code", '''from lstm_np import gradcheck, layers
layer = layers.LSTM(5, return_sequences=True, dtype="float64", seed=0)
x = rng.standard_normal((3, 7, 2))
errors = gradcheck.check_layer(layer, x)
all_ok = gradcheck.report(errors)'''),
    ("md", "A wrong gradient is caught — here the forget-gate term of BPTT is dropped on purpose:"),
    ("code", '''import lstm_np
real = L.lstm_cell_backward
def buggy(dh, dc_next, gates, tc, c_prev, act, ract):
    dz, _ = real(dh, dc_next, gates, tc, c_prev, act, ract)
    return dz, dc_next + 0 * dh           # forgot "dc ⊙ f"
lstm_np.set_backend("numpy"); L.lstm_cell_backward = buggy
try:
    bad = gradcheck.check_layer(layers.LSTM(5, return_sequences=True, dtype="float64", seed=0), x)
finally:
    L.lstm_cell_backward = real; lstm_np.set_backend("numba")
print({k: f"{v:.1e}" for k, v in bad.items()})'''),
    ("md", "## Inside a trained LSTM: the tutorial's cumulative-sum model"),
    ("code", '''from lstm_np.demos.cumsum import tutorial_model
from lstm_np.datasets import get_sequence
from lstm_np import plot
model = tutorial_model(10, seed=0)
for _ in range(200 if QUICK else 1000):
    X, y = get_sequence(10, rng)
    model.fit(X, y, epochs=1, batch_size=1, verbose=0)
X, y = get_sequence(10, rng)
print("targets:    ", y[0, :, 0])
print("predictions:", model.predict_classes(X)[0, :, 0])
plot.lstm_internals(model.layers[0], X);'''),
]

NOTEBOOKS["02_bidirectional_merge_modes"] = [
    ("md", """# 02 — Bidirectional LSTMs and their merge modes (the classic tutorial)

The cumulative-sum problem: random values in [0, 1]; the label of each step flips to 1
once the running sum passes a quarter of the length. The tutorial's Keras code runs as it
is, with only the imports changed."""),
    ("code", SETUP),
    ("code", '''from lstm_np.models import Sequential                 # was: from keras.models import Sequential
from lstm_np.layers import LSTM, Dense, TimeDistributed, Bidirectional
from lstm_np.datasets import get_sequence
rng = np.random.default_rng(1)
n_timesteps = 10

def get_lstm_model(n_timesteps, backwards):
    model = Sequential()
    model.add(LSTM(20, input_shape=(n_timesteps, 1), return_sequences=True, go_backwards=backwards))
    model.add(TimeDistributed(Dense(1, activation='sigmoid')))
    model.compile(loss='binary_crossentropy', optimizer='adam')
    return model

def get_bi_lstm_model(n_timesteps, mode):
    model = Sequential()
    model.add(Bidirectional(LSTM(20, return_sequences=True), input_shape=(n_timesteps, 1), merge_mode=mode))
    model.add(TimeDistributed(Dense(1, activation='sigmoid')))
    model.compile(loss='binary_crossentropy', optimizer='adam')
    return model

def train_model(model, n_timesteps, epochs=250):
    loss = list()
    for _ in range(epochs):
        X, y = get_sequence(n_timesteps, rng)
        hist = model.fit(X, y, epochs=1, batch_size=1, verbose=0)
        loss.append(hist.history['loss'][0])
    return loss'''),
    ("code", '''from lstm_np import plot
epochs = 60 if QUICK else 250
results = {
    "lstm_forw": train_model(get_lstm_model(n_timesteps, False), n_timesteps, epochs),
    "lstm_back": train_model(get_lstm_model(n_timesteps, True), n_timesteps, epochs),
    "bilstm_con": train_model(get_bi_lstm_model(n_timesteps, 'concat'), n_timesteps, epochs),
}
plot.learning_curves(results, smooth=20, ylabel="log loss", title="LSTM, reversed LSTM, Bidirectional LSTM");'''),
    ("md", """The reversed LSTM reads the input backwards *and* emits its outputs in that reversed
order (Keras's `go_backwards`), so its per-step labels are misaligned: it learns slowest.
The Bidirectional LSTM flips its backward half back into time order before merging."""),
    ("code", '''modes = {m: train_model(get_bi_lstm_model(n_timesteps, m), n_timesteps, epochs)
         for m in ['sum', 'mul', 'ave', 'concat']}
plot.learning_curves(modes, smooth=20, ylabel="log loss", title="Bidirectional merge modes");'''),
    ("md", """`mul` multiplies two outputs in (-1, 1): small products, small gradients early on —
it starts slowest, as in the tutorial. `concat` (the default) keeps both directions' features."""),
]

NOTEBOOKS["03_stacked_and_pretrained_embeddings"] = [
    ("md", """# 03 — Stacked LSTMs and pretrained embeddings

The slides' stacked model: `Embedding(10000, 32)` and three LSTMs, the first two returning
sequences so the next can read them."""),
    ("code", SETUP),
    ("code", '''from lstm_np.models import Sequential
from lstm_np.layers import Embedding, LSTM, Dense, Bidirectional
model = Sequential()
model.add(Embedding(10000, 32, input_length=500))
model.add(LSTM(32, return_sequences=True, dropout=0.2))
model.add(LSTM(32, return_sequences=True, dropout=0.2))
model.add(LSTM(32, dropout=0.2))
model.add(Dense(1, activation="sigmoid"))
model.summary()'''),
    ("code", '''bi = Sequential([Embedding(10000, 32), Bidirectional(LSTM(32)), Dense(1, activation="sigmoid")])
bi.summary()'''),
    ("md", """## Pretrain an embedding, keep only it, reuse it frozen

Task A (plenty of data): is a sequence of tokens positive overall? Task B (little data): is
its *second half* positive? The embedding learned on A knows each token's polarity; loaded
with `weights=[...]` and `trainable=False`, it lets a small dataset suffice for B."""),
    ("code", '''from lstm_np.demos import embedding
results = embedding.run(out="lstm_np_out", quick=QUICK)'''),
    ("code", '''from IPython.display import Image
Image("lstm_np_out/embedding_transfer.png")'''),
]

NOTEBOOKS["04_seq2seq_attention_beam_search"] = [
    ("md", """# 04 — Seq2seq with attention and beam search

Dates written by people → ISO dates. The encoder (a bidirectional LSTM) reads the
characters; the decoder starts from `<start>` and writes one character at a time, trained
with teacher forcing; Luong attention lets each output character look back at the input."""),
    ("code", SETUP),
    ("code", '''from lstm_np.datasets import make_dates, encode_pairs, END
from lstm_np.models import Seq2Seq
from lstm_np import optimizers
src, tgt = make_dates(4000 if QUICK else 30000, seed=0)
print(list(zip(src[:5], tgt[:5])))
src_vocab, tgt_vocab, S, T = encode_pairs(src, tgt)
print("src ids", S.shape, " tgt ids", T.shape, "(tokens, then <end>, then padding)")'''),
    ("code", '''model = Seq2Seq(len(src_vocab), len(tgt_vocab), embedding_dim=32, units=64,
                bidirectional_encoder=True, attention="luong", seed=0)
model.compile(optimizer=optimizers.Adam(0.003, clipnorm=5.0), metrics=["acc"])
history = model.fit(S, T, epochs=1 if QUICK else 2, batch_size=64, teacher_forcing=1.0, verbose=2)'''),
    ("md", """`Seq2Seq` is the public layers, composed (`lstm_np/models/seq2seq/`): the same `Embedding`,
`Bidirectional(LSTM)`, `Dense`, `Attention` you would use in a functional model
(`examples/seq2seq_functional.py` writes it that way):"""),
    ("code", '''for layer in model.layers:
    print(f"{layer.name:<32} {type(layer).__name__:<14} {layer.count_params():>7,} weights")'''),
    ("code", '''vs, vt = make_dates(300, seed=1)
X = src_vocab.encode_batch(vs)
greedy = model.predict(X, max_length=12)
beam = model.predict(X, max_length=12, beam_width=4)
exact = lambda pred: np.mean([tgt_vocab.decode(p + [END]) == y for p, y in zip(pred, vt)])
print(f"exact match: greedy {exact(greedy):.3f}, beam search (width 4) {exact(beam):.3f}")
for s, p in list(zip(vs, greedy))[:6]:
    print(f"{s:<28} -> {tgt_vocab.decode(p + [END])}")'''),
    ("code", '''from lstm_np import plot
model.predict(X[:1], max_length=12)
out = list(tgt_vocab.decode(greedy[0] + [END])) + ["<end>"]
plot.attention_heatmap(model.last_attention[0], list(vs[0]), out, title=f"{vs[0]!r}");'''),
    ("md", """Each row is one output character; the bright cells show which input characters it
read. Without attention the whole input must squeeze through the encoder's final state:
`benchmarks/attention_vs_length.py` shows the plain encoder–decoder failing on long
inputs where the attention models keep near-perfect accuracy."""),
]


NOTEBOOKS["05_lstm_variants"] = [
    ("md", """# 05 — Opening the LSTM up: cells, and each part switched off

A cell is one step of the recurrence. `LSTMCell` owns the weights; `RNN(cell)` runs it over a
sequence (and `LSTM` is exactly that). Step one by hand and compare with the layer:"""),
    ("code", SETUP),
    ("code", '''import lstm_np as keras
from lstm_np import layers
rng = np.random.default_rng(0)
x = rng.standard_normal((2, 6, 3))
layer = layers.LSTM(4, return_sequences=True, seed=0, dtype="float64")
whole = layer(x)
cell = layer.cell                                    # the layer's own cell: the same weights
h, c = cell.get_initial_state(batch_size=2)
steps = []
for t in range(6):
    out, (h, c) = cell(x[:, t], [h, c])
    steps.append(out)
print("max |layer - cell stepped by hand| =", np.abs(whole - np.stack(steps, 1)).max())'''),
    ("md", """## The family

Each option changes one line of the step (`lstm_np.core.lstm_family` has them all, forward and
backward):

| option | change | source |
|---|---|---|
| `peephole=True` | $z_i \\mathrel{+}= p_i \\odot c_{t-1}$, $z_f \\mathrel{+}= p_f \\odot c_{t-1}$, $z_o \\mathrel{+}= p_o \\odot c_t$ | Gers & Schmidhuber 2000 |
| `proj_size=P` | $h_t = (o \\odot \\tanh c_t)\\,W_{hr}$ | Sak et al. 2014 (PyTorch's `proj_size`) |
| `layer_norm=True` | LN on $xW$ and $hU$ per gate, and on $c_t$ before its tanh | Ba et al. 2016 |
| `variant="NIG"` / `"NFG"` / `"NOG"` | that gate fixed to 1 | Greff et al. 2017 |
| `variant="NIAF"` / `"NOAF"` | $g = z_g$ / $h = o \\odot c$ | Greff et al. 2017 |
| `variant="CIFG"` | $f = 1 - i$ | Greff et al. 2017 |
| `variant="FGR"` | $i, f, o$ also read the previous step's $i, f, o$ | Greff et al. 2017 |

Every one is gradient-checked by finite differences; here is one, and what it looks like inside:"""),
    ("code", '''from lstm_np import gradcheck, plot
odd = layers.LSTM(6, peephole=True, proj_size=3, variant="CIFG", return_sequences=True, seed=0, dtype="float64")
errors = gradcheck.check_layer(odd, rng.standard_normal((3, 8, 2)))
print("largest relative error:", f"{max(errors.values()):.1e}", "over", sorted(errors))
plot.lstm_internals(odd, rng.standard_normal((12, 2)));'''),
    ("md", """## Which parts matter? A miniature of "LSTM: A Search Space Odyssey"

Greff et al. trained 5,400 networks on speech, handwriting and music: the forget gate and the
output activation mattered most; coupling the input and forget gates (CIFG) or dropping the
peepholes (NP) cost little. `lstm-np demo variants` runs a small version — every variant, five
seeds, three short tasks of different kinds (here with fewer seeds and epochs when run quickly):"""),
    ("code", '''from lstm_np.demos import variants
results = variants.run(out="lstm_np_out", quick=QUICK)
from IPython.display import Image
Image("lstm_np_out/lstm_variants.png")'''),
    ("md", """On tasks this short the picture is not the paper's: without an input gate (NIG) the adding
problem and the recall task fail — writing into memory selectively is what they need; without a
forget gate (NFG, the 1997 LSTM) memory is *easier* to keep over 20 steps, so recall improves,
while the adding problem suffers. The real series barely cares which LSTM it gets. Greff et al.'s
forget-gate result comes from long sequences where the state must also be cleared — a reminder
that "which part matters" depends on the task."""),
]

NOTEBOOKS["06_forecasting_airline_passengers"] = [
    ("md", """# 06 — Forecasting a real series: the airline passengers

Box & Jenkins' monthly international airline passengers, 1949–1960 (144 values, shipped with
lstm_np: `datasets.load_airline_passengers()`). The classic LSTM tutorial scales the series to
[0, 1], predicts next month from this month, and tests on the last third. Here we follow it —
and compare it with what a forecaster tries first, because a model is only as good as the
baseline it beats."""),
    ("code", SETUP),
    ("code", '''from lstm_np.datasets import load_airline_passengers, timeseries_windows, split_by_time, MinMaxScaler
series, months = load_airline_passengers(return_months=True)
train, test = split_by_time(series, test_size=48)               # 1949-1956 | 1957-1960
fig, ax = plt.subplots(figsize=(9, 3.2))
ax.plot(series, color="black"); ax.axvline(len(train) - 0.5, color="grey", lw=0.8)
ax.set_xticks(range(0, 144, 24)); ax.set_xticklabels(months[::24]); ax.set_ylabel("passengers (thousands)")
ax.set_title("a trend, and a seasonal pattern that grows with it"); plt.show()'''),
    ("md", """## Two baselines

*Persistence* predicts this month's value for next month; *seasonal naive* predicts the value of
twelve months earlier. No training, no parameters."""),
    ("code", '''rmse = lambda p, t: float(np.sqrt(np.mean((np.asarray(p) - t) ** 2)))
persistence = series[-49:-1]
seasonal = series[-60:-12]
print(f"persistence RMSE    {rmse(persistence, test):5.1f}")
print(f"seasonal naive RMSE {rmse(seasonal, test):5.1f}")'''),
    ("md", """## The tutorial's LSTM

Windows of the scaled series (`timeseries_windows`, Keras's `timeseries_dataset_from_array`
rule): $x_i$ = the previous *look-back* months, $y_i$ = the next month. The scaler is fitted on
the training months only, and the forecasts go back to passengers with `inverse_transform`."""),
    ("code", '''import lstm_np as keras
from lstm_np import layers

def lstm_forecast(values, lookback, units, seed, epochs):
    scaler = MinMaxScaler().fit(values[:-48])
    X, y = timeseries_windows(scaler.transform(values), lookback)
    n_train = len(values) - 48 - lookback
    model = keras.Sequential([keras.Input((lookback, 1)), layers.LSTM(units, seed=seed),
                              layers.Dense(1, seed=seed + 1)])
    model.compile(loss="mse", optimizer="adam")
    model.fit(X[:n_train], y[:n_train], epochs=epochs, batch_size=1, verbose=0)
    return scaler.inverse_transform(model.predict(X[-48:])[:, 0])

epochs = 15 if QUICK else 100
seeds = [0, 100] if QUICK else [0, 100, 200, 300, 400]
tutorial = [lstm_forecast(series, 1, 4, s, epochs) for s in seeds]
print("tutorial LSTM(4), look-back 1: RMSE", [round(rmse(p, test), 1) for p in tutorial])'''),
    ("md", """It does not beat persistence: predicting from one month, the network learns to repeat
roughly the last value, and the trend carries the test months above anything seen in
training — outside the [0, 1] range the scaler mapped. Longer look-backs help a little.
What helps a lot is to remove what the model cannot extrapolate: forecast the *seasonal
difference* $d_t = y_t - y_{t-12}$ (year-on-year change), then $\\\\hat y_t = y_{t-12} + \\\\hat d_t$."""),
    ("code", '''diff = series[12:] - series[:-12]
seasonal_diff = [series[-60:-12] + lstm_forecast(diff, 12, 16, s, epochs) for s in seeds]
print("LSTM(16) on seasonal differences: RMSE", [round(rmse(p, test), 1) for p in seasonal_diff])
fig, ax = plt.subplots(figsize=(9, 3.6))
t = np.arange(96, 144)
ax.plot(t, test, color="black", lw=2, label="truth")
ax.plot(t, seasonal, "--", label=f"seasonal naive {rmse(seasonal, test):.1f}")
ax.plot(t, tutorial[0], label=f"tutorial LSTM {rmse(tutorial[0], test):.1f}")
ax.plot(t, seasonal_diff[0], label=f"LSTM on seasonal differences {rmse(seasonal_diff[0], test):.1f}")
ax.set_xticks(range(96, 144, 12)); ax.set_xticklabels(months[96::12]); ax.legend(fontsize=8)
ax.set_title("test years, one step ahead (RMSE in thousands of passengers)"); plt.show()'''),
    ("md", """`lstm-np demo airline` runs all of this over five seeds, with a stacked bidirectional
variant too, and writes the table and the plot. The lesson carries beyond this series:
compare with a naive baseline, and give the network what it can learn — here, the change,
not the level."""),
]


NOTEBOOKS["07_tape_beside_bptt"] = [
    ("md", """# 07 — The same LSTM, differentiated two ways: by hand and by a tape

lstm_np's LSTM has its BPTT written out by hand (`lstm_np/core/lstm.py`): that is the
textbook. `lstm_np.ops` (Keras's `keras.ops`) has a second way: a small **tape**. Run code
written with the ops on a tape, and each op records one node — its inputs and its
vector-Jacobian product (VJP) — so the tape can walk back from the loss and apply the chain
rule node by node:

$$\\bar{x} = \\sum_{\\text{nodes reading } x} \\text{vjp}_{\\text{node}}(\\bar{y}),\\qquad
y = \\tanh x \\;\\Rightarrow\\; \\bar{x} = \\bar{y} \\odot (1 - y^2)$$

Here an LSTM cell is written from its equations with `keras.ops`, with no backward at all,
and stepped by `RNN`. The tape's gradients are compared with the hand-written BPTT: a third
check of it, next to finite differences and PyTorch."""),
    ("code", SETUP),
    ("code", '''import lstm_np as keras
from lstm_np import layers, ops

class OpsLSTMCell(layers.Layer):
    """The LSTM step, written from the equations; no backward."""
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, [units, units]

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 4 * self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, 4 * self.units), name="recurrent_kernel")
        self.bias = self.add_weight(shape=(4 * self.units,), initializer="zeros", name="bias")

    def call(self, inputs, states):
        h, c = states
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias
        i, f, g, o = ops.split(z, 4, axis=-1)               # Keras's gate order i, f, c, o
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        h = ops.sigmoid(o) * ops.tanh(c)
        return h, [h, c]'''),
    ("md", """## One small tape, read node by node

A single step on a tape: every op appended one node. Walking them backwards is the
backward pass."""),
    ("code", '''rng = np.random.default_rng(0)
cell = OpsLSTMCell(3, dtype="float64")
cell.build((None, 2))
with ops.Tape() as tape:
    for w in cell.params.values():
        tape.watch(w)                                      # differentiate w.r.t. the weights
    x = tape.leaf(rng.standard_normal((1, 2)))
    h0, c0 = tape.leaf(np.zeros((1, 3))), tape.leaf(np.zeros((1, 3)))
    h, (h, c) = cell.call(x, [h0, c0])
print(len(tape.nodes), "nodes:", " -> ".join(n.name for n in tape.nodes))'''),
    ("md", """## The tape against the hand-written BPTT

The same weights in `RNN(OpsLSTMCell)` and in `LSTM`, float64, 30 steps, one random upstream
gradient: every gradient agrees to round-off."""),
    ("code", '''B, T, D, H = 4, 30, 3, 8
taped = layers.RNN(OpsLSTMCell(H, dtype="float64"), return_sequences=True)
by_hand = layers.LSTM(H, return_sequences=True, dtype="float64")
for layer in (taped, by_hand):
    layer.build((None, T, D))
weights = [rng.uniform(-0.5, 0.5, w.shape) for w in by_hand.get_weights()]
taped.set_weights(weights); by_hand.set_weights(weights)
x = rng.standard_normal((B, T, D))
g = rng.standard_normal((B, T, H))
y_tape, y_hand = taped.forward(x), by_hand.forward(x)
dx_tape, dx_hand = taped.backward(g), by_hand.backward(g)
print("outputs   max |difference|", np.abs(y_tape - y_hand).max())
print("dL/dx     max |difference|", np.abs(dx_tape - dx_hand).max())
for k in by_hand.params:
    print(f"dL/d{k:<17} max |difference| {np.abs(taped.grads[k] - by_hand.grads[k]).max():.2e}")'''),
    ("md", """## What each costs

The tape keeps every intermediate of every op (14 nodes per step, above) and runs NumPy one op at
a time; the hand-written BPTT keeps only what its equations need, and the compiled kernels fuse
the whole step. `benchmarks/tape_vs_bptt.py` measures the three at a larger size."""),
    ("code", '''import time, tracemalloc

def cost(layer, backend, x, g, rounds=3 if QUICK else 7):
    keras.set_backend(backend)
    layer.forward(x, training=True); layer.backward(g)           # warm-up
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter(); layer.forward(x, training=True); layer.backward(g)
        times.append(time.perf_counter() - t0)
    tracemalloc.start(); layer.forward(x, training=True); layer.backward(g)
    peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
    return np.median(times) * 1e3, peak / 2**20

B, T, D, H = (8, 20, 8, 16) if QUICK else (32, 50, 32, 64)
x, g = rng.standard_normal((B, T, D)), rng.standard_normal((B, T, H))
rows = {}
for name, layer, backend in [("tape (keras.ops)", layers.RNN(OpsLSTMCell(H, dtype="float64"), return_sequences=True), "numpy"),
                             ("hand-written, NumPy", layers.LSTM(H, return_sequences=True, dtype="float64"), "numpy"),
                             ("hand-written, kernels", layers.LSTM(H, return_sequences=True, dtype="float64"), "numba")]:
    layer.build((None, T, D)); layer.set_weights([rng.uniform(-0.3, 0.3, w.shape) for w in layer.get_weights()])
    rows[name] = cost(layer, backend, x, g)
keras.set_backend("numba")
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
names = list(rows)
colors = ["tab:orange", "tab:blue", "tab:green"]
axes[0].barh(names, [rows[n][0] for n in names], color=colors)
axes[0].set_xlabel("ms per forward + backward"); axes[0].invert_yaxis()
axes[1].barh(names, [rows[n][1] for n in names], color=colors)
axes[1].set_xlabel("peak memory (MiB)"); axes[1].invert_yaxis(); axes[1].set_yticklabels([])
fig.suptitle(f"one LSTM layer, float64, B={B} T={T} D={D} H={H}")
fig.tight_layout(); plt.show()
for n in names:
    print(f"{n:<24} {rows[n][0]:7.2f} ms   {rows[n][1]:6.1f} MiB")'''),
    ("md", """The tape is general — any layer, cell or loss written with `keras.ops` trains with no
backward written (tests/test_keras_ops_golden.py trains one of each to Keras 3's numbers) — and
it is the slow, memory-hungry way. The built-in layers keep their hand-written BPTT: it is the
part of this project worth reading, and the tape is how we check it once more."""),
]


NOTEBOOKS["08_explain_a_char_lstm"] = [
    ("md", """# 08 — Looking inside a trained character LSTM

`lstm_np.explain(model, text)` runs a model once on the NumPy reference, keeps every layer's own
record (each gate, h and c at every step) and runs the hand-written BPTT back from one output,
tracing the gradient reaching every step. Here: a character model trained on *Hamlet*, and the
hunt Karpathy, Johnson & Fei-Fei (2015) made in char-rnn — are there units that track something a
reader sees? Hamlet's stage directions sit in `[...]`, and every line has a position."""),
    ("code", SETUP),
    ("code", '''import lstm_np as keras
from lstm_np import layers
from lstm_np.datasets import load_text
from lstm_np.demos.explain import indicators, best_unit, windows

text = load_text("hamlet")
chars = sorted(set(text))
index = {c: i for i, c in enumerate(chars)}
ids = np.array([index[c] for c in text])
split = int(0.9 * len(ids))
units, epochs, train = (32, 1, ids[:20000]) if QUICK else (128, 12, ids[:split])
x, y = windows(train, 100, 50)
model = keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(len(chars), 24, seed=0),
                          layers.LSTM(units, return_sequences=True, seed=1),
                          layers.Dense(len(chars), activation="softmax", seed=2)])
model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.005, clipnorm=5.0))
history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=0)
print(f"{len(x)} windows, loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f} nats/char")'''),
    ("md", """## Which units track the brackets and the line position?

Held-out text with stage directions; for every unit, the correlation of its cell state c_t with
"inside [...]" and with "characters since the newline"."""),
    ("code", '''start = text.find("[", split) - 300
held = text[start:start + 3000]
e = keras.explain(model, held, vocabulary=chars, title="A character LSTM on Hamlet")
lstm = model.layers[1].name
inside, pos = indicators(held)
bracket_unit, r_bracket = best_unit(e.series(lstm, "c"), inside)
line_unit, r_line = best_unit(e.series(lstm, "c"), pos)
print(f"inside brackets : c[{bracket_unit}], correlation {r_bracket:+.3f}")
print(f"position in line: c[{line_unit}], correlation {r_line:+.3f}")

fig, axes = plt.subplots(2, 1, figsize=(11, 4.6), sharex=True)
steps = np.arange(600)
for ax, unit, target, what in ((axes[0], bracket_unit, inside, "inside [...]"), (axes[1], line_unit, pos, "position in line")):
    c = e.series(lstm, "c")[:600, unit]
    ax.plot(steps, c, color="tab:red", label=f"c[{unit}]")
    ax2 = ax.twinx(); ax2.fill_between(steps, target[:600], color="tab:blue", alpha=0.15, step="mid")
    ax2.set_ylabel(what, color="tab:blue"); ax.set_ylabel("cell state"); ax.legend(loc="upper left")
axes[1].set_xlabel("character of the held-out text")
fig.suptitle("The unit that tracks each (blue: the indicator)"); fig.tight_layout(); plt.show()'''),
    ("md", """## The page

The same kind of data as a page (here for the first 1,200 characters, to keep the notebook
small) — click a heatmap row to colour the text by that unit, drag across the text to find the
units that are on across a span, the gates' saturation, the gradient over time.
`e.save("page.html")` writes it as one file (no network); in Jupyter it shows inline."""),
    ("code", '''page = keras.explain(model, held[:1200], vocabulary=chars, title="A character LSTM on Hamlet")
page.focus(lstm, "c", line_unit)          # open on the line-position unit; the notebook stays small
page.save("explain_hamlet.html")
page'''),
]


def build(name, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, text in cells:
        nb.cells.append(nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text))
    return nb


def execute(nb, timeout=900):
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": HERE}}).execute()
    return nb


def main():
    names = sys.argv[1:] or list(NOTEBOOKS)
    for name in names:
        nb = execute(build(name, NOTEBOOKS[name]))
        path = os.path.join(HERE, f"{name}.ipynb")
        nbformat.write(nb, path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
