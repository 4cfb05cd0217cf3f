"""Keras 2 import path ``keras.utils.np_utils`` (``np_utils.to_categorical(y)``)."""
import numpy as np

from .sequences import to_categorical

__all__ = ["to_categorical", "normalize"]


def normalize(x, axis=-1, order=2):
    """x divided by its L-``order`` norm along ``axis`` (a zero norm divides by 1), as Keras."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
