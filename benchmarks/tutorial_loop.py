"""The classic tutorial's training loop: 1000 ``model.fit`` calls, each on one fresh
10-step cumulative-sum sequence, batch 1 — Bidirectional(LSTM(20, return_sequences=True))
+ TimeDistributed(Dense(1, sigmoid)), binary cross-entropy, Adam.

Per-call overhead, not arithmetic, decides this one. Reports ms per fit call for
lstm_np (numba and numpy backends) and, given a Python with Keras installed, for Keras,
each in its own process.

    python benchmarks/tutorial_loop.py [--calls 1000] [--keras-python /path/to/python]
"""
import argparse
import json
import os
import subprocess
import sys

SCRIPT = r'''
import json, os, sys, time
import numpy as np
framework, calls = sys.argv[1], int(sys.argv[2])
if framework == "keras":
    import keras
    from keras.models import Sequential
    from keras.layers import LSTM, Dense, TimeDistributed, Bidirectional, Input
else:
    import lstm_np
    lstm_np.set_backend(framework)
    from lstm_np.models import Sequential
    from lstm_np.layers import LSTM, Dense, TimeDistributed, Bidirectional, Input
rng = np.random.default_rng(0)
def get_sequence(n):
    X = rng.random(n)
    y = (np.cumsum(X) > n / 4.0).astype("int32")
    return X.reshape(1, n, 1), y.reshape(1, n, 1)
model = Sequential()
model.add(Input((10, 1)))
model.add(Bidirectional(LSTM(20, return_sequences=True)))
model.add(TimeDistributed(Dense(1, activation="sigmoid")))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
X, y = get_sequence(10)
t0 = time.perf_counter()
model.fit(X, y, epochs=1, batch_size=1, verbose=0)          # first call: JIT / tracing
first = time.perf_counter() - t0
times = []
for _ in range(calls):
    X, y = get_sequence(10)
    t0 = time.perf_counter()
    model.fit(X, y, epochs=1, batch_size=1, verbose=0)
    times.append(time.perf_counter() - t0)
X, y = get_sequence(10)
Xt = rng.random((500, 10, 1)); yt = (np.cumsum(Xt, 1) > 2.5).astype("int32")
acc = float(np.mean((model.predict(Xt, verbose=0) > 0.5) == yt))
times.sort()
print(json.dumps({"first_call_s": first, "median_ms": 1e3 * times[len(times) // 2],
                  "mean_ms": 1e3 * sum(times) / len(times), "accuracy": acc}))
'''


def run(python, framework, calls, threads):
    env = dict(os.environ, KERAS_BACKEND="jax", OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads))
    p = subprocess.run([python, "-c", SCRIPT, framework, str(calls)], env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{framework} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keras-python", default=None)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = ap.parse_args()
    results = {fw: run(sys.executable, fw, args.calls, args.threads) for fw in ("numba", "numpy")}
    if args.keras_python:
        results["keras"] = run(args.keras_python, "keras", args.calls, args.threads)
    print(f"tutorial loop: {args.calls} fit calls, batch 1, BiLSTM(20) + TimeDistributed(Dense)")
    print(f"{'framework':<16}{'ms / fit (median)':>18}{'mean':>8}{'first call s':>14}{'held-out acc':>14}")
    for fw, r in results.items():
        name = "lstm_np " + fw if fw != "keras" else "keras (jax)"
        print(f"{name:<16}{r['median_ms']:>18.3f}{r['mean_ms']:>8.3f}{r['first_call_s']:>14.2f}{r['accuracy']:>14.3f}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "tutorial_loop.json"), "w") as f:
        json.dump({"machine": describe(), **results}, f, indent=1)    # the CPU the figures came from


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
