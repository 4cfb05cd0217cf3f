"""Conv1D, Conv2D and Conv3D, as Keras 3 (channels_last). Conv1D, the front end of the classic
CNN-LSTM, keeps its own windows (it has "causal" padding); Conv2D/3D share ``core/convolution.py``.

    x (B, T, C) ─ pad ─ windows x̃_s = [x_{s·stride + k·dilation}]_{k<K}   (B, T', K·C)
    z = x̃ W + b        W (K, C, filters) seen as (K·C, filters)          (B, T', filters)
    y = act(z)

padding: "valid" (no padding), "same" (T' = ceil(T / stride), TensorFlow's split of the
padding), "causal" ((K-1)·dilation zeros in front: step s sees only steps <= s).
Backward: dW = x̃ᵀ dz and db = Σ dz as single GEMMs over all windows; dx̃ = dz Wᵀ, summed
back onto x one kernel offset at a time. Keras 3's Conv1D does not pass a mask on.
"""
import numpy as np

from ... import initializers
from ...core import convolution as conv
from ..base import Layer
from ..checks import as_float_array, check_bool, check_last_dim, check_positive_int, check_rank
from ..dense import activate, activate_backward, check_activation


def checked_layout(who, padding, data_format, allowed=("valid", "same")):
    """The padding (lower case) after Keras's checks of padding and data_format, in one place
    for Conv1D/2D/3D and the pooling layers."""
    padding = str(padding).lower()
    if padding not in allowed:
        names = [repr(a) for a in allowed]
        raise ValueError(f"{who} padding must be {', '.join(names[:-1])} or {names[-1]}, received {padding!r}")
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{who} supports data_format='channels_last', received {data_format!r}")
    return padding


def _one(value, what):
    return check_positive_int(value[0] if isinstance(value, (list, tuple)) else value, what)


