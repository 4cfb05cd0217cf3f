"""Global *configuration* (not state that affects randomness): the default float type.

``set_floatx("float64")`` makes newly built layers use float64, which is what the
gradient checks need. A layer may also take ``dtype=`` to override it.
"""
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
