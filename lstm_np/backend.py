"""Which implementation runs the recurrences: "numba" (compiled kernels, the default where
numba imports) or "numpy" (the readable reference in ``lstm_np.core``).

    lstm_np.set_backend("numpy")      # or LSTM_NP_BACKEND=numpy in the environment
"""
import os

from .config import clear_session, floatx, set_floatx  # noqa: F401  (keras.backend.*)

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


def epsilon():
    """Keras's fuzz factor (``keras.backend.epsilon()``), 1e-7."""
    return 1e-7
