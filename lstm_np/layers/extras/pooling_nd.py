"""2-D and 3-D pooling, as Keras 3 (channels_last), on ``core/convolution.py``'s windows:

    MaxPooling2D/3D       y = the largest entry of each window (per channel); its gradient goes
                          to that entry (the first on ties)
    AveragePooling2D/3D   y = the window's mean over the pixels inside the picture
    GlobalMax/AveragePooling2D/3D   over every spatial axis at once: (B, ..., C) -> (B, C)
"""
import numpy as np

from ...core import convolution as conv
from ..base import Layer
from ..checks import as_float_array, check_bool, check_rank
from .convolutional import _tuple, checked_layout


class _PoolingND(Layer):
    rank = None
    forward_op = backward_op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.pool_size = _tuple(pool_size, self.rank, f"{who} pool_size")
        self.strides = self.pool_size if strides is None else _tuple(strides, self.rank, f"{who} strides")
        self.padding = checked_layout(who, padding, data_format)

    def compute_output_shape(self, input_shape):
        spatial = [None if n is None else conv.output_size(n, k, s, 1, self.padding)[0]
                   for n, k, s in zip(input_shape[1:-1], self.pool_size, self.strides)]
        return (input_shape[0],) + tuple(spatial) + (input_shape[-1],)

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = f"{type(self).__name__} {self.name!r}"
        x = as_float_array(x, self.compute_dtype(x), who)
        check_rank(x, self.rank + 2, who, f"(batch, {self.rank} spatial axes, channels)")
        self._ensure_built(x)
        if 0 in self.compute_output_shape(x.shape):
            raise ValueError(f"{who}: an input of spatial shape {x.shape[1:-1]} is smaller than the pool "
                             f"{self.pool_size} with padding='valid'")
        y, self._cache = type(self).forward_op(x, self.pool_size, self.strides, self.padding)
        return y

    def backward(self, grad_output):
        cache = self._require_cache()
        return type(self).backward_op(np.asarray(grad_output), cache)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(pool_size=list(self.pool_size), strides=list(self.strides), padding=self.padding)
        return cfg


class MaxPooling2D(_PoolingND):
    rank = 2
    forward_op, backward_op = staticmethod(conv.max_pool_forward), staticmethod(conv.max_pool_backward)


class MaxPooling3D(_PoolingND):
    rank = 3
    forward_op, backward_op = staticmethod(conv.max_pool_forward), staticmethod(conv.max_pool_backward)


class AveragePooling2D(_PoolingND):
    rank = 2
    forward_op, backward_op = staticmethod(conv.average_pool_forward), staticmethod(conv.average_pool_backward)


class AveragePooling3D(_PoolingND):
    rank = 3
    forward_op, backward_op = staticmethod(conv.average_pool_forward), staticmethod(conv.average_pool_backward)


class _GlobalPoolingND(Layer):
    rank = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} supports data_format='channels_last', received {data_format!r}")
        self.keepdims = check_bool(keepdims, "keepdims")

    def _axes(self):
        return tuple(range(1, self.rank + 1))

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0],) + (1,) * self.rank + (input_shape[-1],)
        return (input_shape[0], input_shape[-1])

    def compute_mask(self, inputs, mask=None):
        return None

    def _input(self, x):
        who = f"{type(self).__name__} {self.name!r}"
        x = as_float_array(x, self.compute_dtype(x), who)
        check_rank(x, self.rank + 2, who, f"(batch, {self.rank} spatial axes, channels)")
        self._ensure_built(x)
        return x

    def get_config(self):
        cfg = super().get_config()
        cfg["keepdims"] = self.keepdims
        return cfg


class _GlobalAverage(_GlobalPoolingND):
    """y = the mean over every spatial axis;  dx = ḡ / (number of pixels), everywhere."""

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = self._input(x)
        self._cache = x.shape
        return x.mean(axis=self._axes(), keepdims=self.keepdims)

    def backward(self, grad_output):
        shape = self._require_cache()
        g = np.asarray(grad_output)
        if not self.keepdims:
            g = np.expand_dims(g, self._axes())
        return np.broadcast_to(g / np.prod(shape[1:-1]), shape).copy()


class _GlobalMax(_GlobalPoolingND):
    """y = the largest entry over every spatial axis;  ḡ goes to it (the first on ties)."""

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = self._input(x)
        flat = x.reshape(x.shape[0], -1, x.shape[-1])
        pick = np.argmax(flat, axis=1)                                     # (B, C)
        self._cache = (pick, x.shape)
        y = np.take_along_axis(flat, pick[:, None], axis=1)[:, 0]
        return y.reshape(self.compute_output_shape(x.shape)) if self.keepdims else y

    def backward(self, grad_output):
        pick, shape = self._require_cache()
        g = np.asarray(grad_output).reshape(shape[0], shape[-1])
        d = np.zeros((shape[0], int(np.prod(shape[1:-1])), shape[-1]), g.dtype)
        np.put_along_axis(d, pick[:, None], g[:, None], axis=1)
        return d.reshape(shape)


class GlobalAveragePooling2D(_GlobalAverage):
    rank = 2


class GlobalAveragePooling3D(_GlobalAverage):
    rank = 3


class GlobalMaxPooling2D(_GlobalMax):
    rank = 2


class GlobalMaxPooling3D(_GlobalMax):
    rank = 3
