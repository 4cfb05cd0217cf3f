"""A layer or cell written Keras's way — ``build`` with ``add_weight``, ``call`` written with
``keras.ops`` — and no ``backward`` of its own: its ``call`` runs on a tape (``lstm_np.ops``),
and its backward is that tape run backwards.

    forward:   inputs ─ leaves ─┐
               weights (watched)┴─ call(...) ─ ops record nodes ─ outputs
    backward:  ∂L/∂outputs ─ tape.gradient ─ ∂L/∂inputs, ∂L/∂weights (into ``grads``)

One call, one record (``TapedCall``, kept as the layer's ``_cache``, so a model keeps one per
call as for any layer). A built-in layer called inside such a ``call`` on a tensor of the tape
(``self.dense(x)``) is one node of the tape: its own hand-written backward is its VJP.
"""
import numpy as np

from ..ops.operators import NotDifferentiable
from ..ops.tape import Tape, Tensor, current, value


class TapedCall:
    """What the backward of one taped call needs: the tape, the inputs' leaves, the outputs."""

    __slots__ = ("tape", "leaves", "outputs", "weights", "cell", "added")

    def __init__(self, tape, leaves, outputs, weights, cell, added=()):
        self.tape, self.leaves, self.outputs, self.weights, self.cell = tape, leaves, outputs, weights, cell
        self.added = [t for t in added if isinstance(t, Tensor)]     # add_loss terms: ḡ = 1 each


class Untaped:
    """The record of a call the tape could not follow (it used NumPy the tape has no VJP for):
    the call ran on plain arrays, and backward says why it cannot run."""

    __slots__ = ("reason",)

    def __init__(self, reason):
        self.reason = reason


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [a for item in x for a in _flat(item)]
    return [x]


def _map(f, x):
    if isinstance(x, list):
        return [_map(f, a) for a in x]
    if isinstance(x, tuple):
        return tuple(_map(f, a) for a in x)
    return f(x)


def _leaf(tape):
    def make(x):
        if isinstance(x, Tensor) or x is None or isinstance(x, (bool, str)):
            return x
        a = np.asarray(x)
        return tape.leaf(a) if a.dtype.kind == "f" else a        # ids and masks carry no gradient
    return make


def _values(x):
    return _map(lambda a: value(a) if isinstance(a, Tensor) else a, x)


def run(layer, call, inputs, cell=False):
    """``call(leaves)`` on a new tape that watches the layer's weights; returns the outputs'
    values and sets ``layer._cache`` to the record. A cell's call returns (output, states)."""
    weights = [(p, g) for _, p, g, _ in layer.weight_entries()]
    layer.__dict__["_added_losses"] = []                  # this call's add_loss terms
    try:
        with Tape() as tape:
            for p, _ in weights:
                tape.watch(p)
            leaves = _map(_leaf(tape), inputs)
            out = call(leaves)
    except NotDifferentiable as e:            # still runs (predict); backward will say why not
        layer.__dict__["_added_losses"] = []              # the retry adds them again
        out = call(inputs)
        layer._cache = Untaped(str(e))
        return out
    added = layer.__dict__["_added_losses"]
    layer._cache = TapedCall(tape, leaves, out, weights, cell, added)
    layer.__dict__["_added_losses"] = [np.asarray(value(t)) for t in added]
    return _values(out)


def backward(layer, record, grads):
    """∂L/∂inputs (in the inputs' structure) for ∂L/∂outputs = ``grads`` (in the outputs'
    structure; None: zero); fills the layer's ``grads`` (zero for a weight the call never read)."""
    outputs, given = _flat(record.outputs), _flat(grads)
    if len(given) != len(outputs):
        given = given + [None] * (len(outputs) - len(given))
    outputs, given = outputs + record.added, given + [1.0] * len(record.added)     # d loss / d add_loss = 1
    tape = record.tape
    tape.layer_grads = {}                        # what layers called inside leave, summed
    leaves = [t for t in _flat(record.leaves) if isinstance(t, Tensor)]
    weight_leaves = [tape.watch(p) for p, _ in record.weights]
    found = tape.gradient(outputs, given, leaves + weight_leaves)
    d_inputs = dict(zip([t.uid for t in leaves], found[:len(leaves)]))
    from_layers = tape.layer_grads
    for (p, g), d in zip(record.weights, found[len(leaves):]):
        total = from_layers.get(id(g))
        if d is not None:
            total = d if total is None else total + d
        g[...] = 0 if total is None else total
    return _map(lambda t: (_zero_or(d_inputs.get(t.uid), t) if isinstance(t, Tensor) else None), record.leaves)


def _zero_or(d, leaf):
    return np.zeros_like(leaf.value) if d is None else np.asarray(d, leaf.dtype)


def layer_on_tape(layer, inputs, forward):
    """A built-in (or any) layer called on tensors of the open tape: ``forward`` runs on their
    values, and the tape gets one node whose VJP is the layer's own backward. The gradients that
    backward leaves in the layer's ``grads`` are summed on the tape (``tape.layer_grads``) for
    the enclosing taped call to hand on."""
    tape = current()
    out = forward(_values(inputs))
    record = layer._cache
    parents = [tape.tracked(a) for a in _flat(inputs)]
    multi = isinstance(out, list)

    def vjp(g):
        if multi:
            g = [np.zeros_like(o) if gi is None else gi for gi, o in zip(g if isinstance(g, list) else [g], out)]
        layer._cache = record
        d = layer.backward(g)
        sums = tape.__dict__.setdefault("layer_grads", {})
        for _, _, grad, _ in layer.weight_entries():
            sums[id(grad)] = grad.copy() if id(grad) not in sums else sums[id(grad)] + grad
        return _flat(d) if isinstance(inputs, (list, tuple)) else [d]
    return tape.record(out, parents, vjp, type(layer).__name__, multi=multi)


def on_open_tape(layer, inputs):
    """Is a tape open that differentiates these inputs (or any of them) or the layer's weights?"""
    tape = current()
    if tape is None:
        return False
    return any(tape.tracked(a) is not None for a in _flat(inputs)) or \
        any(tape.tracked(p) is not None for p in layer.params.values())
