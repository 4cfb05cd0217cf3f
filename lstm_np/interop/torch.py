"""Weights to and from PyTorch: the same networks, the same numbers.

What maps to what (Keras layout here, PyTorch's there; both use the gate order i, f, g, o for
the LSTM; GRU: Keras z, r, h is torch's r, z, n with the first two blocks swapped):

| lstm_np | torch | weights |
|---|---|---|
| LSTM(H) | nn.LSTM(D, H, batch_first=True) | kernel = weight_ihᵀ, recurrent_kernel = weight_hhᵀ, bias = bias_ih + bias_hh (bias_hh set to 0 and frozen going to torch) |
| LSTM(H, proj_size=P) | nn.LSTM(..., proj_size=P) | as above, projection_kernel = weight_hrᵀ |
| GRU(H) (reset_after) | nn.GRU | kernel, recurrent_kernel block-swapped and transposed; bias (2, 3H) = [bias_ih, bias_hh] block-swapped |
| SimpleRNN(H, tanh/relu) | nn.RNN(nonlinearity=…) | as LSTM |
| Bidirectional(merge_mode="concat") | bidirectional=True | forward → _l0, backward → _l0_reverse |
| a chain of those (return_sequences=True before the last) | num_layers=k | layer k → _l{k} |
| Dense | nn.Linear (+ the activation) | kernel = weightᵀ |
| Embedding | nn.Embedding | embeddings = weight |
| Sequential of the above (+ Dropout, Activation, TimeDistributed(Dense), RepeatVector) | KerasLike (an nn.Module) | each layer in turn; Embedding(mask_zero) masks become packed sequences |

``to_torch`` keeps the dtype (float32 or float64); the torch modules are batch-first. Keras's
``return_sequences=False`` is the last step's output; ``go_backwards`` reads the sequence
reversed and returns outputs in that order — KerasLike reproduces both.
"""
import numpy as np

from ..layers import Bidirectional, Dense, Dropout, Embedding, Activation, RepeatVector, TimeDistributed
from ..layers.recurrent import GRU, LSTM, RNN, SimpleRNN


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError('to_torch/from_torch need PyTorch: pip install "lstm-np[torch]"') from None
    return torch


def _swap(a, H, axis):
    """GRU: Keras z, r, h <-> torch r, z, n (its own inverse)."""
    z, r, n = np.split(a, [H, 2 * H], axis=axis)
    return np.concatenate([r, z, n], axis=axis)


def _kind(layer):
    if isinstance(layer, LSTM):
        return "lstm"
    if isinstance(layer, GRU):
        if not layer.cell.reset_after:
            raise ValueError(f"GRU {layer.name!r}: torch's nn.GRU is the reset_after=True GRU; a "
                             "reset_after=False GRU has no torch module")
        return "gru"
    if isinstance(layer, SimpleRNN):
        return "rnn"
    raise TypeError(f"no torch module for {type(layer).__name__} {layer.name!r}")


def _check_plain(layer):
    kind = _kind(layer)
    cell = layer.cell
    if kind == "lstm" and (cell.peephole or cell.layer_norm or cell.variant):
        raise ValueError(f"LSTM {layer.name!r}: torch.nn.LSTM has no peepholes, layer norm or Greff variants "
                         "(proj_size is supported)")
    if kind == "rnn" and cell.activation not in ("tanh", "relu"):
        raise ValueError(f"SimpleRNN {layer.name!r}: torch.nn.RNN supports tanh and relu, not {cell.activation!r}")
    if kind != "rnn" and (cell.activation != "tanh" or cell.recurrent_activation != "sigmoid"):
        raise ValueError(f"{type(layer).__name__} {layer.name!r}: torch uses tanh/sigmoid activations")
    if not cell.use_bias:
        raise ValueError(f"{type(layer).__name__} {layer.name!r}: torch's recurrent modules always have biases")
    return kind


