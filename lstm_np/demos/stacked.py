"""1 vs 2 vs 4 stacked LSTMs on a task where depth helps.

Each step's label is whether the running sum of the inputs so far lies in an odd unit
interval: y_t = floor(Σ_{s<=t} x_s) mod 2, x_s ~ U[0, 1]. The recurrence must keep the sum
(memory) and also fold it through a sawtooth (a sharply non-linear function of the state);
stacked layers add non-linear steps between the state and the output.
"""
import os

import numpy as np

from .. import plot
from ..datasets import make_running_parity
from ..layers import LSTM, Dense, TimeDistributed
from ..models import Sequential
from .timing import EpochTimes

T = 12


def make_task(n, rng):
    return make_running_parity(n, rng, T)


def stacked_model(depth, units=16, seed=0):
    model = Sequential([LSTM(units, input_shape=(T, 1), return_sequences=True, seed=seed)]
                       + [LSTM(units, return_sequences=True, seed=seed + k + 1) for k in range(depth - 1)]
                       + [TimeDistributed(Dense(1, activation="sigmoid", seed=seed + 9))], seed=seed)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    return model


def run(out="lstm_np_out", seed=0, quick=False, print_fn=print):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    xtr, ytr = make_task(4000, rng)
    xte, yte = make_task(1000, rng)
    epochs = 12 if quick else 40
    curves, final = {}, {}
    for depth in (1, 2, 4):
        model = stacked_model(depth, seed=seed)
        timer = EpochTimes()
        h = model.fit(xtr, ytr, epochs=epochs, batch_size=32, verbose=0, validation_data=(xte, yte), callbacks=[timer])
        label = f"{depth} stacked LSTM(16) ({model.count_params():,} parameters)"
        curves[label] = h.history["val_acc"]
        final[depth] = float(h.history["val_acc"][-1])
        print_fn(f"{depth} layer(s): held-out accuracy {h.history['val_acc'][min(4, epochs - 1)]:.3f} after 5 epochs, "
                 f"{final[depth]:.3f} after {epochs} ({timer.summary()})")
    path = os.path.join(out, "stacked_depth.png")
    plot.learning_curves(curves, path, ylabel="per-step accuracy on 1000 held-out sequences",
                         title="Stacking LSTMs: is the running sum in an odd unit interval?", close=True)
    print_fn(f"Plot: {path}")
    return final
