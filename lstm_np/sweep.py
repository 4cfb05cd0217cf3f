"""Experiment sweeps on a Dask cluster: every configuration of a grid trained as one task.

    from lstm_np import sweep
    result = sweep.run(sweep.tasks.merge_modes, {"merge_mode": ["concat", "sum", "mul", "ave"],
                                                 "units": [10, 20]}, out="sweep_out")
    result.rows            # one dict per configuration: params, seed, metrics, wall_s, history
    result.to_csv(path); result.plot(path, x="units", y="accuracy", hue="merge_mode")

or from the command line, ``lstm-np sweep CONFIG.toml`` (``lstm-np sweep merge_modes`` runs the
ready-made config of that name, in ``lstm_np/sweeps/``).

- **Where it runs**: ``scheduler=None`` starts a Dask ``LocalCluster`` on this machine (one
  process per worker, one thread each by default); ``scheduler="tcp://host:8786"`` sends the same
  tasks to a real Dask cluster, nothing else changes.
- **Seeds**: each configuration's seed is derived from its parameters (and the sweep's seed), so
  a configuration gives the same numbers wherever and in whatever order it runs.
- **Resumable**: every finished configuration is appended to ``out/results.jsonl`` as it
  completes; a rerun skips the ones already there.
- **Failures**: a worker that dies takes its running task with it; Dask reschedules the task
  on another worker (``distributed.scheduler.allowed-failures``), and ``retries`` re-runs a task
  that raised. No finished result is lost: they are on disk already.
- **Threads**: each task pins Numba's threads to what its worker was given, and a LocalCluster
  starts its workers with the BLAS thread variables set to it, so N workers do not oversubscribe
  the cores.

``train_fn(config, seed) -> dict``: train one configuration; return its metrics (numbers), and
optionally "history" (a dict of lists) and "model_path". It must be importable by the workers
(a module-level function), as Dask pickles it by reference.
"""
import csv
import hashlib
import itertools
import json
import os
import time

import numpy as np

from . import sweep_tasks as tasks


def config_seed(params, base_seed=0):
    """A seed from the parameters (stable across runs, machines and Python versions)."""
    text = json.dumps(params, sort_keys=True, default=str) + f"|{base_seed}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def expand(grid, samples=None, seed=0):
    """Every combination of the grid (a dict of lists), or ``samples`` of them drawn at random."""
    if not isinstance(grid, dict) or not grid:
        raise ValueError("a sweep grid is a non-empty dict {parameter: [values]}")
    keys = list(grid)
    for k in keys:
        if not isinstance(grid[k], (list, tuple)) or not grid[k]:
            raise ValueError(f"sweep grid {k!r} must be a non-empty list of values, received {grid[k]!r}")
    combos = [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]
    if samples:
        rng = np.random.default_rng(seed)
        combos = [combos[i] for i in sorted(rng.choice(len(combos), size=min(samples, len(combos)), replace=False))]
    return combos


def _key(params):
    return json.dumps(params, sort_keys=True, default=str)


def _run_one(train_fn, params, seed):
    """The task a worker runs: pin threads, train, time it."""
    try:
        from distributed import get_worker
        threads = get_worker().state.nthreads
    except Exception:
        threads = None
    if threads:                    # the kernels' own thread count (numba's is not the one they use)
        from .fast.threads import set_num_threads
        set_num_threads(max(1, int(threads)))
    start = time.perf_counter()
    out = dict(train_fn(dict(params), seed) or {})
    return {"params": params, "seed": seed, "metrics": {k: v for k, v in out.items() if k not in ("history", "model_path")},
            "history": out.get("history"), "model_path": out.get("model_path"),
            "wall_s": time.perf_counter() - start, "worker_pid": os.getpid()}


class SweepResult:
    """The finished configurations: ``rows`` (dicts), ``table()`` (a dict of columns), CSV, plot."""

    def __init__(self, rows, wall_s=None):
        self.rows = sorted(rows, key=lambda r: _key(r["params"]))
        self.wall_s = wall_s

    def table(self):
        """A pandas-free table: {column: [values]}, params then metrics then wall_s."""
        params = sorted({k for r in self.rows for k in r["params"]})
        metrics = sorted({k for r in self.rows for k in r["metrics"]})
        cols = {k: [r["params"].get(k) for r in self.rows] for k in params}
        cols.update({k: [r["metrics"].get(k) for r in self.rows] for k in metrics})
        cols["seed"] = [r["seed"] for r in self.rows]
        cols["wall_s"] = [r["wall_s"] for r in self.rows]
        cols["model_path"] = [r.get("model_path") for r in self.rows]
        return cols

    def to_csv(self, path):
        cols = self.table()
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(list(cols))
            w.writerows(zip(*cols.values()))
        return path

    def plot(self, path, x, y, hue=None):
        """``y`` against ``x`` (one line per value of ``hue``)."""
        from matplotlib.figure import Figure       # no pyplot: the backend stays the user's
        cols = self.table()
        fig = Figure(figsize=(6.5, 4))
        ax = fig.subplots()
        groups = sorted(set(cols[hue]), key=str) if hue else [None]
        for g in groups:
            pts = sorted((cols[x][i], cols[y][i]) for i in range(len(self.rows)) if hue is None or cols[hue][i] == g)
            xs = [str(p[0]) for p in pts] if not all(isinstance(p[0], (int, float)) for p in pts) else [p[0] for p in pts]
            ax.plot(xs, [p[1] for p in pts], "o-", label=f"{hue}={g}" if hue else None)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        if hue:
            ax.legend()
        ax.set_title(f"sweep: {y} by {x}" + (f" and {hue}" if hue else ""))
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        return path


