"""Wrappers: a layer around another layer. ``Wrapper`` is Keras's base (its weights are its
layer's); ``TimeDistributed`` applies its layer to every timestep."""
import numpy as np

from .base import Layer
from .checks import as_float_array
from .registry import deserialize_layer, serialize_layer


def _check_mask(mask_shape, input_shape):
    """Keras's checks of a TimeDistributed mask, in Keras's words: (batch, timesteps) first."""
    if len(mask_shape) < 2:
        raise ValueError("The `mask` passed to the `TimeDistributed` layer must be at least 2D (e.g., "
                         f"`(batch_size, timesteps)`), but it has {len(mask_shape)} dimension(s) with "
                         f"shape {tuple(mask_shape)}.")
    if tuple(mask_shape[:2]) != tuple(input_shape[:2]):
        raise ValueError(f"The `mask` passed to the `TimeDistributed` layer has a shape {tuple(mask_shape)} that "
                         f"is incompatible with the input shape {tuple(input_shape)}. The first two dimensions "
                         "of the mask (batch size and timesteps) must match the input's first two dimensions. "
                         f"Expected mask shape prefix: ({input_shape[0]}, {input_shape[1]}).")


class Wrapper(Layer):
    """Keras's base class of a layer that wraps ``layer``: builds it, lists its weights as its
    own, saves it in its config. Subclass it and write ``call`` (Keras's ``self.layer.call(x)``
    runs the wrapped layer)."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure "
                             "wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer
        self.params, self.grads = layer.params, layer.grads

    def weight_groups(self):
        return [("layer", self.layer)]

    def sublayers(self):
        return [self.layer] if "layer" in self.__dict__ else []

    def weight_entries(self):
        return [(k, p, g, self.trainable and t) for k, p, g, t in self.layer.weight_entries()]

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.run_build(input_shape)
        self.params, self.grads = self.layer.params, self.layer.grads
        Layer.build(self, input_shape)

    def random_generators(self):
        return [self.rng] + self.layer.random_generators()

    def get_config(self):
        cfg = super().get_config()
        cfg["layer"] = serialize_layer(self.layer)
        return cfg

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        return cls(**config)


class TimeDistributed(Wrapper):
    """Apply ``layer`` to each timestep: (B, T, ...) -> merge to (B·T, ...) -> layer -> split.

    The wrapper's ``params`` and ``grads`` are the inner layer's.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed wraps a layer, received {type(layer).__name__}")
        trainable = kwargs.pop("trainable", None)
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = str(layer.dtype)     # computes in its layer's precision
        super().__init__(layer, **kwargs)
        self.trainable = layer.trainable if trainable is None else trainable
        self.params = layer.params
        self.grads = layer.grads
        self.weight_names = layer.weight_names
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed {self.name!r} expects input of rank >= 3 "
                             f"(batch, timesteps, ...), received shape {tuple(input_shape)}")
        if not self.layer.built:
            self.layer.build((None,) + tuple(input_shape[2:]))
        self.params = self.layer.params
        self.grads = self.layer.grads
        Layer.build(self, input_shape)

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = f"TimeDistributed {self.name!r}"
        x = as_float_array(x, self.dtype, who)
        if x.ndim < 3:
            raise ValueError(f"{who} expects input of rank >= 3 (batch, timesteps, ...), "
                             f"received shape {x.shape}")
        self._ensure_built(x)
        B, T = x.shape[:2]
        if mask is not None:
            _check_mask(np.shape(mask), x.shape)
        extra = {}
        if mask is not None and self.layer.defines_call() and "mask" in self.layer.call_parameters():
            extra["mask"] = np.asarray(mask).reshape((B * T,) + np.shape(mask)[2:])   # Keras: mask[:, t]
        y = self.layer.forward(x.reshape((B * T,) + x.shape[2:]), training=training, **extra)
        self._cache = (B, T, x.shape)
        return y.reshape((B, T) + y.shape[1:])

    def backward(self, grad_output):
        B, T, shape = self._require_cache()
        g = np.asarray(grad_output, self.dtype)
        dx = self.layer.backward(g.reshape((B * T,) + g.shape[2:]))
        return dx.reshape(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("trainable", None)
        return cfg


from .bidirectional import Bidirectional  # noqa: E402,F401  (Keras 2 path: keras.layers.wrappers)
