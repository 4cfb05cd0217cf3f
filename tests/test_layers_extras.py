"""The layers LSTM scripts use beside the recurrent ones: Keras 3's numbers (golden values from
tests/golden/make_keras_layers_golden.py), finite-difference gradients in float64, shapes in
symbolic graphs, masks, and clear errors."""
import os

import numpy as np
import pytest

import lstm_np as keras
from lstm_np import gradcheck
from helpers.gradients import assert_grads_ok

L = keras.layers
GOLDEN = np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "keras_layers_golden.npz"))

CASES = {   # the same layers as the golden script, built by lstm_np
    "conv_valid": lambda: L.Conv1D(4, 3),
    "conv_same_stride2_relu": lambda: L.Conv1D(5, 4, strides=2, padding="same", activation="relu"),
    "conv_causal_dilated_tanh": lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2, activation="tanh"),
    "conv_no_bias_sigmoid": lambda: L.Conv1D(2, 2, use_bias=False, activation="sigmoid"),
    "maxpool_2": lambda: L.MaxPooling1D(2),
    "maxpool_3_2_same": lambda: L.MaxPooling1D(3, strides=2, padding="same"),
    "avgpool_3_2_same": lambda: L.AveragePooling1D(3, strides=2, padding="same"),
    "avgpool_2_valid": lambda: L.AveragePooling1D(2),
    "global_avg": lambda: L.GlobalAveragePooling1D(),
    "global_avg_masked": lambda: L.GlobalAveragePooling1D(),
    "global_avg_keepdims": lambda: L.GlobalAveragePooling1D(keepdims=True),
    "global_max": lambda: L.GlobalMaxPooling1D(),
    "flatten": lambda: L.Flatten(),
    "reshape": lambda: L.Reshape((-1, 2)),
    "permute": lambda: L.Permute((2, 1)),
    "layer_norm": lambda: L.LayerNormalization(),
    "layer_norm_2d_no_center": lambda: L.LayerNormalization(center=False, epsilon=1e-5),
    "batch_norm_train": lambda: L.BatchNormalization(momentum=0.9),
    "batch_norm_train_masked": lambda: L.BatchNormalization(),
    "batch_norm_infer": lambda: L.BatchNormalization(),
    "batch_norm_2d_train": lambda: L.BatchNormalization(scale=False),
    "relu_full": lambda: L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2),
    "leaky_relu": lambda: L.LeakyReLU(negative_slope=0.2),
    "softmax": lambda: L.Softmax(),
}
for _a in ("elu", "selu", "softplus", "softsign", "exponential", "leaky_relu", "relu6", "silu", "gelu", "mish",
           "hard_silu", "log_softmax", "hard_sigmoid"):
    CASES[f"dense_{_a}"] = lambda a=_a: L.Dense(4, activation=a)
TRAINING = {"batch_norm_train", "batch_norm_train_masked", "batch_norm_2d_train"}
TOL = dict(rtol=2e-5, atol=2e-5)


def golden(name):
    return {k.split("/", 1)[1]: GOLDEN[k] for k in GOLDEN.files if k.startswith(name + "/")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_equals_keras(name):
    g = golden(name)
    layer = CASES[name]()
    x = g["x"]
    layer.build((None,) + x.shape[1:])
    weights = [g[f"w{i}"] for i in range(int(g["n_weights"]))]
    if weights:
        layer.set_weights(weights)
    y = layer.forward(x, training=name in TRAINING, mask=g.get("mask"))
    np.testing.assert_allclose(y, g["y"], **TOL)
    np.testing.assert_allclose(layer.backward(g["G"]), g["dx"], **TOL)
    trainable = [k for k, _, _, t in layer.weight_entries() if t]
    for i, k in enumerate(trainable):
        np.testing.assert_allclose(layer.grads[k], g[f"gw{i}"], **TOL, err_msg=k)
    moving = [k for k in layer.weight_names if k.startswith("moving") and k in layer.params]
    if name in TRAINING:
        for i, k in enumerate(moving):
            np.testing.assert_allclose(layer.params[k], g[f"moving{i}"], **TOL, err_msg=k)


GRADCHECK = {
    "conv_same_stride2_relu": (lambda: L.Conv1D(5, 4, strides=2, padding="same", activation="tanh"), (2, 9, 3), {}),
    "conv_causal_dilated": (lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2), (2, 10, 2), {}),
    "conv_valid_stride3_softmax": (lambda: L.Conv1D(3, 2, strides=3, activation="softmax"), (2, 8, 2), {}),
    "maxpool_same": (lambda: L.MaxPooling1D(3, strides=2, padding="same"), (2, 8, 3), {}),
    "avgpool_same": (lambda: L.AveragePooling1D(3, strides=2, padding="same"), (2, 8, 3), {}),
    "global_avg_masked": (lambda: L.GlobalAveragePooling1D(), (3, 5, 2), {"mask": True}),
    "global_max": (lambda: L.GlobalMaxPooling1D(keepdims=True), (3, 5, 2), {}),
    "flatten": (lambda: L.Flatten(), (2, 3, 4), {}),
    "reshape": (lambda: L.Reshape((6, -1)), (2, 3, 4), {}),
    "permute": (lambda: L.Permute((2, 1)), (2, 3, 4), {}),
    "layer_norm": (lambda: L.LayerNormalization(), (2, 3, 5), {}),
    "batch_norm_train": (lambda: L.BatchNormalization(), (3, 4, 3), {"training": True}),
    "batch_norm_train_masked": (lambda: L.BatchNormalization(center=False), (3, 4, 3),
                                {"training": True, "mask": True}),
    "batch_norm_infer": (lambda: L.BatchNormalization(), (3, 4, 3), {}),
    "relu": (lambda: L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2), (2, 4, 3), {}),
    "softmax_masked": (lambda: L.Softmax(), (2, 4, 3), {"mask": True}),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradients_by_finite_differences(name, rng):
    make, shape, opts = GRADCHECK[name]
    layer = make()
    layer.dtype = np.dtype("float64")
    layer._dtype_arg = "float64"
    x = rng.standard_normal(shape)
    if name.startswith(("relu", "maxpool", "global_max")):
        x = np.round(x, 1) + rng.uniform(0.02, 0.08, shape)     # away from kinks and ties (≥ 0.02 apart)
    mask = None
    if opts.get("mask"):
        mask = np.arange(shape[1])[None] < np.array([shape[1], 2, 1])[:shape[0], None]
    layer.build((None,) + shape[1:])
    for k in layer.params:
        if not k.startswith("moving"):
            layer.params[k][...] = rng.standard_normal(layer.params[k].shape) * 0.5 + (1 if k == "gamma" else 0)
    errs = gradcheck.check_layer(layer, x, training=opts.get("training", False), mask=mask)
    assert_grads_ok(errs, 1e-6)


