"""Weight constraints (``keras.constraints``): applied to a weight after each optimizer step.

    MaxNorm(m, axis=0)   w · clip(|w|, 0, m) / (ε + |w|)     |w| the L2 norm along axis
    NonNeg()             w · (w >= 0)
    UnitNorm(axis=0)     w / (ε + |w|)
    MinMaxNorm(lo, hi, rate=1, axis=0)   w · (rate · clip(|w|, lo, hi) + (1 - rate) |w|) / (ε + |w|)
"""
import numpy as np
from .registry import Registry

EPSILON = 1e-7


class Constraint:
    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = float(max_value), axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (np.clip(norms, 0, self.max_value) / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = float(min_value), float(max_value), float(rate), axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
REGISTRY = Registry("constraint", {"max_norm": MaxNorm, "maxnorm": MaxNorm, "non_neg": NonNeg, "nonneg": NonNeg,
                                   "unit_norm": UnitNorm, "unitnorm": UnitNorm, "min_max_norm": MinMaxNorm},
                    classes=(MaxNorm, NonNeg, UnitNorm, MinMaxNorm), lower=True)


def get(identifier):
    """None, a Constraint, a name ("max_norm", "non_neg", "unit_norm") or a saved config."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str):
        return REGISTRY.create(identifier)
    if isinstance(identifier, dict):
        return REGISTRY.from_config(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"constraints must be Constraint objects or names, received {identifier!r}")


def serialize(constraint):
    if constraint is None:
        return None
    if not isinstance(constraint, Constraint):
        raise TypeError("a constraint given as a Python function cannot be saved without pickle")
    return REGISTRY.serialize(constraint)
