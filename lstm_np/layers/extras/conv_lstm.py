"""ConvLSTM2D: an LSTM whose state is a feature map (``core/conv_lstm.py`` has the equations).

    ConvLSTM2D(filters=64, kernel_size=(1, 2), activation="relu",
               input_shape=(n_seq, 1, n_steps, n_features))        # (T, rows, cols, channels)

As Keras 3's: channels last, gates i, f, c, o, the input convolved with the layer's padding
("valid" or "same"), the state always with "same"; recurrent_activation sigmoid and
unit_forget_bias by default. Supported here: strides 1 and dilation 1, no dropout, no mask,
not stateful — each refused with a clear error rather than ignored.
"""
import numpy as np

from ... import initializers
from ...core import activations as A
from ...core.conv_lstm import conv_lstm_backward, conv_lstm_forward
from ...core.dropout import dropout_mask
from ..base import Layer
from ..checks import as_float_array, check_bool, check_positive_int, check_rank, check_rate


def _pair(value, what):
    values = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    if len(values) != 2:
        raise ValueError(f"ConvLSTM2D {what} must be an int or a pair, received {value!r}")
    return tuple(check_positive_int(v, f"ConvLSTM2D {what}") for v in values)


class ConvLSTM2D(Layer):
    weight_names = ("kernel", "recurrent_kernel", "bias")
    draws_random = True                     # dropout masks (Keras: a SeedGenerator)

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "ConvLSTM2D filters")
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides, self.dilation_rate = _pair(strides, "strides"), _pair(dilation_rate, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Received: "
                             f"strides={strides}, dilation_rate={dilation_rate}")      # Keras's words
        unsupported = [name for name, bad in (("strides", self.strides != (1, 1)),
                                              ("dilation_rate", self.dilation_rate != (1, 1)),
                                              ("data_format", data_format not in (None, "channels_last")),
                                              ("stateful", bool(stateful))) if bad]
        if unsupported:
            raise ValueError(f"{type(self).__name__}: {unsupported} other than the defaults are not supported "
                             "here (strides 1, dilation 1, channels_last, not stateful)")
        self.dropout = check_rate(dropout, f"{type(self).__name__} dropout")
        self.recurrent_dropout = check_rate(recurrent_dropout, f"{type(self).__name__} recurrent_dropout")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"ConvLSTM2D padding must be 'valid' or 'same', received {padding!r}")
        for name in (activation, recurrent_activation):
            A.get_elementwise(name)                          # a clear error for an unknown name
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.use_bias, self.unit_forget_bias = check_bool(use_bias, "use_bias"), check_bool(unit_forget_bias,
                                                                                            "unit_forget_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_sequences = check_bool(return_sequences, "return_sequences")
        self.return_state = check_bool(return_state, "return_state")
        self.go_backwards = check_bool(go_backwards, "go_backwards")
        self.initial_state_grads = None
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    # -- building ---------------------------------------------------------------------------
    def build(self, input_shape):
        if len(input_shape) != 5 or input_shape[-1] is None:
            raise ValueError(f"ConvLSTM2D {self.name!r} expects input of rank 5 (batch, time, rows, cols, "
                             f"channels) with known channels, received shape {tuple(input_shape)}")
        (kr, ks), C, F = self.kernel_size, input_shape[-1], self.filters
        self._add_weights((kr, ks, C, 4 * F), (kr, ks, F, 4 * F))
        super().build(input_shape)

    def _add_weights(self, kernel_shape, recurrent_shape):
        """Kernel, recurrent kernel and bias (the forget slice 1 with unit_forget_bias)."""
        F = self.filters
        self.add_weight("kernel", kernel_shape, self.kernel_initializer)
        self.add_weight("recurrent_kernel", recurrent_shape, self.recurrent_initializer)
        self.add_weight("bias", (4 * F,), self.bias_initializer)
        if self.unit_forget_bias:
            self.params["bias"][F:2 * F] = 1.0
        if not self.use_bias:
            self.params.pop("bias"), self.grads.pop("bias")

    def _kernels(self):
        """(W, U) as the 2-D recurrence takes them: (k_r, k_s, C, 4F), (k_r, k_s, F, 4F)."""
        return self.params["kernel"], self.params["recurrent_kernel"]

    def _frame_shape(self, rows, cols):
        if self.padding == "same":
            return rows, cols
        kr, ks = self.kernel_size
        return (None if rows is None else rows - kr + 1), (None if cols is None else cols - ks + 1)

    def compute_output_shape(self, input_shape):
        B, T, R, S = input_shape[:4]
        Ro, So = self._frame_shape(R, S)
        state = (B, Ro, So, self.filters)
        out = (B, T, Ro, So, self.filters) if self.return_sequences else state
        return [out, state, state] if self.return_state else out

    # -- running ----------------------------------------------------------------------------
    def forward(self, x, training=False, mask=None, initial_state=None):
        who = f"{type(self).__name__} {self.name!r}"
        x = as_float_array(x, self.dtype, who)
        check_rank(x, 5, who, "(batch, time, rows, cols, channels)")
        self._ensure_built(x)
        if mask is not None:
            raise ValueError(f"{who}: masks are not supported here (pad the frames instead)")
        B, T, R, S, C = x.shape
        kernel, recurrent_kernel = self._kernels()
        if C != kernel.shape[2]:
            raise ValueError(f"{who} expects {kernel.shape[2]} channels, received {C}")
        Ro, So = self._frame_shape(R, S)
        if Ro < 1 or So < 1:
            raise ValueError(f"{who}: frames of {R}x{S} are smaller than the kernel {self.kernel_size}")
        state_shape = (B, Ro, So, self.filters)
        if initial_state is None:
            h0 = c0 = np.zeros(state_shape, self.dtype)
        else:
            states = [as_float_array(s, self.dtype, f"{who} initial state") for s in initial_state]
            if len(states) != 2 or any(s.shape != state_shape for s in states):
                raise ValueError(f"{who} expects initial_state [h, c] of shape {state_shape} each, "
                                 f"received {[s.shape for s in states]}")
            h0, c0 = states
        if self.go_backwards:
            x = x[:, ::-1]
        in_mask = rec_mask = None                 # drawn once per sequence, shared by every step (Keras)
        if training and self.dropout > 0:
            in_mask = dropout_mask(self.rng, (B, R, S, C), self.dropout, self.dtype)
            x = x * in_mask[:, None]
        if training and self.recurrent_dropout > 0:
            rec_mask = dropout_mask(self.rng, state_shape, self.recurrent_dropout, self.dtype)
        bias = self.params["bias"] if self.use_bias else np.zeros(4 * self.filters, self.dtype)
        hseq, h, c, cache = conv_lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias, self.padding,
                                              self.activation, self.recurrent_activation, rec_mask)
        self._cache = (cache, initial_state is not None, in_mask)
        out = hseq if self.return_sequences else h
        return [out, h, c] if self.return_state else out

    def backward(self, grad_output):
        cache, given, in_mask = self._require_cache()
        self._cache = None
        d_h = d_c = None
        if self.return_state:
            grad_output, d_h, d_c = (list(grad_output) + [None, None])[:3]
        shape = cache["steps"][0][1].shape                       # (B, R', S', F)
        g = None if grad_output is None else np.asarray(grad_output, self.dtype)
        dhseq = g if self.return_sequences else None
        if not self.return_sequences and g is not None:
            d_h = g if d_h is None else np.asarray(d_h, self.dtype) + g
        dx, dh0, dc0, dW, dU, db = conv_lstm_backward(
            dhseq, None if d_h is None else np.broadcast_to(np.asarray(d_h, self.dtype), shape),
            None if d_c is None else np.asarray(d_c, self.dtype), cache)
        self.grads["kernel"][...] = dW.reshape(self.grads["kernel"].shape)
        self.grads["recurrent_kernel"][...] = dU.reshape(self.grads["recurrent_kernel"].shape)
        if self.use_bias:
            self.grads["bias"][...] = db
        self.initial_state_grads = [dh0, dc0] if given else None
        if in_mask is not None:
            dx = dx * in_mask[:, None]
        return dx[:, ::-1] if self.go_backwards else dx

    def get_config(self):
        cfg = super().get_config()
        cfg.update(filters=self.filters, kernel_size=list(self.kernel_size), padding=self.padding,
                   activation=self.activation, recurrent_activation=self.recurrent_activation,
                   use_bias=self.use_bias, unit_forget_bias=self.unit_forget_bias,
                   kernel_initializer=initializers.serialize(self.kernel_initializer),
                   recurrent_initializer=initializers.serialize(self.recurrent_initializer),
                   bias_initializer=initializers.serialize(self.bias_initializer),
                   return_sequences=self.return_sequences, return_state=self.return_state,
                   go_backwards=self.go_backwards, dropout=self.dropout, recurrent_dropout=self.recurrent_dropout)
        return cfg


