"""The kernels' plan for this CPU: choices made by measurement, kept like FFTW's wisdom.

The first time a step product of a new shape class meets the micro-kernel (``microkernel.py``),
each tile height R = 1 .. R_MAX is timed on that shape (a few milliseconds) and the fastest is
kept in a small JSON file beside numba's cache, named after this CPU; later calls and later
processes read it. The choice changes speed, never a number: every entry of a product is the
same sum over k, in the same order, whatever the tile height (tests/test_kernels_plan.py checks
outputs and gradients bit for bit).

    lstm_np.kernels_plan()              {"path", "cpu", "entries": {shape class: {"rows", "us"}}}
    lstm_np.kernels_plan(reset=True)    forget it (the next calls measure again)
    LSTM_NP_PLAN=/path/plan.json        keep it elsewhere; LSTM_NP_PLAN=off: no measuring (R_MAX)

A shape class is (precision, rows M up to 64 — the tile height is about M's remainders — and K,
N rounded up to powers of two).
"""
import hashlib
import json
import os
import platform
import tempfile
import threading

import numpy as np

_LOCK = threading.Lock()
_STATE = {"entries": None}


def cpu_key():
    """A short name for this CPU and build: the plan of another machine is never read."""
    import llvmlite.binding as llvm
    import numba
    feats = llvm.get_host_cpu_features().flatten()
    text = "|".join([platform.machine(), llvm.get_host_cpu_name(), feats, numba.__version__])
    return f"{llvm.get_host_cpu_name()}-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def path():
    given = os.environ.get("LSTM_NP_PLAN")
    if given and given != "off":
        return given
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "lstm_np")
    return os.path.join(base, f"kernels_plan-{cpu_key()}.json")


def enabled():
    return os.environ.get("LSTM_NP_PLAN") != "off"


def _pow2(n):
    return 1 << max(int(n) - 1, 0).bit_length()


def shape_class(dtype, M, K, N):
    return f"{np.dtype(dtype).char}:{min(int(M), 64)}:{_pow2(K)}:{_pow2(N)}"


def _load():
    if _STATE["entries"] is None:
        try:
            with open(path(), encoding="utf-8") as f:
                data = json.load(f)
            entries = data.get("entries", {}) if isinstance(data, dict) and data.get("cpu") == cpu_key() else {}
            _STATE["entries"] = {k: v for k, v in entries.items()
                                 if isinstance(v, dict) and isinstance(v.get("rows"), int)}
        except (OSError, ValueError):
            _STATE["entries"] = {}                           # none yet, or unreadable: measure again
    return _STATE["entries"]


def _save(entries):
    target = path()
    try:
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target) or ".", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"cpu": cpu_key(), "entries": entries}, f, indent=1, sort_keys=True)
        os.replace(tmp, target)                              # never a half-written plan
    except OSError:
        pass                                                 # a read-only home: measure per process


def rows(dtype, M, K, N, r_max, measure):
    """The tile height for a product (M, K) @ (K, N): the plan's, or — the first time —
    ``measure(dtype, M, K, N, r_max)`` -> {R: microseconds} decides (``microkernel.time_heights``)."""
    if not enabled() or M <= 1:
        return r_max
    key = shape_class(dtype, M, K, N)
    entries = _load()
    found = entries.get(key)
    if found is not None and 1 <= found["rows"] <= r_max:
        return found["rows"]
    with _LOCK:
        found = entries.get(key)
        if found is None:
            timings = measure(dtype, M, K, N, r_max)
            best = min(timings, key=timings.get)
            entries[key] = found = {"rows": int(best), "us": {str(r): round(t, 2) for r, t in timings.items()}}
            _save(entries)
    return found["rows"]


def kernels_plan(reset=False):
    """What the kernels chose on this CPU, and where it is kept; ``reset=True`` forgets it."""
    with _LOCK:
        if reset:
            _STATE["entries"] = {}
            try:
                os.remove(path())
            except OSError:
                pass
        return {"path": path(), "cpu": cpu_key(), "enabled": enabled(), "entries": dict(_load())}
