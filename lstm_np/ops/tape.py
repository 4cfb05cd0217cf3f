"""Reverse-mode automatic differentiation for code written with ``lstm_np.ops`` (Keras's
``keras.ops``): a tape, as small as it can be.

While a ``Tape`` is open, every op whose inputs include a *tracked* value (a ``Tensor`` of this
tape, or an array the tape watches — a layer's weight) appends one ``Node`` to the tape and
returns a ``Tensor``: the value and the node that made it. A node keeps its parents and its
vector-Jacobian product (VJP): given ḡ = ∂L/∂output it returns ∂L/∂parent for each parent,

    y = f(x1, x2)          vjp(ḡ) = (ḡ · ∂y/∂x1, ḡ · ∂y/∂x2)      (never the Jacobian itself)

``Tape.gradient`` walks the nodes backwards (they were appended in an order where every node
comes after its parents), summing each tensor's ḡ over the nodes that read it — the chain rule
written as a loop. With no tape open, or on plain arrays, the ops are NumPy and record nothing.

    with Tape() as tape:
        x = tape.leaf(np.array([1.0, 2.0]))        # or tape.watch(array): a weight
        y = ops.sum(ops.tanh(x) * x)
    tape.gradient([y], [1.0], [x])                # [∂y/∂x]

The built-in layers do not use this: their BPTT is written by hand (``lstm_np.core``); the tape
is for the user's own layers, cells, losses — and a third check of that hand-written BPTT.
"""
import itertools
import threading

import numpy as np

_OPEN = threading.local()              # this thread's open tapes, innermost last
_IDS = itertools.count()


class Placeholder:
    """A tensor with no values yet (a symbolic tensor of a model being built). An op that meets
    one hands the call to ``SYMBOLIC["apply"]`` (the floor above registers it: the op becomes
    a node of the model's graph) instead of computing."""


SYMBOLIC = {"apply": None}


def current():
    """The innermost open tape of this thread, or None."""
    stack = getattr(_OPEN, "stack", None)
    return stack[-1] if stack else None


