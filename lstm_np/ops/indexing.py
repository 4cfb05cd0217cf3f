"""Reading parts of a tensor: ``x[i]``, ``take``, ``take_along_axis``, ``slice``, and the
segment reductions. The VJP of a read is a write: ḡ is *added* back where the values came from
(``np.add.at``, so an element read twice gets both gradients — an embedding lookup of a
repeated token sums them).
"""
import numpy as np

from .tape import record, value

_slice = slice                # the builtin (this module defines keras.ops.slice)


def _index(key):
    """An index with any Tensor inside replaced by its value (indices carry no gradient)."""
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    if isinstance(key, (list, _slice)) or key is None or key is Ellipsis or isinstance(key, (int, np.integer)):
        return key
    return np.asarray(value(key))


def getitem(x, key):
    """y = x[key];  ∂x = zeros with ḡ added at [key]."""
    v = value(x)
    key = _index(key)
    y = v[key]

    def vjp(g):
        out = np.zeros_like(v)
        np.add.at(out, key, g)
        return [out]
    return record(np.array(y) if np.ndim(y) == 0 else y, [x], vjp, "getitem")


def take(x, indices, axis=None):
    v = value(x)
    idx = np.asarray(value(indices)).astype(np.int64)
    y = np.take(v, idx, axis=axis)

    def vjp(g):
        out = np.zeros_like(v)
        if axis is None:
            np.add.at(out.reshape(-1), idx, g)
        else:
            ax = axis % v.ndim
            moved = np.moveaxis(out, ax, 0)                      # a view: writes reach out
            np.add.at(moved, idx, np.moveaxis(g, tuple(range(ax, ax + idx.ndim)), tuple(range(idx.ndim))))
        return [out]
    return record(y, [x], vjp, "take")


def take_along_axis(x, indices, axis=-1):
    v = value(x)
    idx = np.asarray(value(indices)).astype(np.int64)
    y = np.take_along_axis(v, idx, axis=axis)

    def vjp(g):
        out = np.zeros_like(v)
        full = [np.arange(n).reshape((-1,) + (1,) * (idx.ndim - k - 1)) for k, n in enumerate(idx.shape)]
        full[axis % v.ndim] = idx
        np.add.at(out, tuple(full), g)
        return [out]
    return record(y, [x], vjp, "take_along_axis")


def slice(x, start_indices, shape):  # noqa: A001  (keras.ops.slice)
    """x[start : start + size] on every axis."""
    return getitem(x, tuple(_slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape)))


def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """y[s] = Σ_{i: id_i = s} data[i];  ∂data[i] = ḡ[id_i]."""
    v = value(data)
    ids = np.asarray(value(segment_ids)).astype(np.int64)
    n = int(ids.max()) + 1 if num_segments is None else int(num_segments)
    y = np.zeros((n,) + v.shape[1:], v.dtype)
    keep = (ids >= 0) & (ids < n)
    np.add.at(y, ids[keep], v[keep])

    def vjp(g):
        out = np.zeros_like(v)
        out[keep] = g[ids[keep]]
        return [out]
    return record(y, [data], vjp, "segment_sum")


def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """y[s] = max_{i: id_i = s} data[i] (empty segments: the dtype's lowest value, as Keras);
    ḡ goes to the rows equal to their segment's maximum (shared on ties)."""
    v = value(data)
    ids = np.asarray(value(segment_ids)).astype(np.int64)
    n = int(ids.max()) + 1 if num_segments is None else int(num_segments)
    low = np.finfo(v.dtype).min if v.dtype.kind == "f" else np.iinfo(v.dtype).min
    y = np.full((n,) + v.shape[1:], low, v.dtype)
    keep = (ids >= 0) & (ids < n)
    np.maximum.at(y, ids[keep], v[keep])

    def vjp(g):
        hit = np.zeros(v.shape, bool)
        hit[keep] = v[keep] == y[ids[keep]]
        count = np.zeros_like(y)
        np.add.at(count, ids[keep], hit[keep].astype(v.dtype))
        out = np.zeros_like(v)
        out[keep] = np.where(hit[keep], g[ids[keep]] / np.maximum(count[ids[keep]], 1), 0)
        return [out]
    return record(y, [data], vjp, "segment_max")


def top_k(x, k, sorted=True):  # noqa: A002
    """(values, indices) of the k largest along the last axis; ḡ goes back to where each came from."""
    v = value(x)
    idx = np.argsort(-v, axis=-1, kind="stable")[..., :k]
    return take_along_axis(x, idx, axis=-1), idx


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]