class ConvLSTM1D(ConvLSTM2D):
    """``ConvLSTM1D(filters, kernel_size, ...)`` as Keras 3's: inputs (batch, time, steps, channels),
    kernel (k, C, 4F). It is the 2-D recurrence on frames of one row (kernel (1, k)): the
    weights keep Keras's 1-D shapes, and the 2-D code sees them through a view."""

    def __init__(self, filters, kernel_size, strides=1, dilation_rate=1, **kwargs):
        k = kernel_size[0] if isinstance(kernel_size, (list, tuple)) and len(kernel_size) == 1 else kernel_size
        s = strides[0] if isinstance(strides, (list, tuple)) and len(strides) == 1 else strides
        d = dilation_rate[0] if isinstance(dilation_rate, (list, tuple)) and len(dilation_rate) == 1 else dilation_rate
        if isinstance(k, (list, tuple)):
            raise ValueError(f"ConvLSTM1D kernel_size must be an int, received {kernel_size!r}")
        super().__init__(filters, (1, k), strides=(1, s), dilation_rate=(1, d), **kwargs)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"ConvLSTM1D {self.name!r} expects input of rank 4 (batch, time, steps, "
                             f"channels) with known channels, received shape {tuple(input_shape)}")
        k, C, F = self.kernel_size[1], input_shape[-1], self.filters
        self._add_weights((k, C, 4 * F), (k, F, 4 * F))
        Layer.build(self, input_shape)

    def _kernels(self):
        return self.params["kernel"][None], self.params["recurrent_kernel"][None]

    def compute_output_shape(self, input_shape):
        B, T, S = input_shape[:3]
        out = super().compute_output_shape((B, T, 1, S))
        drop = (lambda shape: shape[:2] + shape[3:]) if self.return_sequences else (lambda shape: shape[:1] + shape[2:])
        if self.return_state:
            return [drop(out[0]), out[1][:1] + out[1][2:], out[2][:1] + out[2][2:]]
        return drop(out)

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = as_float_array(x, self.dtype, f"ConvLSTM1D {self.name!r}")
        check_rank(x, 4, f"ConvLSTM1D {self.name!r}", "(batch, time, steps, channels)")
        self._ensure_built(x)                              # with the 1-D shape, before the 2-D view
        states = None if initial_state is None else [np.asarray(s)[:, None] for s in initial_state]
        out = super().forward(x[:, :, None], training, mask, states)
        squeeze = (lambda a: a[:, :, 0]) if self.return_sequences else (lambda a: a[:, 0])
        if self.return_state:
            return [squeeze(out[0]), out[1][:, 0], out[2][:, 0]]
        return squeeze(out)

    def backward(self, grad_output):
        expand = (lambda g: None if g is None else np.asarray(g)[:, :, None]) if self.return_sequences \
            else (lambda g: None if g is None else np.asarray(g)[:, None])
        if self.return_state:
            g = (list(grad_output) + [None, None])[:3]
            grad_output = [expand(g[0])] + [None if d is None else np.asarray(d)[:, None] for d in g[1:]]
        else:
            grad_output = expand(grad_output)
        dx = super().backward(grad_output)
        if self.initial_state_grads is not None:
            self.initial_state_grads = [d[:, 0] for d in self.initial_state_grads]
        return dx[:, :, 0]

    def get_config(self):
        cfg = super().get_config()
        cfg["kernel_size"] = self.kernel_size[1]
        return cfg
