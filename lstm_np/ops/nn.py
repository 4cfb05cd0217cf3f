"""``keras.ops``'s neural-network functions: activations (forward beside VJP) and the
cross-entropies, written with the other ops (their gradients come from those).

    sigmoid  y = 1 / (1 + e^−x)          ∂x = ḡ y (1 − y)
    relu     y = max(x, 0)               ∂x = ḡ [x > 0]
    softmax  y = e^x / Σ e^x             ∂x = y ⊙ (ḡ − Σ ḡ ⊙ y)      (along the axis)
"""
import math

import numpy as np

from . import elementwise as ew
from .reductions import mean, sum as reduce_sum
from .tape import record, value


def sigmoid(x):
    v = value(x)
    y = np.exp(-np.logaddexp(0.0, -v)).astype(v.dtype if v.dtype.kind == "f" else float)
    return record(y, [x], lambda g: [g * y * (1.0 - y)], "sigmoid")


def relu(x):
    v = value(x)
    return record(np.maximum(v, 0), [x], lambda g: [g * (v > 0)], "relu")


def relu6(x):
    v = value(x)
    return record(np.clip(v, 0, 6), [x], lambda g: [g * ((v > 0) & (v < 6))], "relu6")


def leaky_relu(x, negative_slope=0.2):
    v = value(x)
    return record(np.where(v > 0, v, negative_slope * v), [x],
                  lambda g: [g * np.where(v > 0, 1.0, negative_slope).astype(v.dtype)], "leaky_relu")


def elu(x, alpha=1.0):
    v = value(x)
    y = np.where(v > 0, v, alpha * np.expm1(np.minimum(v, 0)))
    return record(y, [x], lambda g: [g * np.where(v > 0, 1.0, y + alpha)], "elu")


def selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    v = value(x)
    y = scale * np.where(v > 0, v, alpha * np.expm1(np.minimum(v, 0)))
    return record(y, [x], lambda g: [g * np.where(v > 0, scale, y + scale * alpha)], "selu")


def softplus(x):
    """y = ln(1 + eˣ);  ∂x = ḡ σ(x)."""
    v = value(x)
    return record(np.logaddexp(0.0, v).astype(v.dtype), [x], lambda g: [g * value(sigmoid(v))], "softplus")


def softsign(x):
    v = value(x)
    return record(v / (1 + np.abs(v)), [x], lambda g: [g / (1 + np.abs(v)) ** 2], "softsign")


def silu(x):
    """y = x σ(x) (swish);  ∂x = ḡ (σ + y (1 − σ))."""
    v = value(x)
    s = value(sigmoid(v))
    y = v * s
    return record(y, [x], lambda g: [g * (s + y * (1 - s))], "silu")


swish = silu


def log_sigmoid(x):
    v = value(x)
    return record(-np.logaddexp(0.0, -v).astype(v.dtype), [x], lambda g: [g * (1 - value(sigmoid(v)))],
                  "log_sigmoid")


def hard_sigmoid(x):
    v = value(x)
    y = np.clip(v / 6.0 + 0.5, 0, 1)
    return record(y, [x], lambda g: [g * ((v > -3) & (v < 3)) / 6.0], "hard_sigmoid")


def gelu(x, approximate=True):
    """Keras's default approximate=True: y = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))."""
    v = value(x)
    if approximate:
        k = math.sqrt(2 / math.pi)
        t = np.tanh(k * (v + 0.044715 * v ** 3))
        y = 0.5 * v * (1 + t)
        dy = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v)
    else:
        from scipy.special import erf
        cdf = 0.5 * (1 + erf(v / math.sqrt(2)))
        y = v * cdf
        dy = cdf + v * np.exp(-0.5 * v * v) / math.sqrt(2 * math.pi)
    return record(y.astype(v.dtype), [x], lambda g: [g * dy], "gelu")


def softmax(x, axis=-1):
    """y = e^(x − max) / Σ e^(x − max) along ``axis``;  ∂x = y ⊙ (ḡ − Σ ḡ ⊙ y)."""
    v = value(x)
    e = np.exp(v - v.max(axis=axis, keepdims=True))
    y = e / e.sum(axis=axis, keepdims=True)
    return record(y, [x], lambda g: [y * (g - (g * y).sum(axis=axis, keepdims=True))], "softmax")


def log_softmax(x, axis=-1):
    """y = x − logsumexp(x);  ∂x = ḡ − softmax(x) Σ ḡ."""
    v = value(x)
    shifted = v - v.max(axis=axis, keepdims=True)
    y = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return record(y, [x], lambda g: [g - np.exp(y) * g.sum(axis=axis, keepdims=True)], "log_softmax")


def one_hot(x, num_classes, axis=-1, dtype=None):
    """Integer ids -> one-hot rows (no gradient: ids are not differentiable)."""
    ids = np.asarray(value(x)).astype(np.int64)
    out = np.eye(num_classes, dtype=dtype or "float32")[ids]
    return np.moveaxis(out, -1, axis) if axis != -1 else out


def binary_crossentropy(target, output, from_logits=False):
    """Keras's: −[t ln p + (1 − t) ln(1 − p)] elementwise, p clipped to [ε, 1 − ε]."""
    if from_logits:
        output = sigmoid(output)
    p = ew.clip(output, 1e-7, 1 - 1e-7)
    return ew.negative(ew.add(ew.multiply(target, ew.log(p)),
                              ew.multiply(ew.subtract(1.0, target), ew.log(ew.subtract(1.0, p)))))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Keras's: −Σ t ln p along ``axis`` (p normalised to sum 1, clipped to [ε, 1 − ε])."""
    if from_logits:
        return ew.negative(reduce_sum(ew.multiply(target, log_softmax(output, axis)), axis=axis))
    p = ew.divide(output, reduce_sum(output, axis=axis, keepdims=True))
    p = ew.clip(p, 1e-7, 1 - 1e-7)
    return ew.negative(reduce_sum(ew.multiply(target, ew.log(p)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    n = value(output).shape[axis]
    return categorical_crossentropy(one_hot(target, n, axis=axis, dtype=value(output).dtype), output,
                                    from_logits=from_logits, axis=axis)


def moments(x, axes, keepdims=False):
    """(mean, variance) over ``axes``."""
    m = mean(x, axis=axes, keepdims=True)
    var = mean(ew.square(ew.subtract(x, m)), axis=axes, keepdims=keepdims)
    if not keepdims:
        from .shapes import squeeze
        m = squeeze(m, axis=axes)
    return m, var


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]
