"""ConvLSTM2D: Keras 3's numbers on the same weights (golden file made by
tests/golden/make_keras_convlstm_golden.py), checked gradients (float64 central differences,
states included), and the tutorial model that uses it."""
import os

import numpy as np
import pytest

import lstm_np as keras
from lstm_np import gradcheck, layers

G = np.load(os.path.join(os.path.dirname(__file__), "golden", "keras_convlstm_golden.npz"))
CASES = {"valid_2x2": ((2, 2), "valid", "tanh", True, 3), "same_3x3": ((3, 3), "same", "tanh", True, 3),
         "brownlee_1x2_relu": ((1, 2), "valid", "relu", False, 4), "same_2x3_last": ((2, 3), "same", "tanh", False, 2)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_equals_kerass(name):
    k, pad, act, seq, F = CASES[name]
    x = G[f"{name}/x"]
    layer = layers.ConvLSTM2D(F, k, padding=pad, activation=act, return_sequences=seq, return_state=True)
    layer.build(x.shape)
    layer.set_weights([G[f"{name}/w{i}"] for i in range(3)])
    assert layer.count_params() == int(G[f"{name}/params"])
    out, h, c = layer.forward(x)
    for got, key in ((out, "out"), (h, "h"), (c, "c")):
        np.testing.assert_allclose(got, G[f"{name}/{key}"], rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradients_are_checked(padding, return_sequences):
    rng = np.random.default_rng(1)
    layer = layers.ConvLSTM2D(2, (2, 3), padding=padding, return_sequences=return_sequences,
                              return_state=True, go_backwards=padding == "same", dtype="float64", seed=0)
    x = rng.standard_normal((2, 3, 4, 4, 2))
    Ro, So = (4, 4) if padding == "same" else (3, 2)
    states = [0.3 * rng.standard_normal((2, Ro, So, 2)) for _ in range(2)]
    errors = gradcheck.check_layer(layer, x, initial_state=states)
    assert max(errors.values()) < 1e-6, errors


def test_a_wrong_gradient_is_caught():
    """Negative control: the check sees a dU that is off by 1 %."""
    from lstm_np.core import conv_lstm
    rng = np.random.default_rng(2)
    layer = layers.ConvLSTM2D(2, (2, 2), return_sequences=True, dtype="float64", seed=0)
    x = rng.standard_normal((1, 3, 3, 3, 1))
    real = conv_lstm.conv_lstm_backward

    def off(*args):
        out = list(real(*args))
        out[4] = out[4] * 1.01
        return tuple(out)
    layers.extras.conv_lstm.conv_lstm_backward = off
    try:
        errors = gradcheck.check_layer(layer, x)
    finally:
        layers.extras.conv_lstm.conv_lstm_backward = real
    assert errors["recurrent_kernel"] > 1e-3 and errors["kernel"] < 1e-6


def test_the_tutorial_convlstm_model_trains(tmp_path):
    """Brownlee's ConvLSTM2D forecaster: (samples, n_seq, 1, n_steps, features)."""
    seq = np.arange(10, 100, 10, dtype="float32")
    X = np.array([seq[i:i + 4] for i in range(len(seq) - 4)]).reshape(-1, 2, 1, 2, 1) / 100
    y = seq[4:].reshape(-1, 1) / 100
    model = keras.Sequential()
    model.add(layers.ConvLSTM2D(filters=16, kernel_size=(1, 2), activation="relu", input_shape=(2, 1, 2, 1), seed=0))
    model.add(layers.Flatten())
    model.add(layers.Dense(1, seed=1))
    model.compile(optimizer="adam", loss="mse")
    first = model.evaluate(X, y, verbose=0)
    model.fit(X, y, epochs=60, verbose=0)
    assert model.evaluate(X, y, verbose=0) < first and model.predict(X[:1], verbose=0).shape == (1, 1)
    model.save(tmp_path / "convlstm.keras")
    loaded = keras.models.load_model(tmp_path / "convlstm.keras")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_what_is_not_supported_is_refused():
    with pytest.raises(ValueError, match="strides"):
        layers.ConvLSTM2D(2, 2, strides=2)
    with pytest.raises(ValueError, match="padding must be"):
        layers.ConvLSTM2D(2, 2, padding="causal")
    layer = layers.ConvLSTM2D(2, 3)
    with pytest.raises(ValueError, match="rank 5"):
        layer.forward(np.ones((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        layer.forward(np.ones((1, 2, 2, 2, 1)))


CASES_1D = {"conv1d_valid_3": (3, "valid", True, 3), "conv1d_same_2_last": (2, "same", False, 2)}


@pytest.mark.parametrize("name", sorted(CASES_1D))
def test_conv_lstm_1d_equals_kerass(name):
    k, pad, seq, F = CASES_1D[name]
    x = G[f"{name}/x"]
    layer = layers.ConvLSTM1D(F, k, padding=pad, return_sequences=seq, return_state=True)
    layer.build(x.shape)
    layer.set_weights([G[f"{name}/w{i}"] for i in range(3)])           # Keras's 1-D shapes
    assert layer.count_params() == int(G[f"{name}/params"])
    for got, key in zip(layer.forward(x), ("out", "h", "c")):
        np.testing.assert_allclose(got, G[f"{name}/{key}"], rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("return_sequences", [True, False])
def test_conv_lstm_1d_gradients_are_checked(return_sequences):
    rng = np.random.default_rng(3)
    layer = layers.ConvLSTM1D(3, 2, padding="same", return_sequences=return_sequences, return_state=True,
                              dtype="float64", seed=0)
    x = rng.standard_normal((2, 3, 5, 2))
    states = [0.2 * rng.standard_normal((2, 5, 3)) for _ in range(2)]
    errors = gradcheck.check_layer(layer, x, initial_state=states)
    assert max(errors.values()) < 1e-6, errors
    model = keras.Sequential([keras.Input((3, 5, 2)), layers.ConvLSTM1D(4, 2, seed=1), layers.Flatten(),
                              layers.Dense(1, seed=2)])
    model.compile("adam", "mse")
    model.fit(x.astype("float32"), np.ones((2, 1)), epochs=2, verbose=0)
    assert model.layers[0].get_config()["kernel_size"] == 2


@pytest.mark.parametrize("cls, shape", [(layers.ConvLSTM2D, (2, 3, 5, 5, 2)), (layers.ConvLSTM1D, (2, 3, 6, 2))],
                         ids=["2d", "1d"])
def test_dropout_and_recurrent_dropout_gradients(cls, shape):
    """Keras's dropout (on the frames) and recurrent_dropout (on h_{t-1}), one mask per sequence."""
    layer = cls(2, 3, padding="same", dropout=0.3, recurrent_dropout=0.4, dtype="float64", seed=0,
                return_sequences=True)
    x = np.random.default_rng(3).standard_normal(shape)
    assert max(gradcheck.check_layer(layer, x, training=True).values()) < 1e-6
    assert np.array_equal(layer(x), layer(x))                   # inference: no dropout
