"""What ``explain`` reads from one run of a model: the layers' own records.

The model runs once on the NumPy reference (``lstm_np.core``), as training would, so each
recurrent call keeps its record — the textbook's cache: every gate, h_{t-1} and c_{t-1} at every
step. Then the hand-written BPTT runs from one chosen output (a one-hot upstream gradient), with
a ``trace`` dict in each record that the reference backward fills with dL/dh_t (and dL/dc_t
arriving from the steps after t, the constant error carousel) at every step. Nothing is
re-implemented here: the numbers are the ones the engine computes and trains with.

    per recurrent layer (and direction):  h (T, U), c (T, U) for an LSTM, gates {name: (T, U)},
                                          |dL/dh_t|, |dL/dc_t|, |dL/dx_t| over t
"""
import numpy as np

from .. import backend

GATES = {"lstm": ("input gate i", "forget gate f", "candidate g", "output gate o"),
         "gru": ("update gate z", "reset gate r", "candidate h~")}


def recurrent_kind(layer):
    """"lstm", "gru", "simple_rnn" for a built-in recurrent layer, else None."""
    name = type(layer).__name__
    if name in ("LSTM", "GRU", "SimpleRNN"):
        return {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "simple_rnn"}[name]
    return None


def directions(layer):
    """(direction name, recurrent layer) for a layer: one for LSTM/GRU/SimpleRNN, two for a
    Bidirectional of one, none for anything else."""
    if recurrent_kind(layer):
        return [("forward", layer)]
    inner = getattr(layer, "forward_layer", None)
    if inner is not None and recurrent_kind(inner):
        return [("forward", layer.forward_layer), ("backward", layer.backward_layer)]
    return []


def core_cache(layer, record):
    """The reference's cache inside a recurrent layer's record (RNN: (record, given, mask) with
    record = (core cache, input dropout mask)), or None when the layer ran another way."""
    if not isinstance(record, tuple) or not record or not isinstance(record[0], tuple):
        return None
    cache = record[0][0]
    if isinstance(cache, tuple):                      # the LSTM family keeps (cache, extra)
        cache = cache[0]
    return cache if isinstance(cache, dict) and ("gates" in cache or "cand" in cache) else None


def series(kind, cache, sample, reversed_time):
    """h, c and the gates of one sequence of a layer's record, in the input's time order."""
    out = {}
    if kind == "lstm":
        g = cache["gates"][sample]                                    # (T, 4U): i, f, g, o
        U = g.shape[1] // 4
        for k, name in enumerate(GATES["lstm"]):
            out[name] = g[:, k * U:(k + 1) * U]
        c_in = cache["c_in"][sample]                                  # c_{t-1}
        f, i, cand = out["forget gate f"], out["input gate i"], out["candidate g"]
        out["c"] = f * c_in + i * cand                                # c_t = f c_{t-1} + i g
        from ..core.activations import get_elementwise
        out["h"] = out["output gate o"] * get_elementwise(cache["activation"])[0](out["c"])   # h_t = o φ(c_t)
    elif kind == "gru":
        g = cache["gates"][:, sample]                                 # (4, T, U): z, r, hh, q_h
        for k, name in enumerate(GATES["gru"]):
            out[name] = g[k]
        z, hh, h_prev = g[0], g[2], cache["h_prev"][sample]
        out["h"] = z * h_prev + (1 - z) * hh
    else:
        out["h"] = cache["cand"][sample]                              # h_t = φ(x_t W + h_{t-1} U + b)
    if reversed_time:
        out = {k: (None if v is None else v[::-1]) for k, v in out.items()}
    return out


class Run:
    """One forward (NumPy reference) of a graph model with its records kept, and BPTT from one
    output with the traces on. ``layers``: [(node index, layer, [(direction, recurrent layer)])]."""

    def __init__(self, model, xs):
        self.model, self.xs = model, xs
        previous = backend.get_backend()
        backend.set_backend("numpy")
        try:
            self.outs, _, self.records = model.graph.run(xs, training=False, slot=0)
        finally:
            backend.set_backend(previous)
        self.nodes = list(model.graph.nodes)
        self.recurrent = [(i, node.layer, directions(node.layer)) for i, node in enumerate(self.nodes)
                          if directions(node.layer)]
        self._caches = {i: self._find(i, layer, dirs) for i, layer, dirs in self.recurrent}

    def _find(self, i, layer, dirs):
        if len(dirs) == 1:
            return [core_cache(layer, self.records[i][0])]
        return [core_cache(sub, sub._cache) for _, sub in dirs]       # Bidirectional: its copies keep theirs

    def caches(self, i, layer=None, dirs=None):
        """The reference caches of node i's directions (kept: backprop consumes the records)."""
        return self._caches[i]

    def backprop(self, output_index, grad):
        """BPTT from d L / d outputs[output_index] = grad; -> {node index: [trace per direction]}."""
        traces = {}
        for i, layer, dirs in self.recurrent:
            found = []
            for cache in self.caches(i, layer, dirs):
                t = {}
                if cache is not None:
                    cache["trace"] = t
                found.append(t)
            traces[i] = found
        grads = [np.zeros_like(o) for o in self.outs]
        grads[output_index] = grad
        previous = backend.get_backend()
        backend.set_backend("numpy")
        try:
            self.model.graph.backprop(self.records, grads)
        finally:
            backend.set_backend(previous)
            for _, p, g, _ in self.model.weight_entries():
                g.fill(0)                                             # explaining trains nothing
        return traces
