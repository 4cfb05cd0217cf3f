"""Keras 3 parity on the same weights, from golden values made by golden/make_keras_golden.py."""
import os

import numpy as np
import pytest

import lstm_np as keras
from lstm_np import layers, losses, optimizers
from lstm_np.models import Sequential

G = np.load(os.path.join(os.path.dirname(__file__), "golden", "keras_golden.npz"), allow_pickle=False)


def arrays(prefix):
    n = sum(1 for k in G.files if k.startswith(prefix + "/"))
    return [G[f"{prefix}/{i}"] for i in range(n)]


def const_lstm(**kw):
    C = keras.initializers.Constant
    return layers.LSTM(3, kernel_initializer=C(0.01), recurrent_initializer=C(0.02),
                       bias_initializer=C(0.03), **kw)


@pytest.mark.parametrize("go_backwards,expected", [
    (False, [0.6288687, 0.86899155, 0.9460773]),
    (True, [0.35622165, 0.74789524, 0.8872726]),
])
def test_constant_weight_lstm_golden(go_backwards, expected):
    x = np.arange(72).reshape(3, 6, 4)
    out = const_lstm(go_backwards=go_backwards)(x)
    np.testing.assert_allclose(out[:, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(out, G[f"const_lstm/go_backwards={go_backwards}"], rtol=1e-6)


def addition_model():
    """The Keras number-addition example's architecture (32 units here)."""
    return Sequential([keras.Input((7, 12)), layers.LSTM(32), layers.RepeatVector(4),
                       layers.LSTM(32, return_sequences=True), layers.Dense(12, activation="softmax")])


def test_addition_model_predicts_what_keras_predicts():
    model = addition_model()
    model.set_weights(arrays("addition/weights"))
    np.testing.assert_allclose(model.predict(G["addition/x"]), G["addition/predict"], rtol=1e-5, atol=1e-7)


OPTS = {
    "adam": lambda: optimizers.Adam(learning_rate=0.01),
    "rmsprop": lambda: optimizers.RMSprop(learning_rate=0.01),
    "rmsprop_momentum_centered": lambda: optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    "sgd_momentum": lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9),
    "sgd_nesterov": lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda: optimizers.Adagrad(learning_rate=0.1),
    "adam_clipnorm": lambda: optimizers.Adam(learning_rate=0.01, clipnorm=0.05),
    "sgd_clipvalue": lambda: optimizers.SGD(learning_rate=0.1, clipvalue=0.01),
    "adam_global_clipnorm": lambda: optimizers.Adam(learning_rate=0.01, global_clipnorm=0.1),
}


@pytest.mark.parametrize("name", sorted(OPTS))
def test_optimizer_steps_leave_keras_weights(name):
    model = addition_model()
    model.set_weights(arrays("addition/weights"))
    model.compile(loss="categorical_crossentropy", optimizer=OPTS[name](), metrics=["acc"])
    got = [model.train_on_batch(G["addition/x"], G["addition/y"])[0] for _ in range(3)]
    np.testing.assert_allclose(got, G[f"opt/{name}/losses"], rtol=1e-5)
    for ours, theirs in zip(model.get_weights(), arrays(f"opt/{name}/weights")):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=2e-6)


def test_fit_history_and_weights_match_keras():
    model = addition_model()
    model.set_weights(arrays("addition/weights"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])
    hist = model.fit(G["addition/x"], G["addition/y"], batch_size=5, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], G["fit/loss"], rtol=1e-5)
    np.testing.assert_allclose(hist.history["acc"], G["fit/acc"], rtol=1e-6)
    for ours, theirs in zip(model.get_weights(), arrays("fit/weights")):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=2e-6)


def test_losses_match_keras_including_saturated():
    p, y = G["loss/p"], G["loss/y"]
    np.testing.assert_allclose(losses.get("categorical_crossentropy")(y, p), G["loss/categorical"], rtol=1e-6)
    np.testing.assert_allclose(losses.get("sparse_categorical_crossentropy")(np.argmax(y, -1), p),
                               G["loss/sparse"], rtol=1e-6)
    np.testing.assert_allclose(losses.get("binary_crossentropy")(y, p), G["loss/binary"], rtol=1e-6)
    np.testing.assert_allclose(losses.get("mse")(y, p), G["loss/mse"], rtol=1e-6)
    z, yz = G["loss/z"], G["loss/yz"]
    np.testing.assert_allclose(losses.BinaryCrossentropy(from_logits=True)(yz, z), G["loss/binary_logits"], rtol=1e-6)
    np.testing.assert_allclose(losses.CategoricalCrossentropy(from_logits=True)(yz / yz.sum(-1, keepdims=True), z),
                               G["loss/categorical_logits"], rtol=1e-6)


@pytest.mark.parametrize("seq", [True, False])
def test_mask_zero_semantics_match_keras(seq):
    """Right padding carries the state; left padding outputs zeros until the first token."""
    model = Sequential([layers.Embedding(10, 4, mask_zero=True, input_length=5),
                        layers.LSTM(3, return_sequences=seq)])
    model.set_weights(arrays(f"mask/seq={seq}/weights"))
    np.testing.assert_allclose(model.predict(G["mask/ids"]), G[f"mask/seq={seq}/out"], rtol=1e-5, atol=1e-7)


def test_masked_loss_and_accuracy_match_keras():
    model = Sequential([layers.Embedding(10, 4, mask_zero=True, input_length=5),
                        layers.LSTM(3, return_sequences=True), layers.Dense(1, activation="sigmoid")])
    model.set_weights(arrays("masked_loss/weights"))
    model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["acc"])
    np.testing.assert_allclose(model.evaluate(G["mask/ids"], G["masked_loss/y"]), G["masked_loss/eval"], rtol=1e-5)
