"""Reductions: each forward beside its VJP. A reduction sends ḡ back to every element it
read: ``sum`` copies it (broadcast back along the reduced axes), ``mean`` also divides by the
count, ``max`` sends it to the elements equal to the maximum (shared on ties).
"""
import builtins

import numpy as np

from .tape import record, value


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim for a in axes) if ndim else ()


def _expand(g, shape, axis, keepdims):
    """ḡ of a reduction's output, shaped so that it broadcasts over the input of ``shape``."""
    g = np.asarray(g)
    if not keepdims:
        for a in sorted(_axes(axis, len(shape))):
            g = np.expand_dims(g, a)
    return g


def sum(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.sum)
    """y = Σ x;  ∂x = ḡ broadcast back."""
    v = value(x)
    y = np.sum(v, axis=_tuple(axis), keepdims=keepdims)
    return record(y, [x], lambda g: [np.broadcast_to(_expand(g, v.shape, axis, keepdims), v.shape)], "sum")


def mean(x, axis=None, keepdims=False):
    """y = Σ x / n;  ∂x = ḡ / n broadcast back."""
    v = value(x)
    y = np.mean(v, axis=_tuple(axis), keepdims=keepdims)
    n = v.size // builtins.max(np.size(y), 1) if v.size else 1
    return record(y, [x], lambda g: [np.broadcast_to(_expand(g, v.shape, axis, keepdims) / n, v.shape)],
                  "mean")


def _extreme(x, axis, keepdims, pick, name):
    v = value(x)
    y = pick(v, axis=_tuple(axis), keepdims=keepdims)

    def vjp(g):
        yk = _expand(y, v.shape, axis, keepdims)
        hit = (v == yk)
        count = hit.sum(axis=_tuple(axis), keepdims=True)
        return [hit * _expand(g, v.shape, axis, keepdims) / count]
    return record(y, [x], vjp, name)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return _extreme(x, axis, keepdims, np.max, "max")


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return _extreme(x, axis, keepdims, np.min, "min")


amax, amin = max, min


def prod(x, axis=None, keepdims=False, dtype=None):
    """y = Π x;  ∂x_i = ḡ Π_{j≠i} x_j — the product of the elements before i times the product
    of those after it (two cumulative products), so a zero element needs no division."""
    v = value(x)
    y = np.prod(v, axis=_tuple(axis), keepdims=keepdims, dtype=dtype)

    def vjp(g):
        axes = _axes(axis, v.ndim)
        kept = [a for a in range(v.ndim) if a not in axes]
        moved = np.transpose(v, kept + list(axes))                    # reduced axes last
        flat = moved.reshape(moved.shape[:len(kept)] + (-1,))         # (..., n)
        ones = np.ones_like(flat[..., :1])
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
        others = np.transpose((before * after).reshape(moved.shape), np.argsort(kept + list(axes)))
        return [others * _expand(g, v.shape, axis, keepdims)]
    return record(y, [x], vjp, "prod")


def var(x, axis=None, keepdims=False):
    from . import elementwise as ew
    return mean(ew.square(ew.subtract(x, mean(x, axis=axis, keepdims=True))), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    from . import elementwise as ew
    return ew.sqrt(var(x, axis=axis, keepdims=keepdims))


def logsumexp(x, axis=None, keepdims=False):
    """y = ln Σ eˣ;  ∂x = ḡ softmax(x)."""
    v = value(x)
    m = np.max(v, axis=_tuple(axis), keepdims=True)
    s = np.sum(np.exp(v - m), axis=_tuple(axis), keepdims=True)
    y_k = m + np.log(s)
    y = y_k if keepdims else np.squeeze(y_k, axis=_axes(axis, v.ndim))
    return record(y, [x], lambda g: [np.exp(v - y_k) * _expand(g, v.shape, axis, keepdims)], "logsumexp")


def cumsum(x, axis=None, dtype=None):
    """y_t = Σ_{s≤t} x_s;  ∂x_s = Σ_{t≥s} ḡ_t (a cumulative sum from the end)."""
    v = value(x)
    flat = axis is None
    src = v.ravel() if flat else v
    ax = 0 if flat else axis
    y = np.cumsum(src, axis=ax, dtype=dtype)

    def vjp(g):
        back = np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax)
        return [back.reshape(v.shape)]
    return record(y, [x], vjp, "cumsum")


def norm(x, ord=None, axis=None, keepdims=False):
    """The 2-norm √(Σ x²) (``ord`` None or 2 over a vector axis, "fro" over a matrix)."""
    from . import elementwise as ew
    if ord not in (None, 2, "fro", "euclidean"):
        raise ValueError(f"ops.norm here computes the 2-norm only, received ord={ord!r}")
    return ew.sqrt(sum(ew.square(x), axis=axis, keepdims=keepdims))


# -- no gradient -------------------------------------------------------------------------------
def argmax(x, axis=None, keepdims=False):
    return np.argmax(value(x), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    return np.argmin(value(x), axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return np.any(value(x), axis=_tuple(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return np.all(value(x), axis=_tuple(axis), keepdims=keepdims)


def count_nonzero(x, axis=None):
    return np.count_nonzero(value(x), axis=_tuple(axis))


def _tuple(axis):
    return tuple(axis) if isinstance(axis, list) else axis


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]
