"""The graph a functional model runs: its Nodes (one per layer call, ``layers/graph.py``)
between input and output tensors, in run order.

Forward visits the Nodes in creation order (a topological order) and keeps, per Node, the
record its layer's ``forward`` left (``layer._cache``). Backward visits them in reverse:
it puts each Node's record back, calls the layer's ``backward`` with the gradients that
reached the Node's outputs, and sends the returned gradients to the Node's inputs
(``initial_state`` included). A layer called k times is backpropagated k times; its weight
gradients are summed over the calls.

Masks flow as Keras's do: a Node gets its input tensors' masks (or the ``mask=`` it was
called with) and its output carries ``layer.compute_mask``; a model output's mask leaves
its padded steps out of the loss.
"""
import numpy as np

from ..layers.core_layers import InputLayer


def keras_layer_order(inputs, outputs):
    """The layers of the graph in Keras's order (``keras.src.ops.function.map_graph``), so that
    ``model.layers`` and ``get_weights()`` list what Keras lists:

    1. a depth-first walk from each output (in order) through every Node's inputs numbers
       each layer when first reached, and lists the Nodes in post-order;
    2. depth = distance from the outputs: visiting Nodes outputs-first, a Node's depth is the
       largest of its own and its layer's, and each producer of its inputs gets at least
       depth + 1 (a shared layer takes its deepest call);
    3. layers sorted by depth, deepest first (the inputs), ties by their number from 1.
    """
    input_ids = {id(t) for t in inputs}
    index, post, done = {}, [], set()
    stack = [(t, False) for t in reversed(outputs)]
    while stack:                                   # iterative DFS (graphs may be deep)
        t, expanded = stack.pop()
        node = t.node
        if expanded:
            if node.id not in done:
                done.add(node.id)
                post.append(node)
            continue
        if node.id in done:
            continue
        is_input = isinstance(node.layer, InputLayer)
        if not is_input and id(t) in input_ids:
            done.add(node.id)
            continue
        index.setdefault(id(node.layer), len(index))
        stack.append((t, True))
        if not is_input:
            stack.extend((u, False) for u in reversed(node.all_inputs))
    in_graph = {n.id for n in post}
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(post):
        depth = max(node_depth.setdefault(node.id, 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[node.id] = depth
        layers[id(node.layer)] = node.layer
        for u in node.all_inputs:
            if u.node.id in in_graph:
                node_depth[u.node.id] = max(depth + 1, node_depth.get(u.node.id, 0))
    for t in inputs:                               # an input no output depends on
        if id(t.layer) not in layer_depth:
            layer_depth[id(t.layer)], index[id(t.layer)], layers[id(t.layer)] = 0, -1, t.layer
    return sorted(layers.values(), key=lambda l: (-layer_depth[id(l)], index[id(l)]))


def _flat_list(out):
    """A layer's list of outputs, flat (a stack of cells nests its returned states)."""
    flat = []
    for o in out:
        flat.extend(_flat_list(o) if isinstance(o, list) else [o])
    return flat


class Graph:
    """The Nodes between some input tensors and some output tensors, in run order."""

    def __init__(self, inputs, outputs):
        self.inputs, self.outputs = inputs, outputs
        known = {id(t) for t in inputs}
        if len(known) != len(inputs):
            raise ValueError("Model inputs must be distinct tensors")
        for t in inputs:
            if not isinstance(t.layer, InputLayer):
                raise ValueError(f"Model inputs must come from Input(...); {t.name!r} is the output of "
                                 f"layer {t.layer.name!r}")
        nodes, stack, seen = {}, list(outputs), set()
        while stack:
            t = stack.pop()
            if id(t) in known or id(t) in seen:
                continue
            seen.add(id(t))
            node = t.node
            if node is None or isinstance(node.layer, InputLayer):
                raise ValueError(f"Graph disconnected: the output needs tensor {t.name!r}, which does not "
                                 f"come from the model inputs {[i.name for i in inputs]}")
            nodes[node.id] = node
            stack.extend(node.all_inputs)
        self.nodes = [nodes[k] for k in sorted(nodes)]
        self.layers = keras_layer_order(inputs, outputs)
        names = [l.name for l in self.layers]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"layer names must be unique in a model; used more than once: {dup}")
        # Slot of each Node among the calls of its layer (kernels keep one workspace per slot),
        # and the gradient arrays that several Nodes write (summed over the calls).
        count, self.slots = {}, []
        for node in self.nodes:
            self.slots.append(count.get(id(node.layer), 0))
            count[id(node.layer)] = self.slots[-1] + 1
        writes = {}
        self.grad_arrays = []
        for node in self.nodes:
            arrays = [g for _, _, g, _ in node.layer.weight_entries()]
            self.grad_arrays.append(arrays)
            for g in arrays:
                writes[id(g)] = writes.get(id(g), 0) + 1
        self.shared_grads = {k for k, v in writes.items() if v > 1}
        self.all_grads = {id(g): g for arrays in self.grad_arrays for g in arrays}

    # -- forward ------------------------------------------------------------------------------
    def run(self, xs, training, slot, input_masks=None):
        """Values of the outputs for input arrays xs; returns (outputs, masks, records).

        ``self.activity_loss`` is then the sum of the activity regularizers' penalties
        (r(y) / batch size per output, as Keras, nested models' included), and
        ``records[i]`` carries node i's layer record and the penalty's gradient."""
        values = {id(t): x for t, x in zip(self.inputs, xs)}
        masks = {id(t): m for t, m in zip(self.inputs, input_masks or [])}
        records = []
        self.activity_loss = 0.0
        for node, k in zip(self.nodes, self.slots):
            layer = node.layer
            args = [values[id(t)] for t in node.input_tensors]
            if node.mask is not None:
                mask = [None if m is None else values[id(m)] for m in node.mask]
                mask = mask if len(mask) > 1 else mask[0]
            else:
                in_masks = [masks.get(id(t)) for t in node.input_tensors]
                mask = in_masks if node.multi_input else in_masks[0]
                if node.multi_input and all(m is None for m in in_masks):
                    mask = None
            init = None if node.initial_state is None else [values[id(t)] for t in node.initial_state]
            layer.set_call_slot((slot, k))
            layer.__dict__.pop("_added_losses", None)          # add_loss terms are per call
            out = layer.forward(args if node.multi_input else args[0],
                                training=training if node.training is None else node.training,
                                mask=mask, initial_state=init, **node.kwargs)
            masks[id(node.outputs[0])] = layer.output_mask(args if node.multi_input else args[0], mask)
            outs = _flat_list(out) if node.multi_output else [out]
            activity = None
            reg = layer.activity_regularizer
            if reg is not None:
                floats = [v for v in outs if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
                self.activity_loss += sum(reg(v) / v.shape[0] for v in floats)
                activity = [reg.gradient(v) / v.dtype.type(v.shape[0])
                            if isinstance(v, np.ndarray) and v.dtype.kind == "f" else None for v in outs]
            self.activity_loss += getattr(layer, "last_activity_loss", 0.0)     # a nested model's
            self.activity_loss += sum(float(v) for v in layer.__dict__.get("_added_losses", ()))   # add_loss
            records.append((layer._cache, activity))
            layer._cache = None
            for t, v in zip(node.outputs, outs):
                values[id(t)] = v
        return ([values[id(t)] for t in self.outputs], [masks.get(id(t)) for t in self.outputs],
                records)

    # -- backward -----------------------------------------------------------------------------
    def backprop(self, records, output_grads, activity_scale=1.0):
        """Gradients w.r.t. the inputs; fills every layer's grads (summed over its calls).
        The activity penalties' gradients join in, times ``activity_scale``."""
        grads = {}

        def send(t, g):
            if g is None:
                return
            key = id(t)
            grads[key] = g if key not in grads else grads[key] + g

        for t, g in zip(self.outputs, output_grads):
            send(t, g)
        summed, touched = {}, set()
        for i in range(len(self.nodes) - 1, -1, -1):
            node = self.nodes[i]
            record, activity = records[i]
            gs = [grads.pop(id(t), None) for t in node.outputs]
            if activity is not None:                  # d (r(y) / B) / d y joins the output's gradient
                activity = [None if a is None else a * a.dtype.type(activity_scale) for a in activity]
                gs = [a if g is None else (g if a is None else g + a) for g, a in zip(gs, activity)]
            if all(g is None for g in gs) and not getattr(record, "added", None):
                continue                         # (a call's add_loss terms still need its backward)
            layer = node.layer
            layer._cache = record
            records[i] = None
            if not node.multi_output:
                gs = gs[0]                       # multi-output layers accept None entries
            dx = layer.graph_backward(gs, activity_scale)
            for g in self.grad_arrays[i]:
                key = id(g)
                touched.add(key)
                if key in self.shared_grads:
                    if key in summed:
                        summed[key] += g
                    else:
                        summed[key] = g.copy()
            for t, d in zip(node.input_tensors, dx if node.multi_input else [dx]):
                send(t, d)
            if node.initial_state is not None:
                for t, d in zip(node.initial_state, getattr(layer, "initial_state_grads", None) or []):
                    send(t, d)
        for key, total in summed.items():
            self.all_grads[key][...] = total
        for key, g in self.all_grads.items():
            if key not in touched:
                g.fill(0)                        # no gradient reached this layer's calls
        return [grads.get(id(t)) for t in self.inputs]