class Conv1D(Layer):
    weight_names = ("kernel", "bias")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "Conv1D filters")
        self.kernel_size = _one(kernel_size, "Conv1D kernel_size")
        self.strides = _one(strides, "Conv1D strides")
        self.dilation_rate = _one(dilation_rate, "Conv1D dilation_rate")
        if self.strides > 1 and self.dilation_rate > 1:
            raise ValueError("Conv1D: strides > 1 and dilation_rate > 1 cannot be combined (as Keras)")
        self.padding = checked_layout("Conv1D", padding, data_format, ("valid", "same", "causal"))
        if groups != 1:
            raise ValueError(f"Conv1D supports groups=1, received {groups!r}")
        self.activation = check_activation(activation, "Conv1D")
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.set_weight_options(kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                                kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"Conv1D {self.name!r} needs inputs (batch, steps, channels) with known channels, "
                             f"received shape {tuple(input_shape)}")
        self.add_weight("kernel", (self.kernel_size, input_shape[-1], self.filters), self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer)
        super().build(input_shape)

    def _span(self):
        return (self.kernel_size - 1) * self.dilation_rate + 1        # steps one window covers

    def _steps(self, T):
        """(output steps, zeros before, zeros after) for T input steps."""
        span, s = self._span(), self.strides
        if self.padding == "valid":
            return max((T - span) // s + 1, 0), 0, 0
        if self.padding == "causal":
            return (T - 1) // s + 1, span - 1, 0
        n = -(-T // s)
        total = max((n - 1) * s + span - T, 0)
        return n, total // 2, total - total // 2

    def compute_output_shape(self, input_shape):
        T = input_shape[1]
        return (input_shape[0], None if T is None else self._steps(T)[0], self.filters)

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = f"Conv1D {self.name!r}"
        x = as_float_array(x, self.dtype, who)
        check_rank(x, 3, who, "(batch, steps, channels)")
        self._ensure_built(x)
        check_last_dim(x, self.input_shape[-1], who)
        B, T, C = x.shape
        n, lo, hi = self._steps(T)
        if n == 0:
            raise ValueError(f"{who}: {T} steps are fewer than the kernel's span {self._span()} with padding='valid'")
        xp = np.pad(x, ((0, 0), (lo, hi), (0, 0))) if lo or hi else x
        win = np.lib.stride_tricks.sliding_window_view(xp, self._span(), axis=1)[:, ::self.strides][:, :n]
        win = np.moveaxis(win[..., ::self.dilation_rate], -1, 2)     # (B, n, K, C)
        cols = np.ascontiguousarray(win).reshape(B * n, self.kernel_size * C)
        z = cols @ self.params["kernel"].reshape(-1, self.filters)   # (B·n, filters), one GEMM
        if self.use_bias:
            z += self.params["bias"]
        y = activate(self.activation, z)
        self._cache = (cols, y, (B, T, C), n, lo, z)
        return y.reshape(B, n, self.filters)

    def backward(self, grad_output):
        cols, y, (B, T, C), n, lo, z = self._require_cache()
        dy = np.asarray(grad_output, self.dtype).reshape(-1, self.filters)
        dz = activate_backward(self.activation, y, dy, z)
        W = self.params["kernel"]
        self.grads["kernel"][...] = (cols.T @ dz).reshape(W.shape)
        if self.use_bias:
            self.grads["bias"][...] = dz.sum(axis=0)
        dwin = (dz @ W.reshape(-1, self.filters).T).reshape(B, n, self.kernel_size, C)
        s, d = self.strides, self.dilation_rate
        dxp = np.zeros((B, T + self._span() + s * n, C), self.dtype)
        for k in range(self.kernel_size):                             # window offset k sits at s·j + k·d
            dxp[:, k * d:k * d + s * n:s] += dwin[:, :, k]
        return dxp[:, lo:lo + T]

    def get_config(self):
        cfg = super().get_config()
        cfg.update(filters=self.filters, kernel_size=self.kernel_size, strides=self.strides, padding=self.padding,
                   dilation_rate=self.dilation_rate, activation=self.activation, use_bias=self.use_bias,
                   kernel_initializer=initializers.serialize(self.kernel_initializer),
                   bias_initializer=initializers.serialize(self.bias_initializer))
        return cfg


def _tuple(value, n, what):
    """An int or n ints -> n positive ints (Keras's kernel_size / strides / dilation_rate)."""
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,) * n
    if len(values) != n:
        raise ValueError(f"{what} must be an int or {n} ints, received {value!r}")
    return tuple(check_positive_int(v, what) for v in values)


class _ConvND(Layer):
    """Keras 3's Conv2D / Conv3D (channels_last): y = act(windows(x) · W + b), one GEMM over every
    output position (``core/convolution.py``: the windows, their fold, the equations)."""
    weight_names = ("kernel", "bias")
    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = type(self).__name__
        self.filters = check_positive_int(filters, f"{who} filters")
        self.kernel_size = _tuple(kernel_size, self.rank, f"{who} kernel_size")
        self.strides = _tuple(strides, self.rank, f"{who} strides")
        self.dilation_rate = _tuple(dilation_rate, self.rank, f"{who} dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: strides > 1 and dilation_rate > 1 cannot be combined (as Keras)")
        self.padding = checked_layout(who, padding, data_format)
        if groups != 1:
            raise ValueError(f"{who} supports groups=1, received {groups!r}")
        self.activation = check_activation(activation, who)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.set_weight_options(kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                                kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    def _who(self):
        return f"{type(self).__name__} {self.name!r}"

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2 or input_shape[-1] is None:
            raise ValueError(f"{self._who()} needs inputs of rank {self.rank + 2} (batch, {self.rank} spatial axes, "
                             f"channels) with known channels, received shape {tuple(input_shape)}")
        self.add_weight("kernel", self.kernel_size + (input_shape[-1], self.filters), self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        spatial = [None if n is None else conv.output_size(n, k, s, d, self.padding)[0]
                   for n, k, s, d in zip(input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate)]
        return (input_shape[0],) + tuple(spatial) + (self.filters,)

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = self._who()
        x = as_float_array(x, self.dtype, who)
        check_rank(x, self.rank + 2, who, f"(batch, {self.rank} spatial axes, channels)")
        self._ensure_built(x)
        check_last_dim(x, self.input_shape[-1], who)
        out = self.compute_output_shape(x.shape)
        if 0 in out:
            raise ValueError(f"{who}: an input of spatial shape {x.shape[1:-1]} is smaller than the kernel "
                             f"{self.kernel_size} (dilation {self.dilation_rate}) with padding='valid'")
        z, core_cache = conv.conv_forward(x, self.params["kernel"], self.params.get("bias"), self.strides,
                                          self.dilation_rate, self.padding)
        y = activate(self.activation, z)
        self._cache = (core_cache, y, z)
        return y

    def backward(self, grad_output):
        core_cache, y, z = self._require_cache()
        dz = activate_backward(self.activation, y, np.asarray(grad_output, self.dtype), z)
        dx, dW, db = conv.conv_backward(dz, core_cache, self.use_bias)
        self.grads["kernel"][...] = dW
        if self.use_bias:
            self.grads["bias"][...] = db
        return dx

    def get_config(self):
        cfg = super().get_config()
        cfg.update(filters=self.filters, kernel_size=list(self.kernel_size), strides=list(self.strides),
                   padding=self.padding, dilation_rate=list(self.dilation_rate), activation=self.activation,
                   use_bias=self.use_bias, kernel_initializer=initializers.serialize(self.kernel_initializer),
                   bias_initializer=initializers.serialize(self.bias_initializer))
        return cfg


class Conv2D(_ConvND):
    """x (B, R, S, C) -> (B, R', S', filters)."""
    rank = 2


class Conv3D(_ConvND):
    """x (B, D, R, S, C) -> (B, D', R', S', filters) (a video: frames, rows, columns)."""
    rank = 3
