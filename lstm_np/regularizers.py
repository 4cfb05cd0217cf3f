"""Weight and activity regularizers (``keras.regularizers``): a penalty added to the loss, and
its gradient added to the weight's (or, for activity, the output's) gradient.

    L1(l1)        r(w) = l1 Σ|w|             r'(w) = l1 sign(w)
    L2(l2)        r(w) = l2 Σ w²             r'(w) = 2 l2 w
    L1L2(l1, l2)  both

Keras counts an activity regularizer on a layer's output as r(y) / batch size, and weight
regularizers on trainable weights once per step (however often the layer is called).
"""
import numpy as np
from .registry import Registry


class Regularizer:
    def __call__(self, x):
        raise NotImplementedError

    def gradient(self, x):
        raise NotImplementedError

    def get_config(self):
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _coefficient(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or value < 0 \
            or not np.isfinite(value):
        raise ValueError(f"{what} must be a non-negative number, received {value!r}")
    return float(value)


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _coefficient(l1, "l1"), _coefficient(l2, "l2")

    def __call__(self, x):
        x = np.asarray(x)
        out = 0.0
        if self.l1:
            out += self.l1 * float(np.sum(np.abs(x)))
        if self.l2:
            out += self.l2 * float(np.sum(np.square(x)))
        return out

    def gradient(self, x):
        x = np.asarray(x)
        g = np.zeros_like(x)
        if self.l1:
            g += x.dtype.type(self.l1) * np.sign(x)
        if self.l2:
            g += x.dtype.type(2 * self.l2) * x
        return g

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1(l1=0.01):
    return L1(l1)


def l2(l2=0.01):
    return L2(l2)


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1, l2)


REGISTRY = Registry("regularizer", {"l1": L1, "l2": L2, "l1_l2": lambda: L1L2(0.01, 0.01),
                                    "l1l2": lambda: L1L2(0.01, 0.01)}, classes=(L1, L2, L1L2), lower=True)


def get(identifier):
    """None, a Regularizer, a name ("l1", "l2", "l1_l2") or a saved config."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        return REGISTRY.create(identifier)
    if isinstance(identifier, dict):
        return REGISTRY.from_config(identifier)
    raise TypeError(f"regularizers must be Regularizer objects or names, received {identifier!r}")


def serialize(regularizer):
    if regularizer is None:
        return None
    return REGISTRY.serialize(regularizer)
