"""Compatibility, fenced off from the rooms a learner reads: import paths that moved
(``moved.py``) and Keras 2's names, arguments and methods (``keras2/``). ``moved.install()``
runs first when ``lstm_np`` is imported (so every old import path resolves);
``install_keras2()`` runs once the layers and models exist (``lstm_np/__init__.py``)."""
from . import moved

moved.install()


def install_keras2():
    from . import keras2
    keras2.install()
