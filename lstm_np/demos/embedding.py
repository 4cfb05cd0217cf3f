"""Pretrained embeddings, frozen and reused (the slides' "pretrained embeddings").

Tokens 4-13 are "positive", 14-23 "negative", the rest (24-63) neutral filler.
Task A (plenty of data): is a sequence positive overall (#positive > #negative)?
Task B (little data): is the *second half* of a sequence positive?

An Embedding + LSTM trained on task A learns where each token sits (its polarity).
We keep only that Embedding layer, load it with ``weights=[...]`` and ``trainable=False``
into a fresh model for task B, and compare with the same model trained from scratch.
"""
import os

import numpy as np

from .. import plot
from ..layers import LSTM, Dense, Embedding
from ..models import Sequential

VOCAB, LENGTH, DIM = 64, 20, 8
POS, NEG = np.arange(4, 14), np.arange(14, 24)


def make_task(n, rng, second_half=False):
    x = rng.integers(24, VOCAB, (n, LENGTH))
    n_sent = rng.integers(1, 7, n)
    for i in range(n):
        where = rng.choice(LENGTH, n_sent[i], replace=False)
        x[i, where] = rng.choice(np.concatenate([POS, NEG]), n_sent[i])
    part = x[:, LENGTH // 2:] if second_half else x
    score = np.isin(part, POS).sum(1) - np.isin(part, NEG).sum(1)
    keep = score != 0                                            # no ties
    return x[keep], (score[keep] > 0).astype("int32")[:, None]


def model(embedding_weights=None, trainable=True, seed=0):
    emb = Embedding(VOCAB, DIM, input_length=LENGTH, seed=seed, trainable=trainable,
                    weights=None if embedding_weights is None else [embedding_weights])
    m = Sequential([emb, LSTM(16, seed=seed + 1), Dense(1, activation="sigmoid", seed=seed + 2)], seed=seed)
    m.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    return m


def run(out="lstm_np_out", seed=0, quick=False, print_fn=print):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    xa, ya = make_task(3000 if quick else 8000, rng)
    pre = model(seed=seed)
    pre.fit(xa, ya, epochs=4 if quick else 8, batch_size=32, verbose=0)
    table = pre.layers[0].get_weights()[0]
    xb, yb = make_task(150, rng, second_half=True)
    xt, yt = make_task(2000, rng, second_half=True)
    epochs = 30 if quick else 60
    curves, results = {}, {}
    for name, kw in (("from scratch", {}), ("pretrained, frozen", {"embedding_weights": table, "trainable": False})):
        m = model(seed=seed + 10, **kw)
        h = m.fit(xb, yb, epochs=epochs, batch_size=16, verbose=0, validation_data=(xt, yt))
        curves[f"{name}: validation accuracy"] = h.history["val_acc"]
        results[name] = float(h.history["val_acc"][-1])
        if name.startswith("pretrained"):
            np.testing.assert_array_equal(m.layers[0].get_weights()[0], table)   # frozen indeed
            trainable = sum(layer.count_params() for layer in m.layers if layer.trainable)
    path = os.path.join(out, "embedding_transfer.png")
    plot.learning_curves(curves, path, ylabel="accuracy on 2000 held-out sequences",
                         title=f"Task B with {len(xb)} training sequences: pretrained frozen embedding vs scratch", close=True)
    print_fn(f"task A (pretraining) accuracy: {pre.evaluate(xa[:1000], ya[:1000])[1]:.3f}")
    for k, v in results.items():
        print_fn(f"task B, {k:<20} held-out accuracy after {epochs} epochs: {v:.3f}")
    print_fn(f"(the frozen model trains {trainable} of its {model().count_params()} parameters)")
    print_fn(f"Plot: {path}")
    return results
