"""Inverted dropout, written once for every layer that drops (Keras's rule)::

    mask = (u < 1 − rate) / (1 − rate),   u ~ U[0, 1)        E[mask] = 1

so training scales the kept units up and inference needs no change. A recurrent layer draws
one mask per sequence (input and recurrent), shared by every timestep.
"""
import numpy as np


def dropout_mask(rng, shape, rate, dtype):
    """A mask of ``shape`` in ``dtype``: 0 where a unit is dropped, 1 / (1 − rate) where kept."""
    dtype = np.dtype(dtype)
    keep = 1.0 - rate
    return (rng.random(shape) < keep).astype(dtype) / dtype.type(keep)
