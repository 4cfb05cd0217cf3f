"""Weight initializers with Keras names and formulas.

Each initializer is called as ``init(shape, dtype, rng)`` with an explicit
``np.random.Generator``: no global random state anywhere. A Keras-style one — a function
``f(shape, dtype=None)`` or an Initializer subclass whose ``__call__`` takes no generator — is
accepted as it is (``get`` wraps it).
"""
import math

import numpy as np
from .registry import Registry


def _fans(shape):
    """Keras's fan computation: 2-D (fan_in, fan_out) = shape; 1-D uses the one size."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    seed = None          # Keras 3: an int seed draws the same values at every call

    def __call__(self, shape, dtype, rng):
        raise NotImplementedError

    def _generator(self, rng):
        """The layer's generator, or this initializer's own when it was given a seed."""
        return rng if self.seed is None else np.random.default_rng(self.seed)

    def _seeded(self, config):
        return config if self.seed is None else dict(config, seed=self.seed)

    def get_config(self):
        return {}

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


class Zeros(Initializer):
    def __call__(self, shape, dtype, rng):
        return np.zeros(shape, dtype)


class Ones(Initializer):
    def __call__(self, shape, dtype, rng):
        return np.ones(shape, dtype)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = float(value)

    def __call__(self, shape, dtype, rng):
        return np.full(shape, self.value, dtype)

    def get_config(self):
        return {"value": self.value}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = float(minval), float(maxval), seed

    def __call__(self, shape, dtype, rng):
        rng = self._generator(rng)
        return rng.uniform(self.minval, self.maxval, size=shape).astype(dtype)

    def get_config(self):
        return self._seeded({"minval": self.minval, "maxval": self.maxval})


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.seed = seed
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype, rng):
        rng = self._generator(rng)
        return rng.normal(self.mean, self.stddev, size=shape).astype(dtype)

    def get_config(self):
        return self._seeded({"mean": self.mean, "stddev": self.stddev})


class VarianceScaling(Initializer):
    """uniform: U(-limit, limit), limit = sqrt(3 scale / n); normal: truncated N(0, σ)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        self.seed = seed
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape, dtype, rng):
        rng = self._generator(rng)
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return rng.uniform(-limit, limit, size=shape).astype(dtype)
        stddev = math.sqrt(scale) / 0.87962566103423978   # Keras's truncated-normal correction
        out = rng.normal(0.0, stddev, size=shape)
        bad = np.abs(out) > 2 * stddev
        while bad.any():                                  # redraw outside two stddevs
            out[bad] = rng.normal(0.0, stddev, size=int(bad.sum()))
            bad = np.abs(out) > 2 * stddev
        return out.astype(dtype)

    def get_config(self):
        return self._seeded({"scale": self.scale, "mode": self.mode, "distribution": self.distribution})


class GlorotUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform", seed=seed)

    def get_config(self):
        return self._seeded({})


class GlorotNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed=seed)

    def get_config(self):
        return self._seeded({})


class HeUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed=seed)

    def get_config(self):
        return self._seeded({})


class HeNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed=seed)

    def get_config(self):
        return self._seeded({})


class Orthogonal(Initializer):
    """Keras's orthogonal: QR of a Gaussian matrix, signs fixed by diag(R)."""

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = float(gain), seed

    def __call__(self, shape, dtype, rng):
        rng = self._generator(rng)
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return self._seeded({"gain": self.gain})


class TruncatedNormal(Initializer):
    """N(mean, stddev) redrawn outside two standard deviations (Keras's TruncatedNormal)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = float(mean), float(stddev), seed

    def __call__(self, shape, dtype, rng):
        rng = self._generator(rng)
        out = rng.normal(0.0, self.stddev, size=shape)
        bad = np.abs(out) > 2 * self.stddev
        while bad.any():
            out[bad] = rng.normal(0.0, self.stddev, size=int(bad.sum()))
            bad = np.abs(out) > 2 * self.stddev
        return (out + self.mean).astype(dtype)

    def get_config(self):
        return self._seeded({"mean": self.mean, "stddev": self.stddev})


class LecunUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "uniform", seed=seed)

    def get_config(self):
        return self._seeded({})


class LecunNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed=seed)

    def get_config(self):
        return self._seeded({})


class Identity(Initializer):
    """gain · I (Keras's Identity / IdentityInitializer): a 2-D weight only (the IRNN's recurrent
    kernel, Le, Jaitly & Hinton 2015); a non-square one gets the identity's top-left part."""

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape, dtype, rng):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer can only be used for 2D matrices. Received: shape={tuple(shape)} "
                             f"of rank {len(shape)}.")
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity


class _KerasCallable(Initializer):
    """A Keras-style initializer, ``f(shape, dtype=None)`` (a function, or an Initializer whose
    ``__call__`` takes no generator), called as this project calls every initializer."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, shape, dtype, rng):
        return np.asarray(self.fn(tuple(shape), dtype=dtype), dtype)

    def __repr__(self):
        return f"KerasStyle({self.fn!r})"


def _takes_generator(fn):
    """Does ``fn`` take (shape, dtype, rng) — this project's form — rather than Keras's (shape, dtype=None)?"""
    import inspect
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return True
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 3 or any(p.name == "rng" for p in positional)


REGISTRY = Registry("initializer", {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "uniform": RandomUniform, "random_uniform": RandomUniform,
    "normal": RandomNormal, "random_normal": RandomNormal,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal,
    "orthogonal": Orthogonal, "variance_scaling": VarianceScaling,
    "identity": Identity, "truncated_normal": TruncatedNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
})
for _cls in set(REGISTRY.names.values()):
    REGISTRY.add_class(_cls)


def get(identifier):
    """Resolve a Keras initializer name, an Initializer, or any callable(shape, dtype, rng)."""
    if isinstance(identifier, str):
        return REGISTRY.create(identifier)
    if isinstance(identifier, dict):          # from a saved config
        cls = REGISTRY.get_class(identifier["class_name"])
        return cls(**identifier["config"])
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        identifier = identifier()                       # Keras accepts the class itself
    if callable(identifier):
        return identifier if _takes_generator(identifier) else _KerasCallable(identifier)
    raise TypeError(f"initializer must be a name or a callable, received {type(identifier).__name__}")


def serialize(init):
    if isinstance(init, Initializer) and type(init).__name__ in REGISTRY.classes:
        return REGISTRY.serialize(init)
    raise ValueError(f"cannot save a custom initializer {init!r}; use a Keras initializer name")
