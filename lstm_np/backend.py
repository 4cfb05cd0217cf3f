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
    # reset_after=False (Cho et al.'s GRU): no compiled twin yet, both backends run the reference
    "gru_reset_before": ("lstm_np.core.gru_reset_before", "lstm_np.core.gru_reset_before"),
    "simple_rnn":  ("lstm_np.core.simple_rnn",  "lstm_np.fast.simple_rnn"),    # rnn_forward, rnn_backward
    "lstm_family": ("lstm_np.core.lstm_family", "lstm_np.fast.lstm_family"),   # family_forward, family_backward
    "products":    ("lstm_np.core.dense",       "lstm_np.fast.sharding"),      # matmul, matmul_tn (Dense)
    "updates":     ("lstm_np.core.updates",     "lstm_np.fast.optim"),         # all_finite, adam_update
}


def implementation(kind, compiled=None):
    """The module computing ``kind``: the backend in force's, or the compiled one when
    ``compiled`` is True, the reference when False (a backward follows its forward's choice)."""
    reference, kernels = IMPLEMENTATIONS[kind]
    use = (_BACKEND == "numba") if compiled is None else compiled
    return importlib.import_module(kernels if use else reference)


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
