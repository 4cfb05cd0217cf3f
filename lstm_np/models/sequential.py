"""Sequential: a Model whose graph is a chain, ``Input -> layer_1 -> ... -> layer_n``.

    model = Sequential([Input((10, 1)), LSTM(20), Dense(1)])
    model = Sequential(); model.add(LSTM(20, input_shape=(10, 1))); model.add(Dense(1))

The chain is built (each layer called on the previous symbolic tensor) as soon as the input
shape is known: from an ``Input``, from the first layer's ``input_shape``, or from the first
data ``fit``/``predict`` sees. It then runs, trains and saves as any ``Model``.
"""
import numpy as np

from ..layers.base import Layer, unique_name
from ..layers.core_layers import InputLayer
from ..layers.graph import SymbolicTensor
from ..layers.registry import deserialize_layer, serialize_layer
from .functional import Model


class Sequential(Model):
    """A linear stack of layers. ``Sequential([Input((10, 1)), LSTM(20), Dense(1)])``."""

    def __init__(self, layers=None, name=None, seed=None, trainable=True):
        Layer.__init__(self, name=name or unique_name("sequential"), seed=seed)
        self._init_training(seed)
        self._layers = []
        self._input_layer = None
        self._own_nodes = []
        self.graph = None
        self.built = False
        self.input_shape = None
        for layer in layers or []:
            self.add(layer)
        if not trainable:
            self.trainable = False

    # -- structure ----------------------------------------------------------------------------
    @property
    def layers(self):
        """The layers in order, without the input layer (as Keras)."""
        return list(self._layers)

    def sublayers(self):
        return list(getattr(self, "_layers", []))

    def add(self, layer):
        if isinstance(layer, SymbolicTensor) and isinstance(layer.layer, InputLayer):
            layer = layer.layer                       # Sequential([Input(...), ...])
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a layer, received {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("an Input can only open a Sequential model")
            self._input_layer = layer
            self._build_chain()
            return
        if any(layer is other for other in self._layers):
            raise ValueError(f"layer {layer.name!r} is already in the model")
        self._layers.append(layer)
        try:
            if self.built:
                self._build_chain()
            elif len(self._layers) == 1 and layer.input_shape_arg is not None:
                self._input_layer = InputLayer(shape=layer.input_shape_arg,
                                               batch_size=getattr(layer, "batch_size_arg", None))
                self._build_chain()
        except Exception:
            self._layers.pop()
            if self.built:
                self._build_chain()
            raise

    def pop(self):
        layer = self._layers.pop()
        if self.built:
            self._build_chain()
        return layer

    def _build_chain(self):
        """Call every layer on the previous one's symbolic output; the model is that graph."""
        for node in self._own_nodes:                  # forget the previous chain's calls
            node.layer._inbound_nodes.remove(node)
        self._own_nodes = []
        x = self._input_layer.output
        for layer in self._layers:
            y = layer(x)
            self._own_nodes.append(y[0].node if isinstance(y, list) else y.node)
            if isinstance(y, list):
                raise ValueError(f"layer {layer.name!r} returns several tensors "
                                 "(return_state=True); a Sequential model needs one output per layer")
            x = y
        if not self._layers:
            self.built = True
            self.input_shape = self._input_layer.output.shape
            return
        self._set_graph(self._input_layer.output, x)

    def build(self, input_shape=None):
        if input_shape is not None:
            input_shape = tuple(input_shape)
            if self._input_layer is None:
                self._input_layer = InputLayer(shape=input_shape[1:], batch_size=input_shape[0])
            self._build_chain()
        elif not self.built:
            raise ValueError(f"model {self.name!r} has no input shape: pass input_shape to its "
                             "first layer, start it with Input(shape), or call build(input_shape)")

    def _require_built(self):
        self.build()
        if not self._layers:
            raise ValueError(f"model {self.name!r} has no layers yet: add some first")

    @property
    def output_shape(self):
        return self.graph.outputs[0].shape if self.built and self._layers else None

    def output_shape_for(self, x_shape):
        """The output's shape for an input of shape ``x_shape`` (unknown axes from x)."""
        if not self.built:
            self.build((None,) + tuple(x_shape[1:]))
        out = self.output_shape
        return (x_shape[0],) + tuple(out[1:])

    # -- what needs the chain built -----------------------------------------------------------
    def get_weights(self):
        self._require_built()
        return super().get_weights()

    def set_weights(self, weights):
        self._require_built()
        super().set_weights(weights)

    def count_params(self):
        return sum(layer.count_params() for layer in self._layers)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, **kwargs):
        """Print a Keras-style table: layer (type), output shape, param #, and the totals."""
        self._require_built()
        return super().summary(print_fn=print_fn, expand_nested=expand_nested, connected_to=False)

    def _summary_layers(self):
        return self._layers

    def standardize(self, x, y, who, sample_weight=None, class_weight=None):
        if not self.built:
            try:
                shape = np.shape(x)
            except Exception:
                shape = ()
            if len(shape) < 1:
                raise ValueError(f"{who} expects an array with a batch axis, received {type(x).__name__}")
            self.build((None,) + tuple(shape[1:]))
        return super().standardize(x, y, who, sample_weight=sample_weight, class_weight=class_weight)

    def forward(self, x, training=False, mask=None, initial_state=None):
        if not self.built:
            self.build((None,) + tuple(np.shape(x)[1:]))
        return super().forward(x, training=training, mask=mask, initial_state=initial_state)

    def backward(self, grad_output, activity_scale=1.0):
        if not self.built:
            raise RuntimeError(f"model {self.name!r}: backward needs a forward first")
        return super().backward(grad_output, activity_scale)

    # -- config -------------------------------------------------------------------------------
    def get_config(self):
        layers = [serialize_layer(l) for l in self._layers]
        if self._input_layer is not None and self._input_layer.name in self._user_input_names():
            layers.insert(0, serialize_layer(self._input_layer))
        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_shape": None if not self.built else list(self.graph.inputs[0].shape)}

    def _user_input_names(self):
        """The input layer is saved when the user gave it (an ``Input``), not when implied."""
        first = self._layers[0] if self._layers else None
        implied = first is not None and first.input_shape_arg is not None
        return set() if implied else {self._input_layer.name}

    @classmethod
    def from_config(cls, config):
        model = cls([deserialize_layer(spec) for spec in config["layers"]], name=config.get("name"),
                    trainable=config.get("trainable", True))
        if not model.built and config.get("input_shape") is not None:
            model.build(tuple(config["input_shape"]))
        return model

    def __repr__(self):
        return f"<Sequential name={self.name!r} layers={len(self._layers)}>"
