"""RNN(cell) and the recurrent layers LSTM, GRU, SimpleRNN (each an RNN of its cell).

RNN handles what is about the *sequence*: ``go_backwards``, ``initial_state``,
``return_sequences``, ``return_state``, ``stateful``, masks, and the dropout masks (drawn
once per sequence, shared across timesteps, as Keras; one mask shared by the gates, where
Keras draws one per gate when recurrent_dropout > 0). The cell owns the weights and the
maths:

- the built-in cells run the whole sequence in one call (``cell.run_sequence``): the NumPy
  reference in ``lstm_np.core`` or the Numba kernels, chosen by ``lstm_np.set_backend``;
- any other cell (your own, ``StackedRNNCells``) runs step by step in a NumPy loop, each
  step keeping its own record for backward; the weight gradients are summed over the steps.
"""
import numpy as np

from .. import sync
from .base import Layer
from .cells import GRUCell, LSTMCell, SimpleRNNCell, _BuiltinCell, _sizes, is_cell, output_size
from .stacked_cells import StackedRNNCells, flat_states, nest_states
from . import step_loop
from .checks import as_float_array, check_bool, check_last_dim, check_mask, check_rank
from .registry import deserialize_layer, serialize_layer
from ..core.dropout import dropout_mask


class RNN(Layer):
    """``RNN(cell, return_sequences=False, return_state=False, go_backwards=False,
    stateful=False, unroll=False)`` as in Keras; ``cell`` may be a list (a StackedRNNCells)."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not is_cell(cell):
            raise TypeError(f"RNN expects a cell (an RNNCell: LSTMCell, GRUCell, SimpleRNNCell, "
                            f"StackedRNNCells, or a layer with state_size and call(inputs, states)), "
                            f"received {type(cell).__name__}")
        if kwargs.get("dtype") is None and cell._dtype_arg is not None:
            kwargs["dtype"] = cell._dtype_arg
        super().__init__(**kwargs)
        self.cell = cell
        self.rng = cell.rng                           # one generator: weights, then dropout masks
        self.return_sequences = check_bool(return_sequences, "return_sequences")
        self.return_state = check_bool(return_state, "return_state")
        self.go_backwards = check_bool(go_backwards, "go_backwards")
        self.stateful = check_bool(stateful, "stateful")
        self.unroll = check_bool(unroll, "unroll")   # accepted for Keras scripts; same maths
        self.zero_output_for_mask = check_bool(zero_output_for_mask, "zero_output_for_mask")
        self.states = None                            # carried across calls when stateful
        self._workspaces = {}                         # kernel buffers, one set per call slot
        sync.keeps_buffers(self)                      # lstm_np.release_buffers() can empty them
        self.initial_state_grads = None
        self.params, self.grads = cell.params, cell.grads
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    # -- what the cell knows ------------------------------------------------------------
    @property
    def fast(self):
        """The whole sequence in one call (a built-in cell), or a step-by-step loop."""
        return isinstance(self.cell, _BuiltinCell)

    @property
    def units(self):
        return getattr(self.cell, "units", output_size(self.cell))

    @property
    def state_sizes(self):
        return _sizes(self.cell.state_size)

    @property
    def state_names(self):
        return getattr(self.cell, "state_names", tuple(f"state_{i}" for i in range(len(self.state_sizes))))

    dropout = property(lambda self: getattr(self.cell, "dropout", 0.0))
    recurrent_dropout = property(lambda self: getattr(self.cell, "recurrent_dropout", 0.0))
    activation = property(lambda self: self.cell.activation)
    use_bias = property(lambda self: self.cell.use_bias)
    weight_names = property(lambda self: self.cell.weight_names)

    def weight_groups(self):
        return [("cell", self.cell)]

    def sublayers(self):
        return [self.cell] if "cell" in self.__dict__ else []

    def weight_entries(self):
        return [(k, p, g, self.trainable and t) for k, p, g, t in self.cell.weight_entries()]

    def get_weights(self):
        return self.cell.get_weights()

    def set_weights(self, weights):
        if not self.built:
            raise ValueError(f"layer {self.name!r} is not built yet: give it an input_shape "
                             "or call it on data before set_weights")
        self.cell.set_weights(weights)

    def count_params(self):
        return self.cell.count_params()

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
        if not self.cell.built:
            self.cell.run_build((None, input_shape[-1]))
        self.params, self.grads = self.cell.params, self.cell.grads
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        B, T = input_shape[0], input_shape[1]
        size = output_size(self.cell)
        out = (B, T, size) if self.return_sequences else (B, size)
        if self.return_state:
            return [out] + nest_states(self.cell, [(B, s) for s in self.state_sizes])
        return out

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    # -- running -----------------------------------------------------------------------
    def _who(self):
        return f"{type(self).__name__} {self.name!r}"

    def _check_states(self, initial_state, batch):
        sizes, names = self.state_sizes, self.state_names
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
            return [np.zeros((batch, s), self.dtype) for s in sizes], False
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if len(initial_state) != len(sizes):
            raise ValueError(f"{self._who()} expects initial_state as a list of {len(sizes)} arrays "
                             f"({', '.join(names)}), received {len(initial_state)}")
        states = []
        for name, size, s in zip(names, sizes, initial_state):
            s = as_float_array(s, self.dtype, f"{self._who()} initial state {name}")
            if s.shape != (batch, size):
                raise ValueError(f"{self._who()} expects initial state {name} of shape {(batch, size)}, "
                                 f"received {s.shape}")
            states.append(s)
        return states, True

    def forward(self, x, training=False, mask=None, initial_state=None):
        out = self._run(self._checked_call(x, mask, flat_states(initial_state)), training)
        return [out[0]] + nest_states(self.cell, out[1:]) if self.return_state else out

    def _checked_call(self, x, mask, initial_state):
        """Every check of a call, before anything changes: -> (x, mask, states, given)."""
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
        return x, mask, states, given

    def _flops(self, checked):
        """A call's forward flops, about: 2·B·T·(the weight matrices' entries)."""
        B, T = checked[0].shape[:2]
        return 2.0 * B * T * sum(p.size for p in self.params.values() if p.ndim == 2)

    def _run(self, checked, training):
        """The call itself, on what ``_checked_call`` returned."""
        x, mask, states, given = checked
        if self.go_backwards:                       # process the sequence reversed
            x = x[:, ::-1]
            mask = None if mask is None else mask[:, ::-1]
        if self.fast:
            y, final, record = self._forward_fast(x, states, mask, training)
        else:
            y, final, record = step_loop.forward_steps(self, x, states, mask, training)
        if self.stateful:
            self.states = [s.copy() for s in final]
        self._cache = (record, given, mask)
        out = y if self.return_sequences else y[:, -1]
        return [out] + list(final) if self.return_state else out

    def _forward_fast(self, x, states, mask, training):
        B, T, D = x.shape
        # Dropout masks: drawn once per sequence, shared by every timestep (Keras).
        in_mask = rec_mask = None
        if training and self.dropout > 0:
            in_mask = dropout_mask(self.rng, (B, D), self.dropout, self.dtype)
            x = x * in_mask[:, None, :]
        if training and self.recurrent_dropout > 0:
            rec_mask = dropout_mask(self.rng, (B, output_size(self.cell)), self.recurrent_dropout, self.dtype)
        y, final, core_cache = self.cell.run_sequence(x, states, mask, rec_mask, self.zero_output_for_mask,
                                                      self._workspace)
        return y, final, (core_cache, in_mask)

    def backward(self, grad_output):
        record, given, mask = self._require_cache()
        self._cache = None          # the kernels reuse the cache's buffers for the gradients
        n = len(self.state_sizes)
        if self.return_state and isinstance(grad_output, (list, tuple)):
            grad_output = [grad_output[0]] + flat_states(list(grad_output[1:]))     # a stack's nesting
        if self.return_state:
            if not isinstance(grad_output, (list, tuple)) or len(grad_output) != 1 + n:
                raise ValueError(f"{self._who()} returns {1 + n} tensors; backward expects a list "
                                 f"of {1 + n} gradients (None allowed)")
            d_out, d_states = grad_output[0], list(grad_output[1:])
        else:
            d_out, d_states = grad_output, [None] * n
        d_states = [None if d is None else np.asarray(d, self.dtype) for d in d_states]
        dy = None
        if self.return_sequences:
            dy = None if d_out is None else np.asarray(d_out, self.dtype)
        elif d_out is not None:
            # Only the last output has a gradient: it is h_T (zeroed if masked and
            # zero_output_for_mask), so its gradient joins dh_T.
            g = np.asarray(d_out, self.dtype)
            if self.zero_output_for_mask and mask is not None:
                g = g * mask[:, -1, None]
            if self.fast:
                d_states[0] = g if d_states[0] is None else d_states[0] + g
            else:
                dy = np.zeros(g.shape[:1] + (len(record),) + g.shape[1:], self.dtype)
                dy[:, -1] = g
        if self.fast:
            dx, d_init = self._backward_fast(dy, d_states, record)
        else:
            dx, d_init = step_loop.backward_steps(self, dy, d_states, record, mask)
        if self.go_backwards:
            dx = dx[:, ::-1]
        self.initial_state_grads = d_init if given else None
        return dx

    def _backward_fast(self, dy, d_states, record):
        core_cache, in_mask = record
        dx, d_init, grads = self.cell.run_backward(dy, d_states, core_cache)
        self.cell.store_grads(grads)
        if in_mask is not None:
            dx = dx * in_mask[:, None, :]
        return dx, d_init

    # -- state ---------------------------------------------------------------------------
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
        (batch, size) arrays, h then c for an LSTM)."""
        self.states = None if states is None else self._checked_states(states)

    def reset_state(self, states=None):
        """Keras 3's name for ``reset_states``."""
        self.reset_states(states)

    def _checked_states(self, states):
        who, sizes = self._who(), self.state_sizes
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != len(sizes):
            raise ValueError(f"{who} expects {len(sizes)} states ({', '.join(self.state_names)}), "
                             f"received {len(states)}")
        out = []
        for name, size, s in zip(self.state_names, sizes, states):
            s = np.array(as_float_array(s, self.dtype, f"{who} state {name}"), self.dtype)
            batch = out[0].shape[0] if out else (s.shape[0] if s.ndim == 2 else None)
            if s.shape != (batch, size):
                raise ValueError(f"{who} expects state {name} of shape (batch, {size})"
                                 f"{'' if not out else f' with batch {batch}'}, received {s.shape}")
            if not np.all(np.isfinite(s)):
                raise ValueError(f"{who} state {name} contains NaN or inf")
            out.append(s)
        return out

    # -- config ----------------------------------------------------------------------------
    def _sequence_config(self):
        return dict(return_sequences=self.return_sequences, return_state=self.return_state,
                    go_backwards=self.go_backwards, stateful=self.stateful, unroll=self.unroll,
                    zero_output_for_mask=self.zero_output_for_mask)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(self._sequence_config(), cell=serialize_layer(self.cell))
        return cfg

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["cell"] = deserialize_layer(config["cell"])
        return cls(**config)


