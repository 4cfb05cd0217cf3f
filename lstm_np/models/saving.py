"""Save and load a whole model (config, weights, optimizer state, random states), no pickle.

Two honest layouts, chosen by the file name:

``.keras`` — a zip archive laid out as Keras 3's::

    metadata.json       {"format": "lstm_np-model", "version": 2, "lstm_np_version": ...}
    config.json         the model's class (registered name), config, compile arguments
    model.weights.npz   weight/<i> (Keras order) and optimizer/<key> arrays

  (the layout of a Keras 3 ``.keras`` file, with lstm_np's config and NumPy weights inside:
  lstm_np reads it back; Keras itself cannot, as its config names Keras's classes.)

``.npz`` — one NumPy archive: ``__format__``, ``__version__``, ``__config__`` (JSON text),
``weight/<i>``, ``optimizer/<key>``.

``.h5`` / ``.hdf5`` — the names Keras 2 scripts save to (``model.save("model.h5")``,
``ModelCheckpoint("weights-{epoch:02d}.hdf5")``); needs h5py. The same content in an HDF5
file: attributes ``format``, ``version``, ``config`` (JSON text), datasets ``weight/<i>`` and
``optimizer/<key>``. ``load_weights`` reads the weights of such a file too, as Keras 2's did.

Either file is first written next to its destination, then renamed over it, so a crash never
leaves a half-written model behind (``models/files.py``: no temporary left behind, the umask's
mode). Reading treats the file as untrusted input (see ``load_model``). Any other suffix is refused with a clear error.
"""
import contextlib
import io
import json
import os
import zipfile

import numpy as np

from ..layers import budget
from ..layers.registry import get_class
from . import files

FORMAT = "lstm_np-model"
VERSION = 2
SUFFIXES = (".keras", ".npz", ".h5", ".hdf5")


def _suffix(path, who):
    for s in SUFFIXES:
        if path.endswith(s):
            return s
    raise ValueError(f"{who}: the file name must end in .keras (a zip of config.json and weights, "
                     f"as Keras 3 writes), .npz (one NumPy archive) or .h5 / .hdf5 (HDF5, as Keras 2 "
                     f"scripts name it), received {path!r}")


def save_model(model, path):
    path = os.fspath(path)
    suffix = _suffix(path, "save")
    if getattr(model, "built", True) is False:
        model.build()                       # a clear error when the input shape is unknown
    cls = type(model)
    if getattr(model, "_subclassed", False):         # saved as the graph its call() traced:
        cls = get_class("Model")
    config = {"kind": getattr(cls, "_registered_name", cls.__name__),         # it loads as a Model
              "model": model.get_config(), "compile": model.get_compile_config(),
              # Random generator states, so that resumed training draws the same dropout
              # masks and shuffles as an uninterrupted run.
              "rng": [g.bit_generator.state for g in model.random_generators()]}
    arrays = {f"weight/{i}": w for i, w in enumerate(model.get_weights())}
    if model.optimizer is not None:
        arrays.update({f"optimizer/{k}": v for k, v in model.optimizer.get_state().items()})
    if suffix == ".npz":
        arrays.update({"__format__": np.array(FORMAT), "__version__": np.array(VERSION),
                       "__config__": np.array(json.dumps(config))})
        files.atomic_write(path, lambda f: np.savez(f, **arrays))
        return
    if suffix in (".h5", ".hdf5"):
        files.atomic_write(path, lambda f: _write_h5(f, config, arrays))
        return
    from ..version import __version__

    def write(f):
        weights = io.BytesIO()
        np.savez(weights, **arrays)
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("metadata.json", json.dumps({"format": FORMAT, "version": VERSION,
                                                    "lstm_np_version": __version__}))
            z.writestr("config.json", json.dumps(config))
            z.writestr("model.weights.npz", weights.getvalue())
    files.atomic_write(path, write)


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError('.h5 / .hdf5 model files need h5py: pip install "lstm-np[keras]" (or save '
                          'to .keras or .npz)') from None
    return h5py


