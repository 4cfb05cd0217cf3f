"""One by-name lookup for everything a script or a saved config names: activations,
initializers, regularizers, constraints, losses, metrics, optimizers, schedules, layers.

    REGISTRY = Registry("optimizer", {"adam": Adam, "sgd": SGD}, classes=(Adam, SGD))
    REGISTRY.create("adam")                          # Adam()          (a Keras name)
    REGISTRY.from_config({"class_name": "Adam", "config": {...}})   # Adam.from_config(...)
    REGISTRY.serialize(Adam())                       # {"class_name": "Adam", "config": {...}}

An unknown name is a ValueError that lists the known ones. Each module keeps its own rules
for what else it accepts (an instance, a function, None) in its ``get``.
"""


class Registry:
    def __init__(self, kind, names=None, classes=(), lower=False):
        """``names``: Keras name -> factory (a class, or a function making the object);
        ``classes``: the classes a saved config may name; ``lower``: names are case-blind."""
        self.kind = kind
        self.lower = lower
        self.names = {}
        self.classes = {}
        for name, factory in (names or {}).items():
            self.add(name, factory)
        for cls in classes:
            self.add_class(cls)

    def _key(self, name):
        return name.lower() if self.lower else name

    def add(self, name, factory):
        self.names[self._key(name)] = factory
        return factory

    def add_class(self, cls, name=None):
        """Register ``cls`` for saved configs under ``name`` (its class name by default)."""
        self.classes[name or cls.__name__] = cls
        return cls

    def __contains__(self, name):
        return isinstance(name, str) and self._key(name) in self.names

    def lookup(self, name):
        """The factory registered under ``name``."""
        try:
            return self.names[self._key(name)]
        except KeyError:
            raise ValueError(f"unknown {self.kind} {name!r}; expected one of {sorted(self.names)}") from None

    def create(self, name):
        """A new object for a Keras name."""
        return self.lookup(name)()

    def get_class(self, class_name):
        try:
            return self.classes[class_name]
        except (KeyError, TypeError):
            raise ValueError(f"unknown {self.kind} class {class_name!r} in a saved config; "
                             f"known: {sorted(self.classes)}") from None

    def from_config(self, spec):
        """The object a ``serialize`` output describes ({"class_name", "config"})."""
        try:
            class_name, config = spec["class_name"], dict(spec["config"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"malformed {self.kind} entry in a saved config: {spec!r:.200}") from None
        cls = self.get_class(class_name)
        make = getattr(cls, "from_config", None)
        return make(config) if make is not None else cls(**config)

    def serialize(self, obj):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
