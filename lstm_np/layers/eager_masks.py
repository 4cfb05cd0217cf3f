"""Masks carried on arrays, as Keras 3 carries them on eager tensors (``backend.set_keras_mask``):
a layer called on arrays reads the masks its inputs carry, and its output carries the mask the
layer computes (``compute_mask``) — so ``LSTM()(Masking()(x))`` masks eagerly as in Keras."""
import numpy as np

from .. import backend


def carried(inputs):
    """The masks the input arrays carry: one, a list, or None."""
    if isinstance(inputs, (list, tuple)):
        found = [backend.get_keras_mask(a) if isinstance(a, np.ndarray) else None for a in inputs]
        return found if any(m is not None for m in found) else None
    return backend.get_keras_mask(inputs) if isinstance(inputs, np.ndarray) else None


def attach(layer, inputs, mask, out, own):
    """The output of a layer called on arrays carries the mask it computes (Keras 3); ``own``:
    does its class define compute_mask (then even with no mask in)."""
    if not (layer.supports_masking or own) or (mask is None and not own):
        return
    new = layer.output_mask(inputs, mask)
    outs, masks = (out, new) if isinstance(out, list) and isinstance(new, list) else ([out], [new])
    for o, m in zip(outs, masks):
        if isinstance(o, np.ndarray) and m is not None:
            backend.set_keras_mask(o, m)
