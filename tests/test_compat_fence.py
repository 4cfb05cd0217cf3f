"""Keras 2 lives in lstm_np/compat only: the files a learner reads carry none of it, and
classic scripts still get every name, argument and method (translated in compat/keras2)."""
import pathlib

import numpy as np
import pytest

import lstm_np as keras
from lstm_np.layers import arguments

PACKAGE = pathlib.Path(keras.__file__).parent
LEARNER_FILES = ["layers/base.py", "layers/recurrent.py", "layers/cells.py", "layers/__init__.py",
                 "models/training.py", "models/trainer.py", "core/lstm.py"]
KERAS2_WORDS = ["CuDNN", "Recurrent =", '"implementation"', "predict_classes", "predict_proba",
                "fit_generator", "evaluate_generator", "predict_generator", "_legacy", "input_dim =", "input_length"]


@pytest.mark.parametrize("path", LEARNER_FILES, ids=LEARNER_FILES)
def test_learner_files_hold_no_keras2(path):
    text = (PACKAGE / path).read_text()
    assert [w for w in KERAS2_WORDS if w in text] == []


def test_every_translator_comes_from_compat():
    assert arguments._TRANSLATORS and all(f.__module__.startswith("lstm_np.compat.") for f in arguments._TRANSLATORS)


@pytest.mark.parametrize("make, shape", [
    (lambda: keras.layers.Dense(12, input_dim=8), (8,)),
    (lambda: keras.layers.Dense(12, input_dim=8, input_length=3), (3, 8)),
    (lambda: keras.layers.LSTM(4, input_dim=3, input_length=5), (5, 3)),
    (lambda: keras.layers.LSTM(4, input_dim=3), (None, 3)),
    (lambda: keras.layers.GRU(4, input_dim=3, implementation=2), (None, 3)),
    (lambda: keras.layers.Dense(2, input_dim=9, input_shape=(4,)), (4,)),       # input_shape wins
], ids=["dense", "dense-length", "lstm-length", "lstm", "gru-ignored-args", "input-shape-wins"])
def test_keras2_arguments_become_input_shapes(make, shape):
    assert make().input_shape_arg == shape


def test_keras2_weights_argument_is_set_once_built():
    w = [np.full((4, 2), 0.5), np.array([1.0, -1.0])]
    dense = keras.layers.Dense(2, weights=w, input_shape=(4,))
    model = keras.Sequential([dense])
    np.testing.assert_allclose(model.predict(np.ones((1, 4)), verbose=0), [[3.0, 1.0]], rtol=1e-6)
    with pytest.raises(ValueError, match="expects shape"):
        keras.Sequential([keras.layers.Dense(2, weights=[np.ones((3, 2)), np.zeros(2)], input_shape=(4,))])


def test_an_unknown_argument_is_still_refused():
    with pytest.raises(TypeError, match="unexpected arguments"):
        keras.layers.Dense(2, input_dimm=3)


def test_keras2_names_and_methods():
    assert keras.layers.Recurrent is keras.layers.RNN
    from lstm_np.layers import CuDNNGRU, CuDNNLSTM
    model = keras.Sequential([CuDNNLSTM(3, input_shape=(4, 2), seed=0), keras.layers.Dense(1, activation="sigmoid")])
    again = keras.Sequential.from_config(model.get_config())
    assert type(again.layers[0]) is CuDNNLSTM and isinstance(CuDNNGRU(2), keras.layers.GRU)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    x = np.random.default_rng(0).normal(size=(6, 4, 2))
    assert model.predict_classes(x).shape == (6, 1)
    np.testing.assert_array_equal(model.predict_proba(x), model.predict(x, verbose=0))

    def batches():
        while True:
            yield x, np.ones((6, 1))
    history = model.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(model.evaluate_generator(batches(), steps=1))
    assert model.predict_generator(batches(), steps=2).shape == (12, 1)
