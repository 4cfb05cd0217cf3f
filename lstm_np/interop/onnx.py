"""to_onnx: a Sequential or functional model as standard ONNX operators (needs ``onnx``;
run it with ONNX Runtime). Batch size and sequence length stay dynamic.

| lstm_np | ONNX |
|---|---|
| LSTM | LSTM (time-major inside, transposed in and out). Gate order: Keras i, f, c, o → ONNX i, o, f, c — ``GATES["lstm"]`` is the one place that says so |
| GRU (reset_after) | GRU, linear_before_reset=1; gate order z, r, h is the same; B = [input bias, recurrent bias] |
| SimpleRNN | RNN (Tanh / Relu) |
| Bidirectional | direction="bidirectional"; concat = reshape, sum / ave / mul = split and combine |
| go_backwards | direction="reverse", outputs put back in processing order |
| Embedding (mask_zero) | Gather (+ sequence_lens from ids != 0) |
| Masking | Equal / Not / ReduceMax (+ sequence_lens) |
| Dense, TimeDistributed(Dense) | MatMul, Add, Sigmoid / Tanh / Relu / Softmax / HardSigmoid |
| Dropout, Activation, RepeatVector, Concatenate | Identity, the activation, Tile, Concat |

Masks become ``sequence_lens`` (the count of valid steps): right padding, as Keras pads. With a
mask, ONNX's recurrent ops leave zeros at padded steps where a lone Keras recurrent layer with
``return_sequences`` repeats its last output (Bidirectional gives zeros, as ONNX does).
"""
import numpy as np

from ..layers import (Activation, Bidirectional, Concatenate, Dense, Dropout, Embedding, Masking,
                      RepeatVector, TimeDistributed)
from ..layers.recurrent import GRU, LSTM, SimpleRNN

# Where each ONNX gate block comes from among Keras's blocks (the one place gate order lives).
GATES = {"lstm": (0, 3, 1, 2),          # ONNX i, o, f, c  <-  Keras i, f, c, o
         "gru": (0, 1, 2),              # z, r, h in both
         "rnn": (0,)}


def _onnx():
    try:
        import onnx
        from onnx import helper
    except ImportError:
        raise ImportError('to_onnx needs onnx: pip install "lstm-np[onnx]"') from None
    return onnx, helper


def reorder(a, kind, H, axis):
    """Keras gate blocks along ``axis`` -> ONNX's order."""
    blocks = np.split(a, len(GATES[kind]), axis=axis)
    return np.concatenate([blocks[k] for k in GATES[kind]], axis=axis)


class _Builder:
    def __init__(self, dtype):
        self.onnx, self.helper = _onnx()
        from onnx import TensorProto
        self.tp = TensorProto
        self.float = TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT
        self.np_float = dtype
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, array, base="const"):
        n = self.name(base)
        self.inits.append(self.onnx.numpy_helper.from_array(np.asarray(array), n))
        return n

    def op(self, kind, inputs, n_out=1, **attrs):
        outs = [self.name(kind.lower()) for _ in range(n_out)]
        self.nodes.append(self.helper.make_node(kind, list(inputs), outs, **attrs))
        return outs if n_out > 1 else outs[0]


def _activation(b, x, name):
    table = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}
    if name == "linear":
        return x
    if name == "softmax":
        return b.op("Softmax", [x], axis=-1)
    if name == "hard_sigmoid":
        return b.op("HardSigmoid", [x], alpha=0.2, beta=0.5)
    if name not in table:
        raise ValueError(f"to_onnx: activation {name!r} is not supported")
    return b.op(table[name], [x])


def _recurrent(b, layer, x, seq_lens, directions):
    """One ONNX LSTM/GRU/RNN for a layer (or both directions of a Bidirectional)."""
    subs = directions
    first = subs[0]
    kind = "lstm" if isinstance(first, LSTM) else "gru" if isinstance(first, GRU) else "rnn"
    cell = first.cell
    if kind == "gru" and not cell.reset_after:
        raise ValueError(f"to_onnx: {first.name!r}: only reset_after=True GRUs are exported")
    if kind == "lstm" and cell.family is not None:
        raise ValueError(f"to_onnx: {first.name!r}: ONNX's LSTM has no projection, layer norm or Greff variants")
    if kind != "rnn" and (cell.activation != "tanh" or cell.recurrent_activation != "sigmoid"):
        raise ValueError(f"to_onnx: {first.name!r}: only tanh/sigmoid activations")
    if first.dropout or first.recurrent_dropout:
        pass                                                  # inference: no dropout
    H = cell.units
    Ws, Rs, Bs = [], [], []
    for sub in subs:
        w = sub.get_weights() if sub.use_bias else sub.get_weights() + [np.zeros_like(sub.cell._bias())]
        W, U, bias = w[:3]
        Ws.append(reorder(W.T, kind, H, 0))
        Rs.append(reorder(U.T, kind, H, 0))
        if kind == "gru":
            Bs.append(np.concatenate([bias[0], bias[1]]))
        else:
            Bs.append(np.concatenate([reorder(bias, kind, H, 0), np.zeros_like(bias)]))
    dt = b.np_float
    x_tm = b.op("Transpose", [x], perm=[1, 0, 2])             # time-major: ONNX Runtime's layout 0
    inputs = [x_tm, b.const(np.stack(Ws).astype(dt), "W"), b.const(np.stack(Rs).astype(dt), "R"),
              b.const(np.stack(Bs).astype(dt), "B"), seq_lens or ""]
    direction = "bidirectional" if len(subs) == 2 else ("reverse" if first.go_backwards else "forward")
    op = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[kind]
    attrs = dict(hidden_size=H, direction=direction)
    if kind == "gru":
        attrs["linear_before_reset"] = 1
    if kind == "rnn":
        attrs["activations"] = [{"tanh": "Tanh", "relu": "Relu"}[cell.activation]] * len(subs)
    n_out = 3 if kind == "lstm" else 2
    outs = b.op(op, inputs, n_out=n_out, **attrs)             # Y (T, dirs, B, H), Y_h (dirs, B, H)[, Y_c]
    y = b.op("Transpose", [outs[0]], perm=[2, 0, 1, 3])
    states = [b.op("Transpose", [s], perm=[1, 0, 2]) for s in outs[1:]]
    return kind, H, [y] + states                              # Y (B, T, dirs, H), Y_h (B, dirs, H)[, Y_c]


