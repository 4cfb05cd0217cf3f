"""Class lookup by registered name, for (de)serialisation (Keras's register_keras_serializable).

Every Layer subclass registers itself when its class is defined (``Layer.__init_subclass__``);
other saveable classes (Seq2Seq) call ``register``. Saving writes the registered name,
loading looks it up here: nothing in this module imports a concrete layer or model, so
serialisation adds no import circle.
"""
from ..registry import Registry

CLASSES = Registry("layer")       # every Layer subclass, and Seq2Seq: what a saved config may name


def register(cls):
    """Register ``cls`` under its class name (or ``module>Name`` when that name is taken by a
    class of another module). Returns ``cls``, so it works as a decorator."""
    name, known = cls.__name__, CLASSES.classes
    if name in known and known[name] is not cls and known[name].__module__ != cls.__module__:
        name = f"{cls.__module__}>{cls.__name__}"
    CLASSES.add_class(cls, name)
    cls._registered_name = name
    return cls


def get_class(name):
    return CLASSES.get_class(name)


def serialize_layer(layer):
    return {"class_name": getattr(type(layer), "_registered_name", type(layer).__name__),
            "config": layer.get_config()}


def deserialize_layer(spec):
    try:
        cls = get_class(spec["class_name"])
        config = dict(spec["config"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"unknown or malformed layer entry in saved config: {spec!r:.200}") from exc
    return cls.from_config(config)
