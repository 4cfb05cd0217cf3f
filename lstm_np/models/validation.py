"""Checks on the data given to fit / evaluate / predict, done before any state changes."""
import numpy as np

from ..layers.checks import as_float_array, check_token_ids
from ..layers.embedding import Embedding


def check_x(model, x, who):
    """Validate and convert model inputs; returns an array."""
    first = model.layers[0] if model.layers else None
    if isinstance(first, Embedding):
        ids = check_token_ids(x, first.input_dim, f"{who}: Embedding {first.name!r}")
        expected = model.input_shape
        if expected is not None and len(expected) != ids.ndim:
            raise ValueError(f"{who} expects token ids of rank {len(expected)} (batch, timesteps), "
                             f"received shape {ids.shape}")
        return ids
    dtype = first.dtype if first is not None else np.float32
    arr = as_float_array(x, dtype, who)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{who}: x contains NaN or inf ({int(np.sum(~np.isfinite(arr)))} values)")
    expected = model.input_shape
    if expected is not None:
        if arr.ndim != len(expected):
            raise ValueError(f"{who} expects x of rank {len(expected)}, shape {expected}, "
                             f"received shape {arr.shape}")
        for got, want in zip(arr.shape[1:], expected[1:]):
            if want is not None and got != want:
                raise ValueError(f"{who} expects x of shape {expected}, received {arr.shape}")
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(f"{who} expects a non-empty batch, received shape {arr.shape}")
    return arr


def check_y(model, x, y, who):
    """Validate targets against x and the model's output shape."""
    try:
        arr = np.asarray(y)
    except Exception as exc:
        raise TypeError(f"{who} expects y as a numeric array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{who} expects y as a numeric array, received dtype {arr.dtype}")
    if arr.ndim == 0 or arr.shape[0] != x.shape[0]:
        raise ValueError(f"{who}: x and y must have the same number of samples, received "
                         f"x with {x.shape[0]} and y with shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{who}: y contains NaN or inf")
    out_shape = model.output_shape_for(x.shape)
    if (model.loss.name != "sparse_categorical_crossentropy" and out_shape[-1] == 1
            and arr.shape == tuple(out_shape[:-1])):
        arr = arr[..., None]                # Keras accepts labels (N,) for an output (N, 1)
    model.loss.check_target_shape(arr.shape, out_shape)
    if model.loss.name == "sparse_categorical_crossentropy" and arr.size:
        k = out_shape[-1]
        if arr.min() < 0 or arr.max() >= k or np.any(arr != np.round(arr)):
            raise ValueError(f"{who}: sparse targets must be class ids in [0, {k - 1}], "
                             f"received values from {arr.min()} to {arr.max()}")
    return arr


def check_batch_size(batch_size, who):
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"{who}: batch_size must be a positive int, received {batch_size!r}")
    return int(batch_size)