def _read_done(path):
    """The finished rows of ``results.jsonl``. A last line cut short (the process was killed
    while writing it) is dropped from the file, so the next row starts on a line of its own;
    that configuration runs again."""
    done = {}
    if not os.path.exists(path):
        return done
    with open(path, "rb") as f:
        data = f.read()
    complete = data[:data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with open(path, "r+b") as f:
            f.truncate(len(complete))
    for line in complete.decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            row = json.loads(line)
            done[_key(row["params"])] = row
        except (ValueError, KeyError, TypeError):
            continue                                  # a damaged row: its configuration runs again
    return done


def _local_cluster(n_workers, threads_per_worker):
    import dask
    from distributed import LocalCluster
    t = str(threads_per_worker)
    env = {"OMP_NUM_THREADS": t, "OPENBLAS_NUM_THREADS": t, "MKL_NUM_THREADS": t, "NUMBA_NUM_THREADS": t,
           "LSTM_NP_NUM_THREADS": t}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                            dashboard_address=None)


def run(train_fn, grid, scheduler=None, samples=None, seed=0, out="sweep_out", resume=True, retries=1,
        n_workers=2, threads_per_worker=1, client=None, print_fn=print):
    """Run ``train_fn`` on every configuration of ``grid`` (see the module docstring).
    Returns a SweepResult with every finished configuration (earlier runs' included)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ImportError('sweeps need Dask: pip install "lstm-np[dask]"') from None
    if not callable(train_fn):
        raise TypeError(f"sweep.run needs a training function, received {train_fn!r}")
    configs = expand(grid, samples, seed)
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, "results.jsonl")
    done = _read_done(log) if resume else {}
    if not resume and os.path.exists(log):
        os.remove(log)
    todo = [p for p in configs if _key(p) not in done]
    print_fn(f"sweep: {len(configs)} configurations, {len(configs) - len(todo)} already done, {len(todo)} to run")
    start = time.perf_counter()
    own_cluster = None
    if todo:
        if client is None:
            if scheduler is None:
                own_cluster = _local_cluster(n_workers, threads_per_worker)
                client = Client(own_cluster)
            else:
                client = Client(scheduler)
            own_client = True
        else:
            own_client = False
        try:
            futures = [client.submit(_run_one, train_fn, p, config_seed(p, seed), retries=retries, pure=False)
                       for p in todo]
            with open(log, "a") as f:
                for future in as_completed(futures):
                    row = future.result()
                    f.write(json.dumps(row, default=float) + "\n")
                    f.flush()
                    done[_key(row["params"])] = row
                    print_fn(f"  done {row['params']}: {row['metrics']} ({row['wall_s']:.1f} s)")
        finally:
            if own_client:
                client.close()
            if own_cluster is not None:
                own_cluster.close()
    wanted = {_key(p) for p in configs}
    result = SweepResult([r for k, r in done.items() if k in wanted], wall_s=time.perf_counter() - start)
    result.to_csv(os.path.join(out, "results.csv"))
    return result


def load_config(path_or_name):
    """A sweep config (TOML): a path, or the name of a ready-made one (lstm_np/sweeps/NAME.toml)."""
    import tomllib
    path = path_or_name
    if not os.path.exists(path):
        builtin = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sweeps", f"{path_or_name}.toml")
        if not os.path.exists(builtin):
            raise FileNotFoundError(f"no sweep config {path_or_name!r} (a TOML file, or one of "
                                    f"{sorted(f[:-5] for f in os.listdir(os.path.dirname(builtin)))})")
        path = builtin
    with open(path, "rb") as f:
        config = tomllib.load(f)
    if "grid" not in config or "sweep" not in config:
        raise ValueError(f"{path}: a sweep config needs [sweep] (task, ...) and [grid] tables")
    return config


def task_function(name):
    """A ready-made task (``merge_modes``, ``stacked_depth``) or "module:function"."""
    if ":" in name:
        import importlib
        module, fn = name.split(":", 1)
        return getattr(importlib.import_module(module), fn)
    if not hasattr(tasks, name):
        raise ValueError(f"unknown sweep task {name!r}; ready-made: {tasks.__all__}, or 'module:function'")
    return getattr(tasks, name)


def run_config(path_or_name, out=None, scheduler=None, print_fn=print):
    """Run a TOML sweep config; writes results.csv, results.jsonl and a plot into ``out``."""
    config = load_config(path_or_name)
    s = config["sweep"]
    out = out or s.get("out", "sweep_out")
    result = run(task_function(s["task"]), config["grid"], scheduler=scheduler or s.get("scheduler") or None,
                 samples=s.get("samples") or None, seed=s.get("seed", 0), out=out,
                 n_workers=s.get("workers", 2), threads_per_worker=s.get("threads_per_worker", 1),
                 retries=s.get("retries", 1), print_fn=print_fn)
    plot = s.get("plot")
    if plot:
        result.plot(os.path.join(out, "results.png"), plot["x"], plot["y"], plot.get("hue"))
    return result
