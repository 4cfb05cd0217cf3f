"""Merging layers (Keras's): called on a list of tensors, return one.

    Concatenate(axis)   y = [x_1, …, x_n] along axis      dx_i = g split along axis
    Add / Subtract      y = Σ x_i  /  x_1 - x_2             dx_i = ±g
    Multiply            y = Π x_i                           dx_i = g ⊙ Π_{j≠i} x_j
    Average             y = Σ x_i / n                       dx_i = g / n
    Maximum / Minimum   y = max / min x_i                   dx_i = g where x_i won (first wins ties)
    Dot(axes)           y_b = x1_b · x2_b over the axes     dx1 = g · x2ᵀ,  dx2 = x1ᵀ · g

Inputs may broadcast against each other (as NumPy and Keras allow); a gradient is summed
back over the axes its input was broadcast along. Masks: Concatenate joins its inputs'
masks along its axis (an unmasked input counts as all valid); the element-wise layers pass
on the OR of their inputs' masks when every input has one (Keras 3). With masks, Multiply,
Maximum and Minimum compute as Keras 3 does (a masked entry is Multiply's 1, the other input's
value for Maximum/Minimum): written with ``lstm_np.ops`` as Keras writes it, on the tape.
"""
import numpy as np

from .. import ops
from ..ops.tape import unbroadcast  # the inverse of NumPy broadcasting (the tape's, shared)
from . import merging_masks as masked, taped
from .base import Layer
from .checks import as_float_array


def _checked_masks(inputs, mask):
    """Keras's checks of a merge's compute_mask call (its words); False when there is no mask."""
    if mask is None:
        return False
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"`mask` should be a list. Received: mask of type {type(mask).__name__}")
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"`inputs` should be a list. Received: inputs of type {type(inputs).__name__}")
    if len(mask) != len(inputs):
        raise ValueError("The lists `inputs` and `mask` should have the same length. Received: inputs of "
                         f"length {len(inputs)}, and mask of length {len(mask)}")
    return True


def _concrete_shape(x, mask):
    """x's shape, its unknown sizes (a symbolic tensor's batch) read from its mask's."""
    shape = np.shape(x) if isinstance(x, np.ndarray) else tuple(x.shape)
    return tuple(mask.shape[k] if d is None and k < mask.ndim else (1 if d is None else d)
                 for k, d in enumerate(shape))


class Merge(Layer):
    """Shared machinery: a list of inputs in, one output out."""
    supports_masking = True                 # Keras 3's value for this layer

    min_inputs = 2

    def _inputs(self, x):
        who = f"{type(self).__name__} {self.name!r}"
        if not isinstance(x, (list, tuple)) or len(x) < self.min_inputs:
            raise ValueError(f"{who} expects a list of at least {self.min_inputs} tensors, "
                             f"received {type(x).__name__}")
        dt = self.compute_dtype(*x)
        xs = [as_float_array(a, dt, who) for a in x]
        if not self.built:
            self.build([(None,) + a.shape[1:] for a in xs])
        return xs

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"{type(self).__name__} {self.name!r} expects a list of input shapes, "
                             f"received {input_shape!r}")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        """Broadcast shape (None is unknown)."""
        rank = max(len(s) for s in input_shape)
        out = []
        for axis in range(rank):
            dims = {s[axis - rank + len(s)] for s in input_shape if axis - rank + len(s) >= 0}
            dims.discard(1)
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ValueError(f"{type(self).__name__} {self.name!r} cannot merge shapes {input_shape}")
            out.append(known.pop() if known else (None if None in dims else 1))
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        """Keras's: the OR of the inputs' masks (None if any is None)."""
        if not _checked_masks(inputs, mask) or any(m is None for m in mask):
            return None
        out = np.asarray(mask[0], bool)
        for m in mask[1:]:
            out = out | np.asarray(m, bool)
        return out

    def forward(self, x, training=False, mask=None, initial_state=None):
        xs = self._inputs(x)
        if hasattr(self, "_masked_merge") and isinstance(mask, (list, tuple)) and any(m is not None for m in mask):
            masks = [None if m is None else np.asarray(m, bool) for m in mask]
            return taped.run(self, lambda leaves: self._masked_merge(leaves, masks), xs)
        y = self._merge(xs)
        self._cache = xs
        return y

    def backward(self, grad_output):
        if isinstance(self._cache, taped.TapedCall):
            return Layer.backward(self, grad_output)
        xs = self._require_cache()
        g = np.asarray(grad_output, xs[0].dtype)
        return [unbroadcast(d, x.shape) for d, x in zip(self._grads(xs, g), xs)]


