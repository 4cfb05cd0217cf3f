"""Peak memory of one forward+backward at (B, T, I, H) = (128, 1000, 256, 512), float32.

BPTT keeps O(T·B·H) activations: the gates (T·B·4H), h and c (T·B·H each), tanh(c)
(T·B·H) and a time-major copy of x. Runs in a child process and reads its peak RSS.

    python benchmarks/memory.py [--size 128,1000,256,512]
"""
import argparse
import subprocess
import sys

CHILD = r'''
import resource, sys, time
import numpy as np
import lstm_np
B, T, I, H = map(int, sys.argv[1].split(","))
rng = np.random.default_rng(0)
x = rng.standard_normal((B, T, I), dtype=np.float32)
g = rng.standard_normal((B, T, H), dtype=np.float32)
layer = lstm_np.layers.LSTM(H, return_sequences=True)
layer.build((None, T, I))
layer.forward(x[:1, :2]); layer.backward(g[:1, :2])              # compile, tiny
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
y = layer.forward(x)
dx = layer.backward(g)
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{base:.0f} {peak:.0f} {elapsed:.1f}")
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="128,1000,256,512")
    args = ap.parse_args()
    out = subprocess.run([sys.executable, "-c", CHILD, args.size], capture_output=True, text=True, check=True)
    base, peak, elapsed = map(float, out.stdout.split())
    B, T, I, H = map(int, args.size.split(","))
    act = 4 * T * B * (4 * H + 3 * H + I) / 2**20
    print(f"(B, T, I, H) = ({args.size}): forward+backward {elapsed:.1f} s")
    print(f"peak RSS {peak:.0f} MiB; before the big call (inputs x, dy and the runtime) {base:.0f} MiB; "
          f"added by forward+backward {peak - base:.0f} MiB (the activations alone: {act:.0f} MiB)")


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