def _time_flip(b, y):
    return b.op("Slice", [y, b.const(np.array([-1], np.int64)), b.const(np.array([np.iinfo(np.int64).min], np.int64)),
                          b.const(np.array([1], np.int64)), b.const(np.array([-1], np.int64))])


def _embedding(b, layer, x, mask):
    out = b.op("Gather", [b.const(layer.params["embeddings"].astype(b.np_float), "E"), x], axis=0)
    if layer.mask_zero:
        valid = b.op("Cast", [b.op("Not", [b.op("Equal", [x, b.const(np.array(0, np.int64))])])],
                     to=b.tp.INT32)
        return out, b.op("ReduceSum", [valid, b.const(np.array([1], np.int64))], keepdims=0)
    return out, None


def _masking(b, layer, x, mask):
    eq = b.op("Equal", [x, b.const(np.array(layer.mask_value, b.np_float))])
    any_diff = b.op("ReduceMax", [b.op("Cast", [b.op("Not", [eq])], to=b.tp.INT32)], axes=[-1],
                    keepdims=0)                                                         # (B, T)
    lens = b.op("ReduceSum", [any_diff, b.const(np.array([1], np.int64))], keepdims=0)
    out = b.op("Mul", [x, b.op("Unsqueeze", [b.op("Cast", [any_diff], to=b.float),
                                              b.const(np.array([-1], np.int64))])])
    return out, lens


def _dense(b, layer, x, mask):
    dense = layer.layer if isinstance(layer, TimeDistributed) else layer
    if not isinstance(dense, Dense):
        raise ValueError(f"to_onnx: TimeDistributed({type(dense).__name__}) is not supported")
    z = b.op("MatMul", [x, b.const(dense.params["kernel"].astype(b.np_float), "kernel")])
    if dense.use_bias:
        z = b.op("Add", [z, b.const(dense.params["bias"].astype(b.np_float), "bias")])
    return _activation(b, z, dense.activation), mask


def _repeat_vector(b, layer, x, mask):
    y = b.op("Unsqueeze", [x, b.const(np.array([1], np.int64))])
    return b.op("Tile", [y, b.const(np.array([1, layer.n, 1], np.int64))]), None


def _recurrent_layer(b, layer, x, mask):
    """LSTM / GRU / SimpleRNN / Bidirectional: ONNX's recurrent op, then Keras's outputs."""
    bi = isinstance(layer, Bidirectional)
    subs = [layer.forward_layer, layer.backward_layer] if bi else [layer]
    if bi and layer.forward_layer.go_backwards:
        raise ValueError(f"to_onnx: {layer.name!r}: a Bidirectional of a go_backwards layer is not supported")
    if not bi and layer.go_backwards and mask is not None:
        raise ValueError(f"to_onnx: {layer.name!r}: go_backwards with a mask reverses the padding too in "
                         "Keras; ONNX's reverse direction does not")
    kind, H, outs = _recurrent(b, layer, x, mask, subs)
    y, y_h = outs[0], outs[1]
    if layer.return_sequences:                       # Y (T, dirs, B, H) -> (B, T, H) per direction
        axis = 2
        out_mask = mask
    else:                                            # Y_h (dirs, B, H)
        y, axis, out_mask = y_h, 1, None
    if bi:
        parts = b.op("Split", [y, b.const(np.array([1, 1], np.int64))], n_out=2, axis=axis)
        f, r = (b.op("Squeeze", [p, b.const(np.array([axis], np.int64))]) for p in parts)
        out = _merge(b, layer.merge_mode, f, r)
    else:
        out = b.op("Squeeze", [y, b.const(np.array([axis], np.int64))])
        if layer.return_sequences and layer.go_backwards:
            out = _time_flip(b, out)                  # Keras keeps the processing order
    if getattr(layer, "return_state", False):
        out = (out if isinstance(out, list) else [out]) + _final_states(b, outs[1:], len(subs))
    return out, out_mask


