"""Reliability: callbacks, no silent NaN, determinism, numerical range, long sequences, fuzzing."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lstm_np
from lstm_np import callbacks, layers, optimizers
from lstm_np.errors import NonFiniteError
from lstm_np.models import Sequential, load_model


def small_model(seed=0, opt="adam"):
    m = Sequential([layers.LSTM(4, input_shape=(None, 2), seed=seed), layers.Dense(1, seed=seed + 1)], seed=seed)
    m.compile(loss="mse", optimizer=opt)
    return m


def data(rng, n=32, T=6):
    x = rng.random((n, T, 2)).astype("float32")
    return x, x.sum(axis=(1, 2))[:, None] / T


def test_early_stopping_stops_and_restores_best(rng):
    m = small_model()
    x, y = data(rng)
    es = callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=10.0, restore_best_weights=True)
    h = m.fit(x, y, epochs=20, batch_size=8, verbose=0, callbacks=[es])
    assert len(h.history["loss"]) == 2 and es.stopped_epoch == 1
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):   # as Keras 3
        m.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping()])


def test_model_checkpoint_best_only(tmp_path, rng):
    m = small_model()
    x, y = data(rng)
    ck = callbacks.ModelCheckpoint(str(tmp_path / "ck-{epoch:02d}.npz"), monitor="loss", save_best_only=True)
    m.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[ck])
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert saved and saved[0] == "ck-01.npz"
    best = load_model(tmp_path / saved[-1])
    assert best.count_params() == m.count_params()


def exploding(rng):
    m = Sequential([layers.Dense(1, input_shape=(3,), seed=0)], seed=0)
    m.compile(loss="mse", optimizer=optimizers.SGD(learning_rate=1e30))
    x = rng.random((16, 3)).astype("float32") * 100
    return m, x, np.full((16, 1), 1e6, "float32")


def test_non_finite_loss_stops_with_clear_error_and_finite_weights(rng):
    m, x, y = exploding(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(NonFiniteError, match="not finite|became"):
            m.fit(x, y, epochs=5, batch_size=4, verbose=0, shuffle=False)
    assert all(np.all(np.isfinite(w)) for w in m.get_weights())
    assert issubclass(NonFiniteError, ValueError)


def test_terminate_on_nan_stops_quietly(rng, capsys):
    m, x, y = exploding(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        h = m.fit(x, y, epochs=5, batch_size=4, verbose=0, shuffle=False, callbacks=[callbacks.TerminateOnNaN()])
    assert "terminating training" in capsys.readouterr().out
    assert len(h.history.get("loss", [])) <= 1
    assert all(np.all(np.isfinite(w)) for w in m.get_weights())


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_same_seed_gives_bit_identical_training(backend, rng):
    old = lstm_np.get_backend()
    lstm_np.set_backend(backend)
    try:
        x, y = data(rng)
        runs = []
        for _ in range(2):
            m = Sequential([layers.Bidirectional(layers.LSTM(4, return_sequences=True, dropout=0.2, seed=3),
                                                 input_shape=(None, 2)),
                            layers.GRU(3, recurrent_dropout=0.2, seed=4), layers.Dropout(0.1, seed=5),
                            layers.Dense(1, seed=6)], seed=7)
            m.compile(loss="mse", optimizer="adam")
            m.fit(x, y, epochs=2, batch_size=8, verbose=0)
            runs.append(m.get_weights())
        for a, b in zip(*runs):
            np.testing.assert_array_equal(a, b)
    finally:
        lstm_np.set_backend(old)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_large_inputs_saturate_without_warnings(backend, rng):
    old = lstm_np.get_backend()
    lstm_np.set_backend(backend)
    try:
        m = Sequential([layers.LSTM(4, input_shape=(None, 2), return_sequences=True, seed=0),
                        layers.TimeDistributed(layers.Dense(1, activation="sigmoid", seed=0))])
        m.compile(loss="binary_crossentropy", optimizer="adam")
        x = (rng.standard_normal((8, 5, 2)) * 1e4).astype("float32")
        y = (rng.random((8, 5, 1)) > 0.5).astype("float32")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                m.fit(x, y, epochs=2, batch_size=4, verbose=0)
        assert all(np.all(np.isfinite(w)) for w in m.get_weights())
    finally:
        lstm_np.set_backend(old)


def test_ten_thousand_step_sequence_trains(rng):
    m = Sequential([layers.LSTM(8, input_shape=(None, 1), seed=0), layers.Dense(1, seed=0)])
    m.compile(loss="mse", optimizer="adam")
    x = rng.random((2, 10000, 1)).astype("float32")
    h = m.fit(x, np.ones((2, 1), "float32"), epochs=2, verbose=0)
    assert np.all(np.isfinite(h.history["loss"]))


def test_truncated_bptt_with_a_stateful_layer(rng):
    """A long stream in chunks: the state crosses chunk borders, gradients do not."""
    m = Sequential([layers.LSTM(6, batch_input_shape=(2, 50, 1), stateful=True, return_sequences=True, seed=0),
                    layers.TimeDistributed(layers.Dense(1, seed=0))])
    m.compile(loss="mse", optimizer="adam")
    stream = rng.random((2, 500, 1)).astype("float32")
    target = np.cumsum(stream, axis=1) % 1.0
    for start in range(0, 500, 50):
        m.train_on_batch(stream[:, start:start + 50], target[:, start:start + 50])
    assert m.layers[0].states is not None
    m.layers[0].reset_states()
    assert m.layers[0].states is None


# -- fuzzing: only ValueError / TypeError escape, and a failed call changes nothing -------
FUZZ_DTYPES = st.sampled_from(["float32", "float64", "int64", "bool", "complex64"])
ARRAYS = hnp.arrays(dtype=FUZZ_DTYPES, shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
                    elements=None)
ODD = st.one_of(ARRAYS, st.none(), st.text(max_size=3), st.lists(st.integers(), max_size=3),
                st.floats(allow_nan=True), st.just([[1, 2], [3]]))


def fuzz_model():
    m = Sequential([layers.LSTM(3, input_shape=(None, 2), seed=1), layers.Dense(2, activation="softmax", seed=2)], seed=3)
    m.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])
    return m


MODEL = fuzz_model()


@given(x=ODD, y=ODD, call=st.sampled_from(["fit", "evaluate", "predict", "train_on_batch"]),
       batch_size=st.one_of(st.none(), st.integers(-2, 5)))
def test_fuzz_public_api(x, y, call, batch_size):
    before = [w.copy() for w in MODEL.get_weights()]
    iters = MODEL.optimizer.iterations
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if call == "fit":
                MODEL.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
            elif call == "evaluate":
                MODEL.evaluate(x, y, batch_size=batch_size)
            elif call == "predict":
                MODEL.predict(x, batch_size=batch_size)
            else:
                MODEL.train_on_batch(x, y)
    except (ValueError, TypeError):
        for a, b in zip(MODEL.get_weights(), before):
            np.testing.assert_array_equal(a, b)
        assert MODEL.optimizer.iterations == iters
