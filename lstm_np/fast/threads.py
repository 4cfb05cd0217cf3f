"""Threads for the compiled kernels: the batch is cut into shards, each shard runs its own
complete recurrence (input projection, time loop, BPTT, its share of the weight gradients)
on one core, and the weight gradients are summed once at the end.

    lstm_np.set_num_threads(n)      # or LSTM_NP_NUM_THREADS=n; default: the cores this
    lstm_np.get_num_threads()       # process may run on

Why shards and not a split of each step's product: the rows of a batch never meet inside a
recurrence, so shards need no synchronisation until the end of the call. A per-step barrier
between cores was measured 5x slower whenever another process held a core.

The numbers never depend on the thread count: the shards are fixed by the shapes alone
(``shard_bounds``), each shard computes the same thing on any thread (its products on the
kernels' single-threaded BLAS, ``fast/openblas.py``), and the weight gradients are summed in
shard order. So that NumPy's own BLAS pool does not spin against the shards (its workers
busy-wait ~0.1 s after each threaded product; measured 2x slower), the first compiled call on
more than one thread sets NumPy's OpenBLAS to one thread for the process
(``blas_single_threaded``): NumPy products elsewhere then run on one core (Dense layers run
theirs on the kernels' BLAS in shards instead, ``fast/sharding.matmul``).

    shard_bounds(B, work)   [slice, ...] — one slice (no sharding) when B < 2·MIN_ROWS or the
                            call's work is below MIN_WORK flops (thread hand-offs would cost more)
    run(fn, bounds)         [fn(k, slice) for each shard], the shards spread over the threads
    parallel(tasks, work)   [task() for each task], at the same time (Bidirectional's two
                            directions) when their ``work`` (flops, all tasks) is at least
                            MIN_WORK; the caller's inference mode goes with each task

A run inside a run (a direction's shards, inside ``parallel``) goes through its shards in
order on the thread it is on: the threads are already busy, and a pool worker waiting for
the pool would deadlock it.
"""
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from . import inference, openblas

MIN_ROWS = 4                 # rows per shard at least
MIN_WORK = 4e7               # flops per call below which one thread is as fast (measured: handing
                             # shards to the pool and back costs ≈ 80 µs, and the shards' Python
                             # parts contend for the GIL; (B, T, D, H) = (64, 11, 32, 64): 3.5e7 flops,
                             # 261 µs sharded vs 254 single; (250, 3, 32, 64): 221 vs 273)


def _available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                           # not on Linux
        return os.cpu_count() or 1


MAX_SHARDS = _available_cores()                      # fixed at import: the shards never follow the thread count


def _initial_threads():
    env = os.environ.get("LSTM_NP_NUM_THREADS")
    if env is None or env == "":
        return MAX_SHARDS
    try:
        n = int(env)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"LSTM_NP_NUM_THREADS must be an int >= 1, received {env!r}")
    return n


_state = {"threads": _initial_threads(), "pool": None, "blas_set": False}
_lock = threading.Lock()
_lane = threading.local()                            # .busy: this thread runs a lane of a run


def get_num_threads():
    """How many threads the compiled kernels use."""
    return _state["threads"]


def set_num_threads(n):
    """Use ``n`` threads (>= 1) in the compiled kernels from now on. The numbers do not change."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be an int >= 1, received {n!r}")
    with _lock:
        if n != _state["threads"] and _state["pool"] is not None:
            _state["pool"].shutdown(wait=True)
            _state["pool"] = None
        _state["threads"] = n


def blas_single_threaded():
    """Set NumPy's OpenBLAS to one thread, once, when the kernels use several threads (see the
    module docstring)."""
    if not _state["blas_set"] and _state["threads"] > 1:
        _state["blas_set"] = True
        openblas.set_threads(1)


def shard_bounds(B, work):
    """The batch rows of each shard: a function of the shapes only (B rows, ``work`` flops)."""
    count = min(MAX_SHARDS, B // MIN_ROWS)
    if count < 2 or work < MIN_WORK:
        return [slice(0, B)]
    size, extra = divmod(B, count)
    bounds, start = [], 0
    for k in range(count):
        stop = start + size + (k < extra)
        bounds.append(slice(start, stop))
        start = stop
    return bounds


def _pool(workers):
    with _lock:
        if _state["pool"] is None or _state.get("pid") != os.getpid():   # a forked child has no threads
            _state["pool"] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lstm_np")
            _state["pid"] = os.getpid()
        return _state["pool"]


def run(fn, bounds):
    """[fn(k, bounds[k]) ...]: thread j runs shards j, j + n, … (the caller's thread is j = 0)."""
    n = min(get_num_threads(), len(bounds))
    if n == 1 or getattr(_lane, "busy", False):      # one thread, or nested: in order, here
        return [fn(k, sl) for k, sl in enumerate(bounds)]
    infer = inference.active()                       # per thread: the lanes take the caller's

    def lane(j):
        _lane.busy = True
        try:
            with inference.inference_mode() if infer else contextlib.nullcontext():
                return [(k, fn(k, bounds[k])) for k in range(j, len(bounds), n)]
        finally:
            _lane.busy = False

    pool = _pool(get_num_threads() - 1)              # sized for the setting, not this call
    futures = [pool.submit(lane, j) for j in range(1, n)]
    try:
        results = dict(lane(0))
    finally:                                         # no shard still runs when this returns or raises
        for f in futures:
            f.exception()
    for f in futures:                                # re-raises a shard's exception here
        results.update(f.result())
    return [results[k] for k in range(len(bounds))]


def parallel(tasks, work):
    """[task() for task in tasks], on different threads when ``work`` flops are worth a hand-off
    (at (B, T, D, H) = (1, 10, 1, 20) two threads made a BiLSTM 2.5x slower)."""
    if work <= 0 or work < MIN_WORK:                 # 0: the caller says "not worth a thread"
        return [task() for task in tasks]
    return run(lambda k, _: tasks[k](), [slice(None)] * len(tasks))
