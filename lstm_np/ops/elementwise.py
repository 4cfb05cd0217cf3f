"""Elementwise ops: each forward beside its vector-Jacobian product.

For y = f(x) elementwise the Jacobian is diagonal, so the VJP is a product: ∂L/∂x = ḡ ⊙ f'(x).
For y = f(a, b) with broadcasting, each parent's gradient is summed back to its own shape
(``unbroadcast``): y = x + b with b of shape (H,) gives ∂L/∂b = Σ over the batch of ḡ.
"""
import numpy as np

from .tape import record, unbroadcast, value


def _operands(x1, x2):
    a, b = value(x1), value(x2)
    if not isinstance(x1, (np.ndarray, np.generic)) and np.ndim(a) == 0 and hasattr(b, "dtype") \
            and b.dtype.kind == "f":
        a = np.asarray(a, b.dtype)               # a Python number keeps the tensor's precision
    if not isinstance(x2, (np.ndarray, np.generic)) and np.ndim(b) == 0 and hasattr(a, "dtype") \
            and a.dtype.kind == "f":
        b = np.asarray(b, a.dtype)
    return np.asarray(a), np.asarray(b)


def _unary(x, y, dy_dx, name):
    """Record y = f(x) whose derivative is the array dy_dx (or a function of nothing, lazily)."""
    return record(y, [x], lambda g: [g * (dy_dx() if callable(dy_dx) else dy_dx)], name)


# -- arithmetic ------------------------------------------------------------------------------
def add(x1, x2):
    """y = a + b;  ∂a = ḡ, ∂b = ḡ (each summed back to its shape)."""
    a, b = _operands(x1, x2)
    return record(a + b, [x1, x2], lambda g: [unbroadcast(g, a.shape), unbroadcast(g, b.shape)], "add")


def subtract(x1, x2):
    """y = a − b;  ∂a = ḡ, ∂b = −ḡ."""
    a, b = _operands(x1, x2)
    return record(a - b, [x1, x2], lambda g: [unbroadcast(g, a.shape), unbroadcast(-g, b.shape)], "subtract")


def multiply(x1, x2):
    """y = a ⊙ b;  ∂a = ḡ ⊙ b, ∂b = ḡ ⊙ a."""
    a, b = _operands(x1, x2)
    return record(a * b, [x1, x2], lambda g: [unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)],
                  "multiply")


def divide(x1, x2):
    """y = a / b;  ∂a = ḡ / b, ∂b = −ḡ a / b²."""
    a, b = _operands(x1, x2)
    y = a / b
    return record(y, [x1, x2], lambda g: [unbroadcast(g / b, a.shape), unbroadcast(-g * y / b, b.shape)],
                  "divide")


true_divide = divide


def power(x1, x2):
    """y = a^b;  ∂a = ḡ b a^(b−1), ∂b = ḡ y ln a (where a > 0)."""
    a, b = _operands(x1, x2)
    y = np.power(a, b)

    def vjp(g):
        da = g * b * np.power(a, b - 1) if np.ndim(b) or b != 0 else np.zeros_like(g)
        with np.errstate(divide="ignore", invalid="ignore"):
            db = np.where(a > 0, g * y * np.log(np.where(a > 0, a, 1)), 0)
        return [unbroadcast(da, a.shape), unbroadcast(db, b.shape)]
    return record(y, [x1, x2], vjp, "power")


def negative(x):
    return _unary(x, -value(x), -1.0, "negative")


def absolute(x):
    v = value(x)
    return _unary(x, np.abs(v), lambda: np.sign(v), "absolute")


abs = absolute  # noqa: A001  (keras.ops.abs)


def square(x):
    """y = x²;  ∂x = 2 x ḡ."""
    v = value(x)
    return _unary(x, v * v, lambda: 2 * v, "square")


def sqrt(x):
    """y = √x;  ∂x = ḡ / (2 y)."""
    y = np.sqrt(value(x))
    return _unary(x, y, lambda: 0.5 / y, "sqrt")


def rsqrt(x):
    y = 1.0 / np.sqrt(value(x))
    return _unary(x, y, lambda: -0.5 * y ** 3, "rsqrt")


def reciprocal(x):
    y = 1.0 / value(x)
    return _unary(x, y, lambda: -y * y, "reciprocal")


def exp(x):
    """y = eˣ;  ∂x = ḡ y."""
    y = np.exp(value(x))
    return _unary(x, y, y, "exp")


def expm1(x):
    v = value(x)
    return _unary(x, np.expm1(v), lambda: np.exp(v), "expm1")


def log(x):
    """y = ln x;  ∂x = ḡ / x."""
    v = value(x)
    return _unary(x, np.log(v), lambda: 1.0 / v, "log")


def log1p(x):
    v = value(x)
    return _unary(x, np.log1p(v), lambda: 1.0 / (1.0 + v), "log1p")


def sin(x):
    v = value(x)
    return _unary(x, np.sin(v), lambda: np.cos(v), "sin")


def cos(x):
    v = value(x)
    return _unary(x, np.cos(v), lambda: -np.sin(v), "cos")


def tanh(x):
    """y = tanh x;  ∂x = ḡ (1 − y²)."""
    y = np.tanh(value(x))
    return _unary(x, y, lambda: 1.0 - y * y, "tanh")


def maximum(x1, x2):
    """y = max(a, b);  ḡ goes to the larger (to a on ties, as NumPy's choice)."""
    a, b = _operands(x1, x2)
    y = np.maximum(a, b)
    return record(y, [x1, x2], lambda g: [unbroadcast(np.where(a >= b, g, 0), a.shape),
                                          unbroadcast(np.where(a >= b, 0, g), b.shape)], "maximum")


def minimum(x1, x2):
    a, b = _operands(x1, x2)
    y = np.minimum(a, b)
    return record(y, [x1, x2], lambda g: [unbroadcast(np.where(a <= b, g, 0), a.shape),
                                          unbroadcast(np.where(a <= b, 0, g), b.shape)], "minimum")


def clip(x, x_min, x_max):
    """y = min(max(x, lo), hi);  ∂x = ḡ where lo ≤ x ≤ hi, 0 where clipped."""
    v = value(x)
    y = np.clip(v, x_min, x_max)
    return _unary(x, y, lambda: ((v >= x_min) & (v <= x_max)).astype(v.dtype), "clip")


def where(condition, x1=None, x2=None):
    """y = x1 where condition else x2;  ḡ goes to the branch chosen."""
    c = np.asarray(value(condition), bool)
    if x1 is None and x2 is None:
        return np.nonzero(c)
    a, b = _operands(x1, x2)
    y = np.where(c, a, b)
    return record(y, [x1, x2], lambda g: [unbroadcast(np.where(c, g, 0), a.shape),
                                          unbroadcast(np.where(c, 0, g), b.shape)], "where")


# -- no gradient (piecewise constant): the value only, as a plain array ----------------------
def sign(x):
    return np.sign(value(x))


def floor(x):
    return np.floor(value(x))


def ceil(x):
    return np.ceil(value(x))


def round(x, decimals=0):  # noqa: A001  (keras.ops.round)
    return np.round(value(x), decimals)


def floor_divide(x1, x2):
    return np.floor_divide(*_operands(x1, x2))


def mod(x1, x2):
    return np.mod(*_operands(x1, x2))


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]
