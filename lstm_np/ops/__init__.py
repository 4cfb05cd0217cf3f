"""``keras.ops`` on NumPy, with a tape: code written with these runs on plain arrays as NumPy,
and under a ``Tape`` (a layer with a ``call`` and no ``backward``, a custom cell, a loss
function) every op is recorded so the tape can run it backwards.

    tape.py          Tensor, Node, Tape: recording and the backward walk (the chain rule)
    elementwise.py   + − × ÷, exp, log, tanh, where, clip ...   each forward beside its VJP
    nn.py            sigmoid, relu, softmax, gelu ..., the cross-entropies
    reductions.py    sum, mean, max, prod, logsumexp, cumsum ...
    linalg.py        matmul, dot, einsum, tensordot
    shapes.py        reshape, transpose, concatenate, stack, split, tile, pad ...
    indexing.py      x[i], take, take_along_axis, slice, segment_sum / segment_max
    constants.py     zeros, arange, comparisons, logic: values with no gradient
    operators.py     x + y, x @ w, x[0], np.tanh(x) on a Tensor go through the ops above

The built-in layers keep their hand-written BPTT (``lstm_np.core``): that is the textbook, and
the tape is a third check of it (``tests/test_tape_oracle.py``).
"""
import builtins as _builtins  # (this module's any, all, sum, max, min, abs, round are keras.ops')
import functools

import numpy as np

from .. import backend as _backend
from . import tape as _tape
from . import operators  # noqa: F401  (Tensor's operators)
from . import random  # noqa: F401  (keras.random)
from .constants import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .elementwise import abs, round  # noqa: F401,A004
from .indexing import getitem, segment_max, segment_sum, slice, take, take_along_axis, top_k  # noqa: F401
from .linalg import dot, einsum, matmul, outer, tensordot  # noqa: F401
from .nn import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .reductions import all, any, max, min, sum  # noqa: F401,A004
from .shapes import *  # noqa: F401,F403
from .shapes import shape  # noqa: F401
from .tape import Tape, Tensor, grad, value_and_grad  # noqa: F401


def _has_placeholder(args, kwargs):
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, _tape.Placeholder):
            return True
        if isinstance(a, (list, tuple)) and _builtins.any(isinstance(b, _tape.Placeholder) for b in a):
            return True
    return False


def _symbolic_aware(fn):
    """The op as users call it: on a symbolic tensor (a model being built) it becomes a node of
    the graph (``layers/op_layer.py``); on values it computes."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _has_placeholder(args, kwargs) and _tape.SYMBOLIC["apply"] is not None:
            return _tape.SYMBOLIC["apply"](fn, args, kwargs)
        return fn(*args, **kwargs)
    return op


for _name, _fn in list(globals().items()):
    if (callable(_fn) and not _name.startswith("_") and not isinstance(_fn, type)
            and getattr(_fn, "__module__", "").startswith("lstm_np.ops.")
            and _fn.__module__ != "lstm_np.ops.tape"):
        globals()[_name] = _symbolic_aware(_fn)


def convert_to_tensor(x, dtype=None, sparse=None):
    """A Tensor being differentiated stays itself (cast if asked); anything else becomes a
    NumPy array (floats given as Python numbers in floatx, as Keras)."""
    if isinstance(x, Tensor):
        return x if dtype is None else cast(x, dtype)  # noqa: F405
    return _backend.convert_to_tensor(x, dtype)


def convert_to_numpy(x):
    """The values as a NumPy array (a copy)."""
    return np.array(x.value) if isinstance(x, Tensor) else _backend.convert_to_numpy(x)


def is_tensor(x):
    return isinstance(x, (np.ndarray, Tensor))


def dtype(x):
    return str(np.asarray(x.value if isinstance(x, Tensor) else x).dtype)
