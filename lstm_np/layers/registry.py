"""Layer (de)serialisation: class name <-> constructor config, used by save/load."""
from .bidirectional import Bidirectional
from .core_layers import Activation, Dropout, InputLayer, Masking, RepeatVector
from .dense import Dense
from .embedding import Embedding
from .recurrent import GRU, LSTM, SimpleRNN
from .wrappers import TimeDistributed

LAYER_CLASSES = {cls.__name__: cls for cls in
                 (InputLayer, Activation, Dropout, Masking, RepeatVector, Dense, Embedding, LSTM, SimpleRNN,
                  GRU, TimeDistributed, Bidirectional)}


def serialize_layer(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(spec):
    try:
        cls = LAYER_CLASSES[spec["class_name"]]
        config = dict(spec["config"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"unknown or malformed layer entry in saved config: {spec!r:.200}") from exc
    if cls in (TimeDistributed, Bidirectional):
        config["layer"] = deserialize_layer(config["layer"])
    if cls is Bidirectional:
        trainable = config.pop("trainable", True)
        config["backward_layer"] = deserialize_layer(config["backward_layer"])
        layer = cls(**config)
        layer.forward_layer.name = "forward_" + config["layer"].name
        layer.trainable = trainable
        return layer
    return cls(**config)
