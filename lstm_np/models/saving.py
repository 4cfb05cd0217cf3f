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
leaves a half-written model behind. Any other suffix is refused with a clear error.
"""
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from ..layers.registry import get_class

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


def _atomic_write(path, write):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".lstm_np-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
        _atomic_write(path, lambda f: np.savez(f, **arrays))
        return
    if suffix in (".h5", ".hdf5"):
        _atomic_write(path, lambda f: _write_h5(f, config, arrays))
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
    _atomic_write(path, write)


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


def _read(path):
    """(config dict, arrays dict) from any of the layouts."""
    bad = (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, json.JSONDecodeError)
    if path.endswith((".h5", ".hdf5")):
        try:
            with _h5py().File(path, "r") as f:
                if not is_h5_model(f):
                    raise ValueError("no lstm_np model in it (a weights file? use load_weights)")
                version, config = int(f.attrs["version"]), json.loads(f.attrs["config"])
                arrays = {**h5_arrays(f, "weight"), **h5_arrays(f, "optimizer")}
        except bad as exc:
            raise ValueError(f"{path!r} is not a readable lstm_np model file: {exc}") from None
    elif path.endswith(".keras"):
        try:
            with zipfile.ZipFile(path) as z:
                meta = json.loads(z.read("metadata.json"))
                if meta.get("format") != FORMAT:
                    raise ValueError(f"{path!r} is a .keras file not written by lstm_np (Keras's own "
                                     "files hold Keras classes; load their weights instead)")
                version = int(meta["version"])
                config = json.loads(z.read("config.json"))
                with np.load(io.BytesIO(z.read("model.weights.npz")), allow_pickle=False) as data:
                    arrays = {k: data[k] for k in data.files}
        except bad as exc:
            raise ValueError(f"{path!r} is not a readable lstm_np model file: {exc}") from None
    else:
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except bad as exc:
            raise ValueError(f"{path!r} is not a readable lstm_np model file: {exc}") from None
        if arrays.get("__format__", np.array("")).item() != FORMAT:
            raise ValueError(f"{path!r} is not an lstm_np model file (no {FORMAT!r} marker)")
        version = int(arrays["__version__"])
        try:
            config = json.loads(arrays["__config__"].item())
        except (KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path!r} has a malformed model config: {exc}") from None
    if version > VERSION:
        raise ValueError(f"{path!r} has format version {version}; this lstm_np reads up to {VERSION}")
    return config, arrays


def load_model(path, compile=True):
    """Rebuild a model saved by ``model.save(path)``: same layers and graph, weights,
    optimizer state and random states."""
    path = os.fspath(path)
    _suffix(path, "load_model")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    config, arrays = _read(path)
    try:
        kind = config.get("kind", "Sequential")
        model = get_class(kind).from_config(config["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path!r} has a malformed model config: {exc}") from None
    n = sum(1 for k in arrays if k.startswith("weight/"))
    try:
        model.set_weights([arrays[f"weight/{i}"] for i in range(n)])
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path!r}: stored weights do not fit the stored model: {exc}") from None
    states = config.get("rng", [])
    gens = model.random_generators()
    if states and len(states) != len(gens):
        raise ValueError(f"{path!r} stores {len(states)} random states for a model with {len(gens)} generators")
    for k, (g, state) in enumerate(zip(gens, states)):
        try:
            g.bit_generator.state = state
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"{path!r} has a malformed random state (generator {k}): {exc}") from None
    comp = config.get("compile")
    if compile and comp is not None:
        model.compile_from_config(comp)
        state = {k[len("optimizer/"):]: v for k, v in arrays.items() if k.startswith("optimizer/")}
        if state:
            model.optimizer.set_state(state)
    return model


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
