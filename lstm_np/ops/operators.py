"""Python's operators and NumPy's ufuncs on a ``Tensor``: ``x + y``, ``x @ w``, ``x[0]``,
``-x``, ``np.tanh(x)`` — each runs the op of this package, so it is recorded on the tape. A
ufunc with no op here raises, rather than return a value the tape cannot differentiate."""
import numpy as np

from . import constants, elementwise as ew, indexing, linalg, reductions, shapes
from .tape import Tensor

UFUNCS = {
    np.add: ew.add, np.subtract: ew.subtract, np.multiply: ew.multiply, np.divide: ew.divide,
    np.true_divide: ew.divide, np.power: ew.power, np.negative: ew.negative, np.absolute: ew.absolute,
    np.square: ew.square, np.sqrt: ew.sqrt, np.exp: ew.exp, np.expm1: ew.expm1, np.log: ew.log,
    np.log1p: ew.log1p, np.sin: ew.sin, np.cos: ew.cos, np.tanh: ew.tanh, np.maximum: ew.maximum,
    np.minimum: ew.minimum, np.reciprocal: ew.reciprocal, np.matmul: linalg.matmul,
    np.positive: lambda x: x,
}
NO_GRADIENT = {                          # ufuncs whose value has no gradient: computed on values
    np.equal, np.not_equal, np.greater, np.greater_equal, np.less, np.less_equal, np.logical_and,
    np.logical_or, np.logical_xor, np.logical_not, np.isnan, np.isinf, np.isfinite, np.sign,
    np.floor, np.ceil, np.rint, np.floor_divide, np.remainder,
}


class NotDifferentiable(TypeError):
    """A NumPy function the tape has no VJP for was called on a tensor being differentiated."""


FUNCTIONS = {                            # NumPy functions on a Tensor -> the op of this package
    np.sum: reductions.sum, np.mean: reductions.mean, np.max: reductions.max, np.min: reductions.min,
    np.amax: reductions.max, np.amin: reductions.min, np.prod: reductions.prod, np.var: reductions.var,
    np.std: reductions.std, np.cumsum: reductions.cumsum, np.matmul: linalg.matmul, np.dot: linalg.dot,
    np.einsum: linalg.einsum, np.tensordot: linalg.tensordot, np.outer: linalg.outer,
    np.reshape: shapes.reshape, np.transpose: shapes.transpose, np.expand_dims: shapes.expand_dims,
    np.squeeze: shapes.squeeze, np.swapaxes: shapes.swapaxes, np.moveaxis: shapes.moveaxis,
    np.broadcast_to: shapes.broadcast_to, np.concatenate: shapes.concatenate, np.stack: shapes.stack,
    np.split: shapes.split, np.tile: shapes.tile, np.repeat: shapes.repeat, np.flip: shapes.flip,
    np.roll: shapes.roll, np.pad: shapes.pad, np.tril: shapes.tril, np.triu: shapes.triu,
    np.ravel: shapes.ravel, np.take: indexing.take, np.take_along_axis: indexing.take_along_axis,
    np.where: ew.where, np.clip: ew.clip, np.abs: ew.absolute,
}
NO_GRADIENT_FUNCTIONS = {                # their values carry no gradient: computed on values
    np.argmax, np.argmin, np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.full_like,
    np.any, np.all, np.count_nonzero, np.sign, np.round, np.isnan, np.isfinite, np.array_equal,
    np.allclose, np.isclose, np.nonzero, np.argsort, np.result_type,
}


def _plain(x):
    if isinstance(x, Tensor):
        return x.value
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(a) for a in x)
    return x


def _array_function(self, func, types, args, kwargs):
    op = FUNCTIONS.get(func)
    if op is not None:
        return op(*args, **kwargs)
    if func in NO_GRADIENT_FUNCTIONS:
        return func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})
    raise NotDifferentiable(f"np.{func.__name__} on a tensor being differentiated has no gradient here: write "
                            "it with lstm_np.ops (keras.ops), or take np.asarray(x) to use its value "
                            "without a gradient")


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if method == "__call__" and not kwargs.get("out"):
        op = UFUNCS.get(ufunc)
        if op is not None and not kwargs:
            return op(*inputs)
        if ufunc in NO_GRADIENT:
            return ufunc(*[np.asarray(x.value if isinstance(x, Tensor) else x) for x in inputs], **kwargs)
    raise NotDifferentiable(f"np.{ufunc.__name__} ({method}) on a tensor being differentiated has no gradient "
                    "here: write it with lstm_np.ops (keras.ops), or take np.asarray(x) to use its "
                    "value without a gradient")


def _reversed(op):
    return lambda self, other: op(other, self)


Tensor.__array_ufunc__ = _array_ufunc
Tensor.__array_function__ = _array_function
Tensor.__add__, Tensor.__radd__ = ew.add, _reversed(ew.add)
Tensor.__sub__, Tensor.__rsub__ = ew.subtract, _reversed(ew.subtract)
Tensor.__mul__, Tensor.__rmul__ = ew.multiply, _reversed(ew.multiply)
Tensor.__truediv__, Tensor.__rtruediv__ = ew.divide, _reversed(ew.divide)
Tensor.__pow__, Tensor.__rpow__ = ew.power, _reversed(ew.power)
Tensor.__matmul__, Tensor.__rmatmul__ = linalg.matmul, _reversed(linalg.matmul)
Tensor.__neg__ = ew.negative
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = ew.absolute
Tensor.__getitem__ = indexing.getitem
Tensor.__floordiv__ = ew.floor_divide
Tensor.__mod__ = ew.mod
Tensor.__lt__, Tensor.__le__ = constants.less, constants.less_equal
Tensor.__gt__, Tensor.__ge__ = constants.greater, constants.greater_equal
Tensor.__eq__, Tensor.__ne__ = constants.equal, constants.not_equal
Tensor.__invert__ = constants.logical_not
Tensor.__and__, Tensor.__or__ = constants.logical_and, constants.logical_or
Tensor.T = property(lambda self: shapes.transpose(self))
Tensor.reshape = lambda self, *shape: shapes.reshape(self, shape[0] if len(shape) == 1 else shape)
Tensor.astype = shapes.cast
Tensor.sum = reductions.sum
Tensor.mean = reductions.mean
Tensor.max = reductions.max
Tensor.min = reductions.min
