"""The seed's merge-mode experiment as a Dask sweep: 1 worker vs 2 workers vs a plain loop.

    python benchmarks/sweep_workers.py [--epochs 3000]

Every configuration must give the same numbers in all three (seeds come from the parameters);
the script checks it and reports the wall time of each (cluster start-up included).
"""
import argparse
import json
import os
import tempfile
import time

from lstm_np import sweep

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3000)
    args = ap.parse_args()
    grid = {"merge_mode": ["concat", "sum", "mul", "ave"], "units": [10, 20], "epochs": [args.epochs]}
    times, results = {}, {}
    t = time.perf_counter()
    loop = {json.dumps(p, sort_keys=True): sweep.tasks.merge_modes(p, sweep.config_seed(p))["accuracy"]
            for p in sweep.expand(grid)}
    times["loop"] = time.perf_counter() - t
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            r = sweep.run(sweep.tasks.merge_modes, grid, out=out, n_workers=workers, print_fn=lambda *a: None)
            times[f"{workers} worker(s)"] = time.perf_counter() - t
            results[workers] = {json.dumps(row["params"], sort_keys=True): row["metrics"]["accuracy"] for row in r.rows}
    assert results[1] == results[2] == loop, "a sweep must give the numbers of a loop"
    for k, v in times.items():
        print(f"{k:12s} {v:6.1f} s")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "sweep_workers.json"), "w") as f:
        json.dump({"configurations": len(loop), "epochs": args.epochs, "seconds": times,
                   "accuracy": loop}, f, indent=2)


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