class _CellRNN(RNN):
    """LSTM / GRU / SimpleRNN: an RNN of their cell, built from the layer's (flat) arguments."""

    cell_class = None
    cell_args = ("activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
                 "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
                 "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")

    def __init__(self, units, **kwargs):
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in self.cell_args}
        cell = self.cell_class(units, dtype=kwargs.get("dtype"), seed=kwargs.get("seed"),
                               name=(kwargs.get("name") or "") + "_cell" if kwargs.get("name") else None,
                               **cell_kwargs)
        super().__init__(cell, **kwargs)
        self.gates = cell.gates

    def __getattr__(self, name):
        # Cell arguments read through the layer, as in Keras (lstm.recurrent_activation, …).
        cell = self.__dict__.get("cell")
        if cell is not None and (name in type(self).cell_args or name in ("unit_forget_bias", "recurrent_activation",
                                                                          "reset_after", "family")):
            return getattr(cell, name)
        return super().__getattr__(name)                  # a weight: lstm.kernel (the cell's)

    def get_config(self):
        cfg = Layer.get_config(self)
        cell_cfg = self.cell.get_config()
        for key in ("name", "trainable", "dtype", "seed", "input_shape"):
            cell_cfg.pop(key, None)
        cfg.update(cell_cfg)
        cfg.update(self._sequence_config())
        return cfg

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LSTM(_CellRNN):
    """Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997), Keras semantics: an RNN
    of an ``LSTMCell`` (``layer.cell``). Equations (see ``lstm_np.core.lstm``)::

        z_t = x_t W + h_{t-1} U + b;   i, f, o = σ(z_i), σ(z_f), σ(z_o);   g = φ(z_c)
        c_t = f ⊙ c_{t-1} + i ⊙ g;     h_t = o ⊙ φ(c_t)

    Parameters: 4·((input_dim + units)·units + units).

    Where the work is done, three files down: this file (``RNN``: the sequence — masks, states,
    ``go_backwards``, dropout masks) → ``layers/cells.py`` (``LSTMCell.run_sequence``) →
    ``core/lstm.py`` (``lstm_forward`` / ``lstm_backward``: the NumPy reference, the textbook;
    ``fast/lstm.py`` is the same functions compiled, chosen by ``lstm_np.set_backend``).
    """

    cell_class = LSTMCell

    def __init__(self, units, use_cudnn="auto", **kwargs):
        super().__init__(units, **kwargs)
        self.use_cudnn = use_cudnn          # Keras 3's argument, kept as given: one CPU path here
    cell_args = _CellRNN.cell_args + ("recurrent_activation", "unit_forget_bias", "peephole", "proj_size",
                                      "layer_norm", "variant")


class GRU(_CellRNN):
    """Gated Recurrent Unit, Keras ``reset_after=True`` (see ``lstm_np.core.gru``)::

        z = σ(x W_z + h U_z + b),  r = σ(x W_r + h U_r + b),  hh = φ(x W_h + b + r ⊙ (h U_h + b'))
        h_t = z ⊙ h_{t-1} + (1 - z) ⊙ hh

    Parameters: 3·(units·(input_dim + units) + 2·units).
    """

    cell_class = GRUCell

    def __init__(self, units, use_cudnn="auto", **kwargs):
        super().__init__(units, **kwargs)
        self.use_cudnn = use_cudnn          # Keras 3's argument, kept as given: one CPU path here
    cell_args = _CellRNN.cell_args + ("recurrent_activation", "reset_after")


class SimpleRNN(_CellRNN):
    """Fully connected RNN: h_t = φ(x_t W + h_{t-1} U + b). Parameters: (input_dim + units + 1)·units."""

    cell_class = SimpleRNNCell