def _torch_tensors(kind, H, weights):
    """Keras weights of one layer and direction -> torch's (weight_ih, weight_hh, bias_ih, bias_hh[, weight_hr])."""
    W, U, b = weights[:3]
    if kind == "gru":
        out = [_swap(W, H, 1).T, _swap(U, H, 1).T, _swap(b[0], H, 0), _swap(b[1], H, 0)]
    else:
        out = [W.T, U.T, b, np.zeros_like(b)]
    if len(weights) > 3:
        out.append(weights[3].T)                              # projection_kernel (H, P) -> weight_hr (P, H)
    return out


def _keras_weights(kind, H, tensors):
    """torch's tensors of one layer and direction -> Keras weights."""
    w_ih, w_hh, b_ih, b_hh = tensors[:4]
    if kind == "gru":
        out = [_swap(w_ih.T, H, 1), _swap(w_hh.T, H, 1), np.stack([_swap(b_ih, H, 0), _swap(b_hh, H, 0)])]
    else:
        out = [w_ih.T, w_hh.T, b_ih + b_hh]
    if len(tensors) > 4:
        out.append(tensors[4].T)
    return out


def _unit(layer):
    """(kind, directions [(layer, suffix)], merge) of a recurrent layer or a Bidirectional."""
    if isinstance(layer, Bidirectional):
        if layer.merge_mode != "concat":
            raise ValueError(f"Bidirectional {layer.name!r}: only merge_mode='concat' is what torch's "
                             "bidirectional=True computes")
        kind = _check_plain(layer.forward_layer)
        return kind, [(layer.forward_layer, ""), (layer.backward_layer, "_reverse")]
    return _check_plain(layer), [(layer, "")]


def recurrent_module(units, reversed_input_ok=False):
    """One torch.nn.LSTM/GRU/RNN (num_layers = len(units)) for a chain of recurrent layers (or
    Bidirectional concat wrappers) of one kind and size, with their weights. (go_backwards is
    the caller's to handle, by flipping the input: ``reversed_input_ok``.)"""
    torch = _torch()
    kinds = [_unit(u) for u in units]
    kind = kinds[0][0]
    first = kinds[0][1][0][0]
    cell = first.cell
    bidirectional = len(kinds[0][1]) == 2
    H, P = cell.units, getattr(cell, "proj_size", None)
    for (k, dirs), u in zip(kinds, units):
        sub = dirs[0][0]
        if k != kind or len(dirs) != (2 if bidirectional else 1) or sub.cell.units != H or \
                getattr(sub.cell, "proj_size", None) != P or (sub.go_backwards and not reversed_input_ok
                                                               and len(dirs) == 1):
            raise ValueError("a torch recurrent module needs layers of one kind, size and direction "
                             f"(and no go_backwards); {u.name!r} differs")
    D = first.input_shape[-1]
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind]
    kwargs = dict(num_layers=len(units), bidirectional=bidirectional, batch_first=True,
                  dtype=torch.float64 if first.dtype == np.float64 else torch.float32)
    if kind == "rnn":
        kwargs["nonlinearity"] = cell.activation
    if P:
        kwargs["proj_size"] = P
    module = cls(D, H, **kwargs)
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] + (["weight_hr"] if P else [])
    with torch.no_grad():
        for k, (_, dirs) in enumerate(kinds):
            for sub, suffix in dirs:
                for name, value in zip(names, _torch_tensors(kind, H, sub.get_weights())):
                    getattr(module, f"{name}_l{k}{suffix}").copy_(torch.from_numpy(np.ascontiguousarray(value)))
                if kind != "gru":
                    # One bias here, two there: bias_hh stays 0 and does not learn, so a step in torch
                    # moves the bias as a step here does (both learning moved it twice as far).
                    getattr(module, f"bias_hh_l{k}{suffix}").requires_grad_(False)
    return module


def _activation(name, torch):
    return {"linear": None, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
            "softmax": lambda z: torch.softmax(z, dim=-1),
            "hard_sigmoid": lambda z: torch.clamp(0.2 * z + 0.5, 0.0, 1.0)}[name]


