"""Why the slides say "always use LSTM instead of SimpleRNN": how far back a gradient reaches.

A loss on the last output only; the norm of the gradient with respect to the state at
every earlier step t (h_t for the SimpleRNN, (h_t, c_t) for the LSTM) shows how much the
last output can still learn from step t. For a SimpleRNN it decays geometrically
(the repeated product of Uᵀ diag(tanh')); the LSTM's cell path, gated by f, keeps it alive.

dL/dh_t is measured exactly: run the layer to step t, then rerun the rest of the sequence
from the state (h_t, c_t) given as ``initial_state``; backward fills ``initial_state_grads``.
"""
import os

import numpy as np

from .. import plot
from ..layers import LSTM, SimpleRNN


def grad_norms(make_layer, x, rng):
    """||dL/dh_t|| for t = 0..T-1 (mean over the batch), L = Σ G ⊙ h_T for a random G."""
    B, T, _ = x.shape
    full = make_layer(return_sequences=True, return_state=True)
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


def run(out="lstm_np_out", seed=0, quick=False, print_fn=print):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    T, B, D, H = (30, 16, 4, 32) if quick else (60, 32, 4, 32)
    x = rng.standard_normal((B, T, D)).astype("float64")
    curves = {}
    for name, cls in (("SimpleRNN", SimpleRNN), ("LSTM", LSTM)):
        def make(cls=cls, **kw):
            return cls(H, dtype="float64", seed=seed, **kw)
        curves[name] = grad_norms(make, x, np.random.default_rng(seed + 1))
    path = os.path.join(out, "vanishing_gradients.png")
    steps_back = {k: v[::-1] for k, v in curves.items()}          # index = steps before the loss
    plot.learning_curves(steps_back, path, logy=True, xlabel="steps back from the loss (T - t)",
                         ylabel="mean ||dL/d state_t||", title=f"Vanishing gradients: SimpleRNN vs LSTM "
                         f"(random init, T={T}, {H} units)")
    for k, v in curves.items():
        print_fn(f"{k:<10} ||dL/d state|| at the loss {v[-1]:.3g}, 10 steps back {v[-11]:.3g}, "
                 f"{T - 1} steps back {v[0]:.3g}")
    print_fn(f"Plot: {path}")
    return curves
