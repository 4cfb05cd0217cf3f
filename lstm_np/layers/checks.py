"""Input validation shared by the layers: clear errors at the public boundary."""
import warnings

import numpy as np


def as_float_array(x, dtype, who):
    """Convert to a float array of ``dtype`` or raise TypeError naming what was received."""
    if isinstance(x, np.ndarray) and x.dtype == dtype:
        return x
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{who} expects a numeric array, received {type(x).__name__}: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{who} expects a numeric array, received dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):           # the cast would drop the imaginary part
        raise TypeError(f"{who} expects real numbers, received complex dtype {arr.dtype}")
    return arr.astype(dtype, copy=False)


def finite_weight(w, dtype, what):
    """``w`` cast to ``dtype``: real numbers only (complex, text, objects: TypeError), finite
    *after* the cast (1e300 becomes inf in float32: ValueError)."""
    arr = np.asarray(w)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
                                   or arr.dtype == bool):
        raise TypeError(f"{what} must be real numbers, received dtype {arr.dtype}")
    with np.errstate(over="ignore", invalid="ignore"):
        cast = arr.astype(dtype)
    if not np.all(np.isfinite(cast)):
        overflow = np.all(np.isfinite(arr))
        raise ValueError(f"{what} contains NaN or inf"
                         + (f" once cast to {np.dtype(dtype)} (values too large for it)" if overflow else ""))
    return cast


def check_rank(x, ndim, who, meaning):
    if x.ndim != ndim:
        raise ValueError(f"{who} expects input of rank {ndim} {meaning}, "
                         f"received shape {tuple(x.shape)}")


def check_last_dim(x, expected, who):
    if expected is not None and x.shape[-1] != expected:
        raise ValueError(f"{who} expects {expected} features on the last axis, "
                         f"received shape {tuple(x.shape)}")


def check_mask(mask, batch, timesteps, who):
    """None, or a (batch, timesteps) boolean array."""
    if mask is None:
        return None
    m = np.asarray(mask)
    if m.shape != (batch, timesteps):
        raise ValueError(f"{who} expects a mask of shape {(batch, timesteps)}, received {m.shape}")
    if m.dtype != bool:
        if not np.issubdtype(m.dtype, np.number):
            raise TypeError(f"{who} expects a boolean mask, received dtype {m.dtype}")
        m = m != 0
    return m


def check_token_ids(x, vocab_size, who):
    """Integer ids in [0, vocab_size). Float ids are cast as Keras casts them (toward zero);
    a non-integral one is truncated with a warning saying so. NaN / inf and ids outside the
    vocabulary are errors."""
    try:
        arr = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{who} expects integer token ids, received {type(x).__name__}: {exc}") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{who} expects integer token ids, received dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{who} expects integer token ids, received NaN or inf")
        if np.any(arr != np.trunc(arr)):
            warnings.warn(f"{who}: non-integral token ids truncated toward zero, as Keras casts them "
                          "(pass integer ids to silence this)", UserWarning, stacklevel=3)
            arr = np.trunc(arr)
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi >= vocab_size:
            raise ValueError(f"{who} expects token ids in [0, {vocab_size - 1}] (input_dim={vocab_size}), "
                             f"received ids from {lo:g} to {hi:g}")
    return arr.astype(np.int64, copy=False)


def as_shape(shape, what="input_shape"):
    """Validate a shape tuple without batch axis: positive ints (None allowed)."""
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{what} must be a tuple of ints, received {shape!r}") from None
    for d in shape:
        if d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1):
            raise ValueError(f"{what} must hold positive ints or None, received {shape!r}")
    return tuple(None if d is None else int(d) for d in shape)


def check_positive_int(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be a positive int, received {value!r}")
    if value < 1:
        raise ValueError(f"{what} must be a positive int, received {value!r}")
    return int(value)


def check_rate(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{what} must be a float in [0, 1), received {value!r}")
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{what} must be a float in [0, 1), received {value!r}")
    return float(value)


def check_bool(value, what):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be True or False, received {value!r}")
    return bool(value)
