"""Recurrent layers: LSTM, GRU and SimpleRNN.

The layer owns the weights, draws the dropout masks (once per sequence, shared
across timesteps, as Keras; one mask shared by the gates, where Keras draws one per
gate when recurrent_dropout > 0), handles ``go_backwards``, ``initial_state``,
``return_sequences``, ``return_state`` and ``stateful``; the maths lives in
``lstm_np.core`` (the NumPy reference) or ``lstm_np.core.kernels`` (Numba), chosen by
``lstm_np.set_backend``.
"""
import numpy as np

from .. import backend, initializers
from ..core import activations as A
from ..core import gru as core_gru
from ..core import lstm as core_lstm
from ..core import simple_rnn as core_rnn
from .base import Layer, check_bool, check_positive_int, check_rate
from .checks import as_float_array, check_last_dim, check_mask, check_rank


def _impl(kind, cache=None):
    """The module computing ``kind`` ("lstm", "gru", "simple_rnn"): for a forward, the current
    backend's; for a backward, the one that made ``cache`` (so switching backends between
    forward and backward is harmless)."""
    numba = backend.get_backend() == "numba" if cache is None else bool(cache.get("numba"))
    if numba:
        import importlib
        return importlib.import_module(f"lstm_np.core.kernels.{kind}")
    return {"lstm": core_lstm, "gru": core_gru, "simple_rnn": core_rnn}[kind]