def test_a_wrong_conv_gradient_is_caught(rng):
    layer = L.Conv1D(3, 3, padding="same", dtype="float64")
    real = type(layer).backward

    def wrong(self, g):
        dx = real(self, g)
        self.grads["kernel"][0] *= 1.01                    # the first kernel offset 1 % off
        return dx
    layer.backward = wrong.__get__(layer)
    errs = gradcheck.check_layer(layer, rng.standard_normal((2, 6, 2)))
    assert errs["kernel"] > 1e-4


def keras_model(name):
    if name == "cnn_lstm":
        return keras.Sequential([keras.Input((12, 3)), L.Conv1D(8, 3, padding="causal", activation="relu"),
                                 L.MaxPooling1D(2), L.LSTM(6), L.Dense(1)]), "mse"
    return keras.Sequential([keras.Input((10,), dtype="int32"), L.Embedding(20, 8, mask_zero=True),
                             L.Bidirectional(L.LSTM(5, return_sequences=True)), L.GlobalAveragePooling1D(),
                             L.LayerNormalization(), L.Dense(3, activation="softmax")]), \
        "sparse_categorical_crossentropy"


@pytest.mark.parametrize("name", ["cnn_lstm", "bilstm_classifier"])
def test_whole_models_predict_and_train_as_keras(name):
    """A CNN-LSTM and a masked BiLSTM classifier with pooling and layer norm: Keras's predictions,
    three Adam steps' losses and the weights they leave."""
    g = golden("model_" + name)
    model, loss = keras_model(name)
    model.set_weights([g[f"w{i}"] for i in range(int(g["n_weights"]))])
    np.testing.assert_allclose(model.predict(g["x"], verbose=0), g["pred"], rtol=1e-4, atol=1e-5)
    model.compile(keras.optimizers.Adam(0.01), loss)
    losses = [model.train_on_batch(g["x"], g["y"]) for _ in range(3)]
    losses = [l[0] if isinstance(l, (list, tuple)) else l for l in losses]
    np.testing.assert_allclose(losses, g["losses"], rtol=1e-4)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, g[f"after{i}"], rtol=1e-3, atol=1e-4)


def test_shapes_in_a_functional_graph_and_the_summary():
    inp = keras.Input((20, 4))
    x = L.Conv1D(8, 5, strides=2, padding="same")(inp)           # (None, 10, 8)
    x = L.MaxPooling1D(2)(x)                                      # (None, 5, 8)
    x = L.BatchNormalization()(x)
    x = L.LSTM(6, return_sequences=True)(x)                       # (None, 5, 6)
    x = L.Permute((2, 1))(x)                                      # (None, 6, 5)
    x = L.Reshape((-1,))(x)                                       # (None, 30)
    out = L.Dense(2)(L.LeakyReLU()(x))
    model = keras.Model(inp, out)
    shapes = [tuple(n.outputs[0].shape) for l in model.layers[1:] for n in l._inbound_nodes]
    assert shapes[:6] == [(None, 10, 8), (None, 5, 8), (None, 5, 8), (None, 5, 6), (None, 6, 5), (None, 30)]
    assert model.predict(np.zeros((3, 20, 4), "float32"), verbose=0).shape == (3, 2)
    text = model.summary(print_fn=lambda *_: None)
    assert "Non-trainable params: 16" in text                    # BatchNormalization's moving statistics


