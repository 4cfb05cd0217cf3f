"""Bad input raises ValueError/TypeError naming expected and received, before any state changes."""
import numpy as np
import pytest

from lstm_np import layers, optimizers
from lstm_np.models import Sequential


def compiled_lstm_model():
    model = Sequential([layers.LSTM(4, input_shape=(5, 3)), layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


def snapshot(model):
    return [w.copy() for w in model.get_weights()], model.optimizer.iterations


def assert_unchanged(model, snap):
    weights, iterations = snap
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == iterations


@pytest.mark.parametrize("x,match", [
    (np.zeros((2, 5)), r"rank 3.*received shape \(2, 5\)"),
    (np.zeros((2, 5, 4)), r"shape \(None, 5, 3\), received \(2, 5, 4\)"),
    (np.full((2, 5, 3), np.nan), "NaN"),
    (np.full((2, 5, 3), np.inf), "NaN or inf"),
])
def test_fit_rejects_bad_x_before_any_change(x, match, rng):
    model = compiled_lstm_model()
    model.fit(rng.random((4, 5, 3)), np.ones((4, 1)), verbose=0)
    snap = snapshot(model)
    with pytest.raises(ValueError, match=match):
        model.fit(x, np.ones((len(x), 1)), verbose=0)
    assert_unchanged(model, snap)


def test_fit_rejects_bad_y(rng):
    model = compiled_lstm_model()
    snap = snapshot(model)
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit(rng.random((4, 5, 3)), np.ones((3, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"expects targets of shape \(4, 1\).*received \(4, 2\)"):
        model.fit(rng.random((4, 5, 3)), np.ones((4, 2)), verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(rng.random((4, 5, 3)), np.full((4, 1), np.nan), verbose=0)
    with pytest.raises(TypeError, match="numeric"):
        model.fit(rng.random((4, 5, 3)), np.array([["a"]] * 4), verbose=0)
    assert_unchanged(model, snap)


def test_fit_rejects_nan_in_the_last_batch_before_training(rng):
    model = compiled_lstm_model()
    snap = snapshot(model)
    x = rng.random((64, 5, 3))
    x[-1, -1, -1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(x, np.ones((64, 1)), batch_size=8, verbose=0)
    assert_unchanged(model, snap)


@pytest.mark.parametrize("ids,match", [
    (np.array([[1, 2, 10]]), r"\[0, 9\].*received ids from 1 to 10"),
    (np.array([[1, -1, 2]]), r"\[0, 9\].*received ids from -1 to 2"),
    (np.array([[1.5, 2, 10.5]]), r"received ids from 1 to 10"),           # truncated as Keras, then checked
])
@pytest.mark.filterwarnings("ignore:.*non-integral token ids truncated")   # the 1.5 case: warned, then refused
def test_embedding_rejects_ids_outside_the_vocabulary(ids, match):
    model = Sequential([layers.Embedding(10, 3, input_length=3), layers.LSTM(2), layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    snap = snapshot(model)
    with pytest.raises(ValueError, match=match):
        model.fit(ids, np.zeros((1, 1)), verbose=0)
    with pytest.raises(ValueError, match=match):
        model.predict(ids)
    with pytest.raises(ValueError, match=match):
        layers.Embedding(10, 3)(ids)
    assert_unchanged(model, snap)


def test_unknown_names():
    model = Sequential([layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="unknown loss 'binary_crossentropi'"):
        model.compile(loss="binary_crossentropi", optimizer="adam")
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        model.compile(loss="mse", optimizer="adamm")
    with pytest.raises(ValueError, match="unknown metric"):
        model.compile(loss="mse", optimizer="adam", metrics=["acuracy"])
    with pytest.raises(TypeError, match="optimizer must be"):
        model.compile(loss="mse", optimizer=3)
    with pytest.raises(ValueError, match="Dense: unknown activation .sigmoidd."):
        layers.Dense(2, activation="sigmoidd")
    with pytest.raises(ValueError, match="unknown activation"):
        layers.LSTM(2, recurrent_activation="sigmod")
    with pytest.raises(ValueError, match="unknown initializer"):
        layers.LSTM(2, kernel_initializer="glorot")


@pytest.mark.parametrize("make,exc", [
    (lambda: layers.LSTM(0), ValueError), (lambda: layers.LSTM(-3), ValueError),
    (lambda: layers.LSTM("8"), TypeError), (lambda: layers.LSTM(2.5), TypeError),
    (lambda: layers.LSTM(4, dropout=1.0), ValueError), (lambda: layers.LSTM(4, recurrent_dropout=-0.1), ValueError),
    (lambda: layers.LSTM(4, return_sequences="yes"), TypeError),
    (lambda: layers.Dense(0), ValueError), (lambda: layers.Embedding(0, 3), ValueError),
    (lambda: layers.Embedding(10, 3, input_length=0), ValueError),
    (lambda: layers.Dropout(1.5), ValueError), (lambda: layers.RepeatVector(0), ValueError),
    (lambda: layers.LSTM(3, input_shape=(5, -1)), ValueError),
    (lambda: layers.LSTM(3, dtype="float16"), ValueError),
    (lambda: layers.LSTM(3, unknown_arg=1), TypeError),
    (lambda: optimizers.Adam(learning_rate=-1), ValueError),
    (lambda: optimizers.Adam(clipnorm=1.0, clipvalue=1.0), ValueError),
    (lambda: optimizers.SGD(momentum=2.0), ValueError),
])
def test_constructors_validate(make, exc):
    with pytest.raises(exc):
        make()


def test_set_weights_checks_count_and_every_shape_before_changing_anything(rng):
    model = compiled_lstm_model()
    before = [w.copy() for w in model.get_weights()]
    bad = [w.copy() + 1 for w in before]
    bad[-1] = np.zeros((7,))
    with pytest.raises(ValueError, match=r"expects shape \(1,\), received \(7,\)"):
        model.set_weights(bad)
    with pytest.raises(ValueError, match="expects 5 weight arrays, received 4"):
        model.set_weights(before[:4])
    with pytest.raises(ValueError, match=r"weight 'kernel' expects shape \(3, 16\), received \(16, 3\)"):
        model.layers[0].set_weights([before[0].T, before[1], before[2]])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_layer_forward_validation(rng):
    lstm = layers.LSTM(3)
    with pytest.raises(ValueError, match=r"rank 3 \(batch, timesteps, features\), received shape \(4,\)"):
        lstm(np.zeros(4))
    lstm(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match=r"expects 5 features.*received shape \(2, 3, 4\)"):
        lstm(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 3\), received \(2, 4\)"):
        lstm(np.zeros((2, 3, 5)), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"initial state h of shape \(2, 3\), received \(1, 3\)"):
        lstm(np.zeros((2, 3, 5)), initial_state=[np.zeros((1, 3)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="list of 2 arrays"):
        lstm(np.zeros((2, 3, 5)), initial_state=[np.zeros((2, 3))])
    with pytest.raises(TypeError, match="numeric array"):
        lstm([["a", "b"]])
    with pytest.raises(ValueError, match="at least one timestep"):
        lstm(np.zeros((2, 0, 5)))
    with pytest.raises(ValueError, match="rank 2"):
        layers.RepeatVector(3)(np.zeros((2, 3, 4)))


def test_uncompiled_model_says_so(rng):
    model = Sequential([layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="compile"):
        model.fit(np.zeros((2, 2)), np.zeros((2, 1)), verbose=0)


def test_fit_argument_validation(rng):
    model = compiled_lstm_model()
    x, y = rng.random((4, 5, 3)), np.ones((4, 1))
    for kwargs, match in [({"batch_size": 0}, "batch_size"), ({"epochs": -1}, "epochs"),
                          ({"validation_split": 1.5}, "validation_split"), ({"verbose": 5}, "verbose"),
                          ({"validation_data": (x,)}, "validation_data")]:
        with pytest.raises(ValueError, match=match):
            model.fit(x, y, **kwargs)
