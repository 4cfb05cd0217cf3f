"""Sequential: build, summary, fit/evaluate/predict, save/load round trip."""
import numpy as np
import pytest

import lstm_np as keras
from lstm_np import layers, optimizers
from lstm_np.models import Sequential, load_model


def stacked_slides_model():
    model = Sequential()
    model.add(layers.Embedding(10000, 32, input_length=500))
    model.add(layers.LSTM(32, return_sequences=True, dropout=0.2))
    model.add(layers.LSTM(32, return_sequences=True, dropout=0.2))
    model.add(layers.LSTM(32, dropout=0.2))
    model.add(layers.Dense(1, activation="sigmoid"))
    return model


def test_stacked_slides_model_summary_reports_344993():
    model = stacked_slides_model()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Total params: 344,993" in text
    assert "Trainable params: 344,993" in text
    assert "Non-trainable params: 0" in text
    assert "embedding" in text and "(None, 500, 32)" in text and "(None, 1)" in text
    assert model.count_params() == 344993
    assert [l.count_params() for l in model.layers] == [320000, 8320, 8320, 8320, 33]


def test_param_counts_match_keras_formulas():
    for D, H in [(1, 1), (3, 7), (32, 32)]:
        assert layers.LSTM(H, input_shape=(None, D)).count_params() == 4 * ((D + H) * H + H)
        assert layers.SimpleRNN(H, input_shape=(None, D)).count_params() == (D + H) * H + H
        assert layers.Dense(H, input_shape=(D,)).count_params() == D * H + H


def test_frozen_embedding_counts_as_non_trainable_and_is_not_updated(rng):
    pretrained = rng.standard_normal((20, 4)).astype("float32")
    model = Sequential([layers.Embedding(20, 4, weights=[pretrained], trainable=False, input_length=6),
                        layers.LSTM(3), layers.Dense(1, activation="sigmoid")])
    lines = []
    model.summary(print_fn=lines.append)
    assert "Non-trainable params: 80" in "\n".join(lines)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    model.fit(rng.integers(0, 20, (8, 6)), rng.integers(0, 2, (8, 1)), epochs=2, verbose=0)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], pretrained)


def test_input_opens_a_sequential_and_builds_at_once():
    model = Sequential([keras.Input(shape=(10, 1)), layers.LSTM(20, return_sequences=True),
                        layers.TimeDistributed(layers.Dense(1, activation="sigmoid"))])
    assert model.built and model.count_params() == 1760 + 21
    assert [w.shape for w in model.get_weights()] == [(1, 80), (20, 80), (80,), (20, 1), (1,)]
    assert model.output_shape == (None, 10, 1)


def test_unbuilt_model_builds_on_first_use(rng):
    model = Sequential([layers.LSTM(4), layers.Dense(2)])
    assert not model.built
    with pytest.raises(ValueError, match="input shape"):
        model.summary(print_fn=lambda s: None)
    assert model.predict(rng.random((3, 5, 2))).shape == (3, 2)
    assert model.built


def cumsum_batch(rng, n, T=10):
    X = rng.random((n, T, 1))
    y = (np.cumsum(X, axis=1) > T / 4.0).astype("int32")
    return X, y


