"""A tape of layer calls: per-call records for a loop written in Python.

A functional ``Model`` keeps one record per call of a layer (``layers/graph.py``). A decoder
that feeds its own predictions back cannot be drawn as a fixed graph, so it is written as a
Python loop instead — and the tape does for that loop what the graph does for a model:

    out, k = tape.call(layer, x, ...)     layer.forward, then the record it left is kept as k
    dx = tape.backward(k, grad)           the record put back, layer.backward, and the layer's
                                          gradient *added* to its sum over calls
    tape.finish()                         every layer's grads = the sum over its calls

Backward visits the calls in any order the loop needs (in practice, the reverse). A tape made
with ``keep=False`` (decoding) keeps nothing.
"""


class Tape:
    def __init__(self, keep=True):
        self.keep = keep
        self.records = []
        self.sums = {}                    # id(layer) -> (layer, {weight key: summed gradient})

    def call(self, layer, x, **kwargs):
        """layer.forward(x, **kwargs); returns (its output, the handle of this call)."""
        out = layer.forward(x, **kwargs)
        if not self.keep:
            layer._cache = None
            return out, None
        self.records.append((layer, layer._cache))
        layer._cache = None
        return out, len(self.records) - 1

    def backward(self, handle, *grads):
        """layer.backward(*grads) for call ``handle``; returns what it returns. The call's
        initial-state gradients, if any, are then in ``layer.initial_state_grads``."""
        layer, record = self.records[handle]
        self.records[handle] = None                          # each call backpropagates once
        layer._cache = record
        result = layer.backward(*grads)
        entry = self.sums.get(id(layer))
        if entry is None:
            self.sums[id(layer)] = (layer, {k: g.copy() for k, g in layer.grads.items()})
        else:
            for k, g in layer.grads.items():
                entry[1][k] += g
        return result

    def finish(self):
        """Write each layer's summed gradient into layer.grads (a layer the backward never
        reached keeps what it had: the model zeroes every gradient before backward)."""
        for layer, sums in self.sums.values():
            for k, g in sums.items():
                layer.grads[k][...] = g
        self.records, self.sums = [], {}
