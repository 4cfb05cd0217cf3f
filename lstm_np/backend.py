"""Which implementation runs the recurrences: "numba" (compiled kernels in ``lstm_np.fast``, the
default where numba imports) or "numpy" (the readable reference in ``lstm_np.core``).

    lstm_np.set_backend("numpy")      # or LSTM_NP_BACKEND=numpy in the environment
    implementation("lstm")            # lstm_np.core.lstm or lstm_np.fast.lstm: same functions

``IMPLEMENTATIONS`` below is the one place that chooses: each kind names its NumPy reference and
its compiled twin, which has the same function names and signatures (tested equal). Layers,
optimizers and the trainer ask ``implementation(kind)``, never which backend is on.
"""
import importlib
import os

from . import config  # noqa: F401  (keras.src.backend.config, as Keras's own tests read it)
from .config import clear_session, floatx, image_data_format, set_floatx  # noqa: F401  (keras.backend.*)

_BACKENDS = ("numba", "numpy")


def _numba_available():
    try:
        import numba  # noqa: F401
        import scipy  # noqa: F401  (numba's np.dot calls scipy's BLAS)
    except ImportError:
        return False
    return True


def _initial():
    env = os.environ.get("LSTM_NP_BACKEND")
    if env is not None:
        if env not in _BACKENDS:
            raise ValueError(f"LSTM_NP_BACKEND must be one of {_BACKENDS}, received {env!r}")
        return env
    return "numba" if _numba_available() else "numpy"


_BACKEND = _initial()


def get_backend():
    return _BACKEND


def set_backend(name):
    """Choose "numba" or "numpy" for every recurrent layer from now on."""
    global _BACKEND
    if name not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, received {name!r}")
    if name == "numba" and not _numba_available():
        raise ValueError("the numba backend needs numba and scipy installed")
    _BACKEND = name


# kind          the NumPy reference           the compiled twin (same function names)
IMPLEMENTATIONS = {
    "lstm":        ("lstm_np.core.lstm",        "lstm_np.fast.lstm"),          # lstm_forward, lstm_backward
    "gru":         ("lstm_np.core.gru",         "lstm_np.fast.gru"),           # gru_forward, gru_backward
    "gru_reset_before": ("lstm_np.core.gru_reset_before", "lstm_np.fast.gru_reset_before"),  # reset_after=False
    "simple_rnn":  ("lstm_np.core.simple_rnn",  "lstm_np.fast.simple_rnn"),    # rnn_forward, rnn_backward
    "lstm_family": ("lstm_np.core.lstm_family", "lstm_np.fast.lstm_family"),   # family_forward, family_backward
    "products":    ("lstm_np.core.dense",       "lstm_np.fast.sharding"),      # matmul, matmul_tn (Dense)
    "updates":     ("lstm_np.core.updates",     "lstm_np.fast.optim"),         # all_finite, adam_update
}


_MODULES = {}                                       # (kind, compiled?) -> its module


def implementation(kind, compiled=None):
    """The module computing ``kind``: the backend in force's, or the compiled one when
    ``compiled`` is True, the reference when False (a backward follows its forward's choice)."""
    use = (_BACKEND == "numba") if compiled is None else bool(compiled)
    found = _MODULES.get((kind, use))
    if found is None:                               # ~5 µs through importlib, 15 times a fit call
        reference, kernels = IMPLEMENTATIONS[kind]
        found = _MODULES[(kind, use)] = importlib.import_module(kernels if use else reference)
    return found


def compiled():
    """Do the compiled kernels run (they release the GIL: two calls can share the cores)?"""
    return _BACKEND == "numba"


def epsilon():
    """Keras's fuzz factor (``keras.backend.epsilon()``), 1e-7."""
    return 1e-7


def backend():
    """Keras's ``keras.backend.backend()``: the name of the framework computing, "numpy" (as
    Keras 3's NumPy backend reports; ``get_backend()`` says which engine: "numba" or "numpy")."""
    return "numpy"


# keras.src.backend's tensor helpers (Keras's own tests call them): a tensor here is a NumPy array
SUPPORTS_SPARSE_TENSORS = False
SUPPORTS_RAGGED_TENSORS = False


def convert_to_numpy(x):
    """The values as a NumPy array (Variables and lists too)."""
    import numpy as np
    return np.array(x)


def convert_to_tensor(x, dtype=None):
    """A NumPy array: of ``dtype``, or floats given as Python numbers in floatx (as Keras)."""
    import numpy as np
    arr = np.asarray(x)
    if dtype is None and not isinstance(x, np.ndarray) and arr.dtype == np.float64:
        dtype = floatx()
    return arr if dtype is None else arr.astype(dtype)


def standardize_shape(shape):
    return tuple(None if d is None else int(d) for d in shape)


# -- masks carried on arrays (Keras 3's _keras_mask on an eager tensor) -------------------------
_MASKS = {}                   # id(array) -> (weak reference to it, its mask)
SYMBOLIC_MASK = {"of": None}  # the layers' floor registers: a symbolic tensor -> its mask's tensor


def set_keras_mask(x, mask):
    """Attach ``mask`` to the array ``x`` (Keras 3's ``backend.set_keras_mask``): a layer called on
    ``x`` later reads it, as Keras's layers read ``x._keras_mask``. The mask lives as long as x."""
    import weakref
    key = id(x)
    if mask is None:
        _MASKS.pop(key, None)
        return
    try:
        ref = weakref.ref(x, lambda _, key=key: _MASKS.pop(key, None))
    except TypeError:
        return                                    # a value no mask can ride on (a Python number)
    _MASKS[key] = (ref, mask)


def get_keras_mask(x):
    """The mask attached to ``x`` (``set_keras_mask``; a layer's output carries the mask the layer
    computed), or None. On a symbolic tensor: a tensor of the model that computes that mask."""
    if SYMBOLIC_MASK["of"] is not None and type(x).__name__ == "SymbolicTensor":
        return SYMBOLIC_MASK["of"](x)
    entry = _MASKS.get(id(x))
    if entry is None or entry[0]() is not x:
        return None
    return entry[1]


class Variable:
    """Keras's ``backend.Variable(initializer, shape=None, dtype=None, trainable=True, name=None)``
    on its own (a layer's weights are ``layers.variable.Variable``): a value with ``numpy()``,
    ``assign`` and NumPy arithmetic."""

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None):
        import numpy as np
        if callable(initializer):
            value = initializer(shape, dtype=dtype) if shape is not None else initializer()
        else:
            value = initializer
        self.value = np.array(value, dtype=dtype)
        self.trainable, self.name = trainable, name or "variable"

    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)

    def numpy(self):
        return self.value.copy()

    def assign(self, value):
        self.value[...] = value
        return self

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __repr__(self):
        return f"<Variable name={self.name!r} shape={self.shape} dtype={self.dtype}>"
