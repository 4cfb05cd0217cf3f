"""Golden values for the layers LSTM scripts use beside the recurrent ones (Conv1D, pooling,
Flatten/Reshape/Permute, Layer/BatchNormalization, ReLU/LeakyReLU/Softmax), made by Keras 3:

    pip install keras jax; KERAS_BACKEND=jax python tests/golden/make_keras_layers_golden.py

For each case: the weights (set to random values), the input, the mask, the upstream gradient G,
Keras's output, d(Σ G ⊙ y)/dx and the gradient of every trainable weight; for
BatchNormalization in training also the moving statistics after the call. Two whole models
(a CNN-LSTM and a BiLSTM text classifier with pooling) record their predictions and the
weights after three Adam steps. Written to keras_layers_golden.npz next to this script.
"""
import inspect
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)
L = keras.layers

CASES = {
    "conv_valid": (lambda: L.Conv1D(4, 3), (2, 9, 3), {}),
    "conv_same_stride2_relu": (lambda: L.Conv1D(5, 4, strides=2, padding="same", activation="relu"), (2, 9, 3), {}),
    "conv_causal_dilated_tanh": (lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2, activation="tanh"),
                                 (2, 10, 2), {}),
    "conv_no_bias_sigmoid": (lambda: L.Conv1D(2, 2, use_bias=False, activation="sigmoid"), (3, 5, 4), {}),
    "maxpool_2": (lambda: L.MaxPooling1D(2), (2, 9, 3), {}),
    "maxpool_3_2_same": (lambda: L.MaxPooling1D(3, strides=2, padding="same"), (2, 8, 3), {}),
    "avgpool_3_2_same": (lambda: L.AveragePooling1D(3, strides=2, padding="same"), (2, 8, 3), {}),
    "avgpool_2_valid": (lambda: L.AveragePooling1D(2), (2, 7, 3), {}),
    "global_avg": (lambda: L.GlobalAveragePooling1D(), (3, 6, 4), {}),
    "global_avg_masked": (lambda: L.GlobalAveragePooling1D(), (3, 6, 4), {"mask": True}),
    "global_avg_keepdims": (lambda: L.GlobalAveragePooling1D(keepdims=True), (3, 6, 4), {}),
    "global_max": (lambda: L.GlobalMaxPooling1D(), (3, 6, 4), {}),
    "flatten": (lambda: L.Flatten(), (2, 4, 3), {}),
    "reshape": (lambda: L.Reshape((-1, 2)), (2, 4, 3), {}),
    "permute": (lambda: L.Permute((2, 1)), (2, 4, 3), {}),
    "layer_norm": (lambda: L.LayerNormalization(), (2, 5, 6), {}),
    "layer_norm_2d_no_center": (lambda: L.LayerNormalization(center=False, epsilon=1e-5), (4, 7), {}),
    "batch_norm_train": (lambda: L.BatchNormalization(momentum=0.9), (3, 5, 4), {"training": True}),
    "batch_norm_train_masked": (lambda: L.BatchNormalization(), (3, 5, 4), {"training": True, "mask": True}),
    "batch_norm_infer": (lambda: L.BatchNormalization(), (3, 5, 4), {}),
    "batch_norm_2d_train": (lambda: L.BatchNormalization(scale=False), (6, 3), {"training": True}),
    "relu_full": (lambda: L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2), (2, 5, 3), {}),
    "leaky_relu": (lambda: L.LeakyReLU(negative_slope=0.2), (2, 5, 3), {}),
    "softmax": (lambda: L.Softmax(), (2, 3, 5), {}),
}
ACTIVATIONS = ("elu", "selu", "softplus", "softsign", "exponential", "leaky_relu", "relu6", "silu", "gelu", "mish",
               "hard_silu", "log_softmax", "hard_sigmoid")
for _a in ACTIVATIONS:
    CASES[f"dense_{_a}"] = (lambda a=_a: L.Dense(4, activation=a), (3, 2, 5), {})