def _write_h5(f, config, arrays):
    with _h5py().File(f, "w") as h5:
        h5.attrs["format"], h5.attrs["version"], h5.attrs["config"] = FORMAT, VERSION, json.dumps(config)
        for key, value in arrays.items():
            h5.create_dataset(key, data=value)


def is_h5_model(f):
    """Does this open HDF5 file hold an lstm_np model (not Keras weights)?"""
    return f.attrs.get("format") == FORMAT


def h5_arrays(group, prefix):
    """{"<prefix>/<key>": array} of every dataset under group[prefix] (keys holding "/" are
    nested groups in HDF5: optimizer/m/lstm/kernel)."""
    out = {}
    if prefix in group:
        group[prefix].visititems(lambda name, obj: out.__setitem__(f"{prefix}/{name}", obj[()])
                                 if hasattr(obj, "shape") else None)
    return out


class _H5Arrays:
    """NpzArrays's interface over an open HDF5 file: shapes from the metadata, data on demand."""

    def __init__(self, f):
        self.datasets = {}
        for prefix in ("weight", "optimizer"):
            if prefix in f:
                f[prefix].visititems(lambda name, obj, p=prefix: self.datasets.__setitem__(f"{p}/{name}", obj)
                                     if hasattr(obj, "shape") else None)
        for key, d in self.datasets.items():
            if d.dtype.hasobject or d.dtype.kind not in "biuf":
                raise ValueError(f"array {key!r} has dtype {d.dtype}, not numbers")

    def __contains__(self, key):
        return key in self.datasets

    def keys(self):
        return list(self.datasets)

    def nbytes(self, prefix=""):
        return sum(int(np.prod(d.shape, dtype=np.int64)) * d.dtype.itemsize
                   for k, d in self.datasets.items() if k.startswith(prefix))

    def read(self, key, shape=None):
        if key not in self.datasets:
            raise ValueError(f"no array {key!r}")
        d = self.datasets[key]
        if shape is not None and tuple(shape) != tuple(d.shape):
            raise ValueError(f"array {key!r} has shape {tuple(d.shape)}, expected {tuple(shape)}")
        return np.asarray(d[()])


def _json(text, what):
    config = json.loads(text)
    if not isinstance(config, dict):
        raise ValueError(f"{what} must be a JSON object, received a {type(config).__name__}")
    return config


@contextlib.contextmanager
def _container(path, who):
    """(config, arrays, weights-member bytes or None) of any layout, the file open meanwhile."""
    if path.endswith((".h5", ".hdf5")):
        with _h5py().File(path, "r") as f:
            if not is_h5_model(f):
                raise ValueError("no lstm_np model in it (a weights file? use load_weights)")
            version, config = int(f.attrs["version"]), _json(f.attrs["config"], "config")
            _check_version(version, path)
            yield config, _H5Arrays(f), None
    elif path.endswith(".keras"):
        with zipfile.ZipFile(path) as z:
            meta = _json(files.member(z, "metadata.json", files.MAX_CONFIG_BYTES, path, who), "metadata.json")
            if meta.get("format") != FORMAT:
                raise ValueError(f"{path!r} is a .keras file not written by lstm_np (Keras's own "
                                 "files hold Keras classes; load their weights instead)")
            _check_version(int(meta["version"]), path)
            config = _json(files.member(z, "config.json", files.MAX_CONFIG_BYTES, path, who), "config.json")
            try:
                declared = z.getinfo("model.weights.npz").file_size
            except KeyError:
                raise ValueError(f"{path!r} has no model.weights.npz in it") from None

            def arrays(limit):                       # read once the architecture bounds its size
                return files.NpzArrays(files.open_npz(files.member(z, "model.weights.npz", limit, path, who)))
            yield config, arrays, declared
    else:
        with zipfile.ZipFile(path) as z:
            arrays = files.NpzArrays(z)
            for key in ("__format__", "__version__", "__config__"):
                if key not in arrays:
                    raise ValueError(f"{path!r} is not an lstm_np model file (no {key!r} in it)")
            if arrays.nbytes("__config__") > 4 * files.MAX_CONFIG_BYTES:
                raise ValueError(f"{path!r}: its config is larger than {files.MAX_CONFIG_BYTES:,} bytes")
            if arrays.read("__format__").item() != FORMAT:
                raise ValueError(f"{path!r} is not an lstm_np model file (no {FORMAT!r} marker)")
            _check_version(int(arrays.read("__version__")), path)
            yield _json(arrays.read("__config__").item(), "__config__"), arrays, None


