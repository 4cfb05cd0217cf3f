"""A miniature of Greff et al. (2017), "LSTM: A Search Space Odyssey": switch each part of the
LSTM off, train each variant over several seeds on three kinds of task, compare the losses.

Variants: the plain LSTM (NP — no peepholes), the same with peepholes (Greff's "vanilla" V),
NIG (no input gate), NFG (no forget gate), NOG (no output gate), NIAF (no input activation),
NOAF (no output activation), CIFG (coupled input and forget gate), FGR (full gate recurrence).

Tasks (one of each kind):
- the adding problem (Hochreiter & Schmidhuber 1997): two marked numbers among T; output their
  sum — long-range memory, regression (test MSE);
- delayed recall: a symbol at the start, noise for T steps, then name the symbol — a long delay,
  classification (test cross-entropy);
- sunspots (real data, shipped): the next month from the last 24, scaled — forecasting (test MSE).

Greff et al.'s finding, over 5,400 runs: the forget gate and the output activation matter most
(NFG and NOAF hurt); CIFG and NP (dropping peepholes) cost little; FGR gains nothing.
"""
import os
import time

import numpy as np

from ..datasets import MinMaxScaler, load_sunspots, timeseries_windows
from ..layers import LSTM, Dense, Input
from ..models import Sequential

VARIANTS = {"NP (plain)": {}, "V (peepholes)": {"peephole": True}, "NIG": {"variant": "NIG"},
            "NFG": {"variant": "NFG"}, "NOG": {"variant": "NOG"}, "NIAF": {"variant": "NIAF"},
            "NOAF": {"variant": "NOAF"}, "CIFG": {"variant": "CIFG"}, "FGR": {"variant": "FGR"}}


def adding(n, T, rng):
    values = rng.random((n, T))
    marks = np.zeros((n, T))
    for row in range(n):
        a = rng.integers(0, T // 2)
        b = rng.integers(T // 2, T)
        marks[row, [a, b]] = 1
    x = np.stack([values, marks], axis=-1).astype("float32")
    return x, (values * marks).sum(axis=1, keepdims=True).astype("float32")


def recall(n, T, rng, symbols=4):
    x = np.zeros((n, T, symbols + 1), "float32")
    first = rng.integers(0, symbols, n)
    x[np.arange(n), 0, first] = 1
    x[:, 1:, :symbols] = np.eye(symbols, dtype="float32")[rng.integers(0, symbols, (n, T - 1))] * 0.5   # distractors
    x[:, -1, symbols] = 1                                                               # "answer now"
    return x, first


def sunspot_windows(lookback=24):
    series = load_sunspots()
    split = int(len(series) * 0.8)
    scaler = MinMaxScaler().fit(series[:split])
    X, y = timeseries_windows(scaler.transform(series), lookback)
    n_train = split - lookback
    return (X[:n_train].astype("float32"), y[:n_train].astype("float32"),
            X[n_train:].astype("float32"), y[n_train:].astype("float32"))


def tasks(quick, rng):
    T = 12 if quick else 20
    n = 400 if quick else 1600
    xa, ya = adding(n, T, rng)
    xr, yr = recall(n, T, rng)
    sx, sy, tx, ty = sunspot_windows()
    if quick:
        sx, sy = sx[:400], sy[:400]
    return {"adding problem (MSE)": (xa[: n * 3 // 4], ya[: n * 3 // 4], xa[n * 3 // 4:], ya[n * 3 // 4:], "mse", 1),
            "delayed recall (cross-entropy)": (xr[: n * 3 // 4], yr[: n * 3 // 4], xr[n * 3 // 4:], yr[n * 3 // 4:],
                                               "sparse_categorical_crossentropy", 4),
            "sunspots, next month (MSE)": (sx, sy, tx, ty, "mse", 1)}


def train(options, task, seed, epochs, units=16):
    x, y, vx, vy, loss, outputs = task
    model = Sequential([Input(x.shape[1:]), LSTM(units, seed=seed, **options),
                        Dense(outputs, activation="softmax" if outputs > 1 else None, seed=seed + 1)], seed=seed)
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return float(model.evaluate(vx, vy, batch_size=256))


def run(out="lstm_np_out", seed=0, quick=False, print_fn=print, seeds=None, epochs=None, show_progress=True):
    rng = np.random.default_rng(seed)
    seeds = seeds or (2 if quick else 5)
    epochs = epochs or (2 if quick else 25)
    variants = dict(list(VARIANTS.items())[:4]) if quick else VARIANTS
    all_tasks = tasks(quick, rng)
    print_fn(f"Training {len(variants)} variants x {seeds} seeds x {len(all_tasks)} tasks, {epochs} epochs each "
             "(each variant's first run compiles its kernels)"
             + ("; quick: a smoke run with 2 epochs, whose ratios are noise, not the README's" if quick else ""))
    bar, say = None, print_fn
    if show_progress:
        from ..utils.progress import progress_bar
        bar = progress_bar(len(variants) * seeds * len(all_tasks), "training the variants", "model", leave=False)
        say = bar.write if print_fn is print else print_fn        # lines above the bar, not through it
    results = {}
    start, first_runs = time.perf_counter(), 0.0
    for t, (task_name, task) in enumerate(all_tasks.items()):
        results[task_name] = {}
        for name, options in variants.items():
            losses = []
            for k in range(seeds):
                t0 = time.perf_counter()
                losses.append(train(options, task, seed + 17 * k, epochs))
                if t == 0 and k == 0:                  # a variant's first run compiles its kernels
                    first_runs += time.perf_counter() - t0
                if bar is not None:
                    bar.update(1)
            results[task_name][name] = losses
        plain = np.median(results[task_name]["NP (plain)"])
        say(f"{task_name}: median test loss over {seeds} seeds (relative to the plain LSTM)")
        for name, losses in results[task_name].items():
            say(f"  {name:<14} {np.median(losses):8.4f}  ({np.median(losses) / plain:5.2f}x)  "
                     f"spread {np.min(losses):.4f}-{np.max(losses):.4f}")
    if bar is not None:
        bar.close()
    print_fn(f"{len(variants)} variants x {seeds} seeds x 3 tasks in {time.perf_counter() - start:.0f} s, of which "
             f"{first_runs:.0f} s were each variant's first run (it compiles the variant's kernels, or loads them)")
    os.makedirs(out, exist_ok=True)
    _plot(results, os.path.join(out, "lstm_variants.png"), quick)
    return results


def _plot(results, path, quick=False):
    from matplotlib.figure import Figure       # no pyplot: the backend stays the user's
    fig = Figure(figsize=(5.2 * len(results), 4.2))
    axes = fig.subplots(1, len(results))
    for ax, (task, per_variant) in zip(np.atleast_1d(axes), results.items()):
        names = list(per_variant)
        plain = np.median(per_variant[names[0]])
        for k, name in enumerate(names):
            vals = np.asarray(per_variant[name]) / plain
            ax.scatter(np.full(len(vals), k), vals, s=18, alpha=0.7, color="C0")
            ax.plot([k - 0.3, k + 0.3], [np.median(vals)] * 2, color="black", lw=2)
        ax.axhline(1.0, color="grey", lw=0.8, ls="--")
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("test loss / plain LSTM's median (log)")
        ax.set_title(task, fontsize=10)
    fig.suptitle("Each part of the LSTM switched off (dots: seeds; bar: median)"
                 + ("  —  a --quick smoke run: 2 epochs, too short to rank the variants" if quick else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
