"""Values that carry no gradient: new arrays (``zeros``, ``arange``, ``eye`` ...), comparisons
and logic (``greater``, ``logical_and`` ...), tests (``isnan``). They return plain NumPy arrays
even on a tape: nothing flows back through a comparison."""
import numpy as np

from ..config import floatx
from .tape import value


def _float(dtype):
    return dtype or floatx()


def zeros(shape, dtype=None):
    return np.zeros(shape, _float(dtype))


def ones(shape, dtype=None):
    return np.ones(shape, _float(dtype))


def full(shape, fill_value, dtype=None):
    return np.full(shape, value(fill_value), dtype)


def zeros_like(x, dtype=None):
    return np.zeros_like(value(x), dtype)


def ones_like(x, dtype=None):
    return np.ones_like(value(x), dtype)


def full_like(x, fill_value, dtype=None):
    return np.full_like(value(x), value(fill_value), dtype)


def empty(shape, dtype=None):
    return np.zeros(shape, _float(dtype))


def arange(start, stop=None, step=1, dtype=None):
    return np.arange(start, stop, step, dtype) if stop is not None else np.arange(start, dtype=dtype)


def eye(N, M=None, k=0, dtype=None):
    return np.eye(N, M, k, dtype=_float(dtype))


identity = eye


def tri(N, M=None, k=0, dtype=None):
    return np.tri(N, M, k, dtype=_float(dtype))


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    return np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype)


def _binary(f):
    def op(x1, x2):
        return f(value(x1), value(x2))
    op.__name__ = f.__name__
    op.__doc__ = f"NumPy's {f.__name__} on the values (no gradient)."
    return op


def _unary(f):
    def op(x):
        return f(value(x))
    op.__name__ = f.__name__
    op.__doc__ = f"NumPy's {f.__name__} on the values (no gradient)."
    return op


equal, not_equal = _binary(np.equal), _binary(np.not_equal)
greater, greater_equal = _binary(np.greater), _binary(np.greater_equal)
less, less_equal = _binary(np.less), _binary(np.less_equal)
logical_and, logical_or, logical_xor = _binary(np.logical_and), _binary(np.logical_or), _binary(np.logical_xor)
logical_not, isnan, isinf, isfinite = _unary(np.logical_not), _unary(np.isnan), _unary(np.isinf), _unary(np.isfinite)


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]