class Recurrent(Layer):
    """Shared machinery. Subclasses set ``gates`` (4 for LSTM), ``state_names`` and the
    two core calls ``_run_forward`` / ``_run_backward``."""

    gates = 1
    state_names = ("h",)
    weight_names = ("kernel", "recurrent_kernel", "bias")

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.set_weight_options(kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                                bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                                recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint)
        self.units = check_positive_int(units, f"{type(self).__name__} units")
        A.get_elementwise(activation)
        self.activation = activation if activation is not None else "linear"
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.dropout = check_rate(dropout, "dropout")
        self.recurrent_dropout = check_rate(recurrent_dropout, "recurrent_dropout")
        self.return_sequences = check_bool(return_sequences, "return_sequences")
        self.return_state = check_bool(return_state, "return_state")
        self.go_backwards = check_bool(go_backwards, "go_backwards")
        self.stateful = check_bool(stateful, "stateful")
        self.unroll = check_bool(unroll, "unroll")   # accepted for Keras scripts; same maths
        self.zero_output_for_mask = check_bool(zero_output_for_mask, "zero_output_for_mask")
        self.states = None                            # carried across calls when stateful
        self._workspaces = {}                         # kernel buffers, one set per call slot
        self.initial_state_grads = None
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    @property
    def _workspace(self):
        """The kernel buffers of this call: reused by the next pass's call in the same slot, so
        a layer called twice in one model pass never overwrites its first call's record."""
        return self._workspaces.setdefault(getattr(self, "_slot", 0), {})

    # -- building ----------------------------------------------------------------------
    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} {self.name!r} expects input of rank 3 "
                             f"(batch, timesteps, features), received shape {tuple(input_shape)}")
        if input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs a known feature size, "
                             f"received shape {tuple(input_shape)}")
        D, H, G = input_shape[-1], self.units, self.gates
        self.add_weight("kernel", (D, G * H), self.kernel_initializer)
        self.add_weight("recurrent_kernel", (H, G * H), self.recurrent_initializer)
        if self.use_bias:
            self.add_weight("bias", (G * H,), self._bias_init)
        super().build(input_shape)

    def _bias_init(self, shape, dtype, rng):
        return self.bias_initializer(shape, dtype, rng)

    def compute_output_shape(self, input_shape):
        B, T = input_shape[0], input_shape[1]
        out = (B, T, self.units) if self.return_sequences else (B, self.units)
        if self.return_state:
            return [out] + [(B, self.units)] * len(self.state_names)
        return out

    def compute_mask(self, mask):
        return mask if self.return_sequences else None

    # -- running -----------------------------------------------------------------------
    def _who(self):
        return f"{type(self).__name__} {self.name!r}"

    def _check_states(self, initial_state, batch):
        n, H = len(self.state_names), self.units
        want = self.stateful_batch_size
        if self.stateful and want is not None and batch != want:
            raise ValueError(f"stateful {self._who()} has a fixed batch size of {want} (from its batch_shape); "
                             f"received a batch of {batch}. Pass batch_size={want} to fit/predict/evaluate "
                             f"and give it a multiple of {want} samples")
        if initial_state is None:
            if self.stateful and self.states is not None:
                if self.states[0].shape[0] != batch:
                    raise ValueError(f"stateful {self._who()} was run with batch size "
                                     f"{self.states[0].shape[0]}, received {batch}; call reset_states()")
                return [s.copy() for s in self.states], False
            return [np.zeros((batch, H), self.dtype) for _ in range(n)], False
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if len(initial_state) != n:
            raise ValueError(f"{self._who()} expects initial_state as a list of {n} arrays "
                             f"({', '.join(self.state_names)}), received {len(initial_state)}")
        states = []
        for name, s in zip(self.state_names, initial_state):
            s = as_float_array(s, self.dtype, f"{self._who()} initial state {name}")
            if s.shape != (batch, H):
                raise ValueError(f"{self._who()} expects initial state {name} of shape {(batch, H)}, "
                                 f"received {s.shape}")
            states.append(s)
        return states, True

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = self._who()
        x = as_float_array(x, self.dtype, who)
        check_rank(x, 3, who, "(batch, timesteps, features)")
        self._ensure_built(x)
        check_last_dim(x, self.input_shape[-1], who)
        B, T, D = x.shape
        if T == 0:
            raise ValueError(f"{who} expects at least one timestep, received shape {x.shape}")
        mask = check_mask(mask, B, T, who)
        states, given = self._check_states(initial_state, B)

        if self.go_backwards:                       # process the sequence reversed
            x = x[:, ::-1]
            mask = None if mask is None else mask[:, ::-1]
        # Dropout masks: drawn once per sequence, shared by every timestep (Keras).
        in_mask = rec_mask = None
        if training and self.dropout > 0:
            keep = 1.0 - self.dropout
            in_mask = (self.rng.random((B, D)) < keep).astype(self.dtype) / self.dtype.type(keep)
            x = x * in_mask[:, None, :]
        if training and self.recurrent_dropout > 0:
            keep = 1.0 - self.recurrent_dropout
            rec_mask = (self.rng.random((B, self.units)) < keep).astype(self.dtype) / self.dtype.type(keep)

        y, final, core_cache = self._run_forward(x, states, mask, rec_mask)
        if self.stateful:
            self.states = [s.copy() for s in final]
        self._cache = (core_cache, in_mask, given, (B, T), mask)
        out = y if self.return_sequences else y[:, -1]
        return [out] + list(final) if self.return_state else out

    def backward(self, grad_output):
        core_cache, in_mask, given, (B, T), mask = self._require_cache()
        self._cache = None          # the kernels reuse the cache's buffers for the gradients
        n = len(self.state_names)
        if self.return_state:
            if not isinstance(grad_output, (list, tuple)) or len(grad_output) != 1 + n:
                raise ValueError(f"{self._who()} returns {1 + n} tensors; backward expects a list "
                                 f"of {1 + n} gradients (None allowed)")
            d_out, d_states = grad_output[0], list(grad_output[1:])
        else:
            d_out, d_states = grad_output, [None] * n
        d_states = [None if d is None else np.asarray(d, self.dtype) for d in d_states]
        if self.return_sequences:
            dy = None if d_out is None else np.asarray(d_out, self.dtype)
        else:
            # Only the last output has a gradient: it is h_T (zeroed if masked and
            # zero_output_for_mask), so its gradient joins dh_T.
            dy = None
            if d_out is not None:
                g = np.asarray(d_out, self.dtype)
                if self.zero_output_for_mask and mask is not None:
                    g = g * mask[:, -1, None]
                d_states[0] = g if d_states[0] is None else d_states[0] + g

        dx, d_init, dW, dU, db = self._run_backward(dy, d_states, core_cache)
        self.grads["kernel"][...] = dW
        self.grads["recurrent_kernel"][...] = dU
        if self.use_bias:
            self.grads["bias"][...] = db
        if in_mask is not None:
            dx = dx * in_mask[:, None, :]
        if self.go_backwards:
            dx = dx[:, ::-1]
        self.initial_state_grads = d_init if given else None
        return dx

    def _bias(self):
        if self.use_bias:
            return self.params["bias"]
        return np.zeros(self.gates * self.units, self.dtype)

    @property
    def stateful_batch_size(self):
        """The batch size a stateful layer was declared with (batch_shape), or None."""
        return getattr(self, "_stateful_batch", None) or self.batch_size_arg

    def _check_symbolic_call(self, shapes, initial_state, kwargs):
        super()._check_symbolic_call(shapes, initial_state, kwargs)
        if self.stateful and shapes[0] is not None:
            self._stateful_batch = shapes[0]           # Input(batch_shape=(B, T, F))

    def reset_states(self, states=None):
        """Forget the carried state of a stateful layer (or set it to ``states``: a list of
        (batch, units) arrays, h then c for an LSTM)."""
        self.states = None if states is None else self._checked_states(states)

    def reset_state(self, states=None):
        """Keras 3's name for ``reset_states``."""
        self.reset_states(states)

    def _checked_states(self, states):
        who, n, H = self._who(), len(self.state_names), self.units
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != n:
            raise ValueError(f"{who} expects {n} states ({', '.join(self.state_names)}), "
                             f"received {len(states)}")
        out = []
        for name, s in zip(self.state_names, states):
            s = np.array(as_float_array(s, self.dtype, f"{who} state {name}"), self.dtype)
            batch = out[0].shape[0] if out else (s.shape[0] if s.ndim == 2 else None)
            if s.shape != (batch, H):
                raise ValueError(f"{who} expects state {name} of shape (batch, {H})"
                                 f"{'' if not out else f' with batch {batch}'}, received {s.shape}")
            if not np.all(np.isfinite(s)):
                raise ValueError(f"{who} state {name} contains NaN or inf")
            out.append(s)
        return out

    def get_config(self):
        cfg = super().get_config()
        cfg.update(units=self.units, activation=self.activation, use_bias=self.use_bias,
                   kernel_initializer=initializers.serialize(self.kernel_initializer),
                   recurrent_initializer=initializers.serialize(self.recurrent_initializer),
                   bias_initializer=initializers.serialize(self.bias_initializer),
                   dropout=self.dropout, recurrent_dropout=self.recurrent_dropout,
                   return_sequences=self.return_sequences, return_state=self.return_state,
                   go_backwards=self.go_backwards, stateful=self.stateful, unroll=self.unroll,
                   zero_output_for_mask=self.zero_output_for_mask)
        return cfg


