"""Small shape and regularisation layers: Input, Dropout, RepeatVector, Masking."""
import numpy as np

from .base import Layer
from .graph import Node, SymbolicTensor
from .checks import as_float_array, as_shape, check_positive_int, check_rank, check_rate
from ..core.dropout import dropout_mask


class InputLayer(Layer):
    """The layer behind ``Input(...)``: it has no weights and one node with no inputs, whose
    output is the symbolic tensor ``Input`` returns. ``dtype="int32"`` marks token ids."""

    def __init__(self, shape=None, batch_size=None, name=None, dtype=None, batch_shape=None,
                 **kwargs):
        if batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape", None)
        if batch_shape is not None:
            batch_shape = tuple(batch_shape)
            if not batch_shape:
                raise ValueError("Input batch_shape needs at least the batch axis, received ()")
            if shape is not None and tuple(as_shape(shape, "Input shape")) != tuple(batch_shape[1:]):
                raise ValueError(f"Input got shape={shape!r} and batch_shape={batch_shape!r}, which disagree")
            shape, batch_size = batch_shape[1:], batch_shape[0]
        if shape is None:
            shape = kwargs.pop("input_shape", None)
        if shape is None:
            raise ValueError("Input needs a shape, e.g. Input(shape=(10, 1)) or Input(batch_shape=(32, 10, 1))")
        if batch_size is not None:
            batch_size = check_positive_int(batch_size, "Input batch_size")
        int_dtype = None
        if dtype is not None and np.dtype(dtype).kind in "iub":
            int_dtype, dtype = np.dtype(dtype), None            # token ids for an Embedding
        super().__init__(name=name, dtype=dtype, input_shape=as_shape(shape, "Input shape"), **kwargs)
        self.dtype_given = dtype is not None or int_dtype is not None
        if int_dtype is not None:
            self.dtype = self._dtype_arg = int_dtype
        self.batch_size = batch_size
        self.build((None,) + self.input_shape_arg)
        tensor = SymbolicTensor((batch_size,) + self.input_shape_arg, self.dtype, name=self.name)
        self._inbound_nodes.append(Node(self, [], [tensor], multi_output=False))

    @property
    def batch_shape(self):
        return (self.batch_size,) + self.input_shape_arg

    def forward(self, x, training=False, mask=None, initial_state=None):
        return x

    def backward(self, grad_output):
        return grad_output

    def get_config(self):
        cfg = super().get_config()
        cfg["shape"] = cfg.pop("input_shape")
        if self.batch_size is not None:
            cfg["batch_size"] = self.batch_size
        if self._dtype_arg is not None:
            cfg["dtype"] = str(self.dtype)
        return cfg


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, **kwargs):
    """``keras.Input(shape)``: a symbolic tensor to call layers on (functional models), or
    to open a Sequential. ``batch_shape=(B, T, F)`` fixes the batch size (stateful models)."""
    return InputLayer(shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                      batch_shape=batch_shape, **kwargs).output


class Dropout(Layer):
    """Inverted dropout: in training, y = x ⊙ m / (1 - rate), m ~ Bernoulli(1 - rate)."""
    supports_masking = True                 # Keras 3's value for this layer
    draws_random = property(lambda self: self.rate > 0)         # Keras: a SeedGenerator when rate > 0

    def __init__(self, rate, noise_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(rate, "Dropout rate")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = as_float_array(x, self.compute_dtype(x), f"Dropout {self.name!r}")
        self._ensure_built(x)
        if not training or self.rate == 0:
            self._cache = (None,)                 # nothing dropped: backward passes g through
            return x
        shape = x.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(x.shape, self.noise_shape))
        m = dropout_mask(self.rng, shape, self.rate, x.dtype)
        self._cache = (m,)
        return x * m

    def backward(self, grad_output):
        (m,) = self._require_cache()
        g = np.asarray(grad_output, self.dtype if m is None else m.dtype)
        return g if m is None else g * m

    def get_config(self):
        cfg = super().get_config()
        cfg.update(rate=self.rate, noise_shape=None if self.noise_shape is None else list(self.noise_shape))
        return cfg


class RepeatVector(Layer):
    """(B, D) -> (B, n, D): the vector repeated n times. Backward sums over the copies."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = check_positive_int(n, "RepeatVector n")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n) + tuple(input_shape[1:])

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = f"RepeatVector {self.name!r}"
        x = as_float_array(x, self.compute_dtype(x), who)
        check_rank(x, 2, who, "(batch, features)")
        self._ensure_built(x)
        return np.repeat(x[:, None, :], self.n, axis=1)          # (B, n, D)

    def backward(self, grad_output):
        return np.asarray(grad_output).sum(axis=1)                # (B, D)

    def get_config(self):
        cfg = super().get_config()
        cfg["n"] = self.n
        return cfg


class Masking(Layer):
    """Marks timesteps whose features all equal ``mask_value`` as padding.

    mask[b, t] = any(x[b, t, :] != mask_value); the output is x with masked steps zeroed.
    """
    supports_masking = True                 # Keras 3's value for this layer

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)
        self._mask = None

    def compute_mask(self, inputs, mask=None):
        """Keras: a step is valid where any feature differs from mask_value."""
        if isinstance(inputs, np.ndarray):
            return np.any(inputs != self.mask_value, axis=-1)
        return self._mask                                 # the last call's

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = f"Masking {self.name!r}"
        x = as_float_array(x, self.compute_dtype(x), who)
        check_rank(x, 3, who, "(batch, timesteps, features)")
        self._ensure_built(x)
        self._mask = self._cache = np.any(x != self.mask_value, axis=-1)        # (B, T)
        return x * self._mask[..., None]

    def backward(self, grad_output):
        return np.asarray(grad_output) * self._require_cache()[..., None]

    def get_config(self):
        cfg = super().get_config()
        cfg["mask_value"] = self.mask_value
        return cfg


class MaskOf(Layer):
    """The mask a tensor carries, as a tensor of the model: ``backend.get_keras_mask(t)`` on a
    symbolic tensor (True everywhere when no layer gave it a mask)."""
    supports_masking = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])

    def output_dtype(self):
        return np.dtype(bool)

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = np.asarray(x)
        self._cache = x.shape
        return np.ones(x.shape[:-1], bool) if mask is None else np.asarray(mask, bool)

    def backward(self, grad_output):
        return np.zeros(self._require_cache())


class Activation(Layer):
    """An activation on its own: y = act(x) element-wise, or (log_)softmax over the last axis."""
    supports_masking = True                 # Keras 3's value for this layer

    def __init__(self, activation, **kwargs):
        from .dense import check_activation
        super().__init__(**kwargs)
        self.activation = check_activation(activation, "Activation")

    def forward(self, x, training=False, mask=None, initial_state=None):
        from .dense import activate
        x = as_float_array(x, self.compute_dtype(x), f"Activation {self.name!r}")
        self._ensure_built(x)
        y = activate(self.activation, x)
        self._cache = (y, x)
        return y

    def backward(self, grad_output):
        from .dense import activate_backward
        y, x = self._require_cache()
        return activate_backward(self.activation, y, np.asarray(grad_output, y.dtype), x)

    def get_config(self):
        cfg = super().get_config()
        cfg["activation"] = self.activation
        return cfg
