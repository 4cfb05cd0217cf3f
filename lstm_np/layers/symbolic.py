"""A layer called on symbolic tensors (from ``Input``): the graph is recorded, nothing runs.

``Layer.__call__`` sends symbolic calls here: ``_call_symbolic`` checks the shapes, builds
the layer and records one ``Node`` (layers/graph.py); a custom layer made of layers (its own
``call``) runs ``call`` on the tensors, so its inner layers record their own Nodes. The
``input`` / ``output`` / ``output_shape`` attributes read the first recorded call.
"""

import numpy as np

from .graph import Node, SymbolicTensor, flatten, is_symbolic


def _batch_free_shapes(structure):
    """(None, ...) shapes of arrays or symbolic tensors, in the same list/dict structure."""
    if isinstance(structure, dict):
        return {k: _batch_free_shapes(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_batch_free_shapes(v) for v in structure]
    return (None,) + tuple(np.shape(structure) if not is_symbolic(structure) else structure.shape)[1:]


def _leaf_shapes(shapes):
    """The shapes of a (possibly nested) list of shapes, in order: a shape is a tuple."""
    found = []
    for s in shapes:
        found.extend(_leaf_shapes(s) if isinstance(s, list) else [s])
    return found


def _nested_like(shapes, tensors):
    """tensors (flat) in the nesting of ``shapes``."""
    it = iter(tensors)

    def nest(s):
        return [nest(a) for a in s] if isinstance(s, list) else next(it)
    return nest(shapes)


class SymbolicCalls:
    """Mixed into ``Layer``: what a call on symbolic tensors does."""

    def _call_composite(self, inputs, training, mask, initial_state, kwargs):
        """Run ``call``: on symbolic tensors its layer calls record their Nodes straight into
        the graph being built (the composite adds none of its own, and trains as its layers
        do); on arrays it runs them forward."""
        if not self.built:
            self.run_build(_batch_free_shapes(inputs))
        params = self.call_parameters()
        extra = dict(kwargs)
        for name, value in (("training", training), ("mask", mask), ("initial_state", initial_state)):
            if value is not None or (name == "training" and name in params):
                if name not in params and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
                    raise TypeError(f"{type(self).__name__} {self.name!r}: call() takes no {name}=")
                extra[name] = value
        return self.call(inputs, **extra)

    def _call_symbolic(self, inputs, training, mask, initial_state, kwargs):
        who = f"{type(self).__name__} {self.name!r}"
        extra = [t for t in flatten([initial_state, mask]) if t is not None]
        for t in flatten(inputs) + extra:
            if not is_symbolic(t):
                raise TypeError(f"{who} was called on symbolic tensors mixed with {type(t).__name__}; "
                                "call it on tensors from Input(...) only, or on arrays only")
        multi = isinstance(inputs, (list, tuple))
        if multi and not inputs:
            raise ValueError(f"{who} was called on an empty list of tensors")
        shapes = [t.shape for t in inputs] if multi else inputs.shape
        self._check_symbolic_call(shapes, initial_state, kwargs)
        if not self.built:
            self.run_build([(None,) + tuple(s[1:]) for s in shapes] if multi else (None,) + tuple(shapes[1:]))
        out = self.compute_output_shape(shapes, **kwargs) if kwargs else self.compute_output_shape(shapes)
        multi_out = isinstance(out, list)
        shapes_out = _leaf_shapes(out) if multi_out else [out]        # a stack's states nest
        outputs = [SymbolicTensor(s, self.output_dtype(), name=f"{self.name}/output_{i}")
                   for i, s in enumerate(shapes_out)]
        states = None
        if initial_state is not None:
            states = flatten(initial_state)                         # a stack's may nest per cell
        masks = None if mask is None else (list(mask) if isinstance(mask, (list, tuple)) else [mask])
        node = Node(self, list(inputs) if multi else inputs, outputs, multi_out, states, masks,
                    None if training is None else bool(training), kwargs)
        self._inbound_nodes.append(node)
        return _nested_like(out, list(node.outputs)) if multi_out else node.outputs[0]

    def _check_symbolic_call(self, shapes, initial_state, kwargs):
        """Shape checks at graph-building time (the same rules ``forward`` applies to arrays)."""
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments {sorted(kwargs)}")
        if self.built and self.input_shape is not None and not isinstance(shapes, list):
            want, got = self.input_shape, shapes
            if len(want) == len(got) and want[-1] is not None and got[-1] is not None and want[-1] != got[-1]:
                raise ValueError(f"{type(self).__name__} {self.name!r} was built for inputs of shape "
                                 f"{want}, called on a tensor of shape {got}")

    # -- the graph this layer is part of --------------------------------------------------
    def _node_attribute(self, what):
        if not self._inbound_nodes:
            raise AttributeError(f"layer {self.name!r} has no {what}: it has not been called on a "
                                 "symbolic tensor (from Input(...)) yet")
        return self._inbound_nodes[0]

    @property
    def output(self):
        """The output tensor(s) of this layer's first call on symbolic tensors (Keras)."""
        node = self._node_attribute("output")
        return list(node.outputs) if node.multi_output else node.outputs[0]

    @property
    def input(self):
        """The input tensor(s) of this layer's first call on symbolic tensors (Keras)."""
        node = self._node_attribute("input")
        return list(node.inputs) if node.multi_input else node.inputs

    @property
    def output_shape(self):
        """Keras 2's ``layer.output_shape``: the shape(s) of its first symbolic call's output, or
        what its input shape gives."""
        if self._inbound_nodes:
            out = self.output
            return [t.shape for t in out] if isinstance(out, list) else out.shape
        if self.built and self.input_shape is not None:
            return self.compute_output_shape(self.input_shape)
        raise AttributeError("output_shape")             # __getattr__ explains
