"""Forward+backward time of every LSTM variant against the plain LSTM kernel, float32.

    python benchmarks/lstm_variants_cost.py [--size 32,64,64,128] [--rounds 5]

Every variant runs on its Numba kernel (lstm_np.fast.lstm_family, compiled per
variant; compiling happens before timing); one row times the plain LSTM on the NumPy reference
for scale. Medians of alternating rounds, 5 forward+backward passes each.
"""
import argparse
import json
import os
import time

import numpy as np

import lstm_np
from lstm_np import layers

VARIANTS = {"plain (kernel)": {}, "plain (NumPy reference)": {"_numpy": True}, "peephole": {"peephole": True},
            "proj_size=H/2": {"proj_size": "half"}, "layer_norm": {"layer_norm": True},
            **{v: {"variant": v} for v in ("NIG", "NFG", "NOG", "NIAF", "NOAF", "CIFG", "FGR")}}


def time_one(options, B, T, D, H, reps=5):
    opts = dict(options)
    numpy_only = opts.pop("_numpy", False)
    if opts.get("proj_size") == "half":
        opts["proj_size"] = H // 2
    old = lstm_np.get_backend()
    lstm_np.set_backend("numpy" if numpy_only else "numba")
    try:
        layer = layers.LSTM(H, return_sequences=True, seed=0, **opts)
        x = np.random.default_rng(0).standard_normal((B, T, D)).astype("float32")
        y = layer.forward(x)
        g = np.ones_like(y)
        layer.backward(g)
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            layer.forward(x)
            layer.backward(g)
            times.append(time.perf_counter() - t)
        return float(np.median(times))
    finally:
        lstm_np.set_backend(old)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="32,64,64,128")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    B, T, D, H = (int(v) for v in args.size.split(","))
    runs = {k: [] for k in VARIANTS}
    for r in range(args.rounds):
        for name in (list(VARIANTS) if r % 2 == 0 else list(VARIANTS)[::-1]):
            runs[name].append(time_one(VARIANTS[name], B, T, D, H))
    base = np.median(runs["plain (kernel)"])
    print(f"(B, T, D, H) = {(B, T, D, H)}, forward+backward, median of {args.rounds} rounds")
    table = {}
    for name, ts in runs.items():
        table[name] = {"ms": 1e3 * float(np.median(ts)), "ratio_to_plain_kernel": float(np.median(ts) / base)}
        print(f"  {name:<26} {table[name]['ms']:8.2f} ms  {table[name]['ratio_to_plain_kernel']:6.2f}x")
    os.makedirs(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "lstm_variants_cost.json"), "w") as f:
        json.dump({"size": [B, T, D, H], "variants": table}, f, indent=2)


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
