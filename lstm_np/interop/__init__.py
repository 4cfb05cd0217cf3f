"""Interoperability: weights to and from PyTorch, Keras and ONNX. Each needs an optional
dependency, imported only when used (a missing one names the extra to install):

    to_torch(layer_or_model), from_torch(module)        pip install "lstm-np[torch]"
    from_keras_config(json), model.save_weights/load_weights(".weights.h5")   "lstm-np[keras]"
    to_onnx(model, path)                                 pip install "lstm-np[onnx]"
"""


def to_torch(obj):
    from .torch import to_torch as convert
    return convert(obj)


def from_torch(module, dtype=None):
    from .torch import from_torch as convert
    return convert(module, dtype)


def from_keras_config(config):
    from .keras_config import from_keras_config as convert
    return convert(config)


def to_onnx(model, path, opset=17):
    from .onnx import to_onnx as convert
    return convert(model, path, opset)


__all__ = ["to_torch", "from_torch", "from_keras_config", "to_onnx"]
