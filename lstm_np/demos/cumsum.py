"""The classic tutorial: an LSTM labels each step of a cumulative-sum sequence.

It is the tutorial's own loop: one ``model.fit`` per freshly drawn sequence (batch 1),
then the accuracy on sequences the model has never seen.
"""
import time

import numpy as np

from ..datasets import cumsum_batch, get_sequence
from ..layers import LSTM, Dense, TimeDistributed
from ..models import Sequential


def build_model(n_timesteps, seed):
    model = Sequential()
    model.add(LSTM(20, input_shape=(n_timesteps, 1), return_sequences=True, seed=seed))
    model.add(TimeDistributed(Dense(1, activation="sigmoid", seed=seed)))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    return model


def run(epochs=1000, n_timesteps=10, seed=0, test_size=500, print_fn=print):
    """Train as the tutorial does and return the held-out accuracy."""
    rng = np.random.default_rng(seed)
    model = build_model(n_timesteps, seed)
    start = time.perf_counter()
    for _ in range(epochs):
        X, y = get_sequence(n_timesteps, rng)
        model.fit(X, y, epochs=1, batch_size=1, verbose=0)
    elapsed = time.perf_counter() - start
    X, y = cumsum_batch(test_size, n_timesteps, rng)
    loss, acc = model.evaluate(X, y)
    Xs, ys = get_sequence(n_timesteps, rng)
    yhat = model.predict_classes(Xs)
    print_fn(f"trained on {epochs} single-sequence fits in {elapsed:.2f} s "
             f"({1000 * elapsed / max(epochs, 1):.2f} ms per fit call)")
    print_fn("expected:  " + " ".join(str(v) for v in ys[0, :, 0]))
    print_fn("predicted: " + " ".join(str(v) for v in yhat[0, :, 0]))
    print_fn(f"held-out accuracy on {test_size} new sequences: {acc:.4f} (loss {loss:.4f})")
    return acc
