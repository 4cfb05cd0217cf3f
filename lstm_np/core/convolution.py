"""N-dimensional convolution and pooling as matrix products on windows (channels last), in NumPy.

Shapes: B batch, a picture of n spatial axes (R, S, ...), C channels, F filters, a kernel
k_1 × ... × k_n with strides s_i and dilation d_i::

    x        (B, R, S, ..., C)
    kernel   W (k_1, ..., k_n, C, F)
    windows  x̃ (B, R', S', ..., k_1·...·k_n·C): at each output position, the window it reads
             (pixel p_i = o_i·s_i + a_i·d_i for kernel offset a_i), in the order of W flattened
    y        = x̃ · W.reshape(-1, F) + b          one GEMM for every position of every picture

Backward, by the same identity: dW = x̃ᵀ dz, db = Σ dz, and dx̃ = dz Wᵀ, which ``fold`` adds
back onto the pixels each window read (the adjoint of ``windows``). Pooling reads the same
windows per channel: max takes each window's largest entry (its gradient goes to that entry,
the first on ties), average their mean (over the pixels inside the picture, as Keras's "same").
"""
import itertools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(size, k, s, d, padding):
    """(output size, zeros before, zeros after) along one axis, Keras's (TensorFlow's) rule."""
    span = (k - 1) * d + 1
    if padding == "valid":
        return max((size - span) // s + 1, 0), 0, 0
    n = -(-size // s)                                            # "same": ceil(size / stride)
    total = max((n - 1) * s + span - size, 0)
    return n, total // 2, total - total // 2


def plan(spatial, kernel_size, strides, dilation, padding):
    """Per axis (output size, before, after) for a picture of shape ``spatial``."""
    return [output_size(n, k, s, d, padding) for n, k, s, d in zip(spatial, kernel_size, strides, dilation)]


def windows(x, kernel_size, strides, dilation, sizes, fill=0.0):
    """x (B, *spatial, C) -> (B, *out, k_1, ..., k_n, C): every output position's window
    (padding with ``fill``); ``sizes`` from ``plan``."""
    n = len(kernel_size)
    pads = [(0, 0)] + [(lo, hi) for _, lo, hi in sizes] + [(0, 0)]
    if any(lo or hi for lo, hi in pads):
        x = np.pad(x, pads, constant_values=fill)
    spans = [(k - 1) * d + 1 for k, d in zip(kernel_size, dilation)]
    win = sliding_window_view(x, spans, axis=tuple(range(1, n + 1)))   # (B, *full, C, *spans)
    key = ((slice(None),) + tuple(slice(0, (o - 1) * s + 1, s) for (o, _, _), s in zip(sizes, strides))
           + (slice(None),) + tuple(slice(None, None, d) for d in dilation))
    win = win[key]                                                      # (B, *out, C, *k)
    return np.moveaxis(win, n + 1, -1)                                  # (B, *out, *k, C)


def fold(dwin, shape, kernel_size, strides, dilation, sizes):
    """The adjoint of ``windows``: (B, *out, *k, C) -> (B, *spatial, C), each window entry's
    gradient added onto the pixel it was read from."""
    n = len(kernel_size)
    padded = [shape[0]] + [m + lo + hi for m, (_, lo, hi) in zip(shape[1:-1], sizes)] + [shape[-1]]
    out = np.zeros(padded, dwin.dtype)
    outs = [o for o, _, _ in sizes]
    for offset in itertools.product(*[range(k) for k in kernel_size]):     # one kernel offset at a time
        key = (slice(None),) + tuple(slice(a * d, a * d + (o - 1) * s + 1, s)
                                     for a, d, o, s in zip(offset, dilation, outs, strides)) + (slice(None),)
        out[key] += dwin[(slice(None),) * (n + 1) + offset]
    inner = (slice(None),) + tuple(slice(lo, lo + m) for m, (_, lo, _) in zip(shape[1:-1], sizes)) + (slice(None),)
    return out[inner]


def conv_forward(x, kernel, bias, strides, dilation, padding):
    """y = windows(x) · W + b; -> (y (B, *out, F), cache)."""
    kernel_size = kernel.shape[:-2]
    F = kernel.shape[-1]
    sizes = plan(x.shape[1:-1], kernel_size, strides, dilation, padding)
    win = windows(x, kernel_size, strides, dilation, sizes)
    out = win.shape[1:1 + len(kernel_size)]
    cols = np.ascontiguousarray(win).reshape(-1, kernel.size // F)          # (B·Π out, Π k · C)
    z = cols @ kernel.reshape(-1, F)
    if bias is not None:
        z += bias
    return z.reshape((x.shape[0],) + tuple(out) + (F,)), (cols, x.shape, kernel, strides, dilation, sizes)


def conv_backward(dz, cache, with_bias=True):
    """dz (B, *out, F) -> (dx, dW, db)."""
    cols, shape, kernel, strides, dilation, sizes = cache
    F = kernel.shape[-1]
    dz2 = dz.reshape(-1, F)
    dW = (cols.T @ dz2).reshape(kernel.shape)
    db = dz2.sum(axis=0) if with_bias else None
    kernel_size = kernel.shape[:-2]
    dwin = (dz2 @ kernel.reshape(-1, F).T).reshape(dz.shape[:-1] + tuple(kernel_size) + (shape[-1],))
    return fold(dwin, shape, kernel_size, strides, dilation, sizes), dW, db


def max_pool_forward(x, pool_size, strides, padding):
    n = len(pool_size)
    ones = (1,) * n
    sizes = plan(x.shape[1:-1], pool_size, strides, ones, padding)
    low = np.finfo(x.dtype).min if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    win = windows(x, pool_size, strides, ones, sizes, fill=low)           # (B, *out, *k, C)
    flat = win.reshape(win.shape[:n + 1] + (-1, x.shape[-1]))             # (B, *out, Π k, C)
    pick = np.argmax(flat, axis=-2)                                       # the first largest
    y = np.take_along_axis(flat, pick[..., None, :], axis=-2)[..., 0, :]
    return y, (pick, x.shape, pool_size, strides, sizes, win.shape)


def max_pool_backward(dy, cache):
    pick, shape, pool_size, strides, sizes, win_shape = cache
    n = len(pool_size)
    dflat = np.zeros(win_shape[:n + 1] + (int(np.prod(pool_size)), shape[-1]), dy.dtype)
    np.put_along_axis(dflat, pick[..., None, :], dy[..., None, :], axis=-2)
    return fold(dflat.reshape(win_shape), shape, pool_size, strides, (1,) * n, sizes)


def average_pool_forward(x, pool_size, strides, padding):
    """The mean over each window's pixels inside the picture (padding not counted, as Keras)."""
    n = len(pool_size)
    ones = (1,) * n
    sizes = plan(x.shape[1:-1], pool_size, strides, ones, padding)
    axes = tuple(range(n + 1, 2 * n + 1))
    total = windows(x, pool_size, strides, ones, sizes).sum(axis=axes)
    count = windows(np.ones((1,) + x.shape[1:-1] + (1,), x.dtype), pool_size, strides, ones, sizes).sum(axis=axes)
    return total / count, (count, x.shape, pool_size, strides, sizes)


def average_pool_backward(dy, cache):
    count, shape, pool_size, strides, sizes = cache
    n = len(pool_size)
    g = dy / count                                                         # (B, *out, C)
    dwin = np.broadcast_to(np.expand_dims(g, tuple(range(n + 1, 2 * n + 1))),      # each pixel of
                           g.shape[:n + 1] + tuple(pool_size) + (shape[-1],))       # the window
    return fold(np.ascontiguousarray(dwin), shape, pool_size, strides, (1,) * n, sizes)