def run_case(make, shape, opts):
    layer = make()
    x = rng.standard_normal(shape).astype("float32")
    mask = (np.arange(shape[1])[None] < rng.integers(1, shape[1] + 1, shape[0])[:, None]) if opts.get("mask") else None
    layer.build(shape)
    weights = [rng.uniform(0.5, 1.5, w.shape).astype("float32") if "variance" in w.path else
               rng.standard_normal(w.shape).astype("float32") * 0.5 for w in layer.weights]
    if weights:
        layer.set_weights(weights)
    training = opts.get("training", False)
    accepts = inspect.signature(layer.call).parameters
    kwargs = {"training": training} if "training" in accepts else {}
    if mask is not None:
        kwargs["mask"] = mask
    y = np.asarray(layer(x, **kwargs))
    moving = [np.asarray(v) for v in layer.non_trainable_variables]
    if weights:
        layer.set_weights(weights)                      # undo the moving-statistics update
    G = rng.standard_normal(y.shape).astype("float32")
    tv = [v.value for v in layer.trainable_variables]
    ntv = [v.value for v in layer.non_trainable_variables]

    def loss(tv, x):
        out, _ = layer.stateless_call(tv, ntv, x, **kwargs)
        return jnp.sum(out * G)
    gw, gx = jax.grad(loss, argnums=(0, 1))(tv, jnp.asarray(x))
    out = {"x": x, "G": G, "y": y, "dx": np.asarray(gx), "n_weights": np.array(len(weights))}
    for i, w in enumerate(weights):
        out[f"w{i}"] = w
    for i, g in enumerate(gw):
        out[f"gw{i}"] = np.asarray(g)
    for i, m in enumerate(moving):
        out[f"moving{i}"] = m
    if mask is not None:
        out["mask"] = mask
    return out


def cnn_lstm():
    model = keras.Sequential([keras.Input((12, 3)), L.Conv1D(8, 3, padding="causal", activation="relu"),
                              L.MaxPooling1D(2), L.LSTM(6), L.Dense(1)])
    x = rng.standard_normal((16, 12, 3)).astype("float32")
    y = rng.standard_normal((16, 1)).astype("float32")
    return model, x, y, "mse"


def bilstm_classifier():
    model = keras.Sequential([keras.Input((10,), dtype="int32"), L.Embedding(20, 8, mask_zero=True),
                              L.Bidirectional(L.LSTM(5, return_sequences=True)), L.GlobalAveragePooling1D(),
                              L.LayerNormalization(), L.Dense(3, activation="softmax")])
    x = rng.integers(1, 20, (16, 10))
    x[rng.random((16, 10)) < 0.3] = 0
    x[:, 0] = rng.integers(1, 20, 16)
    y = rng.integers(0, 3, 16)
    return model, x, y, "sparse_categorical_crossentropy"


def run_model(build):
    model, x, y, loss = build()
    weights = [rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.weights]
    model.set_weights(weights)
    pred = np.asarray(model.predict(x, verbose=0))
    model.compile(keras.optimizers.Adam(0.01), loss)
    losses = [float(model.train_on_batch(x, y)) for _ in range(3)]
    out = {"x": x, "y": y, "pred": pred, "losses": np.array(losses), "n_weights": np.array(len(weights))}
    for i, (w0, w1) in enumerate(zip(weights, model.get_weights())):
        out[f"w{i}"], out[f"after{i}"] = w0, np.asarray(w1)
    return out


if __name__ == "__main__":
    arrays = {}
    for name, (make, shape, opts) in CASES.items():
        for k, v in run_case(make, shape, opts).items():
            arrays[f"{name}/{k}"] = v
    for name, build in (("cnn_lstm", cnn_lstm), ("bilstm_classifier", bilstm_classifier)):
        for k, v in run_model(build).items():
            arrays[f"model_{name}/{k}"] = v
    np.savez(os.path.join(HERE, "keras_layers_golden.npz"), **arrays)
    print(f"wrote {len(arrays)} arrays, Keras {keras.__version__}")