def _check_version(version, path):
    if version > VERSION:
        raise ValueError(f"{path!r} has format version {version}; this lstm_np reads up to {VERSION}")


def _weights_bytes(model):
    return sum(w.nbytes for w in model.get_weights())


def load_model(path, compile=True):
    """Rebuild a model saved by ``model.save(path)``: same layers and graph, weights,
    optimizer state and random states. The file is untrusted input: every shape is checked
    against the architecture before its data is read, the architecture is built within the
    bytes the file holds, and any failure is a ValueError naming the file (``models/files.py``)."""
    who = "load_model"
    path = os.fspath(path)
    _suffix(path, who)
    files.check_regular(path, who)
    with files.malformed(path, who, "lstm_np model file"):
        with _container(path, who) as (config, arrays, declared):
            held = declared if declared is not None else arrays.nbytes("weight/")
            with budget.allocation_budget(2 * held + (64 << 10), repr(path)):
                model = get_class(config.get("kind", "Sequential")).from_config(config["model"])
            if declared is not None:                 # .keras: weights + optimizer slots (<= 3 each) + headers
                arrays = arrays(8 * _weights_bytes(model) + (1 << 20))
            _load_arrays(model, arrays, config, compile, path)
    return model


def _load_arrays(model, arrays, config, compile, path):
    shapes = [w.shape for w in model.get_weights()]
    stored = sum(1 for k in arrays.keys() if k.startswith("weight/"))
    if stored != len(shapes):
        raise ValueError(f"{path!r} stores {stored} weight arrays for a model of {len(shapes)}")
    model.set_weights([arrays.read(f"weight/{i}", shape) for i, shape in enumerate(shapes)])
    states = config.get("rng", [])
    gens = model.random_generators()
    if not isinstance(states, list) or (states and len(states) != len(gens)):
        raise ValueError(f"{path!r} stores {len(states)} random states for a model with {len(gens)} generators")
    for k, (g, state) in enumerate(zip(gens, states)):
        trial = type(g.bit_generator)()
        trial.state = state                          # checked on a fresh generator first
        g.bit_generator.state = trial.state
    comp = config.get("compile")
    if compile and comp is not None:
        model.compile_from_config(comp)
        keys = [k for k in arrays.keys() if k.startswith("optimizer/")]
        if keys:
            params = model.parameters(trainable_only=False)
            by_name = {name: p.shape for name, p, _ in params}
            state = {}
            for key in keys:
                slot_key = key[len("optimizer/"):]
                name = slot_key.partition("/")[2]
                state[slot_key] = arrays.read(key, by_name.get(name, ()) if "/" in slot_key else ())
            model.optimizer.set_state(state, params)


def model_from_json(json_string, custom_objects=None):
    """A new model (fresh weights) from ``model.to_json()``."""
    try:
        spec = json.loads(json_string)
        return get_class(spec["class_name"]).from_config(spec["config"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"model_from_json: not a model description written by to_json: {exc}") from None


def clone_model(model, input_tensors=None, clone_function=None, **kwargs):
    """Keras's ``clone_model``: the same architecture with new layers and freshly initialised
    weights (a layer given a ``seed`` draws the same initial weights again). A subclassed
    model clones as the graph its ``call`` traced (a ``Model``)."""
    if input_tensors is not None or clone_function is not None or kwargs:
        raise TypeError("clone_model(model) takes no input_tensors / clone_function here; clone, then "
                        "call the clone on new tensors")
    if getattr(model, "built", True) is False:
        model.build()                       # a clear error when the input shape is unknown
    cls = get_class("Model") if getattr(model, "_subclassed", False) else type(model)
    return cls.from_config(model.get_config())
