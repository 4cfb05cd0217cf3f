"""Calls from several Python threads: they take turns, and nothing one leaves behind is lost.

    y = model.predict(x)          # safe from any number of threads, on one model or on
                                  # models sharing layers: each batch gives what it gives alone
    model.fit(x, y)               # ‖ model.predict(x) elsewhere: predictions see the weights
                                  # between two steps; fit's losses are the ones it gets alone
    lstm_np.release_buffers()     # give back the kernels' reused buffers (they regrow on use)

What is shared. A layer keeps per-call state: the record of its last forward (``_cache``),
which call of it a model pass runs (``_slot``), and the kernels' reused buffers
(``_workspaces``: the gates, c and h sequences of the last call, kept so the next call of that
shape allocates nothing). Two calls at once on one layer overwrite each other's buffers: 22-93 %
of the predictions from 4 threads came back wrong before this module. A model shares the layers
of the models it was built from (an inference encoder, a decoder reused step by step), so a lock
per model would not cover them.

Why a lock and not per-thread buffers. Every model step — ``train_step``, ``test_step``,
``predict_step``, a layer or model called on arrays — holds one process-wide re-entrant lock
(``engine()``). The compiled kernels already spread a big call over every core (batch shards,
``fast/threads.py``), so a second call at once has no core to run on; what it would win is the
small calls, and per-thread copies of every layer's state would have to be right for every
attribute of every layer (a missed one is a silent wrong answer). Measured on 2 cores (AMD
EPYC Zen 5, ``benchmarks/threads_predict.py``, 4 threads x 50 calls against the same 200 calls
one after another, LSTM over 50 steps): batch 1, LSTM(32) 0.244 vs 0.171 ms a call (1.43: the
hand-offs of the lock cost more than such a call); batch 32, LSTM(128) 3.19 vs 4.33 ms (0.74:
the checks and batching outside the lock overlap); batch 256, 24.7 vs 23.8 ms (1.03).

What is refused. A model being trained (``fit``) in one thread cannot be trained or evaluated
from another one at the same time (``train_on_batch``, ``test_on_batch``, ``evaluate``,
``fit``): their running metrics and optimizer state are one; a ``RuntimeError`` says so.
``predict`` is allowed: it reads the weights between two of fit's steps.
"""
import contextlib
import functools
import threading
import weakref

from .fast import threads

_ENGINE = threading.RLock()
_holders = weakref.WeakSet()             # layers that keep kernel buffers (see release_buffers)


@contextlib.contextmanager
def engine():
    """Hold the engine lock (re-entrant). A kernel lane — a pool thread running one shard of a
    call whose thread holds the lock — does not take it again (it would wait for its own caller)."""
    if getattr(threads._lane, "busy", False):
        yield
        return
    with _ENGINE:
        yield


def serialized(method):
    """Decorator: the method runs holding the engine lock; if it raises, the kernels' buffers
    are given back (a failed call keeps no memory: a MemoryError mid-call left 2.3 GiB held)."""
    @functools.wraps(method)
    def locked(*args, **kwargs):
        with engine():
            try:
                return method(*args, **kwargs)
            except BaseException:
                _release_locked()
                raise
    return locked


def keeps_buffers(layer):
    """Register a layer whose ``_workspaces`` hold kernel buffers."""
    _holders.add(layer)


def _release_locked():
    for layer in list(_holders):
        layer._workspaces.clear()


def release_buffers():
    """Give back the memory the compiled kernels keep between calls (their reused buffers of
    every layer); the next call allocates them again. Records waiting for a backward are kept."""
    with engine():
        _release_locked()


# -- one trainer at a time per model ------------------------------------------------------
_training = weakref.WeakKeyDictionary()   # model -> the thread running its fit
_training_lock = threading.Lock()


@contextlib.contextmanager
def training(model, who):
    """Mark ``model`` as trained by this thread for the duration (``fit``)."""
    with _training_lock:
        check_not_training(model, who)
        owner = _training.get(model)
        _training[model] = threading.get_ident()
    try:
        yield
    finally:
        if owner is None:
            with _training_lock:
                _training.pop(model, None)


def check_not_training(model, who):
    """A clear error if ``model`` is being trained by fit in another thread."""
    owner = _training.get(model)
    if owner is not None and owner != threading.get_ident():
        raise RuntimeError(f"{who}: this model is being trained by fit in another thread; "
                           "train or evaluate it from one thread at a time (predict is safe)")
