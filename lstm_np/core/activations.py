"""Activations and their derivatives, written for numerical stability.

Every activation used inside a recurrence has a derivative that can be computed
from its *output* y = f(z), so BPTT can reuse the cached gate values and never
evaluates a transcendental function on the way back:

    sigmoid       y = 1 / (1 + e^-z)           dy/dz = y (1 - y)
    tanh          y = tanh(z)                  dy/dz = 1 - y^2
    relu          y = max(z, 0)                dy/dz = [y > 0]
    linear        y = z                        dy/dz = 1
    hard_sigmoid  y = clip(z/6 + 1/2, 0, 1)    dy/dz = 1/6 on 0 < y < 1  (Keras 3)
    elu           y = z, or e^z - 1 (z <= 0)   dy/dz = 1, or y + 1
    selu          y = λ elu_α(z)               dy/dz = λ, or y + λα      (λ, α as Keras)
    softplus      y = log(1 + e^z)             dy/dz = 1 - e^-y
    softsign      y = z / (1 + |z|)            dy/dz = (1 - |y|)^2
    exponential   y = e^z                      dy/dz = y
    leaky_relu    y = z, or 0.2 z (z < 0)      dy/dz = 1, or 0.2
    relu6         y = min(max(z, 0), 6)        dy/dz = [0 < y < 6]

A few have no such form and are for Dense / Conv1D only, which keep z (``FROM_INPUT``):

    silu (swish)  y = z σ(z)                   dy/dz = σ(z) (1 + z (1 - σ(z)))
    gelu          y = z Φ(z) (exact, erf)      dy/dz = Φ(z) + z φ(z)
    mish          y = z tanh(softplus(z))      dy/dz = tanh(sp) + z σ(z) (1 - tanh²(sp))
    hard_silu     y = z relu6(z + 3) / 6       dy/dz = relu6(z + 3)/6 + z [-3 < z < 3] / 6
"""
import numpy as np
from scipy.special import erf

SELU_SCALE, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772


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


def elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0))).astype(z.dtype, copy=False)


def selu(z):
    return (SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0)))).astype(z.dtype, copy=False)


def softplus(z):
    return np.logaddexp(0, z).astype(z.dtype, copy=False)


def softsign(z):
    return z / (1 + np.abs(z))


def exponential(z):
    return np.exp(z)


def leaky_relu(z):
    return np.where(z >= 0, z, 0.2 * z).astype(z.dtype, copy=False)


def relu6(z):
    return np.clip(z, 0, 6)


def silu(z):
    return z * sigmoid(z)


def gelu(z):
    return (0.5 * z * (1 + erf(z / np.sqrt(2.0)))).astype(z.dtype, copy=False)


def mish(z):
    return z * np.tanh(softplus(z))


def hard_silu(z):
    return z * np.clip(z + 3, 0, 6) / 6


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


def d_elu(y):
    return np.where(y > 0, 1, y + 1).astype(y.dtype, copy=False)


def d_selu(y):
    return np.where(y > 0, SELU_SCALE, y + SELU_SCALE * SELU_ALPHA).astype(y.dtype, copy=False)


def d_softplus(y):
    return -np.expm1(-y)


def d_softsign(y):
    return (1 - np.abs(y)) ** 2


def d_exponential(y):
    return y


def d_leaky_relu(y):
    return np.where(y >= 0, 1, 0.2).astype(y.dtype, copy=False)


def d_relu6(y):
    return ((y > 0) & (y < 6)).astype(y.dtype)


# Derivatives from the input z (for activations whose output does not determine them).
def d_silu(z):
    s = sigmoid(z)
    return s * (1 + z * (1 - s))


def d_gelu(z):
    cdf = 0.5 * (1 + erf(z / np.sqrt(2.0)))
    return (cdf + z * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)).astype(z.dtype, copy=False)


def d_mish(z):
    t = np.tanh(softplus(z))
    return t + z * sigmoid(z) * (1 - t * t)


def d_hard_silu(z):
    return np.clip(z + 3, 0, 6) / 6 + z * ((z > -3) & (z < 3)) / 6


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
    "elu": (elu, d_elu),
    "selu": (selu, d_selu),
    "softplus": (softplus, d_softplus),
    "softsign": (softsign, d_softsign),
    "exponential": (exponential, d_exponential),
    "leaky_relu": (leaky_relu, d_leaky_relu),
    "relu6": (relu6, d_relu6),
}

# name -> (f, f' from the input z): Dense and Conv1D keep z for these.
FROM_INPUT = {
    "silu": (silu, d_silu),
    "swish": (silu, d_silu),
    "gelu": (gelu, d_gelu),
    "mish": (mish, d_mish),
    "hard_silu": (hard_silu, d_hard_silu),
    "hard_swish": (hard_silu, d_hard_silu),
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