def _merge(b, merge, f, r):
    """Bidirectional's merge_mode on the two directions' outputs (None: both, a list)."""
    if merge == "concat":
        return b.op("Concat", [f, r], axis=-1)
    if merge == "sum":
        return b.op("Add", [f, r])
    if merge == "mul":
        return b.op("Mul", [f, r])
    if merge == "ave":
        return b.op("Mul", [b.op("Add", [f, r]), b.const(np.array(0.5, b.np_float))])
    return [f, r]


def _final_states(b, states, n_dirs):
    """ONNX's final states (dirs, B, H) each -> Keras's order: every state of direction 0, then
    of direction 1."""
    out = []
    for d in range(n_dirs):
        for state in states:
            piece = b.op("Slice", [state, b.const(np.array([d], np.int64)), b.const(np.array([d + 1], np.int64)),
                                   b.const(np.array([1], np.int64))])
            out.append(b.op("Squeeze", [piece, b.const(np.array([1], np.int64))]))
    return out


_CONVERTERS = [                                  # (layer classes, converter), the first match wins
    ((Dropout,), lambda b, layer, x, mask: (x, mask)),
    ((Embedding,), _embedding),
    ((Masking,), _masking),
    ((Dense, TimeDistributed), _dense),
    ((Activation,), lambda b, layer, x, mask: (_activation(b, x, layer.activation), mask)),
    ((RepeatVector,), _repeat_vector),
    ((LSTM, GRU, SimpleRNN, Bidirectional), _recurrent_layer),
    ((Concatenate,), lambda b, layer, x, mask: (b.op("Concat", list(x), axis=layer.axis), None)),
]


def _convert_node(b, layer, x, mask):
    """(output value name(s), output mask) for one call."""
    for classes, convert in _CONVERTERS:
        if isinstance(layer, classes):
            return convert(b, layer, x, mask)
    raise ValueError(f"to_onnx: {type(layer).__name__} {layer.name!r} is not supported "
                     "(LSTM, GRU, SimpleRNN, Bidirectional, Dense, TimeDistributed(Dense), Embedding, Masking, "
                     "Dropout, Activation, RepeatVector, Concatenate are)")


def to_onnx(model, path, opset=17):
    """Write ``model`` (Sequential or functional) to an ONNX file at ``path``; returns the
    ModelProto. Inputs keep their dtype (token ids as int64); outputs are named after the
    model's output layers."""
    onnx, helper = _onnx()
    if getattr(model, "graph", None) is None:
        model.build()
    floats = [l.dtype for l in model.layers if l.params]
    b = _Builder(np.dtype(floats[0]) if floats else np.dtype(np.float32))
    values, masks, graph_inputs = {}, {}, []
    for t in model.graph.inputs:
        layer = t.layer
        is_int = layer.dtype.kind in "iu" or any(isinstance(n.layer, Embedding) for n in model.graph.nodes
                                                 if any(u is t for u in n.input_tensors))
        elem = b.tp.INT64 if is_int else b.float
        dims = ["batch"] + [d if d is not None else f"{layer.name}_dim{i + 1}" for i, d in enumerate(t.shape[1:])]
        if len(dims) >= 2 and t.shape[1] is None:
            dims[1] = "sequence"
        graph_inputs.append(helper.make_tensor_value_info(layer.name, elem, dims))
        values[id(t)], masks[id(t)] = layer.name, None
    for node in model.graph.nodes:
        args = [values[id(t)] for t in node.input_tensors]
        if node.initial_state is not None:
            raise ValueError(f"to_onnx: {node.layer.name!r} is called with initial_state; not supported yet")
        mask_in = [masks[id(t)] for t in node.input_tensors]
        out, mask = _convert_node(b, node.layer, args if node.multi_input else args[0],
                                  None if node.multi_input else mask_in[0])
        outs = out if isinstance(out, list) else [out]
        for t, v in zip(node.outputs, outs):
            values[id(t)] = v
            masks[id(t)] = None
        masks[id(node.outputs[0])] = mask
    graph_outputs, final_nodes = [], []
    for k, t in enumerate(model.graph.outputs):
        name = f"{t.layer.name}_output_{k}"
        final_nodes.append(helper.make_node("Identity", [values[id(t)]], [name]))
        dims = ["batch"] + [d if d is not None else f"{name}_dim{i + 1}" for i, d in enumerate(t.shape[1:])]
        graph_outputs.append(helper.make_tensor_value_info(name, b.float, dims))
    graph = helper.make_graph(b.nodes + final_nodes, model.name, graph_inputs, graph_outputs, b.inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="lstm_np")
    onnx.checker.check_model(proto)
    onnx.save(proto, path)
    return proto
