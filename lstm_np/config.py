"""Global *configuration*: the default float type, and the seed that layers created without
their own ``seed=`` draw from.

``set_floatx("float64")`` makes newly built layers use float64, which is what the
gradient checks need. A layer may also take ``dtype=`` to override it.

``set_random_seed(s)`` (``keras.utils.set_random_seed``) seeds Python's ``random``, NumPy's
legacy global generator (as Keras does, for scripts that use them) and a SeedSequence from
which every layer and model created afterwards *without* a seed takes its own independent
seed: the same script then builds the same weights and draws the same masks. Layers never
draw from a shared generator; each owns its ``np.random.Generator``.
"""
import itertools
import random
from collections import defaultdict

import numpy as np

_FLOATX = "float32"
_ALLOWED = ("float32", "float64")


def floatx():
    """Return the default float type name, ``"float32"`` or ``"float64"``."""
    return _FLOATX


def set_floatx(value):
    """Set the default float type for layers built from now on."""
    global _FLOATX
    if value not in _ALLOWED:
        raise ValueError(f"floatx must be one of {_ALLOWED}, received {value!r}")
    _FLOATX = value


def resolve_dtype(dtype):
    """Turn ``None`` (use floatx) or a dtype-like into a NumPy float dtype."""
    if dtype is None:
        return np.dtype(_FLOATX)
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be 'float32' or 'float64', received {dtype!r}") from exc
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be 'float32' or 'float64', received {dtype!r}")
    return dt


_SEEDS = None


def set_random_seed(seed):
    """Make every layer/model created from now on without a seed= reproducible."""
    global _SEEDS
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed expects a non-negative int, received {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _SEEDS = np.random.SeedSequence(int(seed))


def next_seed():
    """A fresh seed from set_random_seed's sequence, or None (fresh OS entropy) when unset."""
    if _SEEDS is None:
        return None
    return int(_SEEDS.spawn(1)[0].generate_state(1, np.uint64)[0])


_name_counters = defaultdict(itertools.count)


def unique_name(prefix):
    """Keras-style automatic names: lstm, lstm_1, lstm_2, ..."""
    n = next(_name_counters[prefix])
    return prefix if n == 0 else f"{prefix}_{n}"


def clear_session():
    """Keras's ``clear_session()``: forget the automatic names given so far (the next LSTM is
    "lstm" again). Models and layers already made keep their names and weights."""
    _name_counters.clear()


def image_data_format():
    """Keras's ``keras.config.image_data_format()``: "channels_last", the one layout the
    convolution layers here take (features on the last axis)."""
    return "channels_last"
