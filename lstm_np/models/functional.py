"""Model(inputs, outputs): a graph of layer calls, run forward and backward.

    enc_in = Input((None, 10));  dec_in = Input((None, 12))
    _, h, c = enc_lstm(enc_in)                          Node 1 (return_state)
    y = dec_lstm(dec_in, initial_state=[h, c])          Node 2
    out = dense(y)                                      Node 3
    model = Model([enc_in, dec_in], out)

The graph is run in ``models/graph.py`` (forward over the Nodes in order, backward in
reverse); this file is the Model around it: its structure, its call, its config.
"""
import numpy as np

from ..layers.base import Layer, _snake, unique_name
from ..layers.core_layers import InputLayer
from ..layers.graph import flatten, is_symbolic
from ..layers.registry import deserialize_layer, serialize_layer
from . import subclassed
from .graph import Graph
from .training import TrainingMixin


def _as_tensor_list(structure, what):
    tensors = flatten(structure)
    for t in tensors:
        if not is_symbolic(t):
            raise TypeError(f"Model {what} must be symbolic tensors (from Input(...) and layer calls), "
                            f"received {type(t).__name__}")
    if not tensors:
        raise ValueError(f"Model needs at least one {what[:-1]}")
    return tensors


class Model(subclassed.SubclassedMixin, TrainingMixin, Layer):
    """``Model(inputs, outputs, name=None)``: a graph of layer calls (Keras's functional model).

    ``inputs``/``outputs``: one symbolic tensor, a list of them, or (inputs) a dict by name.
    A Model has everything Sequential has (summary, compile, fit, evaluate, predict, weights,
    save) and is itself a layer: calling it on tensors adds it to another graph."""

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, seed=None, **kwargs):
        self._subclassed = inputs is None and outputs is None and subclassed.own_call(type(self), Model)
        if (inputs is None or outputs is None) and not self._subclassed:
            raise TypeError("Model needs inputs and outputs: Model(inputs=Input(...), outputs=...), "
                            "or a subclass of Model with a call(self, inputs) method")
        default = _snake(type(self).__name__) if self._subclassed else "functional"
        super().__init__(name=name or unique_name(default), trainable=True, seed=seed, **kwargs)
        self._init_training(seed)
        if self._subclassed:                          # traced from call() when data comes
            self.graph, self.built, self.input_shape = None, False, None
            self._trainable_arg = trainable
            return
        self._set_graph(inputs, outputs)
        if not trainable:
            self.trainable = False

    def _set_graph(self, inputs, outputs):
        self._input_names = list(inputs) if isinstance(inputs, dict) else None
        self._inputs_structure = inputs
        self._outputs_structure = outputs
        self.graph = Graph(_as_tensor_list(inputs, "inputs"), _as_tensor_list(outputs, "outputs"))
        self.params, self.grads, names = {}, {}, []
        for layer in self.layers:
            for key, p, g, _ in layer.weight_entries():
                self.params[f"{layer.name}/{key}"] = p
                self.grads[f"{layer.name}/{key}"] = g
                names.append(f"{layer.name}/{key}")
        self.weight_names = tuple(names)
        self.built = True
        self.input_shape = self.graph.inputs[0].shape if len(self.graph.inputs) == 1 else \
            [t.shape for t in self.graph.inputs]
        if getattr(self, "_compile_request", None) is not None:
            self._bind_compile()                     # compiled before its graph was built

    # -- structure ----------------------------------------------------------------------------
    @property
    def layers(self):
        """Input layers first, then the layers in the order of their first call (as Keras); a
        subclassed model not yet traced: the layers it holds as attributes."""
        if self.graph is None:                        # a subclassed model before its trace
            return subclassed.attribute_layers(self)
        if self._subclassed:                          # as Keras: no input layers listed
            return [l for l in self.graph.layers if not isinstance(l, InputLayer)]
        return list(self.graph.layers)

    @property
    def inputs(self):
        return list(self.graph.inputs)

    @property
    def outputs(self):
        return list(self.graph.outputs)

    @property
    def input(self):
        ins = self.graph.inputs
        return ins[0] if len(ins) == 1 and not isinstance(self._inputs_structure, (list, tuple)) else list(ins)

    @property
    def output(self):
        outs = self.graph.outputs
        return outs[0] if len(outs) == 1 and not isinstance(self._outputs_structure, (list, tuple)) else list(outs)

    @property
    def input_names(self):
        return [t.layer.name for t in self.graph.inputs]

    @property
    def output_names(self):
        names = []
        for t in self.graph.outputs:
            name = t.layer.name
            while name in names:
                name = f"{name}_{len(names)}"
            names.append(name)
        return names

    def get_layer(self, name=None, index=None):
        """The layer called ``name`` (or at position ``index`` of ``model.layers``)."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"no layer named {name!r} in model {self.name!r}; layers: "
                         f"{[l.name for l in self.layers]}")

    def weight_groups(self):
        return [("layers", self.layers)]

    def sublayers(self):
        return list(getattr(self, "layers", []))

    def regularized_entries(self, trainable=True):
        seen, out = set(), []
        for entry in super().regularized_entries(trainable):
            if id(entry[0]) not in seen:              # a shared layer counts once
                seen.add(id(entry[0]))
                out.append(entry)
        return out

    def constrained_entries(self):
        seen, out = set(), []
        for entry in super().constrained_entries():
            if id(entry[0]) not in seen:
                seen.add(id(entry[0]))
                out.append(entry)
        return out

    def weight_entries(self):
        return [(f"{layer.name}/{k}", p, g, self.trainable and t)
                for layer in self.layers for k, p, g, t in layer.weight_entries()]

    def random_generators(self):
        layers = self.graph.layers if getattr(self, "_subclassed", False) and self.graph is not None else self.layers
        return [self.rng] + [g for layer in layers for g in layer.random_generators()]   # as the Model it saves as

    def set_call_slot(self, slot):
        self._slot = slot

    def _leaf_layers(self):
        out, stack = [], list(self.sublayers())
        while stack:
            layer = stack.pop(0)
            out.append(layer)
            stack.extend(layer.sublayers())
        return out

    def reset_states(self):
        """Forget the carried states of every stateful layer (a convenience: Keras 3 resets
        each layer with ``layer.reset_state()``)."""
        for layer in self._leaf_layers():
            if getattr(layer, "stateful", False):
                layer.reset_states()

    reset_state = reset_states

    def stateful_batch_size(self):
        """The fixed batch size of the model's stateful layers, or None."""
        sizes = {getattr(l, "stateful_batch_size", None) for l in self._leaf_layers() if getattr(l, "stateful", False)}
        sizes.discard(None)
        return sizes.pop() if len(sizes) == 1 else None

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.graph.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def compute_output_shape(self, input_shape):
        return self.output_shape if len(self.graph.outputs) == 1 else [t.shape for t in self.graph.outputs]

    def output_dtype(self):
        return self.graph.outputs[0].dtype

    def compute_mask(self, inputs, mask=None):
        return None

    # -- running ------------------------------------------------------------------------------
    def _as_input_list(self, x, who="forward"):
        n = len(self.graph.inputs)
        if isinstance(x, dict):
            names = self.input_names
            missing = [k for k in names if k not in x]
            if missing:
                raise ValueError(f"{who}: model {self.name!r} has inputs {names}; missing {missing}")
            return [x[k] for k in names]
        if isinstance(x, (list, tuple)) and (n > 1 or (len(x) == 1 and not np.isscalar(x[0])
                                                      and np.ndim(x[0]) == len(self.graph.inputs[0].shape))):
            if len(x) != n:
                raise ValueError(f"{who}: model {self.name!r} has {n} inputs, received a list of {len(x)}")
            return list(x)
        if n != 1:
            raise ValueError(f"{who}: model {self.name!r} has {n} inputs {self.input_names}; pass a list "
                             "or a dict of arrays")
        return [x]

    def forward(self, x, training=False, mask=None, initial_state=None):
        """Run the graph; returns the output (a list for several outputs). Keeps one record per
        Node for ``backward``."""
        self._build_for(x)
        if initial_state is not None:
            raise TypeError(f"model {self.name!r} takes no initial_state; make the states inputs")
        xs = self._as_input_list(x)
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(xs)
        outs, out_masks, records = self.graph.run(xs, training, getattr(self, "_slot", 0), masks)
        self._output_masks = out_masks
        self.last_activity_loss = self.graph.activity_loss
        self._cache = records
        return outs[0] if len(outs) == 1 and not isinstance(self._outputs_structure, (list, tuple)) else outs

    def graph_backward(self, grad_output, activity_scale=1.0):
        return self.backward(grad_output, activity_scale)

    def backward(self, grad_output, activity_scale=1.0):
        """Gradients of the outputs -> gradients of the inputs (a list for several inputs).
        Activity regularizers add their penalty's gradient, times ``activity_scale``."""
        records = self._require_cache()
        self._cache = None
        gs = list(grad_output) if isinstance(grad_output, (list, tuple)) and len(self.graph.outputs) > 1 \
            else [grad_output]
        if isinstance(self._outputs_structure, (list, tuple)) and len(self.graph.outputs) == 1 \
                and isinstance(grad_output, (list, tuple)):
            gs = list(grad_output)
        if len(gs) != len(self.graph.outputs):
            raise ValueError(f"model {self.name!r} has {len(self.graph.outputs)} outputs; backward "
                             f"expects as many gradients, received {len(gs)}")
        dxs = self.graph.backprop(list(records), gs, activity_scale)
        if len(dxs) == 1 and not isinstance(self._inputs_structure, (list, tuple, dict)):
            return dxs[0]
        return dxs

    # -- config -------------------------------------------------------------------------------
    def get_config(self):
        """Layers (by registered class name) and the Nodes that connect them, in run order."""
        index = {}                         # id(layer) -> its Nodes in this model, in order
        for node in self.graph.nodes:
            index.setdefault(id(node.layer), []).append(node)

        def ref(t):
            layer = t.layer
            k = 0 if isinstance(layer, InputLayer) else index[id(layer)].index(t.node)
            return [layer.name, k, t.index]

        def refs(tensors):
            return None if tensors is None else [None if t is None else ref(t) for t in tensors]

        nodes = [{"layer": n.layer.name, "inputs": refs(n.input_tensors), "multi_input": n.multi_input,
                  "initial_state": refs(n.initial_state), "mask": refs(n.mask), "training": n.training,
                  "kwargs": n.kwargs} for n in self.graph.nodes]
        return {"name": self.name, "trainable": self.trainable,
                "layers": [serialize_layer(l) for l in self.graph.layers], "nodes": nodes,
                "input_layers": [ref(t) for t in self.graph.inputs],
                "input_names": self._input_names,
                "inputs_is_list": isinstance(self._inputs_structure, (list, tuple)),
                "output_layers": [ref(t) for t in self.graph.outputs],
                "outputs_is_list": isinstance(self._outputs_structure, (list, tuple))}

    @classmethod
    def from_config(cls, config):
        layers = {}
        for spec in config["layers"]:
            layer = deserialize_layer(spec)
            layers[layer.name] = layer
        produced = {}                      # layer name -> list of its Nodes' outputs

        def get(r):
            if r is None:
                return None
            name, k, i = r
            layer = layers[name]
            if isinstance(layer, InputLayer):
                return layer.output
            return produced[name][k][i]

        for spec in config["nodes"]:
            layer = layers[spec["layer"]]
            ins = [get(r) for r in spec["inputs"]]
            call = dict(spec.get("kwargs") or {})
            if spec.get("initial_state") is not None:
                call["initial_state"] = [get(r) for r in spec["initial_state"]]
            if spec.get("mask") is not None:
                call["mask"] = [get(r) for r in spec["mask"]]
            out = layer(ins if spec["multi_input"] else ins[0], training=spec.get("training"), **call)
            produced.setdefault(layer.name, []).append(out if isinstance(out, list) else [out])
        inputs = [get(r) for r in config["input_layers"]]
        if config.get("input_names"):
            inputs = dict(zip(config["input_names"], inputs))
        elif not config.get("inputs_is_list") and len(inputs) == 1:
            inputs = inputs[0]
        outputs = [get(r) for r in config["output_layers"]]
        if not config.get("outputs_is_list") and len(outputs) == 1:
            outputs = outputs[0]
        return cls(inputs, outputs, name=config["name"], trainable=config.get("trainable", True))

    def __repr__(self):
        return f"<Model name={self.name!r} inputs={len(self.graph.inputs)} outputs={len(self.graph.outputs)}>"