class Add(Merge):
    """y = x_1 + … + x_n."""

    def _merge(self, xs):
        return sum(xs[1:], xs[0])

    def _grads(self, xs, g):
        return [g] * len(xs)


class Subtract(Merge):
    """y = x_1 - x_2."""

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        super().build(input_shape)

    def _merge(self, xs):
        if len(xs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: {len(xs)} inputs")
        return xs[0] - xs[1]

    def _grads(self, xs, g):
        return [g, -g]


class Multiply(Merge):
    """y = x_1 ⊙ … ⊙ x_n; dx_i = g ⊙ (product of the others)."""

    def _merge(self, xs):
        y = xs[0]
        for x in xs[1:]:
            y = y * x
        return y

    def _grads(self, xs, g):
        out = []
        for i in range(len(xs)):
            d = g
            for j, x in enumerate(xs):
                if j != i:
                    d = d * x
            out.append(d)
        return out


    def _masked_merge(self, inputs, masks):
        return masked.multiply(inputs, masks)


class Average(Merge):
    """y = (x_1 + … + x_n) / n."""

    def _merge(self, xs):
        return sum(xs[1:], xs[0]) / xs[0].dtype.type(len(xs))

    def _grads(self, xs, g):
        return [g / xs[0].dtype.type(len(xs))] * len(xs)


class Maximum(Merge):
    """y = max_i x_i (element-wise); the gradient goes to the first input that won."""

    pick = staticmethod(np.argmax)
    merge_op = staticmethod(ops.maximum)

    def _masked_merge(self, inputs, masks):
        return masked.op_and_or_mask(self.merge_op, inputs, masks)

    def _merge(self, xs):
        stacked = np.stack(np.broadcast_arrays(*xs))
        self._winner = self.pick(stacked, axis=0)
        return np.take_along_axis(stacked, self._winner[None], axis=0)[0]

    def forward(self, x, training=False, mask=None, initial_state=None):
        if isinstance(mask, (list, tuple)) and any(m is not None for m in mask):
            return super().forward(x, training, mask)                 # Keras's masked merge, taped
        xs = self._inputs(x)
        y = self._merge(xs)
        self._cache = (xs, self._winner)
        return y

    def backward(self, grad_output):
        if isinstance(self._cache, taped.TapedCall):
            return Layer.backward(self, grad_output)
        xs, winner = self._require_cache()
        g = np.asarray(grad_output, xs[0].dtype)
        return [unbroadcast(np.where(winner == i, g, 0), x.shape) for i, x in enumerate(xs)]


class Minimum(Maximum):
    """y = min_i x_i (element-wise)."""

    pick = staticmethod(np.argmin)
    merge_op = staticmethod(ops.minimum)


class Concatenate(Merge):
    """y = [x_1, …, x_n] along ``axis`` (default -1, the features)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Concatenate axis must be an int, received {axis!r}")
        if axis == 0:
            raise ValueError("Concatenate cannot join along the batch axis (axis=0)")
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        rank = len(input_shape[0])
        if any(len(s) != rank for s in input_shape):
            raise ValueError(f"Concatenate {self.name!r} expects inputs of one rank, received {input_shape}")
        axis = self.axis % rank
        out = list(input_shape[0])
        for s in input_shape[1:]:
            for i, (a, b) in enumerate(zip(out, s)):
                if i == axis:
                    out[i] = None if a is None or b is None else a + b
                elif a is not None and b is not None and a != b:
                    raise ValueError("A `Concatenate` layer requires inputs with matching shapes except for "
                                     f"the concatenation axis. Received: input_shape={input_shape}")
                elif a is None:
                    out[i] = b
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if not _checked_masks(inputs, mask) or all(m is None for m in mask):
            return None
        masks = [None if m is None else np.asarray(m, bool) for m in mask]
        known = next(m for m in masks if m is not None)
        shapes = [_concrete_shape(x, m if m is not None else known) for x, m in zip(inputs, masks)]
        rank = len(shapes[0])
        parts = []
        for shape, m in zip(shapes, masks):                # Keras: the mask as wide as its input
            m = np.ones(shape, bool) if m is None else m
            while m.ndim < rank:
                m = m[..., None]
            parts.append(np.broadcast_to(m, shape))
        return np.any(np.concatenate(parts, axis=self.axis), axis=-1)

    def _merge(self, xs):
        self.compute_output_shape([x.shape for x in xs])            # Keras's check and message
        return np.concatenate(xs, axis=self.axis)

    def _grads(self, xs, g):
        cuts = np.cumsum([x.shape[self.axis] for x in xs])[:-1]
        return np.split(g, cuts, axis=self.axis)

    def get_config(self):
        cfg = super().get_config()
        cfg["axis"] = self.axis
        return cfg


class Dot(Merge):
    """Batch-wise dot product of two tensors over ``axes`` (an int, or one per input);
    ``normalize=True`` takes the cosine (each input L2-normalised along its axis first)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        axes = [axes, axes] if isinstance(axes, (int, np.integer)) else list(axes)
        if len(axes) != 2 or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a == 0
                                 for a in axes):
            raise ValueError(f"Dot axes must be a non-batch axis or a pair of them, received {axes!r}")
        self.axes = [int(a) for a in axes]
        self.normalize = bool(normalize)

    def _axes(self, ranks):
        return [a % r for a, r in zip(self.axes, ranks)]

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"Dot {self.name!r} expects 2 inputs, received {len(input_shape)}")
        a1, a2 = self._axes([len(s) for s in input_shape])
        s1, s2 = list(input_shape[0]), list(input_shape[1])
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(f"Dot {self.name!r}: axis {a1} of {tuple(s1)} and axis {a2} of {tuple(s2)} differ")
        out = [s1[0]] + [d for i, d in enumerate(s1) if i not in (0, a1)] + \
              [d for i, d in enumerate(s2) if i not in (0, a2)]
        return tuple(out) if len(out) > 1 else (s1[0], 1)

    def compute_mask(self, inputs, mask=None):
        return None

    @staticmethod
    def _l2(x, axis):
        n = np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))
        return x / n, n

    def forward(self, x, training=False, mask=None, initial_state=None):
        xs = self._inputs(x)
        if len(xs) != 2:
            raise ValueError(f"Dot {self.name!r} expects exactly 2 inputs, received {len(xs)}")
        x1, x2 = xs
        a1, a2 = self._axes([x1.ndim, x2.ndim])
        norms = None
        if self.normalize:
            (x1, n1), (x2, n2) = self._l2(x1, a1), self._l2(x2, a2)
            norms = (n1, n2)
        B = x1.shape[0]
        m1 = np.moveaxis(x1, a1, -1)                              # (B, ..., K)
        m2 = np.moveaxis(x2, a2, 1)                               # (B, K, ...)
        p, q = m1.reshape(B, -1, m1.shape[-1]), m2.reshape(B, m2.shape[1], -1)
        y = p @ q                                                 # (B, P, Q)
        out_shape = (B,) + m1.shape[1:-1] + m2.shape[2:]
        self._cache = (xs, x1, x2, norms, (a1, a2), p, q, m1.shape, m2.shape)
        y = y.reshape(out_shape)
        return y[:, None] if y.ndim == 1 else y

    def backward(self, grad_output):
        xs, x1, x2, norms, (a1, a2), p, q, s1, s2 = self._require_cache()
        B = p.shape[0]
        g = np.asarray(grad_output, p.dtype).reshape(B, p.shape[1], q.shape[2])
        dp = g @ np.swapaxes(q, 1, 2)                             # (B, P, K)
        dq = np.swapaxes(p, 1, 2) @ g                             # (B, K, Q)
        d1 = np.moveaxis(dp.reshape(s1), -1, a1)
        d2 = np.moveaxis(dq.reshape(s2), 1, a2)
        if norms is not None:                                     # through y = x / |x|
            d1 = (d1 - x1 * np.sum(d1 * x1, axis=a1, keepdims=True)) / norms[0]
            d2 = (d2 - x2 * np.sum(d2 * x2, axis=a2, keepdims=True)) / norms[1]
        return [d1, d2]

    def get_config(self):
        cfg = super().get_config()
        cfg.update(axes=self.axes, normalize=self.normalize)
        return cfg


# Keras's functional forms: layers.concatenate([a, b]) == Concatenate()([a, b]).
def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
