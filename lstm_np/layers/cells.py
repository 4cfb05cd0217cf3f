"""Cells: one step of a recurrence, as Keras 3 has them. A cell owns the weights; ``RNN(cell)``
runs it over a sequence (``layers/recurrent.py``); ``LSTM`` is ``RNN(LSTMCell(...))``.

    output, new_states = cell(x_t, states)           x_t (B, D); states a list of (B, s)
    cell.state_size, cell.output_size                 e.g. LSTMCell(8): [8, 8] and 8
    cell.get_initial_state(batch_size)                zeros

Every call keeps its own record (what backward needs), so a cell can be stepped by hand, or
called T times in a functional graph, and its gradient is the sum over its calls.

Your own cell: subclass ``RNNCell``; set ``state_size`` and ``output_size``; create weights in
``build`` with ``add_weight``; write ``call(inputs, states, training=False) -> (output,
new_states)`` that keeps what it needs in ``self._cache``, and ``backward(d_output, d_states)
-> (d_inputs, d_prev_states)`` that reads ``self._cache`` and *fills* ``self.grads``. ``RNN``
runs it step by step (the NumPy loop), and gradcheck checks it.

The built-in cells compute a step as a one-step sequence through the same functions as the
layers (the NumPy reference or the Numba kernels), so ``LSTM(...)`` and
``RNN(LSTMCell(...))`` give the same numbers from the same code.
"""

import numpy as np

from .. import backend, initializers
from ..core import activations as A
from ..core import lstm_family as core_family
from .base import Layer
from .checks import as_float_array, check_bool, check_positive_int, check_rank, check_rate
from ..core.dropout import dropout_mask


def _impl(kind, cache=None):
    """The module computing ``kind`` (``backend.IMPLEMENTATIONS``): for a forward, the backend
    in force's; for a backward, the one that made ``cache`` (switching between is harmless)."""
    return backend.implementation(kind, None if cache is None else bool(cache.get("numba")))


def is_cell(obj):
    """An RNNCell, or a layer written as Keras writes a cell: ``state_size`` and ``call(inputs,
    states)`` (with this project's ``backward(d_output, d_states)`` to train)."""
    return isinstance(obj, RNNCell) or (isinstance(obj, Layer) and hasattr(obj, "state_size")
                                         and obj.defines_call())


def output_size(cell):
    """A cell's output size: its ``output_size``, else (Keras's rule) its first state's size."""
    size = getattr(cell, "output_size", None)
    return size if size is not None else _sizes(cell.state_size)[0]


def _sizes(state_size):
    return list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]