def _keras_like_class():
    torch = _torch()

    class KerasLike(torch.nn.Module):
        """A Sequential's layers as torch modules, applied with Keras's semantics."""

        def __init__(self, steps):
            super().__init__()
            self.kinds = [k for k, _, _ in steps]
            self.options = [o for _, _, o in steps]
            self.mods = torch.nn.ModuleList([m for _, m, _ in steps])

        def forward(self, x):
            lengths = None                                    # from Embedding(mask_zero): right padding
            for kind, module, opt in zip(self.kinds, self.mods, self.options):
                if kind == "recurrent":
                    if opt["go_backwards"]:
                        if lengths is not None:
                            raise ValueError("KerasLike: go_backwards with a mask is not supported")
                        x = torch.flip(x, dims=[1])
                    if lengths is None:
                        y, _ = module(x)
                        x = y if opt["return_sequences"] else y[:, -1]
                    else:
                        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
                        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
                        y, state = module(packed)
                        if opt["return_sequences"]:
                            x = pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])[0]
                            if not opt["bidirectional"]:      # Keras repeats the last valid output
                                last = x[torch.arange(len(x)), lengths - 1]
                                steps = torch.arange(x.shape[1]).unsqueeze(0)
                                x = torch.where((steps < lengths.unsqueeze(1)).unsqueeze(-1), x,
                                                last.unsqueeze(1).expand_as(x))
                        else:
                            h = state[0] if isinstance(state, tuple) else state
                            x = torch.cat([h[-2], h[-1]], dim=-1) if opt["bidirectional"] else h[-1]
                            lengths = None
                elif kind in ("dense", "time_distributed"):
                    x = module(x)
                    if opt["activation"] is not None:
                        x = opt["activation"](x)
                elif kind == "embedding":
                    if opt.get("mask_zero"):
                        lengths = (x != 0).sum(dim=1)
                    x = module(x.long())
                elif kind == "activation":
                    x = opt["activation"](x)
                elif kind == "repeat":
                    x = x.unsqueeze(1).expand(-1, opt["n"], -1)
                elif kind == "dropout":
                    x = module(x)
            return x

    return KerasLike


def to_torch(obj):
    """A torch module computing what ``obj`` computes, with its weights (see the table above):
    a recurrent layer or Bidirectional -> nn.LSTM/GRU/RNN; a Sequential made only of a chain of
    one kind of recurrent layer (return_sequences=True) -> one nn.LSTM with num_layers; any other
    Sequential of supported layers -> a KerasLike nn.Module."""
    torch = _torch()
    from ..models.sequential import Sequential
    if isinstance(obj, (RNN, Bidirectional)):
        if not obj.built:
            raise ValueError(f"layer {obj.name!r} is not built: give it an input_shape or call it first")
        return recurrent_module([obj])
    if not isinstance(obj, Sequential):
        raise TypeError(f"to_torch converts recurrent layers, Bidirectional and Sequential models, "
                        f"received {type(obj).__name__}")
    obj.build()
    layers_ = obj.layers
    if all(isinstance(l, (RNN, Bidirectional)) for l in layers_) and \
            all(getattr(l, "return_sequences", True) for l in layers_):
        try:
            return recurrent_module(layers_)
        except ValueError:
            pass
    steps = []
    for layer in layers_:
        if isinstance(layer, (RNN, Bidirectional)):
            if getattr(layer, "return_state", False):
                raise ValueError(f"{layer.name!r}: return_state has no place in a Sequential")
            mod = recurrent_module([layer], reversed_input_ok=True)
            go_back = layer.go_backwards if isinstance(layer, RNN) else False
            steps.append(("recurrent", mod, {"return_sequences": layer.return_sequences, "go_backwards": go_back,
                                             "bidirectional": isinstance(layer, Bidirectional)}))
        elif isinstance(layer, (Dense, TimeDistributed)):
            dense = layer.layer if isinstance(layer, TimeDistributed) else layer
            if not isinstance(dense, Dense):
                raise TypeError(f"TimeDistributed({type(dense).__name__}) has no torch equivalent here")
            lin = torch.nn.Linear(dense.input_shape[-1], dense.units, bias=dense.use_bias,
                                  dtype=torch.float64 if dense.dtype == np.float64 else torch.float32)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(dense.params["kernel"].T.copy()))
                if dense.use_bias:
                    lin.bias.copy_(torch.from_numpy(dense.params["bias"]))
            steps.append(("dense", lin, {"activation": _activation(dense.activation, torch)}))
        elif isinstance(layer, Embedding):
            emb = torch.nn.Embedding(layer.input_dim, layer.output_dim,
                                     dtype=torch.float64 if layer.dtype == np.float64 else torch.float32)
            with torch.no_grad():
                emb.weight.copy_(torch.from_numpy(layer.params["embeddings"]))
            steps.append(("embedding", emb, {"mask_zero": layer.mask_zero}))   # masks: right padding
        elif isinstance(layer, Activation):
            steps.append(("activation", torch.nn.Identity(), {"activation": _activation(layer.activation, torch)}))
        elif isinstance(layer, RepeatVector):
            steps.append(("repeat", torch.nn.Identity(), {"n": layer.n}))
        elif isinstance(layer, Dropout):
            steps.append(("dropout", torch.nn.Dropout(layer.rate), {}))
        else:
            raise TypeError(f"to_torch: no torch equivalent for {type(layer).__name__} {layer.name!r}")
    return _keras_like_class()(steps)


