"""Look inside a trained character model: which LSTM units track something in the text?

Trains Embedding → LSTM → Dense(softmax) to predict the next character of *Hamlet* (shipped with
the package), then runs ``lstm_np.explain`` on held-out text and measures, for every unit's cell
state c and output h, the correlation with two things a reader sees:

    inside brackets   1 between "[" and "]" (Hamlet's stage directions), else 0
    position in line  characters since the last newline

and prints the best unit for each (Karpathy, Johnson & Fei-Fei 2015 found such "cells" in
char-rnn). Writes ``explain.html`` — the explorer page, opened on the best bracket unit — and
the trained model with its vocabulary (``char_model.keras``, ``vocabulary.json``) for
``lstm-np explain``. With --quick: a smaller model on part of the text, a smoke run.
"""
import json
import os

import numpy as np

from .. import optimizers
from ..datasets import load_text
from ..explain import explain
from ..layers import LSTM, Dense, Embedding, Input
from ..models import Sequential


def indicators(text):
    """(inside brackets, position in line) for every character of ``text``."""
    inside, pos = np.zeros(len(text)), np.zeros(len(text))
    depth, col = 0, 0
    for k, ch in enumerate(text):
        if ch == "[":
            depth += 1
        inside[k] = 1.0 if depth > 0 else 0.0
        if ch == "]":
            depth = max(depth - 1, 0)
        pos[k] = col
        col = 0 if ch == "\n" else col + 1
    return inside, pos


def best_unit(values, target):
    """(unit, correlation) of the unit whose values correlate most (in absolute value) with target."""
    v = values - values.mean(axis=0)
    t = target - target.mean()
    denom = np.sqrt((v ** 2).sum(axis=0) * (t ** 2).sum()) + 1e-12
    r = (v * t[:, None]).sum(axis=0) / denom
    u = int(np.argmax(np.abs(r)))
    return u, float(r[u])


def windows(ids, steps, stride):
    starts = np.arange(0, len(ids) - steps - 1, stride)
    return (np.stack([ids[s:s + steps] for s in starts]), np.stack([ids[s + 1:s + steps + 1] for s in starts]))


def run(out="lstm_np_out", seed=0, quick=False, print_fn=print):
    text = load_text("hamlet")
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = np.array([index[c] for c in text], np.int64)
    split = int(0.9 * len(ids))
    units, steps, epochs, train = (32, 64, 2, ids[:30000]) if quick else (128, 100, 20, ids[:split])
    x, y = windows(train, steps, steps // 2)
    model = Sequential([Input((None,), dtype="int32"), Embedding(len(chars), 24, seed=seed),
                        LSTM(units, return_sequences=True, seed=seed + 1),
                        Dense(len(chars), activation="softmax", seed=seed + 2)], seed=seed)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizers.Adam(0.005, clipnorm=5.0))
    print_fn(f"training on {len(x)} windows of {steps} characters, LSTM({units}), {epochs} epochs")
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=0, shuffle=True)
    print_fn(f"training loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f} nats/char")
    start = max(text.find("[", split) - 300, split)               # held-out text with stage directions
    held = text[start:start + (1500 if quick else 4000)]
    e = explain(model, held, vocabulary=chars, title="Inside a character LSTM trained on Hamlet")
    inside, pos = indicators(held)
    found = {}
    for what, target in (("inside brackets", inside), ("position in line", pos)):
        for series in ("c", "h"):
            u, r = best_unit(e.series(model.layers[1].name, series), target)
            found[(what, series)] = (u, r)
            print_fn(f"{what:>17}: best unit of {series} is {u}, correlation {r:+.3f}")
    os.makedirs(out, exist_ok=True)
    page = os.path.join(out, "explain.html")
    unit, _ = found[("inside brackets", "c")]
    e.focus(model.layers[1].name, "c", unit).save(page)
    model.save(os.path.join(out, "char_model.keras"))
    with open(os.path.join(out, "vocabulary.json"), "w") as f:
        json.dump(chars, f)
    print_fn(f"wrote {page} ({os.path.getsize(page) / 1e6:.2f} MB): open it in a browser; its first unit "
             f"to look at is c[{found[('inside brackets', 'c')][0]}]")
    return {"found": {f"{a}/{b}": v for (a, b), v in found.items()}, "page": page,
            "loss": history.history["loss"]}
