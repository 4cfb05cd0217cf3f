"""StackedRNNCells: cells run one after the other within each step (Keras's
``RNN([cell1, cell2])``). Runs step by step in ``RNN``'s NumPy loop, as any cell of your own."""
import numpy as np

from .cells import RNNCell, _sizes, is_cell, output_size
from .step_loop import call_cell
from .registry import deserialize_layer, serialize_layer


class StackedRNNCells(RNNCell):
    """Cells run one after the other within each step: the output of cell k is the input of
    cell k+1; the state is every cell's states, in order (Keras's flat list)."""

    def __init__(self, cells, **kwargs):
        cells = list(cells)
        if not cells or not all(is_cell(c) for c in cells):
            bad = [type(c).__name__ for c in cells if not is_cell(c)]
            raise TypeError(f"StackedRNNCells expects a non-empty list of cells, received {bad or 'none'}")
        if kwargs.get("dtype") is None and cells[0]._dtype_arg is not None:
            kwargs["dtype"] = cells[0]._dtype_arg     # computes in its cells' precision
        super().__init__(**kwargs)
        self.cells = cells

    def sublayers(self):
        return list(getattr(self, "cells", []))

    @property
    def state_size(self):
        return [s for c in self.cells for s in _sizes(c.state_size)]

    @property
    def output_size(self):
        return output_size(self.cells[-1])

    def weight_entries(self):
        return [(f"{c.name}/{k}", p, g, self.trainable and t) for c in self.cells for k, p, g, t in c.weight_entries()]

    def get_weights(self):
        return [w for c in self.cells for w in c.get_weights()]

    def set_weights(self, weights):
        counts = [len(c.get_weights()) for c in self.cells]
        if len(weights) != sum(counts):
            raise ValueError(f"StackedRNNCells {self.name!r} expects {sum(counts)} weight arrays, "
                             f"received {len(weights)}")
        i = 0
        for c, n in zip(self.cells, counts):
            c.set_weights(list(weights[i:i + n]))
            i += n

    def count_params(self):
        return sum(c.count_params() for c in self.cells)

    def build(self, input_shape):
        shape = tuple(input_shape)
        for c in self.cells:
            if not c.built:
                c.run_build(shape)
            shape = (shape[0], output_size(c))
        self.params = {k: p for k, p, _, _ in self.weight_entries()}
        self.grads = {k: g for k, _, g, _ in self.weight_entries()}
        super().build(input_shape)

    def random_generators(self):
        return [self.rng] + [g for c in self.cells for g in c.random_generators()]

    def set_call_slot(self, slot):
        super().set_call_slot(slot)

    def call(self, inputs, states, training=False):
        if not self.built:
            self.build((None, np.shape(inputs)[-1]))
        x, new_states, records, k = inputs, [], [], 0
        for c in self.cells:
            n = len(_sizes(c.state_size))
            x, s = call_cell(c, x, list(states[k:k + n]), training)
            records.append(c._cache)
            c._cache = None
            new_states += list(s)
            k += n
        self._cache = records
        return x, new_states

    def backward(self, d_output, d_states):
        records = self._require_cache()
        self._cache = None
        d_states = list(d_states or []) + [None] * len(self.state_size)
        offsets = np.cumsum([0] + [len(_sizes(c.state_size)) for c in self.cells])
        d_prev = [None] * offsets[-1]
        g = d_output
        for i in range(len(self.cells) - 1, -1, -1):
            c = self.cells[i]
            c._cache = records[i]
            g, dp = c.backward(g, d_states[offsets[i]:offsets[i + 1]])
            d_prev[offsets[i]:offsets[i + 1]] = dp
        return g, d_prev

    def get_config(self):
        cfg = super().get_config()
        cfg["cells"] = [serialize_layer(c) for c in self.cells]
        return cfg

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["cells"] = [deserialize_layer(c) for c in config["cells"]]
        return cls(**config)


def nest_states(cell, flat):
    """Keras's structure of an RNN's returned states: flat for one cell; per cell for a stack —
    a list for a cell with several states or a get_initial_state (the built-in cells: [h]), the
    tensor itself for a cell of your own with one state."""
    cells = getattr(cell, "cells", None)
    if cells is None:
        return list(flat)
    nested, i = [], 0
    for c in cells:
        n = len(c.state_size) if isinstance(c.state_size, (list, tuple)) else 1
        if n > 1 or hasattr(c, "get_initial_state"):       # Keras: as its initial state nests
            nested.append(list(flat[i:i + n]))
        else:
            nested.append(flat[i])
        i += n
    return nested


def flat_states(states):
    """A stack's nested states (``[[h1, c1], h2]``) as one flat list; anything else unchanged."""
    if not isinstance(states, (list, tuple)):
        return states
    flat = []
    for s in states:
        flat.extend(s if isinstance(s, (list, tuple)) else [s])
    return flat
