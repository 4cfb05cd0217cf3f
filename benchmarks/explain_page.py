"""The explorer page of a long input: its size and how long a browser takes to draw it.

A character model (Embedding -> LSTM(64) -> Dense) on 10,000 characters of Hamlet; the page is
written by lstm_np.explain, then opened from disk by headless Chromium (network off) at
#selftest, which records performance.now() when the page is drawn. Median of --rounds loads,
each a fresh browser process.

    python benchmarks/explain_page.py [--rounds 5] [--chars 10000] [--units 64]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import describe  # noqa: E402

import lstm_np as keras  # noqa: E402
from lstm_np import layers  # noqa: E402
from lstm_np.datasets import load_text  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--chars", type=int, default=10000)
    ap.add_argument("--units", type=int, default=64)
    args = ap.parse_args()
    print(describe())
    text = load_text("hamlet")[:args.chars]
    chars = sorted(set(text))
    model = keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(len(chars), 16, seed=0),
                              layers.LSTM(args.units, return_sequences=True, seed=1),
                              layers.Dense(len(chars), activation="softmax", seed=2)])
    t0 = time.perf_counter()
    e = keras.explain(model, text, vocabulary=chars)
    explain_s = time.perf_counter() - t0
    path = os.path.join(tempfile.mkdtemp(), "page.html")
    t0 = time.perf_counter()
    e.save(path)
    write_s = time.perf_counter() - t0
    size = os.path.getsize(path)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    ready = []
    if browser:
        for _ in range(args.rounds):
            dom = subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=30000",
                                  "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom", f"file://{path}#selftest"],
                                 capture_output=True, text=True, timeout=300).stdout
            found = re.search(r'<pre id="selftest-result">([^<]*)</pre>', dom)
            ready.append(json.loads(found.group(1))["ready_ms"] if found else float("nan"))
    print(f"{args.chars} characters, LSTM({args.units}): explain {explain_s:.2f} s, page written in {write_s:.2f} s, "
          f"{size / 1e6:.2f} MB (limit 5 MB)")
    if ready:
        print(f"drawn by headless Chromium in {np.median(ready):.0f} ms (median of {len(ready)}; limit 2000 ms); "
              f"rounds: {[round(r) for r in ready]}")
    else:
        print("no chromium found: the opening time was not measured")


if __name__ == "__main__":
    main()
