"""This machine's single-GEMM peak, the yardstick for the kernels' GFLOP/s.

sgemm (float32) of two n x n matrices, n = 2048, median of several calls:
- NumPy's `a @ b` (its bundled OpenBLAS, its own thread pool) on 1 and on 2 threads;
- the kernels' BLAS (``lstm_np.fast.openblas``: the private single-threaded copy, with the core
  type it chose) on one thread, and on every core at once, each core running its own GEMM
  (how the batch shards use it).

    python benchmarks/gemm_peak.py [--n 2048] [--out benchmarks/results]
"""
import argparse
import json
import os
import subprocess
import sys

CHILD = r'''
import json, sys, time, threading
import numpy as np
n, mode = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
a, b = rng.standard_normal((n, n)).astype("float32"), rng.standard_normal((n, n)).astype("float32")
if mode == "numpy":
    fn = lambda out: np.matmul(a, b, out=out)
else:
    from lstm_np.fast import openblas
    from lstm_np.fast.blas import matmul
    fn = lambda out: matmul(a, b, out, 0.0)
lanes = int(sys.argv[3])
outs = [np.empty((n, n), "float32") for _ in range(lanes)]
for o in outs:
    fn(o)                                              # warm-up (and compile)
def lane(o, reps, times):
    for _ in range(reps):
        t0 = time.perf_counter(); fn(o); times.append(time.perf_counter() - t0)
times = [[] for _ in range(lanes)]
threads = [threading.Thread(target=lane, args=(outs[k], 9, times[k])) for k in range(lanes)]
for t in threads: t.start()
for t in threads: t.join()
per_call = sorted(sum(times, []))[len(sum(times, [])) // 2]
info = {"gflops": lanes * 2 * n ** 3 / per_call / 1e9}
if mode == "kernels":
    info["core"] = openblas.kernel_coretype()
else:
    from lstm_np.fast import openblas
    import ctypes
    lib, prefix = openblas.numpy_openblas()
    f = getattr(lib, prefix + "openblas_get_corename64_"); f.restype = ctypes.c_char_p
    info["core"] = f().decode()
print(json.dumps(info))
'''


def child(n, mode, lanes, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), LSTM_NP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), mode, str(lanes)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = ap.parse_args()
    cores = len(os.sched_getaffinity(0))
    cases = {"numpy, 1 thread": ("numpy", 1, 1), f"numpy, {cores} threads": ("numpy", 1, cores),
             "kernels' BLAS, 1 core": ("kernels", 1, 1), f"kernels' BLAS, {cores} cores (a GEMM each)": ("kernels", cores, 1)}
    results = {k: [] for k in cases}
    for r in range(args.rounds):
        for name, (mode, lanes, threads) in (cases.items() if r % 2 == 0 else reversed(list(cases.items()))):
            results[name].append(child(args.n, mode, lanes, threads))
    summary = {"n": args.n, "cores": cores, "rounds": args.rounds, "gflops": {}, "core": {}}
    for name, runs in results.items():
        values = sorted(x["gflops"] for x in runs)
        summary["gflops"][name] = values[len(values) // 2]
        summary["core"][name] = runs[0]["core"]
        print(f"sgemm {args.n}: {name:<40} {summary['gflops'][name]:7.1f} GF/s  (OpenBLAS core {runs[0]['core']})")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "gemm_peak.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
