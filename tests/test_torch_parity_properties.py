"""Float64 parity with torch.nn.LSTM / GRU / RNN over many random draws (hypothesis draws the
seed and the shapes, 1s included): torch's own default initialisation, the global floatx left
at float32 (every lstm_np layer is float64 by its own ``dtype``), rtol 1e-9 on the outputs, the
input gradient and every weight gradient. Single layer, bidirectional, stacked, and packed
variable-length batches. A defect that shows on one draw in two cannot hide here.

Layout: torch's weight_ih is Keras's kernelᵀ (weight_hh likewise). LSTM (i, f, g, o) and RNN:
the two torch biases add into one. GRU: torch's gate order r, z, n is Keras's z, r, h with the
first two blocks swapped, and Keras 3's (2, 3H) bias holds torch's bias_ih and bias_hh as rows.
"""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from lstm_np import floatx, layers

pytestmark = pytest.mark.usefixtures("each_backend")

CELLS = {"lstm": (layers.LSTM, torch.nn.LSTM), "gru": (layers.GRU, torch.nn.GRU),
         "rnn": (layers.SimpleRNN, torch.nn.RNN)}
RTOL, ATOL = 1e-9, 1e-12


def swap_gru_blocks(a, H, axis):
    """Keras z, r, h <-> torch r, z, n (the map is its own inverse)."""
    z, r, n = np.split(a, [H, 2 * H], axis=axis)
    return np.concatenate([r, z, n], axis=axis)


def keras_layout(cell, H, w_ih, w_hh, b_ih, b_hh):
    """torch (weight_ih, weight_hh, bias_ih, bias_hh) -> Keras [kernel, recurrent_kernel, bias]."""
    if cell == "gru":
        return [swap_gru_blocks(w_ih.T, H, 1), swap_gru_blocks(w_hh.T, H, 1),
                np.stack([swap_gru_blocks(b_ih, H, 0), swap_gru_blocks(b_hh, H, 0)])]
    return [w_ih.T, w_hh.T, b_ih + b_hh]


def torch_tensors(module, k, suffix, grad=False):
    get = lambda n: getattr(module, f"{n}_l{k}{suffix}")
    return [(get(n).grad if grad else get(n).detach()).numpy()
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def torch_weight_grads(cell, H, module, k, suffix):
    d_ih, d_hh, db_ih, db_hh = torch_tensors(module, k, suffix, grad=True)
    if cell == "gru":
        return keras_layout(cell, H, d_ih, d_hh, db_ih, db_hh)
    return [d_ih.T, d_hh.T, db_ih]           # d bias = d bias_ih = d bias_hh


def build_pair(cell, seed, D, H, num_layers, bidirectional):
    """torch's module with its default init (seeded), and the same network in lstm_np."""
    ours_cls, torch_cls = CELLS[cell]
    torch.manual_seed(seed)
    module = torch_cls(D, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=True).double()
    stack = []
    for k in range(num_layers):
        d_in = D if k == 0 else H * (2 if bidirectional else 1)
        layer = ours_cls(H, return_sequences=True, return_state=not bidirectional, dtype="float64")
        if bidirectional:
            layer = layers.Bidirectional(layer)
        layer.build((None, None, d_in))
        subs = [(layer.forward_layer, ""), (layer.backward_layer, "_reverse")] if bidirectional else [(layer, "")]
        # Through the outer layer's set_weights (the wrapper's, when bidirectional).
        layer.set_weights([w for _, suffix in subs for w in keras_layout(cell, H, *torch_tensors(module, k, suffix))])
        stack.append((layer, subs))
    return module, stack


def run_ours(stack, x, mask, g, g_states):
    h = x
    outs = []
    for layer, _ in stack:
        out = layer.forward(h, mask=mask)
        outs.append(out)
        h = out[0] if isinstance(out, list) else out
    grad = g
    for i, (layer, _) in reversed(list(enumerate(stack))):
        if isinstance(outs[i], list):
            grad = layer.backward([grad] + (g_states if i == len(stack) - 1 else [None] * len(g_states)))
        else:
            grad = layer.backward(grad)
    return outs[-1], grad


def close(ours, theirs, what):
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=what)


shapes = dict(seed=st.integers(0, 2**31 - 1), B=st.integers(1, 4), T=st.integers(1, 6),
              D=st.integers(1, 4), H=st.integers(1, 5))


@pytest.mark.parametrize("structure", ["single", "bidirectional", "stacked", "packed"])
@pytest.mark.parametrize("cell", sorted(CELLS))
@given(**shapes)
def test_equals_torch_with_its_default_init(cell, structure, seed, B, T, D, H):
    assert floatx() == "float32"
    bidirectional = structure in ("bidirectional", "packed")
    num_layers = 2 if structure in ("stacked", "packed") else 1
    module, stack = build_pair(cell, seed, D, H, num_layers, bidirectional)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, D))
    n_out = H * (2 if bidirectional else 1)
    g = rng.standard_normal((B, T, n_out))
    mask = None
    if structure == "packed":
        lengths = rng.integers(1, T + 1, B)
        lengths[0] = T                                    # pad_packed_sequence pads to the longest
        mask = np.arange(T)[None, :] < lengths[:, None]
        g = g * mask[..., None]
    n_states = 2 if cell == "lstm" else 1
    g_states = [rng.standard_normal((B, H)) for _ in range(n_states)] if not bidirectional else []

    out, dx = run_ours(stack, x, mask, g, g_states)
    y = out[0] if isinstance(out, list) else out

    xt = torch.tensor(x, requires_grad=True)
    if mask is not None:
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        packed = pack_padded_sequence(xt, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        yt = pad_packed_sequence(module(packed)[0], batch_first=True, total_length=T)[0]
        final = None
    else:
        yt, final = module(xt)
    loss = (yt * torch.tensor(g)).sum()
    if g_states:
        finals = final if cell == "lstm" else (final,)
        loss = loss + sum((f[-1] * torch.tensor(gs)).sum() for f, gs in zip(finals, g_states))
    loss.backward()

    close(y if mask is None else y * mask[..., None], yt.detach().numpy(), "output")
    close(dx, xt.grad.numpy(), "d x")
    if g_states:
        finals = final if cell == "lstm" else (final,)
        for ours, theirs in zip(out[1:], finals):
            close(ours, theirs[-1].detach().numpy(), "final state")
    for k, (_, subs) in enumerate(stack):
        for sub, suffix in subs:
            names = [f"layer {k}{suffix} {n}" for n in ("kernel", "recurrent_kernel", "bias")]
            for name, key, theirs in zip(names, ("kernel", "recurrent_kernel", "bias"),
                                         torch_weight_grads(cell, H, module, k, suffix)):
                close(sub.grads[key], theirs, "d " + name)
