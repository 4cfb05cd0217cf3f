"""Layers inside a layer: which layers a layer wraps, and their weights as its own.

A built-in wrapper names its inner layers by overriding ``sublayers`` (Bidirectional's two
directions, an RNN's cell); a layer written Keras's way, outside lstm_np, with a ``call`` of its
own (``self.dense = Dense(4)`` in ``__init__``), has them among its attributes, found by a scan —
done only for such classes, decided once per class (the scan cost a built-in cell 18 µs a call,
nine calls per fit).
"""

_SCANS = {}                     # class -> does sublayers() look through its attributes?


def _scans_attributes(cls):
    found = _SCANS.get(cls)
    if found is None:
        found = _SCANS[cls] = (cls.defines_call() and cls.sublayers is Sublayers.sublayers and
                               any(not c.__module__.startswith("lstm_np.") for c in cls.__mro__ if c is not object))
    return found


class Sublayers:
    """Mixed into Layer (``layers/base.py``)."""

    def sublayers(self):
        """Layers this one wraps (their weights are its weights): none for a built-in layer;
        for a layer written Keras's way (its own ``call``), the layers among its attributes."""
        if not _scans_attributes(type(self)):
            return []
        found = []
        for name, v in vars(self).items():
            for item in (v if isinstance(v, (list, tuple)) else [v]):
                if isinstance(item, Sublayers) and item is not self and not name.startswith("_"):
                    found.append(item)
        return found

    def gather_sublayer_weights(self):
        """A layer written Keras's way that holds layers as attributes (``self.dense =
        Dense(4)``) lists their weights as its own, as Keras tracks them: "dense/kernel", ..."""
        for sub in self.sublayers():
            for key, p, g, _ in sub.weight_entries():
                if not any(p is q for q in self.params.values()):
                    self.params[f"{sub.name}/{key}"], self.grads[f"{sub.name}/{key}"] = p, g
