"""Lambda: a function as a layer, ``Lambda(lambda x: x[:, -1])``.

As Keras differentiates the function for you, so does lstm_np: the function runs on a tape
(``lstm_np.ops``) when it is written with ``keras.ops``, Python's operators (``2 * x``, ``x[:, -1]``)
or the NumPy functions the tape knows (``np.concatenate``, ``np.tanh``, ...); its backward is the
tape run backwards. A function that uses NumPy the tape cannot differentiate still runs
(``predict``), and training through it asks for its gradient: ``Lambda(f, backward=df)`` with
``df(inputs, output, grad)`` returning the gradient w.r.t. the inputs (a list for a list of inputs).
"""
import numpy as np

from . import taped
from .base import Layer


def _example(shape, unknown):
    """A zero array of a symbolic shape, its unknown sizes set to ``unknown``."""
    return np.zeros(tuple(unknown if d is None else d for d in shape), np.float64)


class Lambda(Layer):
    """``Lambda(function, output_shape=None, mask=None, arguments=None, backward=None)``."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, backward=None, **kwargs):
        if not callable(function):
            raise TypeError(f"Lambda needs a callable, received {type(function).__name__}")
        if backward is not None and not callable(backward):
            raise TypeError(f"Lambda backward must be callable (inputs, output, grad) -> input grads, "
                            f"received {type(backward).__name__}")
        super().__init__(**kwargs)
        self.function = function
        self.backward_function = backward
        self.output_shape_arg = output_shape
        self.mask_arg = mask
        self.arguments = dict(arguments or {})

    def compute_output_shape(self, input_shape):
        if callable(self.output_shape_arg):
            return tuple(self.output_shape_arg(input_shape))
        if self.output_shape_arg is not None:
            batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
            return (batch,) + tuple(self.output_shape_arg)
        # As Keras: run the function on examples of the input's shape; sizes that follow
        # the unknown ones (2 in one run, 3 in the other) are unknown in the output too.
        shapes = []
        for unknown in (2, 3):
            x = [_example(s, unknown) for s in input_shape] if isinstance(input_shape, list) \
                else _example(input_shape, unknown)
            shapes.append(np.shape(self.function(x, **self.arguments)))
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + tuple(a if a == b else None for a, b in zip(shapes[0][1:], shapes[1][1:]))

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask_arg):
            return self.mask_arg(inputs, mask)
        return self.mask_arg if self.mask_arg is not None else None

    def forward(self, x, training=False, mask=None, initial_state=None):
        if isinstance(x, (list, tuple)):
            x = [np.asarray(a) for a in x]
        else:
            x = np.asarray(x)
        dt = self.compute_dtype(*(x if isinstance(x, list) else [x]))
        if self.backward_function is None:         # on the tape (or, where it cannot follow, plain)
            y = taped.run(self, lambda xs: self.function(xs, **self.arguments), x)
        else:
            y = self.function(x, **self.arguments)
            self._cache = (x, None)
        y = np.asarray(y)
        if y.dtype.kind == "f" and y.dtype != dt:
            y = y.astype(dt)
        if isinstance(self._cache, tuple):
            self._cache = (x, y)
        return y

    def backward(self, grad_output):
        if self._cache is not None and not isinstance(self._cache, tuple):   # taped (or not followable)
            try:
                return Layer.backward(self, grad_output)
            except RuntimeError as e:
                raise RuntimeError(f"{e}. Or pass backward=lambda inputs, output, grad: <gradient w.r.t. "
                                   "inputs> to train through it") from None
        x, y = self._require_cache()
        g = self.backward_function(x, y, np.asarray(grad_output, y.dtype))
        if isinstance(x, list):
            if not isinstance(g, (list, tuple)) or len(g) != len(x):
                raise ValueError(f"Lambda {self.name!r} backward must return one gradient per input "
                                 f"({len(x)})")
            return [np.asarray(a, y.dtype) for a in g]
        g = np.asarray(g, y.dtype)
        if g.shape != x.shape:
            raise ValueError(f"Lambda {self.name!r} backward returned shape {g.shape}, expected {x.shape}")
        return g

    def get_config(self):
        raise TypeError(f"Lambda {self.name!r} wraps a Python function, which cannot be saved "
                        "without pickle: rebuild the model in code and load its weights")