class RNNCell(Layer):
    """Base class of every cell (see the module docstring for your own)."""

    state_size = None
    output_size = None

    def get_initial_state(self, batch_size=None):
        return [np.zeros((batch_size, s), self.dtype) for s in _sizes(self.state_size)]

    def call(self, inputs, states, training=False):
        raise NotImplementedError(f"{type(self).__name__} must define call(inputs, states, training)")

    def writes_backward(self):
        return type(self).backward is not RNNCell.backward

    def backward(self, d_output, d_states):
        """A cell with no backward of its own: its call ran on a tape (``layers/taped.py``)."""
        return Layer.backward(self, d_output, d_states)

    def compute_output_shape(self, input_shape):
        B = input_shape[0]
        return [(B, self.output_size)] + [(B, s) for s in _sizes(self.state_size)]

    def _check_symbolic_call(self, shapes, initial_state, kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments {sorted(kwargs)}")

    # -- the Layer protocol (graphs, gradcheck): [output, *new_states] ----------------------
    def forward(self, x, training=False, mask=None, initial_state=None):
        x = as_float_array(x, self.dtype, f"{type(self).__name__} {self.name!r}")
        if not self.built:
            self.build((None,) + x.shape[1:])
        states = self.get_initial_state(len(x)) if initial_state is None else list(initial_state)
        out, new_states = self.call(x, states, training=training)
        return [out] + list(new_states)

    def graph_backward(self, grad_output, activity_scale=1.0):
        """[d_output, *d_states] -> d_inputs, with the state gradients in initial_state_grads."""
        d_output, d_states = grad_output[0], list(grad_output[1:])
        dx, d_prev = self.backward(d_output, d_states)
        self.initial_state_grads = list(d_prev)
        return dx

    def __call__(self, inputs, states=None, training=None, **kwargs):
        """Keras's call: ``output, new_states = cell(x_t, states)`` (symbolic or on arrays)."""
        if states is not None and not isinstance(states, (list, tuple)):
            states = [states]
        outs = super().__call__(inputs, training=training, initial_state=states, **kwargs)
        return outs[0], list(outs[1:])


class _BuiltinCell(RNNCell):
    """LSTMCell, GRUCell, SimpleRNNCell: weights kernel (D, G·H), recurrent_kernel (H, G·H),
    bias; the sequence functions ``run_sequence`` / ``run_backward`` that RNN's fast path uses."""
    draws_random = True                     # owns a random generator (Keras: a SeedGenerator)

    kind = None
    gates = 1
    state_names = ("h",)
    weight_names = ("kernel", "recurrent_kernel", "bias")

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, f"{type(self).__name__} units")
        A.get_elementwise(activation)
        self.activation = activation if activation is not None else "linear"
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.dropout = check_rate(dropout, "dropout")
        self.recurrent_dropout = check_rate(recurrent_dropout, "recurrent_dropout")
        self.set_weight_options(kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                                bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                                recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint)
        self._step_masks = None                 # dropout masks a hand-stepped cell keeps

    @property
    def output_size(self):
        return self.units

    @property
    def state_size(self):
        return [self.units] * len(self.state_names) if len(self.state_names) > 1 else self.units


    def build(self, input_shape):
        D, H, G = input_shape[-1], self.units, self.gates
        if D is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs a known input size, "
                             f"received shape {tuple(input_shape)}")
        self.add_weight("kernel", (D, G * H), self.kernel_initializer)
        self.add_weight("recurrent_kernel", (H, G * H), self.recurrent_initializer)
        if self.use_bias:
            self.add_weight("bias", self._bias_shape(), self._bias_init)
        super().build(input_shape)

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_init(self, shape, dtype, rng):
        return self.bias_initializer(shape, dtype, rng)

    def _bias(self):
        return self.params["bias"] if self.use_bias else np.zeros(self._bias_shape(), self.dtype)

    # -- one step, by hand or in a graph ----------------------------------------------------
    def reset_dropout_mask(self):
        """Forget the dropout masks drawn for hand-stepping (Keras draws them once per
        sequence; RNN draws its own per call)."""
        self._step_masks = None

    def _masks(self, batch, dim, training):
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return None, None
        if self._step_masks is None or self._step_masks[0] != batch:
            draw = lambda rate, n: None if rate == 0 else dropout_mask(self.rng, (batch, n), rate, self.dtype)
            self._step_masks = (batch, draw(self.dropout, dim), draw(self.recurrent_dropout, self.units))
        return self._step_masks[1], self._step_masks[2]

    def call(self, inputs, states, training=False):
        who = f"{type(self).__name__} {self.name!r}"
        x = as_float_array(inputs, self.dtype, who)
        check_rank(x, 2, who, "(batch, features)")
        if not self.built:
            self.build((None, x.shape[1]))
        states = [as_float_array(s, self.dtype, who) for s in states]
        if len(states) != len(self.state_names) or any(s.shape != (len(x), self.units) for s in states):
            raise ValueError(f"{who} expects states {list(self.state_names)} of shape {(len(x), self.units)}, "
                             f"received {[np.shape(s) for s in states]}")
        in_mask, rec_mask = self._masks(len(x), x.shape[1], training)
        xs = (x if in_mask is None else x * in_mask)[:, None, :]             # (B, 1, D)
        # No reused buffers (workspace=None): the records of many steps live at once.
        y, final, core_cache = self.run_sequence(xs, states, None, rec_mask, False, None)
        self._cache = (core_cache, in_mask)
        return y[:, 0], final

    def backward(self, d_output, d_states):
        core_cache, in_mask = self._require_cache()
        self._cache = None
        d_states = [None if d is None else np.asarray(d, self.dtype) for d in (d_states or [])]
        d_states += [None] * (len(self.state_names) - len(d_states))
        if d_output is not None:                      # the output is h: its gradient joins dh
            g = np.asarray(d_output, self.dtype)
            d_states[0] = g if d_states[0] is None else d_states[0] + g
        dx, d_init, grads = self.run_backward(None, d_states, core_cache)
        self.store_grads(grads)
        dx = dx[:, 0]
        return (dx if in_mask is None else dx * in_mask), list(d_init)

    def store_grads(self, grads):
        """Fill ``self.grads`` from a dict by weight name (a missing bias gradient is ignored)."""
        for key, g in self.grads.items():
            g[...] = grads[key]

    def get_config(self):
        cfg = super().get_config()
        cfg.update(units=self.units, activation=self.activation, use_bias=self.use_bias,
                   kernel_initializer=initializers.serialize(self.kernel_initializer),
                   recurrent_initializer=initializers.serialize(self.recurrent_initializer),
                   bias_initializer=initializers.serialize(self.bias_initializer),
                   dropout=self.dropout, recurrent_dropout=self.recurrent_dropout)
        return cfg


