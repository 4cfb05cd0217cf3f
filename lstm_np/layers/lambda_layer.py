"""Lambda: a NumPy function as a layer, ``Lambda(lambda x: x[:, -1])``.

Keras differentiates the function for you; here no autodiff exists, so:

- a function that only *picks* entries of one input — a slice such as ``x[:, -1]`` (the last
  step), a reversal, a transpose, a reshape, a repeat — is differentiated automatically: run on
  the entries' positions (``arange(x.size)``) it says where each output entry came from, and
  its gradient adds the output gradient back there. Accepted only when those positions
  reproduce the function on the actual input *and* on a random probe, so arithmetic (``2 * x``)
  or value-dependent picks (``x[x > 0]``, ``max``) are never mistaken for one;
- any other function needs its gradient: ``Lambda(f, backward=df)`` with
  ``df(inputs, output, grad)`` returning the gradient w.r.t. the inputs (a list for a list of
  inputs). Forward-only use (``predict``) needs none; a backward without one is a clear error.
"""
import numpy as np

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
            return self.mask_arg(self._cache[0] if self._cache else None, mask)
        return self.mask_arg if self.mask_arg is not None else None

    def forward(self, x, training=False, mask=None, initial_state=None):
        if isinstance(x, (list, tuple)):
            x = [np.asarray(a) for a in x]
        else:
            x = np.asarray(x)
        y = np.asarray(self.function(x, **self.arguments))
        dt = self.compute_dtype(*(x if isinstance(x, list) else [x]))
        if y.dtype.kind == "f" and y.dtype != dt:
            y = y.astype(dt)
        self._cache = (x, y)
        return y

    def backward(self, grad_output):
        x, y = self._require_cache()
        if self.backward_function is None:
            picked = self._picked_positions(x, y)
            if picked is not None:                      # a selection: scatter the gradient back
                dx = np.zeros(x.size, y.dtype)
                np.add.at(dx, picked.ravel(), np.asarray(grad_output, y.dtype).ravel())
                return dx.reshape(x.shape)
            raise RuntimeError(f"Lambda {self.name!r} has no backward: NumPy cannot differentiate "
                               "the function for you (only functions that pick entries — slices, "
                               "reversals, transposes, reshapes — are differentiated automatically). "
                               "Pass backward=lambda inputs, output, grad: <gradient w.r.t. inputs> "
                               "to train through it")
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

    def _picked_positions(self, x, y):
        """Where each output entry was taken from, if the function only picks entries of x."""
        if isinstance(x, list) or x.size == 0:
            return None
        try:
            picked = np.asarray(self.function(np.arange(x.size).reshape(x.shape), **self.arguments))
            if picked.shape != y.shape or picked.dtype.kind not in "iu":
                return None
            probe = np.random.default_rng(0).standard_normal(x.shape)
            same_here = np.array_equal(x.ravel()[picked].astype(y.dtype), y)
            same_probe = np.array_equal(probe.ravel()[picked],
                                        np.asarray(self.function(probe, **self.arguments), np.float64))
        except (IndexError, TypeError, ValueError):
            return None
        return picked if same_here and same_probe else None

    def get_config(self):
        raise TypeError(f"Lambda {self.name!r} wraps a Python function, which cannot be saved "
                        "without pickle: rebuild the model in code and load its weights")
