"""Golden values for ConvLSTM2D and ConvLSTM1D from Keras 3 (JAX backend): forward outputs and
final states on fixed weights, for several kernel sizes, paddings and activations.

    KERAS_BACKEND=jax python tests/golden/make_keras_convlstm_golden.py
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get("GOLDEN_OUT", os.path.join(HERE, "keras_convlstm_golden.npz"))
CASES = {   # name: (kernel_size, padding, activation, return_sequences, input shape (B, T, R, S, C), filters)
    "valid_2x2": ((2, 2), "valid", "tanh", True, (2, 3, 4, 5, 2), 3),
    "same_3x3": ((3, 3), "same", "tanh", True, (2, 3, 4, 5, 2), 3),
    "brownlee_1x2_relu": ((1, 2), "valid", "relu", False, (3, 2, 1, 2, 1), 4),
    "same_2x3_last": ((2, 3), "same", "tanh", False, (1, 4, 3, 4, 3), 2),
}
CASES_1D = {   # name: (kernel_size, padding, return_sequences, input shape (B, T, S, C), filters)
    "conv1d_valid_3": (3, "valid", True, (2, 4, 6, 2), 3),
    "conv1d_same_2_last": (2, "same", False, (3, 3, 5, 1), 2),
}
rng = np.random.default_rng(7)
g = {}


def record(name, layer, shape):
    """Random input and weights for one layer; its outputs, final states and parameter count."""
    x = rng.standard_normal(shape).astype("float32")
    layer.build(shape)
    weights = [(0.5 * rng.standard_normal(w.shape)).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    out, h, c = layer(x)
    g[f"{name}/x"] = x
    for i, w in enumerate(weights):
        g[f"{name}/w{i}"] = w
    g[f"{name}/out"], g[f"{name}/h"], g[f"{name}/c"] = np.asarray(out), np.asarray(h), np.asarray(c)
    g[f"{name}/params"] = np.array(layer.count_params())


for name, (k, pad, act, seq, shape, F) in CASES.items():
    record(name, keras.layers.ConvLSTM2D(F, k, padding=pad, activation=act, return_sequences=seq,
                                         return_state=True), shape)
for name, (k, pad, seq, shape, F) in CASES_1D.items():
    record(name, keras.layers.ConvLSTM1D(F, k, padding=pad, return_sequences=seq, return_state=True), shape)
np.savez(OUT, **g)
print(f"wrote {OUT} ({len(g)} arrays, Keras {keras.__version__})")