class LSTMCell(_BuiltinCell):
    """One LSTM step (see ``lstm_np.core.lstm`` for the equations); state [h, c].

    The LSTM family (``lstm_np.core.lstm_family`` has the equations):

    - ``peephole=True``: diagonal weights from c into the gates, ``peephole_kernel`` (3, H) for
      i, f (reading c_{t-1}) and o (reading c_t) — Gers & Schmidhuber 2000;
    - ``proj_size=P``: h = (o ⊙ tanh c) W_hr, ``projection_kernel`` (H, P); the output and h have
      P features, c has H; ``recurrent_kernel`` is (P, 4H) — PyTorch's LSTM(proj_size=P);
    - ``layer_norm=True``: layer normalisation of x W and h U per gate and of c before its tanh,
      gains and biases ``input_gamma/beta`` (4H), ``recurrent_gamma/beta`` (4H), ``cell_gamma/beta`` (H);
    - ``variant=`` one of Greff et al.'s ablations: "NIG", "NFG", "NOG" (that gate fixed to 1, its
      weights gone), "NIAF" (g = z_g), "NOAF" (h = o ⊙ c), "CIFG" (f = 1 - i, no forget weights),
      "NP" (no peepholes: the plain LSTM), "FGR" (i, f, o also read the previous step's i, f, o:
      ``gate_recurrent_kernel`` (3H, 3H)).

    Weights, in get_weights order: kernel (D, G·H), recurrent_kernel (P, G·H), bias (G·H), then
    peephole_kernel, projection_kernel, the layer-norm gains/biases, gate_recurrent_kernel — each
    only when its option is on (G = 4 gates, 3 for NIG/NFG/NOG/CIFG). Every member runs on the
    NumPy reference or on its own compiled kernel (``lstm_np.fast.lstm_family``).
    """

    kind = "lstm"
    gates = 4
    state_names = ("h", "c")
    weight_names = ("kernel", "recurrent_kernel", "bias", "peephole_kernel", "projection_kernel", "input_gamma",
                    "input_beta", "recurrent_gamma", "recurrent_beta", "cell_gamma", "cell_beta",
                    "gate_recurrent_kernel")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", unit_forget_bias=True,
                 peephole=False, proj_size=None, layer_norm=False, variant=None, **kwargs):
        A.get_elementwise(recurrent_activation)
        self.recurrent_activation = recurrent_activation
        self.unit_forget_bias = check_bool(unit_forget_bias, "unit_forget_bias")
        self.peephole = check_bool(peephole, "peephole")
        self.layer_norm = check_bool(layer_norm, "layer_norm")
        if proj_size is not None:
            proj_size = check_positive_int(proj_size, "proj_size")
        self.proj_size = proj_size
        if variant is not None and (not isinstance(variant, str) or variant.upper() not in core_family.VARIANTS[1:]):
            raise ValueError(f"variant must be one of {core_family.VARIANTS}, received {variant!r}")
        self.variant = None if variant is None or variant.upper() == "NP" else variant.upper()
        self.variant_arg = variant
        super().__init__(units, activation=activation, **kwargs)
        options = (self.peephole, self.proj_size, self.layer_norm, self.variant)
        self.family = None if not any(options) else core_family.Family(
            self.variant, self.peephole, self.proj_size, self.layer_norm, activation, recurrent_activation)
        self.gates = len(core_family.gate_names(self.variant))

    @property
    def output_size(self):
        return self.proj_size or self.units

    @property
    def state_size(self):
        return [self.output_size, self.units]

    def build(self, input_shape):
        D, H, G, P = input_shape[-1], self.units, self.gates, self.output_size
        if D is None:
            raise ValueError(f"LSTMCell {self.name!r} needs a known input size, received shape {tuple(input_shape)}")
        glorot, ones, zeros = (initializers.get(n) for n in ("glorot_uniform", "ones", "zeros"))
        self.add_weight("kernel", (D, G * H), self.kernel_initializer)
        self.add_weight("recurrent_kernel", (P, G * H), self.recurrent_initializer)
        if self.use_bias:
            self.add_weight("bias", (G * H,), self._bias_init)
        if self.peephole:
            self.add_weight("peephole_kernel", (3, H), glorot)
        if self.proj_size:
            self.add_weight("projection_kernel", (H, P), glorot)
        if self.layer_norm:
            for part, size in (("input", G * H), ("recurrent", G * H), ("cell", H)):
                self.add_weight(f"{part}_gamma", (size,), ones)
                self.add_weight(f"{part}_beta", (size,), zeros)
        if self.variant == "FGR":
            self.add_weight("gate_recurrent_kernel", (3 * H, 3 * H), glorot)
        Layer.build(self, input_shape)

    def _bias_init(self, shape, dtype, rng):
        H = self.units
        gates = core_family.gate_names(self.variant)
        if not self.unit_forget_bias or "f" not in gates:
            return self.bias_initializer(shape, dtype, rng)
        # Keras: the forget-gate slice starts at 1 so the cell remembers by default.
        return np.concatenate([self.bias_initializer((H,), dtype, rng), np.ones(H, dtype),
                               self.bias_initializer(((len(gates) - 2) * H,), dtype, rng)]).astype(dtype)

    def run_sequence(self, x, states, mask, rec_mask, zero_output_for_mask, workspace):
        if self.family is not None:
            y, h, c, cache = _impl("lstm_family").family_forward(x, states[0], states[1], self.params, self.family,
                                                                 mask, rec_mask, zero_output_for_mask, workspace)
            return y, [h, c], cache
        p = self.params
        y, h, c, cache = _impl("lstm").lstm_forward(
            x, states[0], states[1], p["kernel"], p["recurrent_kernel"], self._bias(), mask=mask,
            activation=self.activation, recurrent_activation=self.recurrent_activation, recurrent_mask=rec_mask,
            zero_output_for_mask=zero_output_for_mask, workspace=workspace)
        return y, [h, c], cache

    def run_backward(self, dy, d_states, cache):
        if self.family is not None:
            dx, dh0, dc0, grads = _impl("lstm_family", cache).family_backward(dy, d_states[0], d_states[1], cache)
            return dx, [dh0, dc0], grads
        dx, dh0, dc0, dW, dU, db = _impl("lstm", cache).lstm_backward(dy, d_states[0], d_states[1], cache)
        return dx, [dh0, dc0], {"kernel": dW, "recurrent_kernel": dU, "bias": db}

    def get_config(self):
        cfg = super().get_config()
        cfg.update(recurrent_activation=self.recurrent_activation, unit_forget_bias=self.unit_forget_bias)
        for key, value, default in (("peephole", self.peephole, False), ("proj_size", self.proj_size, None),
                                    ("layer_norm", self.layer_norm, False), ("variant", self.variant_arg, None)):
            if value != default:
                cfg[key] = value
        return cfg


