"""lstm_np: LSTM, BiLSTM and seq2seq from scratch in NumPy, with hand-written BPTT.

``import lstm_np as keras`` carries a classic Keras script::

    model = keras.Sequential()
    model.add(keras.layers.LSTM(20, input_shape=(10, 1), return_sequences=True))
    model.add(keras.layers.TimeDistributed(keras.layers.Dense(1, activation="sigmoid")))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
"""
from . import compat  # noqa: F401  (old import paths resolve: lstm_np/compat/moved.py)
from . import (activations, backend, callbacks, constraints, core, datasets, errors, gradcheck, initializers, layers,
               losses, metrics, models, ops, optimizers, preprocessing, regularizers, utils)
from .backend import get_backend, set_backend
from .config import floatx, set_floatx
from .fast.inference import inference_mode
from .fast.plan import kernels_plan
from .fast.threads import get_num_threads, set_num_threads
from .layers import Input
from .sync import release_buffers
from .models import Model, Sequential, load_model
from .explain import Explanation, explain

from .version import __version__

compat.install_keras2()          # Keras 2's names, arguments and methods: lstm_np/compat/keras2

__all__ = ["Model", "Sequential", "Input", "load_model", "layers", "models", "optimizers", "losses",
           "metrics", "callbacks", "errors", "utils", "regularizers", "constraints", "preprocessing", "initializers", "gradcheck", "core", "backend", "datasets", "ops", "floatx", "set_floatx", "get_backend", "set_backend",
           "get_num_threads", "set_num_threads", "inference_mode", "release_buffers", "explain", "Explanation", "kernels_plan"]