def from_torch(module, dtype=None):
    """The lstm_np network of a torch module (the reverse of ``to_torch``): nn.LSTM/GRU/RNN ->
    a layer (num_layers=1, one direction) or a Sequential of layers (stacked and/or
    bidirectional, return_sequences=True, as torch returns every step); nn.Linear -> Dense;
    nn.Embedding -> Embedding; nn.Sequential of these -> Sequential. Inputs are batch-first."""
    torch = _torch()
    from ..models.sequential import Sequential
    from ..layers import Input
    if isinstance(module, (torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN)):
        kind = {torch.nn.LSTM: "lstm", torch.nn.GRU: "gru", torch.nn.RNN: "rnn"}[type(module)]
        if not module.bias:
            raise ValueError("from_torch: recurrent modules without biases are not supported")
        dt = dtype or ("float64" if module.weight_ih_l0.dtype == torch.float64 else "float32")
        H, P = module.hidden_size, getattr(module, "proj_size", 0) or None
        out_size = P or H
        stack = []
        for k in range(module.num_layers):
            d_in = module.input_size if k == 0 else out_size * (2 if module.bidirectional else 1)
            suffixes = ["", "_reverse"] if module.bidirectional else [""]
            weights = []
            for s in suffixes:
                names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] + (["weight_hr"] if P else [])
                weights += _keras_weights(kind, H, [getattr(module, f"{n}_l{k}{s}").detach().cpu().numpy()
                                                    for n in names])
            if kind == "lstm":
                layer = LSTM(H, proj_size=P, return_sequences=True, dtype=dt)
            elif kind == "gru":
                layer = GRU(H, return_sequences=True, dtype=dt)
            else:
                layer = SimpleRNN(H, activation=module.nonlinearity, return_sequences=True, dtype=dt)
            if module.bidirectional:
                layer = Bidirectional(layer)
            layer.build((None, None, d_in))
            layer.set_weights(weights)
            stack.append(layer)
        if len(stack) == 1:
            return stack[0]
        return Sequential([Input((None, module.input_size), dtype=dt)] + stack)
    if isinstance(module, torch.nn.Linear):
        dt = dtype or ("float64" if module.weight.dtype == torch.float64 else "float32")
        layer = Dense(module.out_features, use_bias=module.bias is not None, dtype=dt)
        layer.build((None, module.in_features))
        layer.set_weights([module.weight.detach().cpu().numpy().T] +
                          ([module.bias.detach().cpu().numpy()] if module.bias is not None else []))
        return layer
    if isinstance(module, torch.nn.Embedding):
        dt = dtype or ("float64" if module.weight.dtype == torch.float64 else "float32")
        return Embedding(module.num_embeddings, module.embedding_dim, dtype=dt,
                         weights=[module.weight.detach().cpu().numpy()])
    if isinstance(module, torch.nn.Sequential):
        parts = []
        for m in module:
            converted = from_torch(m, dtype)
            parts += converted.layers if isinstance(converted, Sequential) else [converted]
        return Sequential(parts)
    raise TypeError(f"from_torch: no lstm_np equivalent for {type(module).__name__}")
