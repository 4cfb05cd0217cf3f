"""Dense: y = act(x W + b) on the last axis of an input of any rank (as Keras)."""
import numpy as np

from .. import backend, initializers
from ..core import activations as A
from .base import Layer
from .checks import as_float_array, check_bool, check_last_dim, check_positive_int

ACTIVATIONS = tuple(A.ELEMENTWISE) + tuple(A.FROM_INPUT) + ("softmax", "log_softmax")


def products():
    """(a @ b, aᵀ b): NumPy's on the numpy backend; on the numba backend the kernels' BLAS in
    row shards over the threads (``fast/sharding.py``) once a product is large enough
    to gain (NumPy's own BLAS runs on one thread while the kernels use several)."""
    impl = backend.implementation("products")
    return impl.matmul, impl.matmul_tn


def check_activation(activation, who):
    """The activation's name (None means linear; a function such as ``activations.relu`` is
    taken by its name), or a clear error."""
    activation = "linear" if activation is None else activation
    if callable(activation) and getattr(activation, "__name__", None) in ACTIVATIONS:
        activation = activation.__name__
    if not isinstance(activation, str):
        raise TypeError(f"{who} activation must be a name or an lstm_np.activations function, "
                        f"received {activation!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"{who}: unknown activation {activation!r}; expected one of {ACTIVATIONS}")
    return activation


def activate(name, z):
    """y = act(z): over the last axis (softmax, log_softmax) or elementwise."""
    if name == "softmax":
        return A.softmax(z)
    if name == "log_softmax":
        return A.log_softmax(z)
    table = A.FROM_INPUT if name in A.FROM_INPUT else A.ELEMENTWISE
    return table[name][0](z)


def activate_backward(name, y, dy, z=None):
    """dz from dy through y = act(z) (z is needed only for the FROM_INPUT activations)."""
    if name == "softmax":
        return A.softmax_backward(y, dy)
    if name == "log_softmax":                                  # dz = dy - softmax(z) Σ dy
        return dy - np.exp(y) * dy.sum(axis=-1, keepdims=True)
    if name in A.FROM_INPUT:
        return dy * A.FROM_INPUT[name][1](z)
    return dy * A.ELEMENTWISE[name][1](y)


class Dense(Layer):
    """Fully connected layer on the last axis.

    x (..., D) -> z = x W + b (..., units) -> y = act(z). Parameters: D·units + units.
    """
    supports_masking = True                 # Keras 3's value for this layer

    weight_names = ("kernel", "bias")

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.set_weight_options(kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                                kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.units = check_positive_int(units, "Dense units")
        self.activation = check_activation(activation, "Dense")
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(f"Dense {self.name!r} needs inputs of rank >= 2 with a known last axis, "
                             f"received shape {tuple(input_shape)}")
        self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = f"Dense {self.name!r}"
        x = as_float_array(x, self.dtype, who)
        if x.ndim < 2:
            raise ValueError(f"{who} expects input of rank >= 2 (batch, ..., features), "
                             f"received shape {x.shape}")
        self._ensure_built(x)
        check_last_dim(x, self.input_shape[-1], who)
        x2 = x.reshape(-1, x.shape[-1])                       # (N, D)
        z = products()[0](x2, self.params["kernel"])           # (N, units)
        if self.use_bias:
            z += self.params["bias"]
        y = activate(self.activation, z)
        self._cache = (x2, y, x.shape, z if self.activation in A.FROM_INPUT else None)
        return y.reshape(x.shape[:-1] + (self.units,))

    def backward(self, grad_output):
        x2, y, shape, z = self._require_cache()
        dy = np.asarray(grad_output, self.dtype).reshape(-1, self.units)     # (N, units)
        dz = activate_backward(self.activation, y, dy, z)
        matmul, matmul_tn = products()
        self.grads["kernel"][...] = matmul_tn(x2, dz)         # xᵀ dz   (D, units)
        if self.use_bias:
            self.grads["bias"][...] = dz.sum(axis=0)
        return matmul(dz, self.params["kernel"].T).reshape(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(units=self.units, activation=self.activation, use_bias=self.use_bias,
                   kernel_initializer=initializers.serialize(self.kernel_initializer),
                   bias_initializer=initializers.serialize(self.bias_initializer))
        return cfg
