"""Any cell run over a sequence one step at a time (your own cell, ``StackedRNNCells``): the
NumPy loop ``RNN`` uses when the cell has no whole-sequence kernel. Each step keeps its own
record; BPTT runs each step's backward with it and sums the weight gradients over the steps.
A masked step carries the state (``core/masking.py``) and outputs the state it carries first
(Keras: "the first state is the previous output" — h0 at t = 0; zeros with
``zero_output_for_mask``), as the built-in cells' sequences do.
"""
import numpy as np

from ..core.masking import carry, split
from . import taped
from .cells import _sizes


def call_cell(cell, x_t, states, training):
    """One call of the cell: Keras's ``call(inputs, states[, training])`` -> (output, new states).
    A cell with no backward of its own runs on a tape (``layers/taped.py``)."""
    def step(inputs):
        x, s = inputs
        out, new = cell.call(x, s, training=training) if "training" in cell.call_parameters() else cell.call(x, s)
        return out, (list(new) if isinstance(new, (list, tuple)) else [new])
    if cell.writes_backward():
        return step([x_t, states])
    if not cell.built:
        cell.run_build((None,) + tuple(np.shape(x_t)[1:]))
    return taped.run(cell, step, [x_t, list(states)], cell=True)


def forward_steps(rnn, x, states, mask, training):
    """x (B, T, D), states [(B, s)...] -> (outputs (B, T, out), final states, step records)."""
    B, T, _ = x.shape
    cell = rnn.cell
    if hasattr(cell, "reset_dropout_mask"):
        cell.reset_dropout_mask()
    ys, records = [], []
    for t in range(T):
        out, new = call_cell(cell, x[:, t], list(states), training)
        records.append(cell._cache)
        cell._cache = None
        out = np.asarray(out, rnn.dtype)
        if mask is not None:
            m = mask[:, t, None]                                           # (B, 1)
            new = [carry(m, s_new, s) for s_new, s in zip(new, states)]
            out = carry(m, out, _repeated(rnn, out, states))
        states = [np.asarray(s, rnn.dtype) for s in new]
        ys.append(out)
    return np.stack(ys, axis=1), states, records


def _output_state(cell):
    """Which state a masked step outputs: Keras's "the first state is the previous output" —
    for stacked cells, the first state of the last cell."""
    cells = getattr(cell, "cells", None)
    return sum(len(_sizes(c.state_size)) for c in cells[:-1]) if cells else 0


def _repeated(rnn, out, states):
    """What a masked step outputs: that state (zeros with zero_output_for_mask, or when the
    state is not shaped like the output)."""
    state = states[_output_state(rnn.cell)]
    if rnn.zero_output_for_mask or np.shape(state) != out.shape:
        return np.zeros_like(out)
    return np.asarray(state, out.dtype)


def _repeats_state(rnn, out_shape, state_shape):
    return not rnn.zero_output_for_mask and tuple(out_shape) == tuple(state_shape)


def backward_steps(rnn, dy, d_states, records, mask):
    """BPTT through the loop: dy (B, T, out) or None, d_states [(B, s) or None] -> (dx (B, T, D),
    the initial states' gradients); the cell's ``grads`` hold the sums over the steps."""
    cell = rnn.cell
    T = len(records)
    grads = [g for _, _, g, _ in cell.weight_entries()]
    total = [np.zeros_like(g) for g in grads]
    d_states = [None if d is None else d.copy() for d in d_states]
    k = _output_state(cell)
    out_state = (_sizes(cell.state_size)[k],)                      # a masked step outputs it
    dxs = [None] * T
    for t in range(T - 1, -1, -1):
        g_out = None if dy is None else dy[:, t]
        carried = [None] * len(d_states)
        if mask is not None:
            m = mask[:, t, None]
            parts = [(None, None) if d is None else split(m, d) for d in d_states]
            d_states, carried = [own for own, _ in parts], [c for _, c in parts]
            if g_out is not None:
                g_out, through = split(m, g_out)          # a masked step's output is states[0]
                if _repeats_state(rnn, through.shape[1:], out_state):
                    carried[k] = through if carried[k] is None else carried[k] + through
        cell._cache = records[t]
        dx_t, d_prev = cell.backward(g_out, d_states)
        for acc, g in zip(total, grads):
            acc += g
        d_states = [None if d is None else np.asarray(d, rnn.dtype) for d in d_prev]
        d_states = [a if c is None else (c if a is None else a + c) for a, c in zip(d_states, carried)]
        dxs[t] = np.asarray(dx_t, rnn.dtype)
    for acc, g in zip(total, grads):
        g[...] = acc
    return np.stack(dxs, axis=1), d_states
