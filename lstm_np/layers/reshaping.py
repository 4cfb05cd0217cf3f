"""Shape layers, as Keras 3: Flatten, Reshape, Permute. Each moves numbers without changing
them, so backward moves the gradient back the same way. None of them passes a mask on."""
import math

import numpy as np

from .base import Layer
from .checks import as_float_array


def _as_float(layer, x):
    x = np.asarray(x)
    if x.dtype.kind not in "iub":                   # token ids may be flattened or reshaped too
        x = as_float_array(x, layer.compute_dtype(x), f"{type(layer).__name__} {layer.name!r}")
    layer._ensure_built(x)
    return x


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1·d2·…)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Flatten supports data_format='channels_last', received {data_format!r}")

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(d is None for d in rest) else math.prod(rest))

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = _as_float(self, x)
        self._cache = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad_output):
        return np.asarray(grad_output).reshape(self._require_cache())


class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise TypeError(f"Reshape target_shape must be a tuple of ints, received {target_shape!r}") from None
        if any(d == 0 or d < -1 for d in target) or target.count(-1) > 1:
            raise ValueError(f"Reshape target_shape needs positive sizes and at most one -1, received {target}")
        self.target_shape = target

    def _resolve(self, rest):
        """target_shape with -1 filled in for inputs whose non-batch sizes are ``rest``."""
        if -1 not in self.target_shape or any(d is None for d in rest):
            return self.target_shape if -1 not in self.target_shape else \
                tuple(None if d == -1 else d for d in self.target_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        return tuple(math.prod(rest) // known if d == -1 else d for d in self.target_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = _as_float(self, x)
        n, want = math.prod(x.shape[1:]), self._resolve(x.shape[1:])
        if math.prod(want) != n:
            raise ValueError(f"Reshape {self.name!r}: cannot reshape {x.shape[1:]} ({n} values per sample) "
                             f"into {self.target_shape}")
        self._cache = x.shape
        return x.reshape((len(x),) + want)

    def backward(self, grad_output):
        return np.asarray(grad_output).reshape(self._require_cache())

    def get_config(self):
        cfg = super().get_config()
        cfg["target_shape"] = list(self.target_shape)
        return cfg


class Permute(Layer):
    """Reorders the non-batch axes: ``dims`` counts them from 1 (Keras), e.g. (2, 1) swaps
    steps and features."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(int(d) for d in dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute dims must be a permutation of 1..{len(dims)}, received {dims}")
        self.dims = dims

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = _as_float(self, x)
        if x.ndim != len(self.dims) + 1:
            raise ValueError(f"Permute {self.name!r} with dims={self.dims} expects inputs of rank "
                             f"{len(self.dims) + 1}, received shape {x.shape}")
        self._cache = True
        return np.transpose(x, (0,) + self.dims)

    def backward(self, grad_output):
        self._require_cache()
        return np.transpose(np.asarray(grad_output), np.argsort((0,) + self.dims))

    def get_config(self):
        cfg = super().get_config()
        cfg["dims"] = list(self.dims)
        return cfg
