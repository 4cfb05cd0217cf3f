"""The classic tutorial: LSTMs label each step of a cumulative-sum sequence.

1. The tutorial's model, trained its way (one ``fit`` per freshly drawn sequence, batch 1),
   then scored on sequences it has never seen.
2. "Compare LSTM to Bidirectional LSTM": an LSTM, an LSTM reading the input reversed
   (``go_backwards=True``) and a Bidirectional LSTM, 250 single-sequence epochs each.
3. "Comparing Bidirectional LSTM Merge Modes": concat, sum, mul, ave.

Writes learning-curve PNGs and a CSV of the curves; prints the final accuracies.
"""
import csv
import os
import time

import numpy as np

from .. import plot
from ..datasets import cumsum_batch, get_sequence
from ..layers import LSTM, Bidirectional, Dense, TimeDistributed
from ..models import Sequential


def tutorial_model(n_timesteps, seed):
    model = Sequential()
    model.add(LSTM(20, input_shape=(n_timesteps, 1), return_sequences=True, seed=seed))
    model.add(TimeDistributed(Dense(1, activation="sigmoid", seed=seed)))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    return model


def get_lstm_model(n_timesteps, backwards, seed):
    model = Sequential()
    model.add(LSTM(20, input_shape=(n_timesteps, 1), return_sequences=True, go_backwards=backwards, seed=seed))
    model.add(TimeDistributed(Dense(1, activation="sigmoid", seed=seed)))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    return model


def get_bi_lstm_model(n_timesteps, mode, seed):
    model = Sequential()
    model.add(Bidirectional(LSTM(20, return_sequences=True, seed=seed), input_shape=(n_timesteps, 1),
                            merge_mode=mode))
    model.add(TimeDistributed(Dense(1, activation="sigmoid", seed=seed)))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    return model


def train_model(model, n_timesteps, epochs, rng):
    """The tutorial's loop: one fit per new sequence; returns the loss of each."""
    loss = []
    for _ in range(epochs):
        X, y = get_sequence(n_timesteps, rng)
        hist = model.fit(X, y, epochs=1, batch_size=1, verbose=0)
        loss.append(hist.history["loss"][0])
    return loss


def held_out_accuracy(model, n_timesteps, rng, n=500):
    X, y = cumsum_batch(n, n_timesteps, rng)
    return float(np.mean((model.predict(X, verbose=0) > 0.5) == y))


def compare(builders, n_timesteps, epochs, repeats, seed, progress=None):
    """Train each builder ``repeats`` times; mean loss curve and mean held-out accuracy."""
    curves, accs = {}, {}
    for name, build in builders.items():
        runs, run_accs = [], []
        for r in range(repeats):
            rng = np.random.default_rng([seed, r])
            model = build(seed * 1000 + r)
            runs.append(train_model(model, n_timesteps, epochs, rng))
            run_accs.append(held_out_accuracy(model, n_timesteps, rng))
            if progress is not None:
                progress.update(1)
        curves[name] = list(np.mean(runs, axis=0))
        accs[name] = float(np.mean(run_accs))
    return curves, accs


CONCAT = "Bidirectional LSTM (concat)"


def run(out="lstm_np_out", seed=0, quick=False, epochs=None, print_fn=print, show_progress=True):
    """Run the three parts; returns {"tutorial": acc, "directions": {...}, "merge_modes": {...}}."""
    os.makedirs(out, exist_ok=True)
    n_timesteps, curve_epochs = 10, 250
    fits = epochs if epochs is not None else (300 if quick else 1000)
    repeats = 1 if quick else 5
    if quick:
        print_fn("A quick run (--quick): one run per model, 300 tutorial fits. A smoke run: the "
                 "differences between models below are within run-to-run noise.")
    acc = tutorial_part(n_timesteps, fits, seed, print_fn)
    progress = None
    if show_progress:
        from ..utils.progress import progress_bar
        progress = progress_bar(6 * repeats, "training the comparison models", "model", leave=False)
    # 2. LSTM vs reversed LSTM vs Bidirectional;  3. merge modes (concat is part 2's model: the same runs)
    directions = {
        "LSTM": lambda s: get_lstm_model(n_timesteps, False, s),
        "LSTM reversed (go_backwards)": lambda s: get_lstm_model(n_timesteps, True, s),
        CONCAT: lambda s: get_bi_lstm_model(n_timesteps, "concat", s),
    }
    dir_curves, dir_accs = compare(directions, n_timesteps, curve_epochs, repeats, seed, progress)
    modes = {mode: (lambda s, m=mode: get_bi_lstm_model(n_timesteps, m, s)) for mode in ("sum", "mul", "ave")}
    mode_curves, mode_accs = compare(modes, n_timesteps, curve_epochs, repeats, seed, progress)
    mode_curves = {"concat": dir_curves[CONCAT], **mode_curves}
    mode_accs = {"concat": dir_accs[CONCAT], **mode_accs}
    if progress is not None:
        progress.close()
    files = write_figures(out, dir_curves, dir_accs, mode_curves, mode_accs, curve_epochs, repeats)
    runs_txt = f"mean of {repeats} runs" if repeats > 1 else "one run"
    print_fn(f"2. After {curve_epochs} single-sequence epochs ({runs_txt}), accuracy on 500 new sequences:")
    for k, v in dir_accs.items():
        print_fn(f"   {k:<30} {v:.3f}")
    print_fn("3. Bidirectional merge modes (concat: the model above):")
    for k, v in mode_accs.items():
        print_fn(f"   {k:<30} {v:.3f}")
    print_fn("   The accuracies sit near the ceiling; the loss curves show which model learns faster.")
    print_fn("Plots: " + ", ".join(files[:-1]) + f"; curves: {files[-1]}")
    return {"tutorial": acc, "directions": dir_accs, "merge_modes": mode_accs, "files": files}