class LSTM(Recurrent):
    """Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997), Keras semantics.

    Equations (see ``lstm_np.core.lstm``)::

        z_t = x_t W + h_{t-1} U + b;   i, f, o = σ(z_i), σ(z_f), σ(z_o);   g = φ(z_c)
        c_t = f ⊙ c_{t-1} + i ⊙ g;     h_t = o ⊙ φ(c_t)

    Parameters: 4·((input_dim + units)·units + units).
    """

    gates = 4
    state_names = ("h", "c")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        A.get_elementwise(recurrent_activation)
        self.recurrent_activation = recurrent_activation
        self.unit_forget_bias = check_bool(unit_forget_bias, "unit_forget_bias")
        super().__init__(units, activation=activation, **kwargs)

    def _bias_init(self, shape, dtype, rng):
        H = self.units
        if not self.unit_forget_bias:
            return self.bias_initializer(shape, dtype, rng)
        # Keras: the forget-gate slice starts at 1 so the cell remembers by default.
        return np.concatenate([self.bias_initializer((H,), dtype, rng), np.ones(H, dtype),
                               self.bias_initializer((2 * H,), dtype, rng)]).astype(dtype)

    def _run_forward(self, x, states, mask, rec_mask):
        p = self.params
        y, h, c, cache = _impl("lstm").lstm_forward(
            x, states[0], states[1], p["kernel"], p["recurrent_kernel"], self._bias(),
            mask=mask, activation=self.activation,
            recurrent_activation=self.recurrent_activation, recurrent_mask=rec_mask,
            zero_output_for_mask=self.zero_output_for_mask, workspace=self._workspace)
        return y, [h, c], cache

    def _run_backward(self, dy, d_states, cache):
        dx, dh0, dc0, dW, dU, db = _impl("lstm", cache).lstm_backward(dy, d_states[0], d_states[1], cache)
        return dx, [dh0, dc0], dW, dU, db

    def get_config(self):
        cfg = super().get_config()
        cfg.update(recurrent_activation=self.recurrent_activation,
                   unit_forget_bias=self.unit_forget_bias)
        return cfg


