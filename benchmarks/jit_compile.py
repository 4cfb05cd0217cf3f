"""First-use JIT compile time of every kernel, then the same in a second process (cached).

    python benchmarks/jit_compile.py

Compiles LSTM, GRU and SimpleRNN forward + backward, float32 and float64, with and
without masks, plus the optimizer kernels, the inference-mode loop (predict) and the loops
whose step products run on the micro-kernel (H = 64, float32), into a fresh NUMBA_CACHE_DIR.
"""
import os
import subprocess
import sys
import tempfile

CHILD = r'''
import time
t0 = time.perf_counter()
import numpy as np
import lstm_np
from lstm_np import layers
lstm_np.set_backend("numba")
t_import = time.perf_counter() - t0
t0 = time.perf_counter()
rng = np.random.default_rng(0)
for dtype in ("float32", "float64"):
    for cls in (layers.LSTM, layers.GRU, layers.SimpleRNN):
        for masked in (False, True):
            layer = cls(3, return_sequences=True, dtype=dtype, recurrent_dropout=0.1)
            x = rng.random((2, 4, 2)).astype(dtype)
            mask = np.ones((2, 4), bool) if masked else None
            y = layer.forward(x, mask=mask, training=masked)
            layer.backward(np.ones_like(y))
from lstm_np.models import Sequential
m = Sequential([layers.Input((4, 2)), layers.LSTM(3), layers.Dense(1)])
m.compile(loss="mse", optimizer="adam")
m.train_on_batch(rng.random((2, 4, 2)), rng.random((2, 1)))
m.predict(rng.random((2, 4, 2)))                       # the inference-mode loop
for cls in (layers.LSTM, layers.GRU, layers.SimpleRNN):  # H = 64: the step products on the micro-kernel
    layer = cls(64, return_sequences=True)
    y = layer.forward(rng.random((2, 4, 2)).astype("float32"), training=True)
    layer.backward(np.ones_like(y))
print(f"{t_import:.2f} {time.perf_counter() - t0:.2f}")
'''


def run(cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return [float(v) for v in out.stdout.split()]


def main():
    with tempfile.TemporaryDirectory() as d:
        cold = run(d)
        warm = run(d)
    print(f"first use (empty cache): import {cold[0]:.2f} s, compile and run {cold[1]:.2f} s")
    print(f"second process (cached): import {warm[0]:.2f} s, load and run {warm[1]:.2f} s")


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
