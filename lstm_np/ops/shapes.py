"""Ops that move values without changing them: reshaping, transposing, joining, splitting,
repeating. Each VJP moves ḡ back the same way: ``reshape`` reshapes it back, ``transpose``
applies the inverse permutation, ``concatenate`` cuts it into the inputs' pieces, ``tile``
and ``broadcast_to`` sum the copies.
"""
import numpy as np

from .tape import record, unbroadcast, value


def shape(x):
    return tuple(np.shape(value(x)))


def ndim(x):
    return np.ndim(value(x))


def size(x):
    return np.size(value(x))


def cast(x, dtype):
    """A new dtype; a float-to-float cast passes ḡ on (in the input's precision), a cast to an
    integer or a bool ends the gradient."""
    v = value(x)
    y = np.asarray(v).astype(dtype)
    if y.dtype.kind != "f" or np.asarray(v).dtype.kind not in "f":
        return y
    return record(y, [x], lambda g: [np.asarray(g, v.dtype)], "cast")


def stop_gradient(x):
    return np.array(value(x))


def reshape(x, newshape):
    v = value(x)
    return record(np.reshape(v, newshape), [x], lambda g: [np.reshape(g, v.shape)], "reshape")


def ravel(x):
    return reshape(x, (-1,))


def expand_dims(x, axis):
    v = value(x)
    return record(np.expand_dims(v, axis), [x], lambda g: [np.reshape(g, v.shape)], "expand_dims")


def squeeze(x, axis=None):
    v = value(x)
    axis = tuple(axis) if isinstance(axis, list) else axis
    return record(np.squeeze(v, axis), [x], lambda g: [np.reshape(g, v.shape)], "squeeze")


def transpose(x, axes=None):
    """y = xᵀ (axes permuted);  ∂x = ḡ with the inverse permutation."""
    v = value(x)
    perm = tuple(range(v.ndim))[::-1] if axes is None else tuple(a % v.ndim for a in axes)
    return record(np.transpose(v, perm), [x], lambda g: [np.transpose(g, np.argsort(perm))], "transpose")


def swapaxes(x, axis1, axis2):
    perm = list(range(np.ndim(value(x))))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return transpose(x, perm)


def moveaxis(x, source, destination):
    n = np.ndim(value(x))
    perm = np.moveaxis(np.arange(n), source, destination)
    return transpose(x, [int(p) for p in perm])


def broadcast_to(x, shape):
    v = value(x)
    return record(np.broadcast_to(v, shape).copy(), [x], lambda g: [unbroadcast(g, v.shape)], "broadcast_to")


def concatenate(xs, axis=0):
    """y = [x1 | x2 | ...] along ``axis``;  ḡ is cut back into the pieces."""
    xs = list(xs)
    vs = [np.asarray(value(x)) for x in xs]
    y = np.concatenate(vs, axis=axis)
    cuts = np.cumsum([v.shape[axis] for v in vs])[:-1]
    return record(y, xs, lambda g: np.split(g, cuts, axis=axis), "concatenate")


def stack(xs, axis=0):
    xs = list(xs)
    y = np.stack([np.asarray(value(x)) for x in xs], axis=axis)
    return record(y, xs, lambda g: [np.take(g, i, axis=axis) for i in range(len(xs))], "stack")


def split(x, indices_or_sections, axis=0):
    """Pieces of x; each piece is one output of the node, ḡ of a piece no one used is zero."""
    v = value(x)
    pieces = np.split(v, indices_or_sections, axis=axis)

    def vjp(gs):
        gs = gs if isinstance(gs, list) else [gs]
        return [np.concatenate([np.zeros_like(p) if g is None else g for g, p in zip(gs, pieces)], axis=axis)]
    out = record(pieces, [x], vjp, "split", multi=True)
    return list(out)


def unstack(x, num=None, axis=0):
    v = value(x)
    n = v.shape[axis]
    pieces = [np.take(v, i, axis=axis) for i in range(n)]

    def vjp(gs):
        gs = gs if isinstance(gs, list) else [gs]
        return [np.stack([np.zeros_like(p) if g is None else g for g, p in zip(gs, pieces)], axis=axis)]
    return list(record(pieces, [x], vjp, "unstack", multi=True))


def tile(x, repeats):
    """y = x repeated along each axis;  ∂x = Σ of ḡ over the copies."""
    v = value(x)
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    y = np.tile(v, reps)

    def vjp(g):
        base = (1,) * (y.ndim - v.ndim) + v.shape
        split_shape = []
        for r, n in zip((1,) * (y.ndim - len(reps)) + reps, base):
            split_shape += [r, n]
        g = g.reshape(split_shape).sum(axis=tuple(range(0, 2 * y.ndim, 2)))
        return [g.reshape(v.shape)]
    return record(y, [x], vjp, "tile")


def repeat(x, repeats, axis=None):
    v = value(x)
    y = np.repeat(v, repeats, axis=axis)

    def vjp(g):
        src = v.ravel() if axis is None else v
        ax = 0 if axis is None else axis % v.ndim
        idx = np.repeat(np.arange(src.shape[ax]), repeats)
        out = np.zeros_like(src)
        np.add.at(out, (slice(None),) * ax + (idx,), g)
        return [out.reshape(v.shape)]
    return record(y, [x], vjp, "repeat")


def flip(x, axis=None):
    v = value(x)
    return record(np.flip(v, axis), [x], lambda g: [np.flip(g, axis)], "flip")


def roll(x, shift, axis=None):
    v = value(x)
    back = -np.asarray(shift) if not isinstance(shift, int) else -shift
    return record(np.roll(v, shift, axis), [x], lambda g: [np.roll(g, back, axis)], "roll")


def pad(x, pad_width, mode="constant", constant_values=0):
    """Padding with a constant; ∂x is ḡ's middle part."""
    v = value(x)
    if mode != "constant":
        raise ValueError(f"ops.pad here pads with a constant, received mode={mode!r}")
    widths = np.broadcast_to(np.asarray(pad_width), (v.ndim, 2))
    y = np.pad(v, widths, mode="constant", constant_values=constant_values)
    inner = tuple(slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, v.shape))
    return record(y, [x], lambda g: [g[inner]], "pad")


def tril(x, k=0):
    v = value(x)
    return record(np.tril(v, k), [x], lambda g: [np.tril(g, k)], "tril")


def triu(x, k=0):
    v = value(x)
    return record(np.triu(v, k), [x], lambda g: [np.triu(g, k)], "triu")


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]
