"""``keras.ops`` on NumPy arrays: the functions Keras's own tests and scripts call to move
values in and out (``convert_to_numpy``, ``convert_to_tensor``, ``cast``, ``shape``) and the
plain maths they use on them (``matmul``, ``transpose``, ...). Here a tensor is a NumPy array.
(Differentiating user code written with these — a tape — is issue 29's; the built-in layers
keep their hand-written BPTT.)"""
import numpy as np

from ..backend import convert_to_numpy, convert_to_tensor  # noqa: F401  (keras.ops.*)
from . import random  # noqa: F401  (keras.random)


def cast(x, dtype):
    return np.asarray(x).astype(dtype)


def shape(x):
    return tuple(np.shape(x))


def matmul(x1, x2):
    return np.matmul(np.asarray(x1), np.asarray(x2))


def transpose(x, axes=None):
    return np.transpose(np.asarray(x), axes)


__all__ = ["random", "convert_to_numpy", "convert_to_tensor", "cast", "shape", "matmul", "transpose"]
