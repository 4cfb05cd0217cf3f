"""model.save_weights / model.load_weights: the weights alone, in Keras 3's HDF5 layout or in
one NumPy archive.

``x.weights.h5`` (needs h5py: ``pip install "lstm-np[keras]"``) is laid out as Keras 3 writes
it, so ``keras_model.load_weights`` reads a file written here and the other way round::

    layers/<key>/vars/<i>                   a plain layer's weights, in get_weights order
    layers/<key>/cell/vars/<i>              LSTM / GRU / SimpleRNN (Keras keeps them on the cell)
    layers/<key>/forward_layer/...          Bidirectional: both directions, as above
    layers/<key>/backward_layer/...
    layers/<key>/layer/...                  TimeDistributed's inner layer
    layers/<key>/layers/...                 a nested model
    vars/                                   the model itself (no weights)

``<key>`` is the class name in snake case, numbered in the order of ``model.layers`` (lstm,
lstm_1, …); every ``vars`` group carries the layer's name as an attribute.

``x.weights.npz``: one array per weight, ``<layer name>/<i>``, plus the layer order.

Loading matches layers by position in ``model.layers`` (Keras 3), or by layer name with
``by_name=True``; ``skip_mismatch=True`` skips (with a warning) a layer whose weights do not
fit instead of refusing. Every weight is read and checked before any is set.
"""
import os
import warnings
import zipfile

import numpy as np

from ..layers.base import _snake
from ..layers.checks import finite_weight
from . import files, saving


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError('reading or writing .weights.h5 files needs h5py: pip install "lstm-np[keras]" '
                          '(or save to a .weights.npz file)') from None
    return h5py


def _kind(path, who):
    if path.endswith((".h5", ".hdf5")):                   # .hdf5: Keras 2 scripts' name
        return "h5"
    if path.endswith(".npz"):
        return "npz"
    raise ValueError(f"{who}: the file name must end in .weights.h5 (Keras 3's HDF5 layout) or "
                     f".weights.npz (NumPy), received {path!r}")


def keyed_layers(layers):
    """[(key, layer)]: Keras's snake-case class names, numbered per class in order."""
    counts, out = {}, []
    for layer in layers:
        base = _snake(type(layer).__name__)
        n = counts.get(base, 0)
        counts[base] = n + 1
        out.append((base if n == 0 else f"{base}_{n}", layer))
    return out


# -- HDF5 (Keras 3) -----------------------------------------------------------------------------
# A layer's group holds "vars" (its own weights) or, when it has weight groups (RNN: "cell",
# Bidirectional: "forward_layer" / "backward_layer", TimeDistributed: "layer", a model:
# "layers"), one group per sublayer, as Keras 3 nests them (``Layer.weight_groups``).
def _write_layer(group, layer):
    vars_group = group.create_group("vars")
    vars_group.attrs["name"] = layer.name
    children = layer.weight_groups()
    for name, child in children:
        if isinstance(child, list):
            _write_layers(group.create_group(name), child)
        else:
            _write_layer(group.create_group(name), child)
    if not children:
        for i, w in enumerate(layer.get_weights()):
            vars_group.create_dataset(str(i), data=w)


def _write_layers(group, layers):
    for key, layer in keyed_layers(layers):
        _write_layer(group.create_group(key), layer)


def _read_vars(group):
    return [np.array(group[str(i)]) for i in range(len(group))] if group is not None else []


def _read_layer(group, layer):
    """The weights stored for ``layer`` in ``group``, in get_weights order (an RNN saved with its
    weights in its own "vars" is read too)."""
    children = layer.weight_groups()
    if children and all(name in group for name, _ in children):
        return [w for name, child in children
                for w in (_read_layers(group[name], child) if isinstance(child, list) else _read_layer(group[name], child))]
    return _read_vars(group.get("vars"))


def _read_layers(group, layers):
    return [w for key, sub in keyed_layers(layers) for w in _read_layer(group[key], sub)]


def _h5_pairs(f, model, by_name):
    """[(layer, stored weights or None)] for every layer of the model that has weights."""
    layers_group = f["layers"] if "layers" in f else None
    if layers_group is None:
        raise ValueError("not a Keras 3 weights file (no 'layers' group)")
    pairs = []
    if by_name:
        stored = {layers_group[k]["vars"].attrs.get("name"): k for k in layers_group}
        for layer in model.layers:
            key = stored.get(layer.name)
            pairs.append((layer, None if key is None else _read_layer(layers_group[key], layer)))
        return pairs
    for key, layer in keyed_layers(model.layers):
        pairs.append((layer, _read_layer(layers_group[key], layer) if key in layers_group else None))
    return pairs