def tutorial_part(n_timesteps, fits, seed, print_fn):
    """1. The tutorial's model, trained its way; returns its held-out accuracy."""
    rng = np.random.default_rng(seed)
    model = tutorial_model(n_timesteps, seed)
    times = []
    for k in range(fits):
        X, y = get_sequence(n_timesteps, rng)
        t0 = time.perf_counter()
        model.fit(X, y, epochs=1, batch_size=1, verbose=0)
        times.append(time.perf_counter() - t0)
        if k == 0 and times[0] > 1.0:
            print_fn(f"   (the first fit took {times[0]:.1f} s: compiling the kernels, once; numba caches them)")
    acc = held_out_accuracy(model, n_timesteps, rng)
    Xs, ys = get_sequence(n_timesteps, rng)
    rest = times[1:] or times
    print_fn(f"1. The tutorial's LSTM(20): {fits} single-sequence fit calls; the first took "
             f"{times[0]:.2f} s (compiling, or loading the compiled kernels), the others "
             f"{1000 * float(np.median(rest)):.2f} ms per call (median)")
    print_fn("   expected:  " + " ".join(str(v) for v in ys[0, :, 0]))
    print_fn("   predicted: " + " ".join(str(v) for v in (model.predict(Xs, verbose=0) > 0.5).astype(int)[0, :, 0]))
    print_fn(f"   accuracy on 500 new sequences: {acc:.3f}")
    return acc


def write_figures(out, dir_curves, dir_accs, mode_curves, mode_accs, curve_epochs, repeats):
    """The two learning-curve charts, the accuracy chart and the curves' CSV; returns their paths."""
    runs_txt = f"mean of {repeats} runs, " if repeats > 1 else "one run, "
    p1 = os.path.join(out, "cumsum_lstm_vs_bidirectional.png")
    plot.learning_curves(dir_curves, p1, smooth=20, ylabel="binary cross-entropy",
                         xlabel="epoch (one new sequence each)",
                         title=f"LSTM vs reversed LSTM vs Bidirectional LSTM\n(cumulative sum, T=10, {runs_txt}"
                               f"{curve_epochs} epochs)", close=True)
    p2 = os.path.join(out, "cumsum_merge_modes.png")
    plot.learning_curves(mode_curves, p2, smooth=20, ylabel="binary cross-entropy",
                         xlabel="epoch (one new sequence each)",
                         title=f"Bidirectional LSTM merge modes\n(cumulative sum, T=10, {runs_txt}"
                               f"{curve_epochs} epochs)", close=True)
    p3 = os.path.join(out, "cumsum_accuracy.png")
    bars = {**dir_accs, **{f"Bidirectional, merge_mode={k!r}": v for k, v in mode_accs.items() if k != "concat"}}
    groups = {k: ("direction" if k in dir_accs else "merge mode (Bidirectional)") for k in bars}
    plot.bar_chart(bars, p3, groups=groups, xlim=(0.0, 1.0),
                   title=f"Per-step accuracy on 500 new sequences after {curve_epochs} epochs ({runs_txt.rstrip(', ')})\n"
                         "all near the ceiling: the loss curves show which learns faster",
                   xlabel="accuracy", ylabel="model", close=True)
    csv_path = os.path.join(out, "cumsum_curves.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["epoch"] + list(dir_curves) + [f"merge {k}" for k in mode_curves])
        cols = list(dir_curves.values()) + list(mode_curves.values())
        for e in range(curve_epochs):
            w.writerow([e + 1] + [f"{c[e]:.6f}" for c in cols])
    return [p1, p2, p3, csv_path]
