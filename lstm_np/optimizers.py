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
import math

import numpy as np

from . import backend, schedules

def _check_count(value, who):
    """A non-negative integer scalar (an iteration count read from a file)."""
    arr = np.asarray(value)
    if arr.shape != () or not np.issubdtype(arr.dtype, np.number) or not np.isfinite(arr) \
            or arr < 0 or arr != np.floor(arr) or arr > 2 ** 62:
        raise ValueError(f"{who} must be an integer >= 0, received {value!r}")
    return int(arr)


def _copy_into(store, key, a):
    """a copied into store[key], a buffer reused while the shape and dtype stay the same."""
    buf = store.get(key)
    if buf is None or buf.shape != a.shape or buf.dtype != a.dtype:
        buf = store[key] = np.empty_like(a)
    np.copyto(buf, a)
    return buf


def _check_float(value, what, low=0.0, inclusive=True, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{what} must be a number, received {value!r}")
    v = float(value)
    if not math.isfinite(v) or (v < low if inclusive else v <= low) or (high is not None and v > high):
        bound = f"{'>=' if inclusive else '>'} {low}" + (f" and <= {high}" if high is not None else "")
        raise ValueError(f"{what} must be {bound}, received {value!r}")
    return v


class Optimizer:
    """Base class: learning rate (a float, a schedule, or a zero-argument callable), clipping,
    decoupled weight decay, per-parameter slots, and the step counter ``iterations``."""

    slot_names = ()

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, lr=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 decay=0.0, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(kwargs)}")
        unsupported = [k for k, v in (("use_ema", use_ema), ("ema_overwrite_frequency", ema_overwrite_frequency),
                                      ("loss_scale_factor", loss_scale_factor),
                                      ("gradient_accumulation_steps", gradient_accumulation_steps)) if v]
        if unsupported:
            raise ValueError(f"{type(self).__name__}: {unsupported} are not supported by lstm_np "
                             "(leave them at their defaults)")
        if lr is not None:                      # old Keras spelling
            learning_rate = lr
        self._learning_rate = self._check_learning_rate(learning_rate)
        self.weight_decay = None if weight_decay is None else _check_float(weight_decay, "weight_decay")
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
        # Keras 2's decay: each step uses lr / (1 + decay · iterations) (Keras 3 dropped it for
        # schedules; classic scripts still write Adam(lr=0.001, decay=1e-6)).
        self.decay = _check_float(decay, "decay")
        self.iterations = 0
        self.slots = {s: {} for s in self.slot_names}   # slot -> {param name: array}

    # -- learning rate -------------------------------------------------------------------
    @staticmethod
    def _check_learning_rate(value):
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            return value
        return _check_float(value, "learning_rate")

    @property
    def learning_rate(self):
        """The learning rate of the next step (a schedule evaluated at ``iterations``)."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return float(lr(self.iterations))
        if callable(lr):
            return float(lr())
        return lr

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(self._learning_rate, schedules.LearningRateSchedule) and \
                not isinstance(value, schedules.LearningRateSchedule) and not callable(value):
            raise TypeError("This optimizer was created with a LearningRateSchedule as its learning_rate, "
                            "hence its learning rate is not settable; create it with a float learning_rate")
        self._learning_rate = self._check_learning_rate(value)

    lr = learning_rate                       # Keras 2's name (model.optimizer.lr)

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
        arr = table[name]
        if arr.shape != param.shape or arr.dtype != param.dtype:       # the compiled updates index
            raise ValueError(f"optimizer {type(self).__name__}: slot {slot!r} of {name!r} has shape "  # without checks
                             f"{arr.shape} {arr.dtype}, the weight {param.shape} {param.dtype}")
        return arr

    def apply_gradients(self, pairs):
        """pairs: list of (name, param, grad). Keras's order: clip the gradients, decay the
        weights (p -= p · weight_decay · lr), update each param in place, iterations += 1."""
        pairs = list(pairs)
        grads = self.clip_gradients([np.asarray(g) for _, _, g in pairs])
        lr = self.learning_rate
        if self.decay:
            lr = lr / (1.0 + self.decay * self.iterations)
        self._lr_now = lr
        if self.weight_decay:
            for _, p, _ in pairs:
                p -= p * (p.dtype.type(self.weight_decay) * p.dtype.type(lr))
        for (name, p, _), g in zip(pairs, grads):
            self.update_step(name, p, g.astype(p.dtype, copy=False))
        self.iterations += 1

    def update_step(self, name, p, g):
        raise NotImplementedError

    def guarded_apply(self, pairs, finite, after=None):
        """``apply_gradients`` (then ``after()``, e.g. the constraints), undone if any weight is
        no longer finite: weights, slots and iteration count go back to what they were and a
        NonFiniteError says so (a step of SGD(1e38) once left every weight inf). ``finite(a)`` is
        the one-pass check. The copies go into buffers kept between steps: no allocation."""
        pairs = list(pairs)
        backup = self.__dict__.setdefault("_backup", {})
        held = [(p, _copy_into(backup, ("param", name), p)) for name, p, _ in pairs]
        held += [(arr, _copy_into(backup, (slot, name), arr))
                 for slot, table in self.slots.items() for name, arr in table.items()]
        existing = {slot: set(table) for slot, table in self.slots.items()}
        scalars = self._scalar_state()
        with np.errstate(over="ignore", invalid="ignore"):      # an overflow is reported below
            self.apply_gradients(pairs)
            if after is not None:
                after()
        bad = next((name for name, p, _ in pairs if not finite(p)), None)
        if bad is None:
            return
        for arr, saved in held:
            np.copyto(arr, saved)
        for slot, table in self.slots.items():              # slots this step created go again
            for name in set(table) - existing[slot]:
                del table[name]
        self.__dict__.update(scalars)
        from .errors import NonFiniteError
        raise NonFiniteError(f"the update made {bad} non-finite at iteration {self.iterations}: weights and "
                             "optimizer state are left at their last finite values (lower the learning rate "
                             "or clip the gradients)")

    def _scalar_state(self):
        """The numbers besides the slots that a step changes (restored by guarded_apply)."""
        return {"iterations": self.iterations}

    # -- state (for save/load) -----------------------------------------------------------
    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif callable(lr):
            lr = float(lr())                   # a Python callable cannot be saved: its value is
        config = {"learning_rate": lr, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm,
                  "name": self.name}
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def get_state(self):
        """Flat dict of arrays: the iteration count and every slot variable."""
        state = {"iterations": np.array(self.iterations, np.int64)}
        for slot, table in self.slots.items():
            for name, arr in table.items():
                state[f"{slot}/{name}"] = arr
        return state

    def set_state(self, state, params=None):
        """Restore ``get_state()``'s dict. With ``params`` ((name, param, grad) as the model lists
        them) every slot must belong to a parameter and have its shape; each is cast to the
        parameter's dtype and must be finite. All is checked before anything changes."""
        who = f"optimizer {type(self).__name__}"
        if "iterations" not in state:
            raise ValueError(f"{who}: the state has no 'iterations'")
        iterations = _check_count(state["iterations"], f"{who}: iterations")
        by_name = None if params is None else {name: p for name, p, _ in params}
        slots = {s: {} for s in self.slot_names}
        for key, arr in state.items():
            if key == "iterations":
                continue
            slot, _, name = key.partition("/")
            if slot not in slots or not name:
                raise ValueError(f"{who} has no slot {key!r} (its slots: {list(self.slot_names)})")
            arr = np.asarray(arr)
            if not np.issubdtype(arr.dtype, np.floating) and not np.issubdtype(arr.dtype, np.integer):
                raise ValueError(f"{who}: slot {key!r} must hold real numbers, received dtype {arr.dtype}")
            if by_name is not None:
                if name not in by_name:
                    raise ValueError(f"{who}: slot {key!r} names no parameter of this model")
                p = by_name[name]
                if arr.shape != p.shape:
                    raise ValueError(f"{who}: slot {key!r} has shape {arr.shape}, its parameter {p.shape}")
                arr = arr.astype(p.dtype)
            else:
                arr = np.array(arr)
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{who}: slot {key!r} holds NaN or inf")
            slots[slot][name] = arr
        self.iterations, self.slots = iterations, slots

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


