"""Activations and their derivatives, written for numerical stability.

Every activation used inside a recurrence has a derivative that can be computed
from its *output* y = f(z), so BPTT can reuse the cached gate values and never
evaluates a transcendental function on the way back:

    sigmoid       y = 1 / (1 + e^-z)           dy/dz = y (1 - y)
    tanh          y = tanh(z)                  dy/dz = 1 - y^2
    relu          y = max(z, 0)                dy/dz = [y > 0]
    linear        y = z                        dy/dz = 1
    hard_sigmoid  y = clip(z/6 + 1/2, 0, 1)    dy/dz = 1/6 on 0 < y < 1  (Keras 3)
"""
import numpy as np


def sigmoid(z):
    """Stable logistic function: never exponentiates a positive number."""
    # e = exp(-|z|) is in (0, 1]: no overflow for any z.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def tanh(z):
    return np.tanh(z)


def relu(z):
    return np.maximum(z, 0)


def linear(z):
    return z


def hard_sigmoid(z):
    return np.clip(z / 6.0 + 0.5, 0.0, 1.0).astype(z.dtype, copy=False)


def softmax(z, axis=-1):
    """Softmax along ``axis``; subtracts the max so exp never overflows."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """log(softmax(z)) computed as z - max - log(sum(exp(z - max)))."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# Derivatives expressed through the output y = f(z).
def d_sigmoid(y):
    return y * (1 - y)


def d_tanh(y):
    return 1 - y * y


def d_relu(y):
    return (y > 0).astype(y.dtype)


def d_linear(y):
    return np.ones_like(y)


def d_hard_sigmoid(y):
    return ((y > 0) & (y < 1)).astype(y.dtype) / 6.0


def softmax_backward(y, dy, axis=-1):
    """Vector-Jacobian product of softmax: dz = y * (dy - sum(dy * y))."""
    return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


# name -> (f, f' from the output). Only element-wise functions: softmax is handled by Dense.
ELEMENTWISE = {
    "sigmoid": (sigmoid, d_sigmoid),
    "tanh": (tanh, d_tanh),
    "relu": (relu, d_relu),
    "linear": (linear, d_linear),
    "hard_sigmoid": (hard_sigmoid, d_hard_sigmoid),
}


def get_elementwise(name):
    """Return (f, df_from_output) for an element-wise activation name (None means linear)."""
    if name is None:
        name = "linear"
    if not isinstance(name, str):
        raise TypeError(f"activation must be a string name, received {type(name).__name__}")
    if name not in ELEMENTWISE:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ELEMENTWISE)}")
    return ELEMENTWISE[name]
