"""Symbolic tensors and nodes: what calling a layer on ``Input(...)`` records.

    a = Input((T, D))                 a SymbolicTensor: a shape, a dtype, no values
    y = lstm(a)                       lstm gets a Node: (layer, input tensors, call options,
                                      output tensors); y is the Node's output 0
    z = lstm(b)                       a second Node of the same layer: the layer is shared

A Node is one *call* of a layer. When a model runs, each Node's call keeps its own record
of what backward needs (see ``lstm_np.models.functional``), so a layer called k times keeps k
records and its gradient is the sum over its calls. Nodes are numbered in creation order,
which is a topological order: a Node's inputs exist before it does.
"""
import itertools

import numpy as np

from ..ops.tape import Placeholder

_node_ids = itertools.count()


class SymbolicTensor(Placeholder):
    """A placeholder for an array (Keras's KerasTensor). ``shape`` has the batch axis first
    (None when unknown); ``node`` is the call that produces it, ``index`` which of its outputs.
    ``keras.ops`` and Python's arithmetic on it add a node to the graph (``layers/op_layer.py``
    gives it its operators)."""

    def __init__(self, shape, dtype, node=None, index=0, name=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.node = node
        self.index = index
        self.name = name

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def layer(self):
        return None if self.node is None else self.node.layer

    def __repr__(self):
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype} name={self.name!r}>"

    def __len__(self):
        raise TypeError("a symbolic tensor has no length; use .shape")

    def __array__(self, *args, **kwargs):
        raise TypeError("a symbolic tensor (from Input or a layer called on one) has no values: "
                        "build a Model(inputs, outputs) and call predict on data")


def is_symbolic(x):
    return isinstance(x, SymbolicTensor)


def flatten(structure):
    """Tensors of a nested list/tuple/dict structure, in order (dicts by insertion order)."""
    if isinstance(structure, dict):
        return [t for v in structure.values() for t in flatten(v)]
    if isinstance(structure, (list, tuple)):
        return [t for v in structure for t in flatten(v)]
    return [structure]


def any_symbolic(*structures):
    return any(is_symbolic(t) for s in structures if s is not None for t in flatten(s))


class Node:
    """One call of ``layer``: the tensors it read and wrote, and the call's options.

    ``inputs`` is what the call's first argument was (one tensor or a list);
    ``initial_state`` and ``mask`` are lists of tensors or None; ``training`` None means
    "as the model runs". ``outputs`` is always a list; ``multi_output`` says whether the
    call returned a list."""

    def __init__(self, layer, inputs, outputs, multi_output, initial_state=None, mask=None,
                 training=None, kwargs=None):
        self.id = next(_node_ids)
        self.layer = layer
        self.inputs = inputs
        self.multi_input = isinstance(inputs, (list, tuple))
        self.input_tensors = list(inputs) if self.multi_input else [inputs]
        self.initial_state = initial_state
        self.mask = mask
        self.training = training
        self.kwargs = dict(kwargs or {})
        self.outputs = list(outputs)
        self.multi_output = multi_output
        for i, t in enumerate(self.outputs):
            t.node, t.index = self, i

    @property
    def all_inputs(self):
        """Every tensor the call reads: inputs, initial states, explicit masks."""
        return self.input_tensors + list(self.initial_state or []) + list(self.mask or [])

    def __repr__(self):
        return f"<Node {self.id} of {self.layer.name!r}>"


def shapes_of(tensors):
    return [t.shape for t in tensors]
