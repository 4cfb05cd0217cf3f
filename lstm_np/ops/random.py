"""``keras.random`` on NumPy: values drawn from a generator made for the call (``seed``: an int
for the same values every time; None for fresh ones) — no global random state."""
import numpy as np

from ..config import floatx


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return np.random.default_rng(seed).uniform(minval, maxval, size=shape).astype(dtype or floatx())


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return np.random.default_rng(seed).normal(mean, stddev, size=shape).astype(dtype or floatx())
