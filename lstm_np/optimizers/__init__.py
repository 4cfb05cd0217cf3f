"""Optimizers with Keras 3 names, defaults and update rules. Clipping lives here.

``apply_gradients(pairs)`` takes ``(name, param, grad)`` triples and updates each
param in place. Before any update, the gradients are clipped (Keras order:
``clipnorm`` per tensor, else ``global_clipnorm`` over all tensors, else ``clipvalue``).
Backward passes never clip: they return raw gradients.

Update rules (g = clipped gradient, t = iterations + 1):

    SGD       m = μ m - lr g;  p += m            (nesterov: p += μ m - lr g);  μ = 0: p -= lr g
    RMSprop   v = ρ v + (1-ρ) g²;  p -= lr g / sqrt(v + ε)     (momentum, centered as Keras)
    Adam      m += (g - m)(1-β1);  v += (g² - v)(1-β2)
              p -= lr sqrt(1-β2^t)/(1-β1^t) · m / (sqrt(v) + ε)
    Adagrad   a += g²;  p -= lr g / sqrt(a + ε)     (a starts at initial_accumulator_value)
    Nadam, Adadelta, Adamax: see their classes;  AdamW = Adam with weight_decay=0.004

Every optimizer takes ``weight_decay`` (decoupled, applied before the update as Keras 3 does:
p -= p · weight_decay · lr) and a ``learning_rate`` that is a float, a schedule from
``optimizers.schedules`` (evaluated at ``iterations``) or a zero-argument callable;
``optimizer.learning_rate`` reads and sets it (callbacks change it).
"""
from .. import schedules  # noqa: F401  (keras.optimizers.schedules)
from .adaptive import Adam, Adamax, AdamW, Nadam
from .base import Optimizer
from .plain import SGD, Adadelta, Adagrad, RMSprop
from ..registry import Registry

_RULES = (SGD, RMSprop, Adam, Adagrad, AdamW, Nadam, Adadelta, Adamax)
REGISTRY = Registry("optimizer", {c.__name__.lower(): c for c in _RULES}, classes=_RULES, lower=True)


def get(identifier):
    """A Keras optimizer name ("adam", ...) or an Optimizer instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return REGISTRY.create(identifier)
    if isinstance(identifier, dict):
        return REGISTRY.from_config(identifier)
    raise TypeError(f"optimizer must be a name or an Optimizer, received {type(identifier).__name__}")


def serialize(opt):
    return REGISTRY.serialize(opt)
