"""Subclassed models: ``class MyModel(Model)`` with a ``call`` method, as Keras writes them.

    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.lstm = keras.layers.LSTM(32)
            self.out = keras.layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.lstm(inputs))

Keras runs ``call`` eagerly on every batch; lstm_np *traces* it once. When the model first
sees data (fit, predict, evaluate, calling it on arrays) or ``build(input_shape)``, ``call``
runs on symbolic tensors shaped like that data (``Input``s), every layer call records a Node,
and the result is a graph — the model is then a functional ``Model(inputs, outputs)`` whose
hand-written backward runs as any other's:

    data (B, T, F) ─ Input((T, F)) ─ call(inputs) ─ outputs ─ Model graph ─ fit / predict

So ``call`` may compose layers (shared ones too, ``initial_state``, several inputs and
outputs, ``training=training`` passed on to them) and ``keras.ops`` / Python arithmetic on the
tensors (``x * 2``, ``ops.concatenate``): each op becomes a node of the graph
(``layers/op_layer.py``), differentiated by the tape. A Python ``if training:`` is traced
once, with ``training=None``; Python control flow on a tensor's *values* cannot be traced.
"""
import inspect

import numpy as np

from ..layers.base import Layer
from ..layers.core_layers import Input


def own_call(cls, base):
    """Does ``cls`` (a subclass of ``base``) define ``call``?"""
    return any("call" in vars(c) for c in cls.__mro__ if c is not base and issubclass(c, base))


def inputs_for_data(x):
    """Symbolic inputs shaped like the data x: an array, a list/tuple of them, or a dict."""
    if isinstance(x, dict):
        return {k: Input(_feature_shape(v, k), name=k) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, np.ndarray) for v in x):
        return [Input(_feature_shape(v, f"input {i}")) for i, v in enumerate(x)]
    return Input(_feature_shape(x, "x"))


def inputs_for_shape(input_shape):
    """Symbolic inputs from ``build``'s input_shape: a shape with the batch axis, or a list of them."""
    if isinstance(input_shape, dict):
        return {k: Input(tuple(s)[1:], batch_size=tuple(s)[0], name=k) for k, s in input_shape.items()}
    if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
        return [Input(tuple(s)[1:], batch_size=tuple(s)[0]) for s in input_shape]
    shape = tuple(input_shape)
    return Input(shape[1:], batch_size=shape[0])


def shapes_of(inputs):
    """The shapes (batch axis first) of symbolic inputs, in their structure: ``build``'s argument."""
    if isinstance(inputs, dict):
        return {k: t.shape for k, t in inputs.items()}
    if isinstance(inputs, list):
        return [t.shape for t in inputs]
    return inputs.shape


def _feature_shape(a, what):
    shape = np.shape(a)
    if len(shape) < 1:
        raise ValueError(f"a subclassed model's {what} needs a batch axis, received shape {shape}")
    return tuple(shape[1:])


def trace(model, inputs):
    """Run ``model.call`` on symbolic ``inputs``; -> its symbolic outputs."""
    kwargs = {}
    if "training" in inspect.signature(model.call).parameters:
        kwargs["training"] = None                   # "as the model runs", per layer call
    try:
        outputs = model.call(inputs, **kwargs)
    except TypeError as e:
        raise TypeError(f"model {model.name!r}: lstm_np traces call() once on symbolic tensors, so "
                        "call may call layers and keras.ops on them, but not read their values (NumPy "
                        f"functions, if on a tensor's values). Tracing failed: {e}") from e
    if outputs is None:
        raise TypeError(f"model {model.name!r}: call returned None; return the output tensor(s)")
    return outputs


def attribute_layers(model):
    """The layers a subclassed model holds as attributes (or in lists/tuples/dicts of them),
    in the order they were assigned — Keras's ``model.layers`` for subclassed models."""
    found, seen = [], set()
    for name, value in vars(model).items():
        if name.startswith("_") and name not in ("_layers",):
            continue
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
        for v in items:
            if isinstance(v, Layer) and v is not model and id(v) not in seen:
                seen.add(id(v))
                found.append(v)
    return found


class SubclassedMixin:
    """What ``Model`` does for a subclass with ``call`` (``self._subclassed``): trace it into the
    graph on first data or ``build``; before that, refuse what needs the graph. A functional
    model (or a Sequential) passes through these methods untouched."""

    def _trace_call(self, inputs):
        outputs = trace(self, inputs)
        self._set_graph(inputs, outputs)
        if not self._trainable_arg:
            self.trainable = False

    def build(self, input_shape=None):
        """A subclassed model traces ``call`` on inputs of this shape (batch axis first);
        a functional model is built already."""
        if getattr(self, "_subclassed", False) and not self.built:
            if input_shape is None:
                self._require_graph("build")
            self._trace_call(inputs_for_shape(input_shape))

    def summary(self, *args, **kwargs):
        self._require_graph("summary")
        if getattr(self, "_subclassed", False):           # as Keras shows a subclassed model:
            kwargs.setdefault("connected_to", False)      # its layers, without the wiring
        return super().summary(*args, **kwargs)

    def _summary_layers(self):
        return self.layers

    def _build_for(self, x):
        if getattr(self, "_subclassed", False) and not self.built:
            inputs = inputs_for_data(x)
            if type(self).build is not SubclassedMixin.build:       # the subclass's own build runs first,
                self.build(shapes_of(inputs))  # as in Keras (it may make layers)
            if not self.built:
                self._trace_call(inputs)

    def standardize(self, x, y, who, sample_weight=None, class_weight=None):
        self._build_for(x)
        return super().standardize(x, y, who, sample_weight=sample_weight, class_weight=class_weight)

    def _require_graph(self, who):
        if self.graph is None:
            raise ValueError(f"{who}: model {self.name!r} has not been built yet: call build(input_shape) "
                             "or run it on a batch of data first (its call() is traced then)")
