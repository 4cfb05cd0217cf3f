"""``keras.ops`` on symbolic tensors: ``ops.concatenate([a, b])``, ``x * 2`` or ``x[:, -1]`` on
the tensors of a functional (or subclassed) model become one node of its graph, as in Keras 3.

    x = Input((10, 4));  h = LSTM(8, return_sequences=True)(x)
    y = ops.mean(h, axis=1) * 2          # two OpLayer nodes: mean, then multiply

An ``OpLayer`` holds the op and its other arguments; its forward runs the op on arrays, on a tape
(``layers/taped.py``), so its backward is the tape's reverse walk. Saved models name the op
(``{"op": "mean", "arguments": ...}``); its constant arguments must be plain values to be saved.
"""
import numpy as np

from .. import backend, ops
from ..ops.tape import Placeholder
from . import taped
from .base import Layer


def _replace(structure, found, make):
    """The structure with each symbolic tensor replaced by make(index); their list in ``found``."""
    if isinstance(structure, Placeholder):
        found.append(structure)
        return make(len(found) - 1)
    if isinstance(structure, (list, tuple)):
        return type(structure)(_replace(v, found, make) for v in structure)
    if isinstance(structure, dict):
        return {k: _replace(v, found, make) for k, v in structure.items()}
    return structure


class _Slot:
    """Where the i-th symbolic input goes in the op's arguments."""

    def __init__(self, index):
        self.index = index


def _fill(structure, values):
    if isinstance(structure, _Slot):
        return values[structure.index]
    if isinstance(structure, (list, tuple)):
        return type(structure)(_fill(v, values) for v in structure)
    if isinstance(structure, dict):
        return {k: _fill(v, values) for k, v in structure.items()}
    return structure


def _plain(value):
    if value is None or value is Ellipsis or isinstance(value, (bool, int, float, str, _Slot)):
        return True
    if isinstance(value, slice):
        return all(_plain(v) for v in (value.start, value.stop, value.step))
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, dict) and all(_plain(v) for v in value.values())


class OpLayer(Layer):
    """One ``keras.ops`` function applied to symbolic tensors (and constants)."""

    def __init__(self, op, args=(), kwargs=None, **layer_kwargs):
        if isinstance(op, str):                                  # from a saved config: a name of ours only
            found = getattr(ops, op, None) if not op.startswith("_") else None
            if not callable(found) or isinstance(found, type) or \
                    not getattr(found, "__module__", "").startswith("lstm_np.ops"):
                raise ValueError(f"OpLayer: {op!r} is not an op of lstm_np.ops")
            op = found
        layer_kwargs.setdefault("name", None)
        super().__init__(**layer_kwargs)
        self.op = op
        self.template = (list(args), dict(kwargs or {}))       # symbolic inputs replaced by _Slots

    @classmethod
    def apply(cls, op, args, kwargs):
        """Called by ``lstm_np.ops`` when an op meets a symbolic tensor: a node of the graph."""
        found = []
        template = _replace((list(args), dict(kwargs)), found, _Slot)
        layer = cls(op, template[0], template[1], name=_unique(op.__name__))
        return layer(found if len(found) > 1 else found[0])

    def _run(self, values):
        args, kwargs = _fill(self.template, values)
        return self.op(*args, **kwargs)

    def _as_list(self, x):
        return list(x) if isinstance(x, (list, tuple)) else [x]

    def compute_output_shape(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        probes = []
        for unknown in (2, 3):                 # sizes that follow the unknown ones are unknown
            values = [np.zeros(tuple(unknown if d is None else d for d in s), self.dtype) for s in shapes]
            out = self._run(values)
            probes.append([np.shape(o) for o in out] if isinstance(out, (list, tuple)) else np.shape(out))
        if isinstance(probes[0], list):
            return [tuple(x if x == y else None for x, y in zip(a, b)) for a, b in zip(*probes)]
        return tuple(x if x == y else None for x, y in zip(*probes))

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, training=False, mask=None, initial_state=None):
        values = self._as_list(x)
        return _listed(taped.run(self, lambda leaves: self._run(self._as_list(leaves)), values))

    def backward(self, grad_output):
        d = Layer.backward(self, grad_output)
        return d if len(d) > 1 else d[0]

    def output_dtype(self):
        return self.dtype

    def get_config(self):
        name = self.op.__name__
        public = getattr(ops, name, None)
        if self.op is not public and self.op is not getattr(public, "__wrapped__", None):
            raise TypeError(f"OpLayer {self.name!r} applies {name!r}, which is not in lstm_np.ops: it cannot be saved")
        if not _plain(self.template):
            raise TypeError(f"OpLayer {self.name!r} ({name}) has array arguments; only plain values can be saved")
        return {"name": self.name, "op": name, "args": _replace_slots(self.template[0]),
                "kwargs": _replace_slots(self.template[1])}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        args, kwargs = _restore_slots(config.pop("args")), _restore_slots(config.pop("kwargs"))
        return cls(config.pop("op"), args, kwargs, **config)


def _listed(out):
    return list(out) if isinstance(out, tuple) else out


def _replace_slots(structure):
    """The template as JSON: inputs' slots, tuples (an index), slices and ... spelt out."""
    if isinstance(structure, _Slot):
        return {"__slot__": structure.index}
    if isinstance(structure, slice):
        return {"__slice__": [structure.start, structure.stop, structure.step]}
    if structure is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(structure, tuple):
        return {"__tuple__": [_replace_slots(v) for v in structure]}
    if isinstance(structure, list):
        return [_replace_slots(v) for v in structure]
    if isinstance(structure, dict):
        return {k: _replace_slots(v) for k, v in structure.items()}
    return structure


def _restore_slots(structure):
    if isinstance(structure, dict) and len(structure) == 1:
        (key, v), = structure.items()
        if key == "__slot__":
            return _Slot(v)
        if key == "__slice__":
            return slice(*v)
        if key == "__ellipsis__":
            return Ellipsis
        if key == "__tuple__":
            return tuple(_restore_slots(a) for a in v)
    if isinstance(structure, list):
        return [_restore_slots(v) for v in structure]
    if isinstance(structure, dict):
        return {k: _restore_slots(v) for k, v in structure.items()}
    return structure


def _unique(op_name):
    from ..config import unique_name
    return unique_name(op_name)


def _reversed(op):
    return lambda self, other: op(other, self)


def _give_symbolic_tensors_operators():
    """x + y, x * 2, x @ w, -x, x[:, -1], x.T on symbolic tensors: the ops above, as nodes."""
    from .graph import SymbolicTensor
    for name, op in (("add", ops.add), ("sub", ops.subtract), ("mul", ops.multiply),
                     ("truediv", ops.divide), ("pow", ops.power), ("matmul", ops.matmul)):
        setattr(SymbolicTensor, f"__{name}__", op)
        setattr(SymbolicTensor, f"__r{name}__", _reversed(op))
    SymbolicTensor.__neg__ = ops.negative
    SymbolicTensor.__abs__ = ops.absolute
    SymbolicTensor.__getitem__ = ops.getitem
    SymbolicTensor.T = property(lambda self: ops.transpose(self))


_give_symbolic_tensors_operators()
ops.tape.SYMBOLIC["apply"] = OpLayer.apply


def _mask_of(tensor):
    from .core_layers import MaskOf
    return MaskOf()(tensor)


backend.SYMBOLIC_MASK["of"] = _mask_of                # backend.get_keras_mask on a symbolic tensor
