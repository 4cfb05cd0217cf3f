"""``keras.activations``: the activation functions by name, on NumPy arrays, and ``get``.

Layers take an activation by name (``Dense(8, activation="gelu")``) or as one of these
functions (``activation=activations.gelu``); both mean the same layer. The definitions and
their derivatives are in ``lstm_np.core.activations``.
"""
from .core import activations as _A
from .registry import Registry

sigmoid, tanh, relu, linear, hard_sigmoid = _A.sigmoid, _A.tanh, _A.relu, _A.linear, _A.hard_sigmoid
elu, selu, softplus, softsign, exponential = _A.elu, _A.selu, _A.softplus, _A.softsign, _A.exponential
leaky_relu, relu6, silu, gelu, mish, hard_silu = _A.leaky_relu, _A.relu6, _A.silu, _A.gelu, _A.mish, _A.hard_silu
swish, hard_swish = silu, hard_silu
softmax, log_softmax = _A.softmax, _A.log_softmax

REGISTRY = Registry("activation", {f.__name__: f for f in (
    sigmoid, tanh, relu, linear, hard_sigmoid, elu, selu, softplus, softsign, exponential, leaky_relu, relu6, silu,
    gelu, mish, hard_silu, softmax, log_softmax)})
REGISTRY.add("swish", silu)
REGISTRY.add("hard_swish", hard_silu)


def get(identifier):
    """The function for a name (None: linear), or the function itself."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    return REGISTRY.lookup(identifier)


def serialize(activation):
    return activation if isinstance(activation, str) else activation.__name__


__all__ = sorted(REGISTRY.names) + ["get", "serialize"]