def test_batch_norm_statistics_are_not_trained_and_inference_uses_them(rng):
    model = keras.Sequential([keras.Input((4,)), L.BatchNormalization(momentum=0.5), L.Dense(1)])
    model.compile("adam", "mse")
    x = rng.standard_normal((32, 4)).astype("float32") * 3 + 2
    bn = model.layers[0]
    model.fit(x, rng.standard_normal((32, 1)), epochs=3, batch_size=32, verbose=0)
    # three training batches: moving mean = (1 - 0.5³) · batch mean, untouched by the optimizer
    np.testing.assert_allclose(bn.params["moving_mean"], (1 - 0.5 ** 3) * x.mean(0), rtol=1e-4)
    y = bn.forward(x, training=False)
    np.testing.assert_allclose(y, (x - bn.params["moving_mean"]) / np.sqrt(bn.params["moving_variance"] + 1e-3)
                               * bn.params["gamma"] + bn.params["beta"], rtol=1e-5, atol=1e-6)


def test_masks_stop_where_keras_stops_them():
    inp = keras.Input((6,), dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True)(inp)
    x, m = np.ones((1, 6, 2), "float32"), np.ones((1, 6), bool)          # Keras 3: compute_mask(inputs, mask)
    assert L.GlobalAveragePooling1D().compute_mask(x, m) is None
    assert L.Conv1D(2, 3).compute_mask(x, m) is None
    assert L.LayerNormalization().compute_mask(x, m) is not None   # kept, as Keras
    pooled = L.GlobalAveragePooling1D()(e)
    model = keras.Model(inp, pooled)
    ids = np.array([[1, 2, 0, 0, 0, 0]])
    emb = model.layers[1].params["embeddings"]
    np.testing.assert_allclose(model.predict(ids, verbose=0)[0], emb[[1, 2]].mean(0), rtol=1e-6)


@pytest.mark.parametrize("make, x, match", [
    (lambda: L.Conv1D(2, 5), np.zeros((1, 3, 2)), "fewer than the kernel's span"),
    (lambda: L.Conv1D(2, 3, padding="full"), None, "padding must be"),
    (lambda: L.MaxPooling1D(4), np.zeros((1, 3, 2)), "fewer than pool_size"),
    (lambda: L.Reshape((5, -1)), np.zeros((1, 3, 2)), "cannot reshape"),
    (lambda: L.Permute((1, 1)), None, "permutation"),
    (lambda: L.LayerNormalization(axis=1), None, "axis=-1"),
    (lambda: L.GlobalMaxPooling1D(), np.zeros((2, 3)), "rank 3"),
    (lambda: L.ReLU(max_value=-1), None, "max_value"),
])
def test_clear_errors(make, x, match):
    with pytest.raises((ValueError, TypeError), match=match):
        layer = make()
        layer.forward(x)


def test_string_and_integer_lookup_as_keras():
    """Keras 3's StringLookup: [UNK] is id 0, the vocabulary follows; invert; adapt by frequency;
    one_hot / multi_hot; a repeated vocabulary entry is refused; IntegerLookup likewise."""
    from lstm_np import layers, ops
    lookup = layers.StringLookup(num_oov_indices=0, vocabulary=np.unique(["run", "jump", "run", "sit"]))
    assert lookup.get_vocabulary() == ["jump", "run", "sit"]
    labels = np.array(["sit", "jump", "run"])
    np.testing.assert_array_equal(ops.convert_to_numpy(lookup(labels[..., None])), [[2], [0], [1]])
    unk = layers.StringLookup(vocabulary=["a", "b"])
    np.testing.assert_array_equal(unk(np.array(["a", "zzz", "b"])), [1, 0, 2])
    back = layers.StringLookup(vocabulary=["a", "b"], invert=True)
    assert back(np.array([2, 0])).tolist() == ["b", "[UNK]"]
    learned = layers.StringLookup()
    learned.adapt(np.array(["x", "y", "y", "z", "y", "z"]))
    assert learned.get_vocabulary() == ["[UNK]", "y", "z", "x"]
    np.testing.assert_array_equal(layers.StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")(
        np.array([["a", "a"], ["b", "q"]])), [[0, 1, 0], [1, 0, 1]])
    with pytest.raises(ValueError, match="repeated term"):
        layers.StringLookup(vocabulary=["a", "a"])
    ints = layers.IntegerLookup(vocabulary=[12, 36, 1138], mask_token=0)
    np.testing.assert_array_equal(ints(np.array([[12, 1138, 0], [42, 36, 12]])), [[2, 4, 0], [1, 3, 2]])