class GRUCell(_BuiltinCell):
    """One GRU step; state h. ``reset_after=True`` (Keras 3's default, cuDNN's and PyTorch's;
    ``lstm_np.core.gru``): the bias is (2, 3H), input and recurrent bias, as Keras stores them.
    ``reset_after=False`` (Cho et al.'s original; ``lstm_np.core.gru_reset_before``): the reset
    gate multiplies the state before U_h, and the bias is (3H,)."""

    kind = "gru"
    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", reset_after=True, **kwargs):
        A.get_elementwise(recurrent_activation)
        self.recurrent_activation = recurrent_activation
        self.reset_after = check_bool(reset_after, "GRU reset_after")
        self.kind = "gru" if self.reset_after else "gru_reset_before"
        super().__init__(units, activation=activation, **kwargs)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def run_sequence(self, x, states, mask, rec_mask, zero_output_for_mask, workspace):
        p = self.params
        y, h, cache = _impl(self.kind).gru_forward(
            x, states[0], p["kernel"], p["recurrent_kernel"], self._bias(), mask=mask, activation=self.activation,
            recurrent_activation=self.recurrent_activation, recurrent_mask=rec_mask,
            zero_output_for_mask=zero_output_for_mask, workspace=workspace)
        return y, [h], cache

    def run_backward(self, dy, d_states, cache):
        dx, dh0, dW, dU, db = _impl(self.kind, cache).gru_backward(dy, d_states[0], cache)
        return dx, [dh0], {"kernel": dW, "recurrent_kernel": dU, "bias": db}

    def get_config(self):
        cfg = super().get_config()
        cfg.update(recurrent_activation=self.recurrent_activation, reset_after=self.reset_after)
        return cfg


class SimpleRNNCell(_BuiltinCell):
    """One step of h_t = φ(x_t W + h_{t-1} U + b); state h."""

    kind = "simple_rnn"

    def run_sequence(self, x, states, mask, rec_mask, zero_output_for_mask, workspace):
        p = self.params
        y, h, cache = _impl("simple_rnn").rnn_forward(
            x, states[0], p["kernel"], p["recurrent_kernel"], self._bias(), mask=mask, activation=self.activation,
            recurrent_mask=rec_mask, zero_output_for_mask=zero_output_for_mask, workspace=workspace)
        return y, [h], cache

    def run_backward(self, dy, d_states, cache):
        dx, dh0, dW, dU, db = _impl("simple_rnn", cache).rnn_backward(dy, d_states[0], cache)
        return dx, [dh0], {"kernel": dW, "recurrent_kernel": dU, "bias": db}
