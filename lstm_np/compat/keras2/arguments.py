"""Keras 2's layer arguments, translated in this one place (``layers/arguments.py`` calls it
before a layer checks its arguments)::

    Dense(12, input_dim=8)                  ->  input_shape=(8,)
    LSTM(8, input_dim=3, input_length=5)    ->  input_shape=(5, 3)     (a sequence: (T, features))
    Dense(4, weights=[W, b])                ->  set_weights([W, b]) once the layer is built
    LSTM(8, implementation=2)               ->  ignored: Keras's own backends choose by it
(``use_cudnn=`` is Keras 3's own LSTM / GRU argument: those layers take it.)
"""
from ...layers.recurrent import RNN

IGNORED = ("implementation",)


def translate(layer, kwargs):
    kwargs = dict(kwargs)
    for name in IGNORED:
        kwargs.pop(name, None)
    weights = kwargs.pop("weights", None)
    if weights is not None:
        layer._weights_at_build = weights                 # Layer.build sets them
    input_dim, input_length = kwargs.pop("input_dim", None), kwargs.pop("input_length", None)
    given = kwargs.get("input_shape") is not None or kwargs.get("batch_input_shape") is not None
    if (input_dim is not None or input_length is not None) and not given:
        if isinstance(layer, RNN):
            kwargs["input_shape"] = (input_length, input_dim)
        else:
            kwargs["input_shape"] = (input_dim,) if input_length is None else (input_length, input_dim)
    return kwargs
