"""Bidirectional: two recurrent layers read the sequence in opposite directions.

    y_f = forward_layer(x)                   reads x_1 … x_T
    y_b = backward_layer(x)                  go_backwards: reads x_T … x_1
    y_b ← flip(y_b) along time               (with return_sequences: back into time order)
    y   = merge(y_f, y_b)

Merge modes and their backward (g = d loss / d y):

    concat  y = [y_f, y_b]      dy_f = g[..., :H],  dy_b = g[..., H:]
    sum     y = y_f + y_b       dy_f = dy_b = g
    ave     y = (y_f + y_b)/2   dy_f = dy_b = g / 2
    mul     y = y_f ⊙ y_b       dy_f = g ⊙ y_b,  dy_b = g ⊙ y_f      (product rule)
    None    [y_f, y_b]          the two gradients as given

On the numba backend, a call big enough to pay for a thread hand-off runs the two
directions at the same time, forward and backward (``core/threads.parallel``); inside each,
its shards run in order on its thread. The numbers do not change.

With a mask (right padding) each direction reads only the valid steps, and the outputs
at masked steps are zeros (Keras sets ``zero_output_for_mask`` on both layers).
"""
import numpy as np

from .. import backend
from ..fast import threads
from .base import Layer
from .recurrent import RNN
from .registry import deserialize_layer, serialize_layer

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """``Bidirectional(LSTM(32), merge_mode="concat", backward_layer=None)`` as in Keras."""

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        if not isinstance(layer, RNN):
            raise TypeError("Bidirectional wraps a recurrent layer (LSTM, GRU, SimpleRNN), "
                            f"received {type(layer).__name__}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"unknown merge_mode {merge_mode!r}; expected one of {MERGE_MODES}")
        if kwargs.get("input_shape") is None and layer.input_shape_arg is not None:
            kwargs["input_shape"] = layer.input_shape_arg
        trainable = kwargs.pop("trainable", None)
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = layer._dtype_arg       # the wrapper never changes its layers' dtype
        layer_dtype_arg = layer._dtype_arg           # what the user gave the layer (saved as given)
        super().__init__(**kwargs)
        self.merge_mode = merge_mode
        self._layer_dtype_arg = layer_dtype_arg
        cls = type(layer)
        fcfg = layer.get_config()
        fcfg.pop("input_shape", None)
        fcfg["name"] = "forward_" + layer.name
        fcfg["dtype"] = str(layer.dtype)                # the copies keep the layer's precision
        self.forward_layer = cls.from_config(fcfg)
        if backward_layer is None:
            bcfg = dict(fcfg, name="backward_" + layer.name, go_backwards=not layer.go_backwards)
            if layer.seed is not None:
                bcfg["seed"] = layer.seed + 1
            self.backward_layer = cls.from_config(bcfg)
        else:
            if not isinstance(backward_layer, RNN):
                raise TypeError(f"backward_layer must be a recurrent layer, received "
                                f"{type(backward_layer).__name__}")
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError("backward_layer must have the opposite go_backwards of layer, "
                                 f"received go_backwards={backward_layer.go_backwards} for both")
            for attr in ("return_sequences", "return_state", "stateful"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ValueError(f"backward_layer.{attr} must equal layer.{attr} "
                                     f"({getattr(layer, attr)}), received {getattr(backward_layer, attr)}")
            self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = sub.return_sequences      # Keras does the same
        if "use_cudnn" in vars(layer):                           # Keras keeps it on both copies
            self.forward_layer.use_cudnn = layer.use_cudnn
            if backward_layer is None:
                self.backward_layer.use_cudnn = layer.use_cudnn
        if trainable is None:                      # not given: frozen iff the layers are
            self._trainable = self.forward_layer.trainable and self.backward_layer.trainable
        else:
            self.trainable = trainable             # given: applies to both directions
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.n_states = len(layer.state_names)
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    # -- weights: the wrapper's params are the two layers' arrays ------------------------
    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(tuple(input_shape))
        self._link()
        super().build(input_shape)

    def _link(self):
        self.params, self.grads, names = {}, {}, []
        for prefix, sub in (("forward", self.forward_layer), ("backward", self.backward_layer)):
            for k in sub.weight_names:
                if k in sub.params:
                    self.params[f"{prefix}/{k}"] = sub.params[k]
                    self.grads[f"{prefix}/{k}"] = sub.grads[k]
                    names.append(f"{prefix}/{k}")
        self.weight_names = tuple(names)

    def weight_groups(self):
        return [("forward_layer", self.forward_layer), ("backward_layer", self.backward_layer)]

    def sublayers(self):
        return [l for l in (getattr(self, "forward_layer", None), getattr(self, "backward_layer", None))
                if l is not None]

    def weight_entries(self):
        return [(f"{prefix}/{k}", p, g, self.trainable and t)
                for prefix, sub in (("forward", self.forward_layer), ("backward", self.backward_layer))
                for k, p, g, t in sub.weight_entries()]

    def compute_output_shape(self, input_shape):
        out = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            out, states = out[0], [s for group in out[1:] for s in (group if isinstance(group, list) else [group])] * 2
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (2 * out[-1],)
            outs = [out]
        elif self.merge_mode is None:
            outs = [tuple(out), tuple(out)]
        else:
            outs = [tuple(out)]
        if self.return_state or self.merge_mode is None:
            return outs + states
        return outs[0]

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    # -- running -------------------------------------------------------------------------
    def forward(self, x, training=False, mask=None, initial_state=None):
        if not self.built:
            self.build((None,) + tuple(np.shape(x)[1:]))
        fwd_state = bwd_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            if len(initial_state) != 2 * self.n_states:
                raise ValueError(f"Bidirectional {self.name!r} expects initial_state as a list of "
                                 f"{2 * self.n_states} arrays (forward states then backward states), "
                                 f"received {len(initial_state)}")
            fwd_state, bwd_state = initial_state[:self.n_states], initial_state[self.n_states:]
        # Both directions are checked before either runs; then they run at the same time.
        f_call = self.forward_layer._checked_call(x, mask, fwd_state)
        b_call = self.backward_layer._checked_call(x, mask, bwd_state)
        work = 0.0                                # the NumPy reference holds the GIL and runs
        if backend.compiled():                    # NumPy's threaded BLAS: at once was slower there
            work = self.forward_layer._flops(f_call) + self.backward_layer._flops(b_call)
        y, y_rev = threads.parallel([lambda: self.forward_layer._run(f_call, training),
                                     lambda: self.backward_layer._run(b_call, training)], work)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev[:, ::-1]                 # back into time order
        self._cache = (y, y_rev, 2 * work)           # backward: about twice the forward's flops
        if self.merge_mode == "concat":                      # batch-major, whatever the kernels' layout
            H = y.shape[-1]
            out = np.empty(y.shape[:-1] + (H + y_rev.shape[-1],), np.result_type(y, y_rev))
            out[..., :H], out[..., H:] = y, y_rev
        elif self.merge_mode == "sum":
            out = y + y_rev
        elif self.merge_mode == "ave":
            out = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            out = y * y_rev
        else:
            out = [y, y_rev]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def backward(self, grad_output):
        y, y_rev, work = self._require_cache()
        n_out = 2 if self.merge_mode is None else 1
        if self.return_state or self.merge_mode is None:
            grads = list(grad_output)
            g_out, g_states = grads[:n_out], grads[n_out:]
        else:
            g_out, g_states = [grad_output], []
        zeros = lambda a: np.zeros_like(a)
        if self.merge_mode is None:
            dy = zeros(y) if g_out[0] is None else np.asarray(g_out[0], y.dtype)
            dy_rev = zeros(y_rev) if g_out[1] is None else np.asarray(g_out[1], y.dtype)
        else:
            g = zeros(y) if g_out[0] is None else np.asarray(g_out[0], y.dtype)
            if self.merge_mode == "concat":
                H = y.shape[-1]
                dy, dy_rev = g[..., :H], g[..., H:]
            elif self.merge_mode == "sum":
                dy, dy_rev = g, g
            elif self.merge_mode == "ave":
                dy = dy_rev = g / 2
            else:                                              # mul: the product rule
                dy, dy_rev = g * y_rev, g * y
        if self.return_sequences:
            dy_rev = dy_rev[:, ::-1]
        n = self.n_states
        if self.return_state:
            g_states = list(g_states) + [None] * (2 * n - len(g_states))
            f_grad = [dy] + g_states[:n]
            b_grad = [dy_rev] + g_states[n:]
        else:
            f_grad, b_grad = dy, dy_rev
        dx_f, dx_b = threads.parallel([lambda: self.forward_layer.backward(f_grad),
                                       lambda: self.backward_layer.backward(b_grad)], work)
        dx = dx_f + dx_b
        fi, bi = self.forward_layer.initial_state_grads, self.backward_layer.initial_state_grads
        self.initial_state_grads = None if fi is None else list(fi) + list(bi)
        return dx

    def random_generators(self):
        return [self.rng] + self.forward_layer.random_generators() + self.backward_layer.random_generators()

    def _check_symbolic_call(self, shapes, initial_state, kwargs):
        super()._check_symbolic_call(shapes, initial_state, kwargs)
        for sub in self.sublayers():
            sub._check_symbolic_call(shapes, None, {})

    def reset_state(self, states=None):
        self.reset_states(states)

    def reset_states(self, states=None):
        """Forget the carried states (or set them: forward layer's states, then backward's)."""
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        n = self.n_states
        if len(states) != 2 * n:
            raise ValueError(f"Bidirectional {self.name!r} expects {2 * n} states (forward then "
                             f"backward), received {len(states)}")
        fwd = self.forward_layer._checked_states(states[:n])      # both checked before either is set
        bwd = self.backward_layer._checked_states(states[n:])
        self.forward_layer.states, self.backward_layer.states = fwd, bwd

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("trainable", None)
        layer_cfg = serialize_layer(self.forward_layer)
        layer_cfg["config"]["name"] = self.forward_layer.name[len("forward_"):]
        layer_cfg["config"]["dtype"] = self.__dict__.get("_layer_dtype_arg")     # a round trip keeps it
        cfg.update(layer=layer_cfg, merge_mode=self.merge_mode,
                   backward_layer=serialize_layer(self.backward_layer),
                   trainable=self.trainable)
        return cfg

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        config["backward_layer"] = deserialize_layer(config["backward_layer"])
        layer = cls(**config)
        layer.forward_layer.name = "forward_" + config["layer"].name
        return layer
