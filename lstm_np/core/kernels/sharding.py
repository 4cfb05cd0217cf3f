"""A kernel call cut into batch shards (see ``core/threads.py``): each shard is a complete
call of the one-shard kernel on its rows; outputs and states are joined along the batch,
and backward sums the shards' weight gradients in shard order.

    forward(call, B, work, workspace)   call(rows, workspace) -> (y, *states, cache)
    backward(call, cache, n_batch)      call(rows, shard cache) -> (dx, *dstates, *dweights);
                                        the first n_batch results are per row, the rest summed
    cut(a, rows)                        a[rows], or None for None
    matmul(a, b), matmul_tn(a, b)       a @ b and aᵀ b for the layers around the recurrences
                                        (Dense), in row shards on the kernels' BLAS
"""
import numpy as np

from .. import threads


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
    from .blas import product
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
    from .blas import product
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
