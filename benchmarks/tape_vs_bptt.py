"""What the tape costs against the hand-written BPTT: one LSTM layer, forward + backward, float64,
as RNN(an LSTM cell written with keras.ops, differentiated by the tape) and as LSTM (the NumPy
reference, and the compiled kernels). Time: median of alternating rounds; memory: the peak that
tracemalloc sees during one forward + backward (NumPy's arrays are traced).

    python benchmarks/tape_vs_bptt.py [--rounds 7]
"""
import argparse
import os
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import describe  # noqa: E402

import lstm_np  # noqa: E402
from lstm_np import layers, ops  # noqa: E402


class OpsLSTMCell(layers.Layer):
    """The LSTM step as a learner writes it with keras.ops: no backward (the tape's)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 4 * self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, 4 * self.units), name="recurrent_kernel")
        self.bias = self.add_weight(shape=(4 * self.units,), initializer="zeros", name="bias")

    def call(self, inputs, states):
        h, c = states
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias
        i, f, g, o = ops.split(z, 4, axis=-1)
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        h = ops.sigmoid(o) * ops.tanh(c)
        return h, [h, c]


def make(kind, B, T, D, H, weights):
    if kind == "tape":
        layer = layers.RNN(OpsLSTMCell(H, dtype="float64"), return_sequences=True)
    else:
        layer = layers.LSTM(H, return_sequences=True, dtype="float64")
    layer.build((None, T, D))
    layer.set_weights(weights)
    return layer


def step(layer, kind, x, g):
    lstm_np.set_backend("numba" if kind == "LSTM, kernels" else "numpy")
    layer.forward(x, training=True)
    layer.backward(g)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--shape", type=int, nargs=4, default=[32, 50, 32, 64], metavar=("B", "T", "D", "H"))
    args = ap.parse_args()
    B, T, D, H = args.shape
    print(describe())
    rng = np.random.default_rng(0)
    ref = layers.LSTM(H, dtype="float64")
    ref.build((None, T, D))
    weights = [rng.uniform(-0.3, 0.3, w.shape) for w in ref.get_weights()]
    x, g = rng.standard_normal((B, T, D)), rng.standard_normal((B, T, H))
    kinds = ["tape", "LSTM, NumPy reference", "LSTM, kernels"]
    built = {k: make(k, B, T, D, H, weights) for k in kinds}
    for k in kinds:
        step(built[k], k, x, g)                          # warm-up (compiles the kernels once)
    times = {k: [] for k in kinds}
    for _ in range(args.rounds):
        for k in kinds:
            t0 = time.perf_counter()
            step(built[k], k, x, g)
            times[k].append(time.perf_counter() - t0)
    peaks = {}
    for k in kinds:
        tracemalloc.start()
        step(built[k], k, x, g)
        peaks[k] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"LSTM forward + backward, float64, B={B} T={T} D={D} H={H}, median of {args.rounds} rounds")
    base = np.median(times["LSTM, NumPy reference"])
    for k in kinds:
        t = np.median(times[k])
        print(f"  {k:<22} {t * 1e3:8.2f} ms  ({t / base:5.2f}x the reference)  peak memory "
              f"{peaks[k] / 2**20:6.1f} MiB")


if __name__ == "__main__":
    main()
