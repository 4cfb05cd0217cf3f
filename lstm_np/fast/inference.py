"""Inference mode: no backward will follow, so the kernels keep nothing for one.

    with lstm_np.inference_mode():        # as torch.inference_mode(); Model.predict uses it
        y = layer.forward(x)

Inside it the LSTM kernel runs a loop that stores only h (the outputs) and the running c: no
activated gates, no c sequence, no tanh(c), and the time-major copy of x lives in a reused
buffer. A backward after an inference-mode forward is refused with a clear error. Per thread
(a ``threading.local``), so a model predicting on one thread never changes another's training.
"""
import contextlib
import threading

_local = threading.local()


def active():
    return getattr(_local, "on", False)


@contextlib.contextmanager
def inference_mode():
    old = active()
    _local.on = True
    try:
        yield
    finally:
        _local.on = old
