"""Why the slides say "always use LSTM instead of SimpleRNN": how far back a gradient reaches.

A loss on the last output only; the norm of the gradient with respect to the state at
every earlier step t (h_t for the SimpleRNN, (h_t, c_t) for the LSTM) shows how much the
last output can still learn from step t. For a SimpleRNN it decays geometrically (the
repeated product of Uᵀ diag(tanh')). The LSTM's cell path multiplies it by the forget gate
at each step, ∂c_t/∂c_{t-1} = diag(f_t), so it keeps the gradient alive only where f is
near 1. At Keras's initialisation (forget bias 1, f ≈ σ(1) ≈ 0.73) it decays too — about
0.73 a step: below the SimpleRNN's for the first dozen steps, five orders of magnitude down
60 steps back. With the forget gate near 1 (what training on a long-memory task learns,
shown here by a forget bias of 5, f ≈ 0.99) it no longer decays. The plot shows all three,
each labelled with its measured mean forget gate.

dL/dh_t is measured exactly: run the layer to step t, then rerun the rest of the sequence
from the state (h_t, c_t) given as ``initial_state``; backward fills ``initial_state_grads``.
"""
import os

import numpy as np

from .. import plot
from ..layers import LSTM, SimpleRNN


def grad_norms(make_layer, x, rng, adjust=None):
    """||dL/dh_t|| for t = 0..T-1 (mean over the batch), L = Σ G ⊙ h_T for a random G.
    ``adjust(layer)`` changes the weights once built (the forget bias)."""
    B, T, _ = x.shape
    full = make_layer(return_sequences=True, return_state=True)
    full.build((None, None, x.shape[2]))
    if adjust is not None:
        adjust(full)
    out = full.forward(x)
    hs = out[0]
    n_states = len(out) - 1
    G = rng.standard_normal((B, full.units))
    norms = []
    for t in range(T - 1):
        layer = make_layer(return_sequences=False, return_state=False)
        layer.build((None, None, x.shape[2]))
        layer.set_weights(full.get_weights())
        if n_states == 2:   # LSTM: also needs c_t; recover it from a run up to t
            prefix = make_layer(return_sequences=False, return_state=True)
            prefix.build((None, None, x.shape[2]))
            prefix.set_weights(full.get_weights())
            _, h_t, c_t = prefix.forward(x[:, :t + 1])
            state = [h_t, c_t]
        else:
            state = [hs[:, t]]
        layer.forward(x[:, t + 1:], initial_state=state)
        layer.backward(G)
        g = np.concatenate(layer.initial_state_grads, axis=1)      # the whole state: h (and c)
        norms.append(float(np.mean(np.linalg.norm(g, axis=1))))
    norms.append(float(np.mean(np.linalg.norm(G, axis=1))))      # at t = T-1, dL/dh = G
    return norms


def forget_bias(value):
    """Set the LSTM's forget-gate bias (Keras's gate order i, f, c, o) to ``value``."""
    def adjust(layer):
        H = layer.units
        layer.cell.params["bias"][H:2 * H] = value
    return adjust


def mean_forget_gate(make_layer, adjust, x):
    """The forget gate's mean over units and steps, for the first sequence."""
    layer = make_layer()
    layer.build((None, None, x.shape[2]))
    adjust(layer)
    gates, _, _ = plot._internals(layer, x[:1])                     # (T, 4, H): i, f, g, o
    return float(gates[:, 1].mean())


def run(out="lstm_np_out", seed=0, quick=False, print_fn=print):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    T, B, D, H = (30, 16, 4, 32) if quick else (60, 32, 4, 32)
    x = rng.standard_normal((B, T, D)).astype("float64")

    def simple(**kw):
        return SimpleRNN(H, dtype="float64", seed=seed, **kw)

    def lstm(**kw):
        return LSTM(H, dtype="float64", seed=seed, **kw)
    curves = {"SimpleRNN": grad_norms(simple, x, np.random.default_rng(seed + 1))}
    for b_f, what in ((1.0, "Keras's init"), (5.0, "forget gate near 1")):
        f = mean_forget_gate(lstm, forget_bias(b_f), x)
        name = f"LSTM, forget bias {b_f:g} ({what}: mean f = {f:.2f})"
        curves[name] = grad_norms(lstm, x, np.random.default_rng(seed + 1), adjust=forget_bias(b_f))
    path = os.path.join(out, "vanishing_gradients.png")
    steps_back = {k: v[::-1] for k, v in curves.items()}          # index = steps before the loss
    plot.learning_curves(steps_back, path, logy=True, xlabel="steps back from the loss (T - t)",
                         ylabel="mean ||dL/d state_t||", title=f"How far back a gradient reaches (random weights, "
                         f"T={T}, {H} units):\nthe LSTM keeps it only where its forget gate is near 1", close=True)
    for k, v in curves.items():
        print_fn(f"{k}:\n   ||dL/d state|| at the loss {v[-1]:.3g}, 10 steps back {v[-11]:.3g}, "
                 f"{T - 1} steps back {v[0]:.3g}")
    print_fn(f"Plot: {path}")
    return curves