class SimpleRNN(Recurrent):
    """Fully connected RNN: h_t = φ(x_t W + h_{t-1} U + b). Parameters: (input_dim + units + 1)·units."""

    def _run_forward(self, x, states, mask, rec_mask):
        p = self.params
        y, h, cache = _impl("simple_rnn").rnn_forward(x, states[0], p["kernel"], p["recurrent_kernel"],
                                           self._bias(), mask=mask, activation=self.activation,
                                           recurrent_mask=rec_mask,
                                           zero_output_for_mask=self.zero_output_for_mask,
                                           workspace=self._workspace)
        return y, [h], cache

    def _run_backward(self, dy, d_states, cache):
        dx, dh0, dW, dU, db = _impl("simple_rnn", cache).rnn_backward(dy, d_states[0], cache)
        return dx, [dh0], dW, dU, db


class GRU(Recurrent):
    """Gated Recurrent Unit, Keras ``reset_after=True`` (see ``lstm_np.core.gru``)::

        z = σ(x W_z + h U_z + b),  r = σ(x W_r + h U_r + b),  hh = φ(x W_h + b + r ⊙ (h U_h + b'))
        h_t = z ⊙ h_{t-1} + (1 - z) ⊙ hh

    Parameters: 3·(units·(input_dim + units) + 2·units).
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", reset_after=True,
                 **kwargs):
        A.get_elementwise(recurrent_activation)
        if reset_after is not True:
            raise ValueError("GRU supports reset_after=True (the Keras 3 default, as cuDNN and "
                             f"PyTorch compute it); received reset_after={reset_after!r}")
        self.recurrent_activation = recurrent_activation
        self.reset_after = True
        super().__init__(units, activation=activation, **kwargs)

    def add_weight(self, key, shape, initializer):
        if key == "bias":
            # Keras's layout: input bias and recurrent bias as the two rows of one (2, 3H) array.
            shape = (2, 3 * self.units)
        super().add_weight(key, shape, initializer)

    def _bias(self):
        if self.use_bias:
            return self.params["bias"]
        return np.zeros((2, 3 * self.units), self.dtype)

    def _run_forward(self, x, states, mask, rec_mask):
        p = self.params
        y, h, cache = _impl("gru").gru_forward(
            x, states[0], p["kernel"], p["recurrent_kernel"], self._bias(), mask=mask,
            activation=self.activation, recurrent_activation=self.recurrent_activation,
            recurrent_mask=rec_mask, zero_output_for_mask=self.zero_output_for_mask,
            workspace=self._workspace)
        return y, [h], cache

    def _run_backward(self, dy, d_states, cache):
        dx, dh0, dW, dU, db = _impl("gru", cache).gru_backward(dy, d_states[0], cache)
        return dx, [dh0], dW, dU, db

    def get_config(self):
        cfg = super().get_config()
        cfg.update(recurrent_activation=self.recurrent_activation, reset_after=True)
        return cfg
