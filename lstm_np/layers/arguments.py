"""Constructor arguments a layer does not take itself, translated before ``Layer.__init__``
checks them. The layers hold no older dialect: ``lstm_np.compat`` adds its translators here
when ``lstm_np`` is imported (Keras 2's ``input_dim=`` / ``input_length=`` / ``weights=``,
the backend-only ``implementation=``). A translator is
``fn(layer, kwargs) -> kwargs``: it consumes the arguments it knows and returns the rest."""
_TRANSLATORS = []


def add_translator(fn):
    """Register ``fn(layer, kwargs) -> kwargs`` (once)."""
    if fn not in _TRANSLATORS:
        _TRANSLATORS.append(fn)
    return fn


def translate(layer, kwargs):
    """The arguments left after every translator took its own (the layer then refuses them)."""
    for fn in _TRANSLATORS:
        kwargs = fn(layer, kwargs)
    return kwargs
