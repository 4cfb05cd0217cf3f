"""predict from several Python threads on one model, against the same calls one after another.

    python benchmarks/threads_predict.py [--threads 4] [--calls 100] [--batch 32] [--rounds 3]

The calls take turns on the engine lock (lstm_np/sync.py); the compiled kernels spread each
big call over every core themselves. This measures what the turns cost or save: the wall time
of threads x calls predictions made from that many threads, over the same predictions made
in one thread; median of alternating rounds."""
import argparse
import os
import statistics
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import describe  # noqa: E402

import lstm_np  # noqa: E402
from lstm_np import layers  # noqa: E402


def model(units):
    m = lstm_np.Sequential([lstm_np.Input((50, 32)), layers.LSTM(units, return_sequences=True, seed=1),
                            layers.Dense(8, seed=2)])
    return m


def sequential(m, x, n):
    t = time.perf_counter()
    for _ in range(n):
        m.predict(x, verbose=0)
    return time.perf_counter() - t


def threaded(m, x, n_threads, calls):
    go = threading.Barrier(n_threads + 1)

    def work():
        go.wait()
        for _ in range(calls):
            m.predict(x, verbose=0)

    ts = [threading.Thread(target=work) for _ in range(n_threads)]
    for th in ts:
        th.start()
    go.wait()
    t = time.perf_counter()
    for th in ts:
        th.join()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(describe())
    print(f"lstm_np kernel threads: {lstm_np.get_num_threads()}")
    for batch, units in ((1, 32), (32, 128), (256, 128)):
        m = model(units)
        x = np.random.default_rng(0).standard_normal((batch, 50, 32)).astype("float32")
        m.predict(x, verbose=0)                              # compile / warm the buffers
        n = args.threads * args.calls
        seq, thr = [], []
        for _ in range(args.rounds):
            seq.append(sequential(m, x, n))
            thr.append(threaded(m, x, args.threads, args.calls))
        s, t = statistics.median(seq), statistics.median(thr)
        print(f"batch {batch:3d}, LSTM({units}) x 50 steps: {n} calls one after another {1e3 * s / n:.3f} ms "
              f"each; from {args.threads} threads {1e3 * t / n:.3f} ms each (ratio {t / s:.2f})")


if __name__ == "__main__":
    main()
