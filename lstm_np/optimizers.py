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
"""
import math

import numpy as np

from . import backend

_KERNELS = None


def _kernels():
    """The compiled optimizer kernels, imported on first use."""
    global _KERNELS
    if _KERNELS is None:
        from .core.kernels import optim
        _KERNELS = optim
    return _KERNELS


def _check_float(value, what, low=0.0, inclusive=True, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{what} must be a number, received {value!r}")
    v = float(value)
    if not math.isfinite(v) or (v < low if inclusive else v <= low) or (high is not None and v > high):
        bound = f"{'>=' if inclusive else '>'} {low}" + (f" and <= {high}" if high is not None else "")
        raise ValueError(f"{what} must be {bound}, received {value!r}")
    return v


class Optimizer:
    slot_names = ()

    def __init__(self, learning_rate, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, lr=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(kwargs)}")
        if lr is not None:                      # old Keras spelling
            learning_rate = lr
        self.learning_rate = _check_float(learning_rate, "learning_rate")
        given = [k for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(given) > 1:
            raise ValueError(f"only one of clipnorm, clipvalue, global_clipnorm can be set, "
                             f"received {given}")
        self.clipnorm = None if clipnorm is None else _check_float(clipnorm, "clipnorm", inclusive=False)
        self.clipvalue = None if clipvalue is None else _check_float(clipvalue, "clipvalue", inclusive=False)
        self.global_clipnorm = (None if global_clipnorm is None
                                else _check_float(global_clipnorm, "global_clipnorm", inclusive=False))
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self.slots = {s: {} for s in self.slot_names}   # slot -> {param name: array}

    # -- clipping ------------------------------------------------------------------------
    def clip_gradients(self, grads):
        """Return clipped copies of ``grads`` (a list of arrays), as Keras does."""
        if self.clipnorm:
            out = []
            for g in grads:
                norm = math.sqrt(float(np.sum(np.square(g, dtype=np.float64))))
                out.append(g * (self.clipnorm / max(norm, self.clipnorm)) if norm > 0 else g)
            return out
        if self.global_clipnorm:
            norm = math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads))
            scale = self.global_clipnorm * min(1.0 / norm if norm > 0 else math.inf,
                                                1.0 / self.global_clipnorm)
            return [g * scale for g in grads]
        if self.clipvalue:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return list(grads)

    # -- updating ------------------------------------------------------------------------
    def slot(self, slot, name, param, init=0.0):
        table = self.slots[slot]
        if name not in table:
            table[name] = np.full_like(param, init)
        return table[name]

    def apply_gradients(self, pairs):
        """pairs: list of (name, param, grad). Updates params in place, then iterations += 1."""
        pairs = list(pairs)
        grads = self.clip_gradients([np.asarray(g) for _, _, g in pairs])
        for (name, p, _), g in zip(pairs, grads):
            self.update_step(name, p, g.astype(p.dtype, copy=False))
        self.iterations += 1

    def update_step(self, name, p, g):
        raise NotImplementedError

    # -- state (for save/load) -----------------------------------------------------------
    def get_config(self):
        return {"learning_rate": self.learning_rate, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm,
                "name": self.name}

    def get_state(self):
        """Flat dict of arrays: the iteration count and every slot variable."""
        state = {"iterations": np.array(self.iterations, np.int64)}
        for slot, table in self.slots.items():
            for name, arr in table.items():
                state[f"{slot}/{name}"] = arr
        return state

    def set_state(self, state):
        self.iterations = int(state["iterations"])
        self.slots = {s: {} for s in self.slot_names}
        for key, arr in state.items():
            if key == "iterations":
                continue
            slot, name = key.split("/", 1)
            if slot not in self.slots:
                raise ValueError(f"optimizer {type(self).__name__} has no slot {slot!r}")
            self.slots[slot][name] = np.array(arr)

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


class SGD(Optimizer):
    slot_names = ("momentum",)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = _check_float(momentum, "momentum", high=1.0)
        self.nesterov = bool(nesterov)

    def update_step(self, name, p, g):
        lr = self.learning_rate
        if self.momentum == 0:
            p -= g * lr
            return
        m = self.slot("momentum", name, p)
        m[...] = m * self.momentum - g * lr
        if self.nesterov:
            p += m * self.momentum - g * lr
        else:
            p += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    slot_names = ("velocity", "momentum", "average_gradient")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = _check_float(rho, "rho", high=1.0)
        self.momentum = _check_float(momentum, "momentum", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")
        self.centered = bool(centered)

    def update_step(self, name, p, g):
        rho, lr = self.rho, self.learning_rate
        v = self.slot("velocity", name, p)
        v[...] = rho * v + (1 - rho) * np.square(g)
        if self.centered:
            a = self.slot("average_gradient", name, p)
            a[...] = rho * a + (1 - rho) * g
            denominator = v - np.square(a) + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = lr * g / np.sqrt(denominator)
        if self.momentum > 0:
            m = self.slot("momentum", name, p)
            m[...] = self.momentum * m + increment
            p -= m
        else:
            p -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adam(Optimizer):
    slot_names = ("m", "v", "v_hat")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = _check_float(beta_1, "beta_1", high=1.0)
        self.beta_2 = _check_float(beta_2, "beta_2", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")
        self.amsgrad = bool(amsgrad)
        self._cached_key = None

    def _scalars(self, dt):
        """α_t = lr·sqrt(1-β2^t)/(1-β1^t) and the constants, in the parameter's precision
        (as Keras computes them), once per step and dtype."""
        key = (self.iterations, dt)
        if self._cached_key != key:
            t = dt.type(self.iterations + 1)
            one = dt.type(1)
            b1t, b2t = dt.type(self.beta_1) ** t, dt.type(self.beta_2) ** t
            alpha = dt.type(self.learning_rate) * np.sqrt(one - b2t) / (one - b1t)
            self._cached = (alpha, dt.type(1 - self.beta_1), dt.type(1 - self.beta_2), dt.type(self.epsilon))
            self._cached_key = key
        return self._cached

    def update_step(self, name, p, g):
        alpha, omb1, omb2, eps = self._scalars(p.dtype)
        m = self.slot("m", name, p)
        v = self.slot("v", name, p)
        if (not self.amsgrad and backend.get_backend() == "numba" and p.flags.c_contiguous
                and g.flags.c_contiguous and g.dtype == p.dtype):
            _kernels().adam_update(p, g, m, v, alpha, omb1, omb2, eps)   # same arithmetic, compiled
            return
        m += (g - m) * omb1
        v += (np.square(g) - v) * omb2
        if self.amsgrad:
            vh = self.slot("v_hat", name, p)
            np.maximum(vh, v, out=vh)
            v = vh
        p -= (m * alpha) / (np.sqrt(v) + eps)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class Adagrad(Optimizer):
    slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = _check_float(initial_accumulator_value,
                                                      "initial_accumulator_value")
        self.epsilon = _check_float(epsilon, "epsilon")

    def update_step(self, name, p, g):
        a = self.slot("accumulator", name, p, self.initial_accumulator_value)
        a += np.square(g)
        p -= self.learning_rate * g / np.sqrt(a + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad}
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
        return _CLASSES[identifier["class_name"]](**identifier["config"])
    raise TypeError(f"optimizer must be a name or an Optimizer, received {type(identifier).__name__}")


def serialize(opt):
    return {"class_name": type(opt).__name__, "config": opt.get_config()}