class Tensor:
    """A value computed on a tape: ``value`` (a NumPy array) and the node that made it. It
    behaves as Keras's tensors do — ``x.shape``, ``x.dtype``, ``x + y``, ``x[0]``, ``x @ w`` —
    and every operation on it is recorded. ``np.asarray(x)`` gives the value (not differentiated)."""

    __array_priority__ = 1000                    # x * tensor: NumPy defers to Tensor.__rmul__

    def __init__(self, value, tape, node=None, index=0):
        self.value = value
        self.tape = tape
        self.node, self.index = node, index      # which node made it, which of its outputs
        self.uid = next(_IDS)

    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)

    def numpy(self):
        return np.array(self.value)

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __len__(self):
        return len(self.value)

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __index__(self):
        return int(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        return f"<Tensor shape={self.shape} dtype={self.dtype} value={self.value!r}>"

    __hash__ = object.__hash__


class Node:
    """One recorded op: its parents (a Tensor, or None where no gradient flows), its outputs'
    uids and its VJP (one ḡ per output in, one ∂L/∂parent per parent out)."""

    __slots__ = ("parents", "outputs", "vjp", "name")

    def __init__(self, parents, vjp, name):
        self.parents, self.vjp, self.name, self.outputs = parents, vjp, name, []


class Tape:
    """Records the ops run while it is open (``with Tape() as tape:``), on this thread."""

    def __init__(self):
        self.nodes = []
        self._watched = {}                      # id(array) -> its leaf Tensor (a weight)
        self._keep = []                         # the watched arrays (their ids stay theirs)

    def __enter__(self):
        stack = getattr(_OPEN, "stack", None)
        if stack is None:
            stack = _OPEN.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _OPEN.stack.remove(self)
        return False

    # -- what is tracked ----------------------------------------------------------------------
    def leaf(self, value):
        """A new input to differentiate with respect to."""
        return Tensor(np.asarray(value), self)

    def watch(self, array):
        """Differentiate with respect to this array wherever an op reads it (a layer's weight,
        read through its Variable); returns its leaf Tensor."""
        leaf = self._watched.get(id(array))
        if leaf is None:
            leaf = self._watched[id(array)] = Tensor(array, self)
            self._keep.append(array)
        return leaf

    def tracked(self, x):
        """``x`` as a Tensor of this tape, or None when no gradient can flow into it."""
        if isinstance(x, Tensor):
            return x if x.tape is self else None
        if self._watched:
            if isinstance(x, np.ndarray):
                return self._watched.get(id(x))
            value = getattr(x, "value", None)                    # a Variable: its layer's array
            if isinstance(value, np.ndarray):
                return self._watched.get(id(value))
        return None

    # -- recording ------------------------------------------------------------------------------
    def record(self, values, parents, vjp, name, multi=False):
        node = Node(parents, vjp, name)
        self.nodes.append(node)
        outs = []
        for i, v in enumerate(values if multi else [values]):
            t = Tensor(np.asarray(v), self, node, i)
            node.outputs.append(t.uid)
            outs.append(t)
        return outs if multi else outs[0]

    # -- differentiating ------------------------------------------------------------------------
    def gradient(self, outputs, output_grads, sources):
        """∂L/∂source for each source, where ∂L/∂outputs[i] = output_grads[i] (None: zero).
        A source no output depends on gets None."""
        grads = {}
        for y, g in zip(outputs, output_grads):
            if isinstance(y, Tensor) and y.tape is self and g is not None:
                _accumulate(grads, y.uid, np.broadcast_to(np.asarray(g, y.dtype), y.shape))
        for node in reversed(self.nodes):
            gs = [grads.pop(uid, None) for uid in node.outputs]
            if all(g is None for g in gs):
                continue                                     # nothing flows through this node
            parent_grads = node.vjp(gs if len(gs) > 1 else gs[0])
            for parent, pg in zip(node.parents, parent_grads):
                if parent is not None and pg is not None:
                    _accumulate(grads, parent.uid, pg)
        return [grads.get(s.uid) if isinstance(s, Tensor) else None for s in sources]


def _accumulate(grads, uid, g):
    had = grads.get(uid)
    grads[uid] = np.array(g) if had is None else had + g


def value(x):
    """The NumPy value behind a Tensor, a Variable or anything array-like."""
    if isinstance(x, Tensor):
        return x.value
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(x)


def record(out, parents, vjp, name, multi=False):
    """Return ``out`` (the op's value) as a Tensor on the open tape when a parent is tracked
    there, else as it is. ``vjp(ḡ)`` returns one gradient per parent (None where none flows)."""
    tape = current()
    if tape is None:
        return out
    tracked = [tape.tracked(p) for p in parents]
    if not any(t is not None for t in tracked):
        return out
    return tape.record(out, tracked, vjp, name, multi)


def unbroadcast(g, shape):
    """Sum ḡ over the axes broadcasting added or stretched, back to ``shape``:
    y = x + b with b (H,) and y (B, H) gives ∂L/∂b = Σ_batch ḡ."""
    g = np.asarray(g)
    if g.shape == tuple(shape):
        return g
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def is_tracked(x):
    """Is ``x`` differentiated by the open tape?"""
    tape = current()
    return tape is not None and tape.tracked(x) is not None


def value_and_grad(fn, argnums=0):
    """``fn``'s value and its gradient with respect to the arguments ``argnums`` (an int or a
    tuple), as ``jax.value_and_grad``: fn must return a scalar.

        f = value_and_grad(lambda x: ops.sum(ops.tanh(x)))
        y, dx = f(np.array([0.0, 1.0]))                   # dx = 1 − tanh²(x)
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args, **kwargs):
        with Tape() as tape:
            args = [tape.leaf(a) if i in nums else a for i, a in enumerate(args)]
            y = fn(*args, **kwargs)
        if np.ndim(value(y)) != 0:
            raise ValueError(f"value_and_grad: the function must return a scalar, it returned shape "
                             f"{np.shape(value(y))}")
        grads = tape.gradient([y], [1.0], [args[i] for i in nums])
        grads = [np.zeros_like(value(args[i])) if g is None else g for g, i in zip(grads, nums)]
        return np.asarray(value(y)), (grads[0] if isinstance(argnums, int) else tuple(grads))
    return wrapped


def grad(fn, argnums=0):
    """The gradient of a scalar function (``jax.grad``)."""
    f = value_and_grad(fn, argnums)
    return lambda *args, **kwargs: f(*args, **kwargs)[1]
