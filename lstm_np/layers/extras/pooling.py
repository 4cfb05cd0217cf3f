"""Pooling over time, as Keras 3 has it (channels_last: x is (batch, steps, features)).

    GlobalAveragePooling1D   y = Σ_t m_t x_t / Σ_t m_t      (m the mask; all ones without one)
    GlobalMaxPooling1D       y = max_t x_t                  (Keras ignores the mask here)
    MaxPooling1D             y_s = max of window s          windows of pool_size, every strides
    AveragePooling1D         y_s = mean of window s         ("same": the mean of the real entries)

Backward: the average spreads g evenly over what it averaged; the max sends g to the entry
that was largest. Only GlobalAveragePooling1D reads the mask; none passes one on (Keras 3).
"""
import numpy as np

from ..base import Layer
from ..checks import as_float_array, check_bool, check_positive_int, check_rank


def _check_format(data_format, who):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{who}: only data_format='channels_last' (batch, steps, features) is supported, "
                         f"received {data_format!r}")


class _GlobalPooling1D(Layer):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, type(self).__name__)
        self.keepdims = check_bool(keepdims, "keepdims")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1, input_shape[-1]) if self.keepdims else (input_shape[0], input_shape[-1])

    def compute_mask(self, inputs, mask=None):
        return None

    def _input(self, x):
        who = f"{type(self).__name__} {self.name!r}"
        x = as_float_array(x, self.compute_dtype(x), who)
        check_rank(x, 3, who, "(batch, steps, features)")
        self._ensure_built(x)
        return x

    def _out(self, y):
        return y[:, None, :] if self.keepdims else y

    def _grad(self, g):
        g = np.asarray(g, self.dtype)
        return g[:, 0, :] if self.keepdims else g

    def get_config(self):
        cfg = super().get_config()
        cfg.update(data_format="channels_last", keepdims=self.keepdims)
        return cfg


class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean over time of the real (unmasked) steps."""
    supports_masking = True                 # Keras 3's value for this layer

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = self._input(x)
        w = np.ones(x.shape[:2], x.dtype) if mask is None else np.asarray(mask, bool).astype(x.dtype)
        count = w.sum(axis=1, keepdims=True)                          # (B, 1)
        self._cache = (w, count, x.dtype)
        return self._out((x * w[..., None]).sum(axis=1) / count)      # (B, D)

    def backward(self, grad_output):
        w, count, dt = self._require_cache()
        g = self._grad(grad_output).astype(dt)
        return (g / count)[:, None, :] * w[..., None]                 # (B, T, D)


class GlobalMaxPooling1D(_GlobalPooling1D):
    """The largest value over time, per feature."""

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = self._input(x)
        arg = x.argmax(axis=1)                                        # (B, D)
        self._cache = (arg, x.shape)
        return self._out(np.take_along_axis(x, arg[:, None, :], axis=1)[:, 0])

    def backward(self, grad_output):
        arg, shape = self._require_cache()
        dx = np.zeros(shape, self.dtype)
        np.put_along_axis(dx, arg[:, None, :], self._grad(grad_output)[:, None, :], axis=1)
        return dx


class _Pooling1D(Layer):
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        _check_format(data_format, who)
        self.pool_size = check_positive_int(pool_size[0] if isinstance(pool_size, (list, tuple)) else pool_size,
                                            f"{who} pool_size")
        strides = self.pool_size if strides is None else strides
        self.strides = check_positive_int(strides[0] if isinstance(strides, (list, tuple)) else strides,
                                          f"{who} strides")
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"{who} padding must be 'valid' or 'same', received {padding!r}")
        self.padding = padding

    def _steps(self, T):
        """(output steps, padding before, padding after) for T input steps (TensorFlow's rule)."""
        if self.padding == "valid":
            return max((T - self.pool_size) // self.strides + 1, 0), 0, 0
        n = -(-T // self.strides)
        total = max((n - 1) * self.strides + self.pool_size - T, 0)
        return n, total // 2, total - total // 2

    def compute_output_shape(self, input_shape):
        T = input_shape[1]
        return (input_shape[0], None if T is None else self._steps(T)[0], input_shape[2])

    def compute_mask(self, inputs, mask=None):
        return None

    def _windows(self, x, fill):
        """x (B, T, D) -> windows (B, n, pool, D) of the padded input, and the padding."""
        who = f"{type(self).__name__} {self.name!r}"
        x = as_float_array(x, self.compute_dtype(x), who)
        check_rank(x, 3, who, "(batch, steps, features)")
        self._ensure_built(x)
        n, lo, hi = self._steps(x.shape[1])
        if n == 0:
            raise ValueError(f"{who}: {x.shape[1]} steps are fewer than pool_size={self.pool_size} "
                             "with padding='valid'")
        xp = np.pad(x, ((0, 0), (lo, hi), (0, 0)), constant_values=fill) if lo or hi else x
        win = np.lib.stride_tricks.sliding_window_view(xp, self.pool_size, axis=1)[:, ::self.strides][:, :n]
        return np.moveaxis(win, -1, 2), x.shape, lo                   # (B, n, pool, D)

    def _scatter(self, dwin, shape, lo):
        """The inverse of _windows for gradients: dwin (B, n, pool, D) summed back onto x."""
        B, n, P, D = dwin.shape
        dxp = np.zeros((B, shape[1] + self.pool_size + self.strides * n, D), dwin.dtype)
        for k in range(P):                                            # one strided slice per offset
            dxp[:, k:k + self.strides * n:self.strides] += dwin[:, :, k]
        return dxp[:, lo:lo + shape[1]]

    def get_config(self):
        cfg = super().get_config()
        cfg.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding, data_format="channels_last")
        return cfg


class MaxPooling1D(_Pooling1D):
    def forward(self, x, training=False, mask=None, initial_state=None):
        win, shape, lo = self._windows(x, -np.inf)
        arg = win.argmax(axis=2)                                      # (B, n, D)
        self._cache = (arg, shape, lo, win.shape)
        return np.take_along_axis(win, arg[:, :, None, :], axis=2)[:, :, 0]

    def backward(self, grad_output):
        arg, shape, lo, wshape = self._require_cache()
        dwin = np.zeros(wshape, self.dtype)
        np.put_along_axis(dwin, arg[:, :, None, :], np.asarray(grad_output, self.dtype)[:, :, None, :], axis=2)
        return self._scatter(dwin, shape, lo)


class AveragePooling1D(_Pooling1D):
    def forward(self, x, training=False, mask=None, initial_state=None):
        win, shape, lo = self._windows(x, 0.0)
        ones, _, _ = self._windows(np.ones(shape[:2] + (1,), win.dtype), 0.0)
        count = ones.sum(axis=2)                                      # real entries per window (B, n, 1)
        self._cache = (count, shape, lo, win.shape)
        return win.sum(axis=2) / count

    def backward(self, grad_output):
        count, shape, lo, wshape = self._require_cache()
        g = np.asarray(grad_output, self.dtype) / count               # (B, n, D)
        return self._scatter(np.broadcast_to(g[:, :, None, :], wshape), shape, lo)