def test_tutorial_model_learns_cumsum(rng):
    model = Sequential()
    model.add(layers.LSTM(20, input_shape=(10, 1), return_sequences=True, seed=0))
    model.add(layers.TimeDistributed(layers.Dense(1, activation="sigmoid", seed=0)))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    X, y = cumsum_batch(rng, 512)
    hist = model.fit(X, y, epochs=15, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    Xt, yt = cumsum_batch(rng, 200)
    loss, acc = model.evaluate(Xt, yt)
    assert acc > 0.9, acc
    classes = model.predict_classes(Xt[:1])
    assert classes.shape == (1, 10, 1) and set(np.unique(classes)) <= {0, 1}


def test_fit_validation_split_and_data(rng):
    model = Sequential([layers.LSTM(4, input_shape=(5, 2)), layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    x, y = rng.random((20, 5, 2)), rng.integers(0, 3, 20)
    h = model.fit(x, y, epochs=3, batch_size=4, validation_split=0.25, verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in h.history.values())
    h = model.fit(x, y, epochs=1, validation_data=(x[:5], y[:5]), verbose=0)
    assert "val_loss" in h.history


def test_verbose_modes_print(rng, capsys):
    model = Sequential([layers.LSTM(4, input_shape=(5, 2)), layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    x, y = rng.random((8, 5, 2)), rng.integers(0, 2, (8, 1))
    model.fit(x, y, epochs=2, batch_size=4, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "loss:" in out and "acc:" in out
    model.fit(x, y, epochs=1, batch_size=4, verbose=1)
    assert "Epoch 1/1" in capsys.readouterr().out


def test_train_on_batch_returns_loss_and_metrics(rng):
    model = Sequential([layers.Dense(2, activation="softmax", input_shape=(3,))])
    model.compile(loss="categorical_crossentropy", optimizer=optimizers.SGD(0.1), metrics=["acc"])
    x = rng.random((4, 3))
    y = np.eye(2)[[0, 1, 1, 0]]
    loss, acc = model.train_on_batch(x, y)
    assert np.isfinite(loss) and 0 <= acc <= 1


def test_stacked_lstm_with_dropout_trains(rng):
    model = Sequential([layers.Embedding(50, 8, input_length=12),
                        layers.LSTM(8, return_sequences=True, dropout=0.2, recurrent_dropout=0.2),
                        layers.LSTM(8, dropout=0.2), layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    x = rng.integers(0, 50, (32, 12))
    y = (x[:, :1] >= 25).astype(int)
    h = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.all(np.isfinite(h.history["loss"]))


@pytest.mark.parametrize("opt", ["adam", "rmsprop", "sgd", "adagrad"])
def test_save_load_round_trip_is_exact_and_resumes(tmp_path, rng, opt):
    def make():
        m = Sequential([layers.Embedding(30, 5, mask_zero=True, input_length=7),
                        layers.LSTM(6, return_sequences=True, go_backwards=True, dropout=0.2),
                        layers.SimpleRNN(4), layers.Dropout(0.3), layers.RepeatVector(3),
                        layers.LSTM(5, return_sequences=True, recurrent_dropout=0.1),
                        layers.TimeDistributed(layers.Dense(2, activation="softmax"))])
        m.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["acc"])
        return m
    x = rng.integers(0, 30, (10, 7))
    y = np.eye(2)[rng.integers(0, 2, (10, 3))]
    model = make()
    model.fit(x, y, epochs=1, batch_size=5, verbose=0, shuffle=False)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = load_model(path)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(x), loaded.predict(x))
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    # Optimizer state and random generators came along: more training gives identical weights.
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    loaded.fit(x, y, epochs=2, batch_size=4, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_model_rejects_foreign_and_corrupt_files(tmp_path):
    bad = tmp_path / "not_a_model.npz"
    bad.write_bytes(b"this is not a zip file")
    with pytest.raises(ValueError, match="not_a_model.npz"):
        load_model(bad)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.zeros(3))
    with pytest.raises(ValueError, match="foreign.npz"):
        load_model(foreign)
    model = Sequential([layers.Dense(2, input_shape=(3,))])
    good = tmp_path / "good.npz"
    model.save(good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated.npz"):
        load_model(truncated)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.npz")


def test_save_leaves_no_temporary_files(tmp_path):
    model = Sequential([layers.Dense(2, input_shape=(3,))])
    model.save(tmp_path / "m.npz")
    model.save(tmp_path / "m.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_keras_namespace_carries_a_classic_script():
    assert keras.Sequential is Sequential
    for name in ("LSTM", "SimpleRNN", "Dense", "Embedding", "Dropout", "TimeDistributed",
                 "RepeatVector", "Masking", "Input"):
        assert hasattr(keras.layers, name)
    for name in ("Adam", "RMSprop", "SGD", "Adagrad"):
        assert hasattr(keras.optimizers, name)
    from lstm_np.layers import LSTM, Dense, TimeDistributed  # noqa: F401
    from lstm_np.models import Sequential as S  # noqa: F401


def test_compile_takes_keras_positional_order(rng):
    """The classic IMDB BiLSTM script calls model.compile('adam', 'binary_crossentropy', ...)."""
    model = Sequential([layers.Embedding(20, 8, input_length=6), layers.Bidirectional(layers.LSTM(4)),
                        layers.Dropout(0.5), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    assert isinstance(model.optimizer, optimizers.Adam) and model.loss.name == "binary_crossentropy"
    x = keras.utils.pad_sequences([[1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11, 12]], maxlen=6)
    y = np.array([1, 0, 1])
    h = model.fit(x, y, batch_size=2, epochs=1, validation_data=[x, y], verbose=0)
    assert "val_accuracy" in h.history


def test_compile_also_accepts_loss_first_and_keywords():
    for args, kwargs in ((("mse", "sgd"), {}), (("mse",), {}), ((), {"loss": "mse", "optimizer": "sgd"}),
                         (("sgd",), {"loss": "mse"})):
        model = Sequential([layers.Dense(1, input_shape=(2,))])
        model.compile(*args, **kwargs)
        assert model.loss.name == "mse"
        assert isinstance(model.optimizer, optimizers.SGD if "sgd" in args + tuple(kwargs.values())
                          else optimizers.RMSprop)