class SGD(Optimizer):
    slot_names = ("momentum",)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = _check_float(momentum, "momentum", high=1.0)
        self.nesterov = bool(nesterov)

    def update_step(self, name, p, g):
        lr = self._lr_now
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
        rho, lr = self.rho, self._lr_now
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
        key = (self.iterations, dt, self._lr_now)
        if self._cached_key != key:
            t = dt.type(self.iterations + 1)
            one = dt.type(1)
            b1t, b2t = dt.type(self.beta_1) ** t, dt.type(self.beta_2) ** t
            alpha = dt.type(self._lr_now) * np.sqrt(one - b2t) / (one - b1t)
            self._cached = (alpha, dt.type(1 - self.beta_1), dt.type(1 - self.beta_2), dt.type(self.epsilon))
            self._cached_key = key
        return self._cached

    def update_step(self, name, p, g):
        alpha, omb1, omb2, eps = self._scalars(p.dtype)
        m = self.slot("m", name, p)
        v = self.slot("v", name, p)
        if (not self.amsgrad and backend.compiled() and p.flags.c_contiguous
                and g.flags.c_contiguous and g.dtype == p.dtype):
            backend.implementation("updates").adam_update(p, g, m, v, alpha, omb1, omb2, eps)   # compiled
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
        p -= self._lr_now * g / np.sqrt(a + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): weight_decay defaults to 0.004."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW needs a weight_decay (a float); use Adam for none")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, **kwargs)


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat 2016), as Keras 3 computes it::

        u_t = β1 (1 - ½ 0.96^t),  u_{t+1} likewise,  Π_t = Π_{t-1} u_t
        m += (g - m)(1-β1);  v += (g² - v)(1-β2)
        m̂ = u_{t+1} m / (1 - Π_t u_{t+1}) + (1 - u_t) g / (1 - Π_t);   v̂ = v / (1 - β2^t)
        p -= lr m̂ / (sqrt(v̂) + ε)
    """

    slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = _check_float(beta_1, "beta_1", high=1.0)
        self.beta_2 = _check_float(beta_2, "beta_2", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")
        self.u_product = 1.0
        self._u_step = None

    def apply_gradients(self, pairs):
        t = self.iterations + 1                 # Π_t is updated once per step, before the updates
        self.u_product = float(np.float32(self.u_product) * np.float32(self.beta_1)
                               * (np.float32(1) - np.float32(0.5) * np.float32(0.96) ** np.float32(t)))
        super().apply_gradients(pairs)

    def update_step(self, name, p, g):
        dt = p.dtype.type
        t, t1 = dt(self.iterations + 1), dt(self.iterations + 2)
        b1, b2 = dt(self.beta_1), dt(self.beta_2)
        u_t = b1 * (dt(1) - dt(0.5) * dt(0.96) ** t)
        u_t1 = b1 * (dt(1) - dt(0.5) * dt(0.96) ** t1)
        prod = dt(self.u_product)
        m, v = self.slot("m", name, p), self.slot("v", name, p)
        m += (g - m) * (dt(1) - b1)
        v += (np.square(g) - v) * (dt(1) - b2)
        m_hat = u_t1 * m / (dt(1) - prod * u_t1) + (dt(1) - u_t) * g / (dt(1) - prod)
        v_hat = v / (dt(1) - b2 ** t)
        p -= m_hat * dt(self._lr_now) / (np.sqrt(v_hat) + dt(self.epsilon))

    def get_state(self):
        return {**super().get_state(), "u_product": np.array(self.u_product)}

    def _scalar_state(self):
        return {**super()._scalar_state(), "u_product": self.u_product}

    def set_state(self, state, params=None):
        state = dict(state)
        u = np.asarray(state.pop("u_product", 1.0))
        if u.shape != () or not np.issubdtype(u.dtype, np.number) or not np.isfinite(u):
            raise ValueError(f"optimizer Nadam: u_product must be a finite number, received {u!r}")
        super().set_state(state, params)
        self.u_product = float(u)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012)::

        a = ρ a + (1-ρ) g²;   Δ = -sqrt(d + ε) g / sqrt(a + ε);   d = ρ d + (1-ρ) Δ²;   p += lr Δ
    """

    slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = _check_float(rho, "rho", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")

    def update_step(self, name, p, g):
        dt = p.dtype.type
        rho, eps = dt(self.rho), dt(self.epsilon)
        a, d = self.slot("accumulated_grad", name, p), self.slot("accumulated_delta_var", name, p)
        a[...] = rho * a + (dt(1) - rho) * np.square(g)
        delta = -(np.sqrt(d + eps) * g) / np.sqrt(a + eps)
        d[...] = rho * d + (dt(1) - rho) * np.square(delta)
        p += dt(self._lr_now) * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adamax(Optimizer):
    """Adamax (Kingma & Ba 2015, the infinity norm)::

        m += (g - m)(1-β1);   u = max(β2 u, |g|);   p -= lr m / ((1 - β1^t)(u + ε))
    """

    slot_names = ("m", "u")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = _check_float(beta_1, "beta_1", high=1.0)
        self.beta_2 = _check_float(beta_2, "beta_2", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")

    def update_step(self, name, p, g):
        dt = p.dtype.type
        b1t = dt(self.beta_1) ** dt(self.iterations + 1)
        m, u = self.slot("m", name, p), self.slot("u", name, p)
        m += (g - m) * (dt(1) - dt(self.beta_1))
        np.maximum(dt(self.beta_2) * u, np.abs(g), out=u)
        p -= dt(self._lr_now) * m / ((dt(1) - b1t) * (u + dt(self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


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