# -- the two entry points ---------------------------------------------------------------------
def save_weights(model, path, overwrite=True):
    path = os.fspath(path)
    kind = _kind(path, "save_weights")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save_weights: {path!r} exists and overwrite=False")
    layers = model.layers
    if kind == "h5":
        def write_h5(tmp):
            with _h5py().File(tmp, "w") as f:
                _write_layers(f.create_group("layers"), layers)
                f.create_group("vars").attrs["name"] = model.name
        files.atomic_path(path, write_h5)
        return
    arrays = {"__order__": np.array([l.name for l in layers])}
    for layer in layers:
        for i, w in enumerate(layer.get_weights()):
            arrays[f"{layer.name}/{i}"] = w
    files.atomic_write(path, lambda f: np.savez(f, **arrays))


class _Shape:
    """A stored array's shape, standing for an array that is not read (its shape is wrong)."""

    def __init__(self, shape):
        self.shape = shape


def _npz_pairs(z, model, by_name):
    """[(layer, stored weights or None)] from a .weights.npz, each array's shape checked against
    the layer's before its data is read."""
    arrays = files.NpzArrays(z)
    if "__order__" not in arrays or len(arrays.shape("__order__")) != 1 \
            or arrays.nbytes("__order__") > files.MAX_CONFIG_BYTES:
        raise ValueError("not a weights file written by save_weights (no layer order in it)")
    order = [str(n) for n in arrays.read("__order__")]
    layers = model.layers
    if by_name:
        names = {l.name: l.name if l.name in order else None for l in layers}
    else:
        names = {l.name: order[i] if i < len(order) else None for i, l in enumerate(layers)}
    pairs = []
    for layer in layers:
        name = names[layer.name]
        if name is None:
            pairs.append((layer, None))
            continue
        expected = [w.shape for w in layer.get_weights()]
        n = sum(1 for k in arrays.keys() if k.startswith(name + "/") and k[len(name) + 1:].isdigit())
        if n != len(expected) or any(arrays.shape(f"{name}/{i}") != tuple(e) for i, e in enumerate(expected)):
            pairs.append((layer, [_Shape(arrays.shape(f"{name}/{i}") if f"{name}/{i}" in arrays else None)
                                  for i in range(n)]))                      # shapes only: reported below
            continue
        pairs.append((layer, [arrays.read(f"{name}/{i}", e) for i, e in enumerate(expected)]))
    return pairs


def load_weights(model, path, skip_mismatch=False, by_name=False):
    """Read every weight, check each against its layer (count, shape, finite after the cast to
    the layer's dtype), then set them all; a failure leaves the model as it was."""
    who = "load_weights"
    path = os.fspath(path)
    kind = _kind(path, who)
    files.check_regular(path, who)
    with files.malformed(path, who, f"weights file for model {model.name!r}"):
        if kind == "h5":
            with _h5py().File(path, "r") as f:
                if saving.is_h5_model(f):                 # a whole model saved here (Keras 2 reads
                    n = len(saving.h5_arrays(f, "weight"))  # weights from model files too)
                    weights = [np.asarray(f["weight"][str(i)][()]) for i in range(n)]
                    with files.rollback(model):
                        return model.set_weights(weights)
                pairs = _h5_pairs(f, model, by_name)
        else:
            with zipfile.ZipFile(path) as z:
                pairs = _npz_pairs(z, model, by_name)
    plan = []
    for layer, weights in pairs:
        expected = [w.shape for w in layer.get_weights()]
        if weights is None:
            weights = []
        problem = None
        if len(weights) != len(expected):
            problem = f"expects {len(expected)} weights, the file has {len(weights)}"
        else:
            bad = [(e, w.shape) for e, w in zip(expected, weights) if tuple(e) != w.shape]
            if bad:
                problem = f"expects shapes {[b[0] for b in bad]}, the file has {[b[1] for b in bad]}"
        if problem is None:
            if expected:
                plan.append((layer, weights))
        elif skip_mismatch:
            warnings.warn(f"load_weights: skipping layer {layer.name!r}: {problem}", stacklevel=3)
        else:
            raise ValueError(f"load_weights: layer {layer.name!r} {problem} ({path!r}); "
                             "pass skip_mismatch=True to skip such layers")
    for layer, weights in plan:                           # every value checked before any is set
        for i, (w, dtype) in enumerate(zip(weights, [w.dtype for w in layer.get_weights()])):
            finite_weight(w, dtype, f"load_weights: {path!r}: layer {layer.name!r} weight {i}")
    with files.rollback(model):
        for layer, weights in plan:
            layer.set_weights(weights)
