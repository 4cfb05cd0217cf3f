"""A kernel call cut into batch shards (see ``fast/threads.py``): each shard is a complete
call of the one-shard kernel on its rows; outputs and states are joined along the batch,
and backward sums the shards' weight gradients in shard order.

    recurrence_forward / recurrence_backward   a kernel's shard functions, run as below
    forward(call, B, work, workspace)   call(rows, workspace) -> (y, *states, cache)
    backward(call, cache, n_batch)      call(rows, shard cache) -> (dx, *dstates, *dweights);
                                        the first n_batch results are per row, the rest summed
    cut(a, rows)                        a[rows], or None for None
    matmul(a, b), matmul_tn(a, b)       a @ b and aᵀ b for the layers around the recurrences
                                        (Dense), in row shards on the kernels' BLAS
"""
import numpy as np

from . import threads
from .blas import product


def cut(a, rows):
    return None if a is None else a[rows]


def _shard_workspace(workspace, k):
    return None if workspace is None else workspace.setdefault(("shard", k), {})


def forward(call, B, work, workspace):
    threads.blas_single_threaded()
    bounds = threads.shard_bounds(B, work)
    if len(bounds) == 1:
        return call(slice(None), workspace)
    parts = threads.run(lambda k, rows: call(rows, _shard_workspace(workspace, k)), bounds)
    joined = [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]) - 1)]
    return (*joined, {"numba": True, "shards": [p[-1] for p in parts], "bounds": bounds})


def recurrence_forward(shard_forward, x, states, weights, mask, recurrent_mask, zero_output_for_mask,
                       workspace, gates):
    """A recurrent kernel's forward in shards: shard_forward(x, *states, *weights, mask,
    recurrent_mask, zero_output_for_mask, workspace) on each shard's rows. gates: how many
    H-wide blocks the products have (LSTM 4, GRU 3, SimpleRNN 1), for the call's flops."""
    B, T, D = x.shape
    H = weights[1].shape[0]                              # recurrent kernel (H, gates·H)
    if B < 2 * threads.MIN_ROWS:                         # one shard whatever the work: call it
        threads.blas_single_threaded()
        return shard_forward(x, *states, *weights, mask, recurrent_mask, zero_output_for_mask, workspace)

    def call(rows, ws):
        return shard_forward(x[rows], *[s[rows] for s in states], *weights, cut(mask, rows),
                             cut(recurrent_mask, rows), zero_output_for_mask, ws)
    return forward(call, B, 2.0 * gates * B * T * (D + H) * H, workspace)


def recurrence_backward(shard_backward, dy, d_states, cache):
    """Its backward: shard_backward(dy, *d_states, shard cache) per shard, joined and summed."""
    if "shards" not in cache:
        return shard_backward(dy, *d_states, cache)
    return backward(lambda rows, c: shard_backward(cut(dy, rows), *[cut(d, rows) for d in d_states], c),
                    cache, n_batch=1 + len(d_states))


def backward(call, cache, n_batch):
    parts = threads.run(lambda k, rows: call(rows, cache["shards"][k]), cache["bounds"])
    out = [np.concatenate([p[i] for p in parts]) for i in range(n_batch)]
    for i in range(n_batch, len(parts[0])):
        total = parts[0][i].copy()
        for p in parts[1:]:                          # fixed order: the same sum on any thread count
            total += p[i]
        out.append(total)
    return tuple(out)


def _same_float(a, b):
    return a.dtype == b.dtype and a.dtype in (np.float32, np.float64) and a.ndim == b.ndim == 2


def matmul(a, b):
    """a (M, K) @ b (K, N) on the kernels' BLAS, rows in shards over the threads (a row's
    result never depends on the shards). b may be a transposed view."""
    if not _same_float(a, b):
        return a @ b
    threads.blas_single_threaded()
    M, K = a.shape
    out = np.empty((M, b.shape[1]), a.dtype)
    bounds = threads.shard_bounds(M, 2.0 * M * K * b.shape[1])
    if len(bounds) == 1:
        return product(a, b, out)
    threads.run(lambda k, rows: product(a[rows], b, out[rows]), bounds)
    return out


def matmul_tn(a, b):
    """aᵀ b for a (M, K), b (M, N): the sum over the M rows split into shards (fixed by the
    shapes), each shard's aᵀ b on its own thread, summed in shard order."""
    if not _same_float(a, b):
        return a.T @ b
    threads.blas_single_threaded()
    M, K = a.shape
    bounds = threads.shard_bounds(M, 2.0 * M * K * b.shape[1])
    if len(bounds) == 1:
        return product(a.T, b)
    parts = threads.run(lambda k, rows: product(a[rows].T, b[rows]), bounds)
    total = parts[0]
    for p in parts[1:]:
        total += p
    return total
