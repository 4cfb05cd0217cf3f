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

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad, "adamw": AdamW,
            "nadam": Nadam, "adadelta": Adadelta, "adamax": Adamax}
_CLASSES = {c.__name__: c for c in _BY_NAME.values()}


def get(identifier):
    """A Keras optimizer name ("adam", ...) or an Optimizer instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(f"unknown optimizer {identifier!r}; expected one of {sorted(_BY_NAME)}")
        return _BY_NAME[key]()
    if isinstance(identifier, dict):
        return _CLASSES[identifier["class_name"]].from_config(identifier["config"])
    raise TypeError(f"optimizer must be a name or an Optimizer, received {type(identifier).__name__}")


def serialize(opt):
    return {"class_name": type(opt).__name__, "config": opt.get_config()}
