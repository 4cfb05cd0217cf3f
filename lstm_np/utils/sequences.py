"""Keras's small data helpers that classic scripts import: to_categorical, pad_sequences."""
import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Class ids (any shape) -> one-hot with a new last axis of size num_classes (Keras).

    A trailing axis of size 1 is dropped first, as Keras does: (N, 1) -> (N, num_classes).
    """
    y = np.asarray(y)
    if y.dtype == bool or not np.issubdtype(y.dtype, np.number):
        raise TypeError(f"to_categorical expects integer class ids, received dtype {y.dtype}")
    if y.size and np.any(y != np.round(y)):
        raise ValueError("to_categorical expects integer class ids, received non-integral values")
    y = y.astype(np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"to_categorical: class ids must be in [0, {num_classes - 1}], "
                         f"received {y.min()} to {y.max()}")
    out = np.zeros(y.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Lists of ids -> a (N, maxlen) array, padded and truncated at the start ("pre", Keras's
    default) or at the end ("post")."""
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise ValueError(f"padding and truncating must be 'pre' or 'post', received "
                         f"{padding!r} and {truncating!r}")
    try:
        seqs = [list(s) for s in sequences]
    except TypeError:
        raise TypeError("pad_sequences expects a list of sequences (lists or 1-D arrays)") from None
    if maxlen is None:
        maxlen = max((len(s) for s in seqs), default=0)
    if isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"maxlen must be a non-negative int, received {maxlen!r}")
    out = np.full((len(seqs), maxlen), value, dtype=dtype)
    for i, s in enumerate(seqs):
        if not s or maxlen == 0:
            continue
        s = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if padding == "post":
            out[i, :len(s)] = s
        else:
            out[i, -len(s):] = s
    return out
