"""Save and load a model: one .npz file, no pickle, written atomically.

File layout (NumPy .npz, read with ``allow_pickle=False``):

    __format__        "lstm_np-model"            what the file is
    __version__       1                          format version
    __config__        JSON text                  layers, compile arguments, optimizer config
    weight/<i>        array                      the model's weights in Keras order
    optimizer/<key>   array                      optimizer state (iterations and slots)

The file is first written next to its destination, then renamed over it, so a crash
never leaves a half-written model behind.
"""
import json
import os
import tempfile
import zipfile

import numpy as np

from .. import optimizers as optimizers_mod

FORMAT = "lstm_np-model"
VERSION = 1




def save_model(model, path):
    path = os.fspath(path)
    kind = type(model).__name__
    if kind == "Sequential":
        model.build()
    config = {"kind": kind, "model": model.get_config(), "compile": None,
              # Random generator states, so that resumed training draws the same dropout
              # masks and shuffles as an uninterrupted run.
              "rng": [g.bit_generator.state for g in model.random_generators()]}
    if kind == "Seq2Seq":
        if model.optimizer is not None:
            config["compile"] = {"optimizer": optimizers_mod.serialize(model.optimizer),
                                 "metrics": [model.metric_name] if model.metric_name else []}
    elif model.loss is not None:
        config["compile"] = dict(model._compile_args,
                                 optimizer=optimizers_mod.serialize(model.optimizer))
    arrays = {"__format__": np.array(FORMAT), "__version__": np.array(VERSION),
              "__config__": np.array(json.dumps(config))}
    for i, w in enumerate(model.get_weights()):
        arrays[f"weight/{i}"] = w
    if model.optimizer is not None:
        for k, v in model.optimizer.get_state().items():
            arrays[f"optimizer/{k}"] = v
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".lstm_np-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_model(path):
    """Rebuild a Sequential saved by ``model.save(path)``: same layers, weights, optimizer state."""
    from ..layers.registry import deserialize_layer
    from .sequential import Sequential

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise ValueError(f"{path!r} is not a readable lstm_np model file: {exc}") from None
    if arrays.get("__format__", np.array("")).item() != FORMAT:
        raise ValueError(f"{path!r} is not an lstm_np model file (no {FORMAT!r} marker)")
    version = int(arrays["__version__"])
    if version > VERSION:
        raise ValueError(f"{path!r} has format version {version}; this lstm_np reads up to {VERSION}")
    try:
        config = json.loads(arrays["__config__"].item())
        mcfg = config["model"]
        if config.get("kind") == "Seq2Seq":
            from .seq2seq import Seq2Seq
            model = Seq2Seq(**mcfg)
        else:
            layers = [deserialize_layer(spec) for spec in mcfg["layers"]]
            model = Sequential(layers, name=mcfg.get("name"))
            if not model.built and mcfg.get("input_shape") is not None:
                model.build(tuple(mcfg["input_shape"]))
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path!r} has a malformed model config: {exc}") from None
    n = sum(1 for k in arrays if k.startswith("weight/"))
    weights = [arrays[f"weight/{i}"] for i in range(n)]
    try:
        model.set_weights(weights)
    except (ValueError, TypeError) as exc:
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
    if comp is not None:
        if config.get("kind") == "Seq2Seq":
            model.compile(optimizer=optimizers_mod.get(comp["optimizer"]), metrics=comp["metrics"])
        else:
            model.compile(loss=comp["loss"], optimizer=optimizers_mod.get(comp["optimizer"]),
                          metrics=comp["metrics"])
        state = {k[len("optimizer/"):]: v for k, v in arrays.items() if k.startswith("optimizer/")}
        if state:
            model.optimizer.set_state(state)
    return model
