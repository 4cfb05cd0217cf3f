"""The Layer base class: parameters, gradients, weights in Keras order, config.

A layer holds ``params`` and ``grads``, two dicts with the same keys. ``forward``
caches what ``backward`` needs; ``backward(grad_output)`` returns the gradient with
respect to the input and *fills* ``grads`` (it never updates weights: that is the
optimizer's job).
"""
import inspect
import re

import numpy as np

from .. import regularizers as regularizers_mod
from .. import sync
from ..config import next_seed, resolve_dtype, unique_name
from . import arguments, eager_masks, taped
from .checks import as_shape, check_bool
from .graph import any_symbolic
from .registry import register
from .sublayers import Sublayers
from .symbolic import SymbolicCalls, _batch_free_shapes
from .weights import Weights
from .variable import Variable


def _plain(value):
    """A value a JSON config can hold."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, dict) and all(isinstance(k, str) and _plain(v) for k, v in value.items())


def _snake(name):
    """Keras's to_snake_case: "LSTMCell" -> "lstm_cell", "SimpleRNN" -> "simple_rnn"."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


_COMPOSITE = {}                 # class -> is it a custom layer made of layers (see _is_composite)
_ONE_ARG_MASK = {}              # class -> does its compute_mask take (mask) only (see output_mask)
_OWN_CALL = {}                  # class -> does it define call, Keras's way of writing a layer
_CALL_PARAMETERS = {}           # class -> the parameters of its call


