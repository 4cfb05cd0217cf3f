"""Keras 2 for classic scripts, fenced off from the rooms a learner reads. ``install()`` (run
when ``lstm_np`` is imported) puts it where scripts look for it:

- its import paths (``from keras.layers.core import Dense``): the ``layers_*`` modules here,
  which ``compat/moved.py`` resolves the old paths (``lstm_np.layers.core``) to;
- its layer arguments (``input_dim=``, ``weights=``, ``implementation=``): ``arguments.py``;
- its recurrent names (``CuDNNLSTM``, ``CuDNNGRU``, ``Recurrent``) as ``lstm_np.layers``
  attributes: ``layers_recurrent.py``;
- its model methods (``fit_generator``, ``predict_classes``, ...): ``model_methods.py``.
"""


def install():
    from ... import layers
    from ...layers import arguments as layer_arguments
    from ...models.training import TrainingMixin
    from . import arguments, layers_recurrent, model_methods

    layer_arguments.add_translator(arguments.translate)
    for name, cls in layers_recurrent.NAMES.items():
        setattr(layers, name, cls)
        if name not in layers.__all__:
            layers.__all__.append(name)
    for name, fn in model_methods.METHODS.items():
        if name not in vars(TrainingMixin):
            setattr(TrainingMixin, name, fn)
