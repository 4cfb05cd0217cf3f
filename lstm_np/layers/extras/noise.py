"""Regularisation and activation layers, as Keras 3.

    SpatialDropout1D(rate)   training: whole feature channels dropped, one mask per sample
                             x ⊙ m / (1 - rate), m (B, 1, D) ~ Bernoulli(1 - rate)
    GaussianNoise(stddev)    training: x + ε, ε ~ N(0, stddev²); backward passes g through
    ReLU(max_value, negative_slope, threshold)
                             y = min(x, max_value) for x >= threshold, else negative_slope (x - threshold)
    LeakyReLU(negative_slope=0.3)
    Softmax(axis=-1)         masked entries (mask broadcast to x) get probability 0

Inference: the noise layers are the identity. The activation layers keep the mask; Keras 3's
SpatialDropout1D drops it.
"""
import numpy as np

from ...core import activations as A
from ..base import Layer
from ..checks import as_float_array, check_rank, check_rate
from ...core.dropout import dropout_mask


class SpatialDropout1D(Layer):
    supports_masking = True                 # Keras 3's value for this layer
    draws_random = property(lambda self: self.rate > 0)         # Keras: a SeedGenerator when rate > 0
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(rate, "SpatialDropout1D rate")

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = f"SpatialDropout1D {self.name!r}"
        x = as_float_array(x, self.compute_dtype(x), who)
        check_rank(x, 3, who, "(batch, steps, features)")
        self._ensure_built(x)
        if not training or self.rate == 0:
            self._cache = (None,)
            return x
        m = dropout_mask(self.rng, (x.shape[0], 1, x.shape[2]), self.rate, x.dtype)
        self._cache = (m,)
        return x * m

    def backward(self, grad_output):
        (m,) = self._require_cache()
        g = np.asarray(grad_output)
        return g if m is None else g * m

    def get_config(self):
        cfg = super().get_config()
        cfg["rate"] = self.rate
        return cfg


class GaussianNoise(Layer):
    supports_masking = True                 # Keras 3's value for this layer
    draws_random = property(lambda self: self.stddev > 0)       # Keras: a SeedGenerator when stddev > 0
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(f"GaussianNoise stddev must be a number >= 0, received {stddev!r}")
        self.stddev = float(stddev)

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = as_float_array(x, self.compute_dtype(x), f"GaussianNoise {self.name!r}")
        self._ensure_built(x)
        self._cache = True
        if not training or self.stddev == 0:
            return x
        return x + self.rng.normal(0.0, self.stddev, x.shape).astype(x.dtype)

    def backward(self, grad_output):
        self._require_cache()
        return np.asarray(grad_output)

    def get_config(self):
        cfg = super().get_config()
        cfg["stddev"] = self.stddev
        return cfg


class ReLU(Layer):
    supports_masking = True                 # Keras 3's value for this layer
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, v in (("negative_slope", negative_slope), ("threshold", threshold)):
            if v is None or v < 0:
                raise ValueError(f"{type(self).__name__} {name} must be >= 0, received {v!r}")
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU max_value must be >= 0, received {max_value!r}")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope, self.threshold = float(negative_slope), float(threshold)

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = as_float_array(x, self.compute_dtype(x), f"{type(self).__name__} {self.name!r}")
        self._ensure_built(x)
        dt = x.dtype.type
        above = x >= dt(self.threshold)
        y = np.where(above, x, dt(self.negative_slope) * (x - dt(self.threshold)))
        slope = np.where(above, dt(1), dt(self.negative_slope))
        if self.max_value is not None:
            capped = x >= dt(self.max_value)
            y = np.where(capped, dt(self.max_value), y)
            slope = np.where(capped, dt(0), slope)
        self._cache = slope
        return y

    def backward(self, grad_output):
        return np.asarray(grad_output) * self._require_cache()

    def get_config(self):
        cfg = super().get_config()
        cfg.update(max_value=self.max_value, negative_slope=self.negative_slope, threshold=self.threshold)
        return cfg


class LeakyReLU(ReLU):
    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:                       # Keras 2's name
            negative_slope = kwargs.pop("alpha")
        super().__init__(negative_slope=negative_slope, **kwargs)

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg["negative_slope"] = self.negative_slope
        return cfg


class Softmax(Layer):
    supports_masking = True                 # Keras 3's value for this layer
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"Softmax supports one integer axis, received {axis!r}")
        self.axis = axis

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = as_float_array(x, self.compute_dtype(x), f"Softmax {self.name!r}")
        self._ensure_built(x)
        keep = None
        if mask is not None:
            keep = np.asarray(mask, bool)
            keep = keep.reshape(keep.shape + (1,) * (x.ndim - keep.ndim))   # a (B, T) mask over (B, T, D)
            x = np.where(keep, x, x.dtype.type(-1e9))
        y = np.moveaxis(A.softmax(np.moveaxis(x, self.axis, -1)), -1, self.axis)
        if keep is not None:
            y = np.where(keep, y, 0)
        self._cache = (y, keep)
        return y

    def backward(self, grad_output):
        y, keep = self._require_cache()
        g = np.asarray(grad_output, y.dtype)
        dz = np.moveaxis(A.softmax_backward(np.moveaxis(y, self.axis, -1), np.moveaxis(g, self.axis, -1)),
                         -1, self.axis)
        return dz if keep is None else np.where(keep, dz, 0)

    def get_config(self):
        cfg = super().get_config()
        cfg["axis"] = self.axis
        return cfg