class Layer(SymbolicCalls, Weights, Sublayers):
    """Base class. Subclasses define ``build``, ``forward``, ``backward``,
    ``compute_output_shape`` and list their weights in ``weight_names`` (Keras order)."""

    weight_names = ()
    supports_masking = False      # Keras 3: does the layer pass a mask on (set per class, as Keras does)
    draws_random = False          # does it draw random numbers (dropout): one seed state variable

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register(cls)                              # saved configs name classes, loading looks them up

    def __new__(cls, *args, **kwargs):
        """Keep the constructor's arguments: a layer written Keras's way, with no get_config of
        its own, saves them (Keras 3's auto-config)."""
        layer = super().__new__(cls)
        if cls.get_config is Layer.get_config:             # only where they are needed (no copy)
            layer.__dict__["_init_arguments"] = (args, kwargs)
        return layer

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None,
                 batch_input_shape=None, seed=None, activity_regularizer=None, batch_size=None, **kwargs):
        if kwargs:              # arguments of another dialect (Keras 2's input_dim=): layers/arguments.py
            kwargs = arguments.translate(self, dict(kwargs, input_shape=input_shape,
                                                    batch_input_shape=batch_input_shape))
            input_shape, batch_input_shape = kwargs.pop("input_shape"), kwargs.pop("batch_input_shape")
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(kwargs)}")
        self.name = name if name is not None else unique_name(_snake(type(self).__name__))
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, received {name!r}")
        self._trainable = check_bool(trainable, "trainable")
        self._dtype_arg = dtype
        self.dtype = resolve_dtype(dtype)
        self.batch_size_arg = batch_size
        if batch_input_shape is not None:
            self.batch_size_arg = tuple(batch_input_shape)[0]
            input_shape = tuple(batch_input_shape)[1:]
        self.input_shape_arg = None if input_shape is None else as_shape(input_shape)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"seed must be an int or None, received {seed!r}")
        self.seed = seed
        self.rng = np.random.default_rng(seed if seed is not None else next_seed())
        self.params = {}
        self.grads = {}
        self.regularizers = {}      # weight key -> Regularizer (see set_weight_options)
        self.constraints = {}       # weight key -> Constraint
        self.activity_regularizer = regularizers_mod.get(activity_regularizer)
        self.built = False
        self.input_shape = None     # (None, ...) once built
        self._cache = None          # the record of the last forward (the one-call case)
        self._inbound_nodes = []    # one Node per symbolic call (see layers/graph.py)

    # -- trainability ------------------------------------------------------------------
    @property
    def trainable(self):
        """A frozen layer (``trainable = False``) gets no optimizer updates."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = check_bool(value, "trainable")
        for sub in self.sublayers():
            sub.trainable = self._trainable       # Keras: freezing a layer freezes its sublayers

    def weight_groups(self):
        """How a weights file nests this layer's weights (Keras 3's layout): (group name,
        sublayer or list of layers) for each sublayer that holds them — an RNN's "cell", a
        Bidirectional's "forward_layer" and "backward_layer" — or [] when they are its own."""
        return []

    def weight_entries(self):
        """(key, param, grad, trainable) for every weight, inner layers' included."""
        frozen = self.__dict__.get("_frozen_keys", ())
        return [(k, self.params[k], self.grads[k], self.trainable and k not in frozen) for k in self.params]

    def weight_keys(self):
        """The weights in Keras order: ``weight_names`` first, then any other in creation order
        (a layer written Keras's way lists none: its add_weight order is the order)."""
        named = [k for k in self.weight_names if k in self.params]
        return named + [k for k in self.params if k not in named]

    # -- building ----------------------------------------------------------------------
    def build(self, input_shape):
        """Create parameters for inputs of shape (None, ...); subclasses create theirs, then call
        this. Weights given at construction (``layers/arguments.py``) are set here."""
        self.input_shape = tuple(input_shape)
        self.built = True
        initial = self.__dict__.pop("_weights_at_build", None)
        if initial is not None:
            self.set_weights(list(initial))

    @classmethod
    def defines_call(cls):
        """Is this class written Keras's way, with a ``call`` of its own? Decided once per class."""
        found = _OWN_CALL.get(cls)
        if found is None:
            found = _OWN_CALL[cls] = any("call" in vars(c) for c in cls.__mro__ if c not in (Layer, object))
        return found

    def call_parameters(self):
        """The parameters of this layer's ``call`` (read once per class)."""
        found = _CALL_PARAMETERS.get(type(self))
        if found is None:
            found = _CALL_PARAMETERS[type(self)] = inspect.signature(self.call).parameters
        return found

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape (batch axis first). Default: a layer written
        Keras's way (its own ``call``) is run once on zeros of that shape (None read as 1) —
        Keras traces ``call`` symbolically instead; any other layer keeps the shape."""
        if isinstance(input_shape, list) or not self.defines_call():
            return tuple(input_shape)
        probe = np.zeros(tuple(1 if d is None else d for d in input_shape), self.dtype)
        kept = self._cache
        try:
            out = np.shape(self.forward(probe))
        finally:
            self._cache = kept
        dims = list(out[1:])
        for i, d in enumerate(tuple(input_shape[1:])[:len(dims)]):
            if d is None:
                dims[i] = None                        # an unknown axis (time) stays unknown
        return (input_shape[0],) + tuple(dims)

    def compute_mask(self, inputs, mask=None):
        """Keras 3's ``compute_mask(inputs, previous_mask)``: the mask passed on to the next layer
        (default: unchanged)."""
        return mask

    def output_mask(self, inputs, mask):
        """``compute_mask`` as Keras 3 calls it, (inputs, mask); a layer written for this
        project's first protocol, ``compute_mask(mask)``, is still called its way."""
        one = _ONE_ARG_MASK.get(type(self))
        if one is None:
            params = [p for p in inspect.signature(self.compute_mask).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            one = _ONE_ARG_MASK[type(self)] = len(params) == 1
        return self.compute_mask(mask) if one else self.compute_mask(inputs, mask)

    def _ensure_built(self, x):
        if not self.built:
            self.run_build((None,) + tuple(np.shape(x)[1:]))

    def run_build(self, input_shape):
        """``build``, then built — as Keras marks a layer built after its ``build``, whether or
        not that ``build`` called the base class's."""
        self.build(input_shape)
        if not self.built:
            Layer.build(self, input_shape)

    # -- running -----------------------------------------------------------------------
    def forward(self, x, training=False, mask=None, initial_state=None):
        """Run the layer on arrays. A layer written Keras's way — ``build`` with ``add_weight``,
        ``call(inputs, ...)`` — runs its ``call`` here: with a ``backward(grad_output)`` of its
        own, as it is (it keeps what its backward needs in ``self._cache``); with none, on a tape
        (``layers/taped.py``) whose record is the cache and whose reverse walk is the backward."""
        if not self.defines_call():
            raise NotImplementedError(f"{type(self).__name__} defines neither forward nor call")
        if not self.built and isinstance(x, (list, tuple)):                  # several inputs
            self.run_build([(None,) + tuple(np.shape(a)[1:]) for a in x])
        self._ensure_built(x)
        params = self.call_parameters()
        extra = {k: v for k, v in (("training", training), ("mask", mask), ("initial_state", initial_state))
                 if k in params and (v is not None or k == "training")}
        if not self.writes_backward():
            out = taped.run(self, lambda inputs: self.call(inputs, **extra), x)
            self.gather_sublayer_weights()
            return out
        return self.call(x, **extra)

    def writes_backward(self):
        """Does this layer have a backward of its own (hand-written), or is it differentiated
        by the tape?"""
        return type(self).backward is not Layer.backward

    def backward(self, grad_output, d_states=None):
        """A layer whose ``call`` ran on a tape: the tape backwards (a cell's: (d_output, d_states)
        -> (d_inputs, d_prev_states)). Any other layer must write its own."""
        record = self._cache
        if isinstance(record, taped.TapedCall):
            self._cache = None
            if record.cell:
                d_in, d_prev = taped.backward(self, record, [grad_output, list(d_states or [])])
                return d_in, list(d_prev)
            return taped.backward(self, record, grad_output)
        if isinstance(record, taped.Untaped):
            raise RuntimeError(f"{type(self).__name__} {self.name!r} cannot be differentiated: {record.reason}; "
                               "or write its backward(grad_output) by hand")
        if self.defines_call() and record is None:
            self._require_cache()
        raise NotImplementedError(f"{type(self).__name__} {self.name!r} has no backward: write "
                                  "backward(grad_output) -> the input's gradient, filling self.grads")

    def call(self, inputs, *args, **kwargs):
        """Keras's ``layer.call(inputs)`` on a built-in layer (which defines ``forward``): the
        same as calling it."""
        return self(inputs, *args, **kwargs)

    def graph_backward(self, grad_output, activity_scale=1.0):
        """The backward of one Node in a model's graph (``models/functional.py``): ``backward``;
        a cell also returns its state gradients, a nested model scales its activity penalties."""
        return self.backward(grad_output)

    def _require_cache(self):
        """What the last forward recorded for backward, or a clear error if there is none."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__} {self.name!r}: backward needs a forward first "
                               "(call forward(x) and then backward(grad); each forward can be "
                               "backpropagated once)")
        return self._cache

    def __call__(self, inputs, training=None, mask=None, initial_state=None, **kwargs):
        """On arrays: ``forward``. On symbolic tensors (from ``Input``): record a Node (one
        call of this layer) and return symbolic outputs, lists where Keras returns lists."""
        if taped.on_open_tape(self, inputs):      # inside a taped call: one node of its tape
            return taped.layer_on_tape(self, inputs, lambda values: self.forward(
                values, training=bool(training), mask=mask, initial_state=initial_state, **kwargs))
        if self._is_composite():
            if not self.built:
                self.run_build(_batch_free_shapes(inputs))
            if not self.params and self.sublayers():   # made of layers: they join the graph
                return self._call_composite(inputs, training, mask, initial_state, kwargs)
        if any_symbolic(inputs, initial_state, mask):
            return self._call_symbolic(inputs, training, mask, initial_state, kwargs)
        if mask is None:                          # Keras: a mask the inputs carry (set_keras_mask)
            mask = eager_masks.carried(inputs)
        self.__dict__.pop("_added_losses", None)  # add_loss terms are the last call's
        with sync.engine():                       # one call at a time (see lstm_np/sync.py)
            out = self.forward(inputs, training=bool(training), mask=mask, initial_state=initial_state, **kwargs)
        eager_masks.attach(self, inputs, mask, out, type(self).compute_mask is not Layer.compute_mask)
        reg = self.activity_regularizer
        self._activity_losses = [] if reg is None else [           # Keras: r(y) / batch size, in losses
            float(reg(o)) / o.shape[0] for o in (out if isinstance(out, list) else [out])
            if isinstance(o, np.ndarray) and o.dtype.kind == "f" and o.ndim]
        return out

    def _is_composite(self):
        """A layer subclass written as Keras writes a custom layer made of layers: its own
        ``call``, no ``forward`` and no ``backward`` (cells and models have theirs; a layer with
        its own weights and backward runs ``call`` as its forward). Decided once per class."""
        cls = type(self)
        found = _COMPOSITE.get(cls)
        if found is None:
            found = _COMPOSITE[cls] = (cls.forward is Layer.forward and cls.backward is Layer.backward
                                       and cls.defines_call())
        return found

    def compute_dtype(self, *arrays):
        """The float type to compute in: the layer's own when it was given a dtype or holds
        weights; otherwise its inputs' precision (a weightless layer never rounds its input)."""
        if self._dtype_arg is not None or self.params:
            return self.dtype
        floats = [np.asarray(a).dtype for a in arrays]
        floats = [d for d in floats if d.kind == "f" and d.itemsize >= 4]
        return max(floats, key=lambda d: d.itemsize) if floats else self.dtype

    def token_vocabulary(self):
        """The vocabulary size when this layer reads integer token ids (``Embedding``), else
        None: a model checks such an input as ids in [0, size)."""
        return None

    def output_dtype(self):
        """The dtype of what ``forward`` returns."""
        return self.dtype

    def __getattr__(self, name):
        """A weight by its Keras attribute name: ``dense.kernel``, ``embedding.embeddings``."""
        params = self.__dict__.get("params")
        if params is not None and name in params:
            return Variable(self, name, self.trainable)
        if name == "bias" and self.__dict__.get("use_bias") is False:
            return None                                   # as Keras: no bias, layer.bias is None
        if name == "output_shape":                        # the property raised: say why
            raise AttributeError(f"layer {self.__dict__.get('name')!r} has no output shape yet: call it "
                                 "or build it first")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def random_generators(self):
        """The np.random.Generators this layer draws from (dropout masks), inner layers' included."""
        return [self.rng]

    def zero_grads(self):
        for g in self.grads.values():
            g.fill(0)

    # -- config --------------------------------------------------------------------------
    def get_config(self):
        cfg = {"name": self.name, "trainable": self.trainable,
               "dtype": None if self._dtype_arg is None else str(self.dtype)}
        if self.input_shape_arg is not None:
            cfg["input_shape"] = list(self.input_shape_arg)
        if self.seed is not None:
            cfg["seed"] = int(self.seed)
        cfg.update(self._weight_options_config())
        if type(self).get_config is Layer.get_config:
            cfg.update(self._auto_config())
        return cfg

    def _auto_config(self):
        """Keras 3's auto-config: the constructor's own arguments, when they are plain values."""
        args, kwargs = self.__dict__.get("_init_arguments", ((), {}))
        signature = inspect.signature(type(self).__init__)
        try:
            bound = signature.bind(self, *args, **kwargs).arguments
        except TypeError:
            return {}
        base = inspect.signature(Layer.__init__).parameters          # name, dtype, ... saved already
        own = {}
        for key, value in list(bound.items())[1:]:                    # [0] is self
            if signature.parameters[key].kind is inspect.Parameter.VAR_KEYWORD:
                own.update({k: v for k, v in value.items() if k not in base})
            elif key not in base:
                own[key] = value
        return {k: v for k, v in own.items() if _plain(v)}

    @classmethod
    def from_config(cls, config):
        """A new layer from ``get_config()``'s output (weights not included)."""
        return cls(**config)

    def set_call_slot(self, slot):
        """Which call of this layer in a model pass runs next (its kernels keep one workspace
        per call, so two calls in one pass never share buffers)."""
        self._slot = slot
        for sub in self.sublayers():
            sub.set_call_slot(slot)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"
