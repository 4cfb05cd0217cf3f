"""The Optimizer base class: learning rate (a float, a schedule or a callable), weight decay,
clipping, slots, the guarded step, state and config. The update rules are in ``plain.py``
(SGD, RMSprop, Adagrad, Adadelta) and ``adaptive.py`` (Adam, AdamW, Nadam, Adamax)."""
import math

import numpy as np

from .. import schedules


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
        from ..errors import NonFiniteError
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
