"""Keras 2's preprocessing that classic scripts import — Tokenizer, TimeseriesGenerator — and
small Keras utilities (clear_session, clone_model, metric names). Expected values are Keras
2's own (its keras-preprocessing test suite and documented rules)."""
import numpy as np
import pytest

import lstm_np as keras
from lstm_np.preprocessing.sequence import TimeseriesGenerator, pad_sequences
from lstm_np.preprocessing.text import (Tokenizer, hashing_trick, text_to_word_sequence,
                                        tokenizer_from_json)


def test_words_are_ranked_by_count_ties_in_first_seen_order():
    tok = Tokenizer()
    tok.fit_on_texts(["The cat sat on the mat.", "The dog ate my homework."])
    assert list(tok.word_index.items())[:4] == [("the", 1), ("cat", 2), ("sat", 3), ("on", 4)]
    assert tok.word_index["homework"] == 9 and tok.index_word[1] == "the" and tok.document_count == 2
    assert tok.word_counts["the"] == 3 and tok.word_docs["the"] == 2
    assert text_to_word_sequence("Hello, World!  x") == ["hello", "world", "x"]


def test_unknown_words_vanish_or_become_the_oov_index():
    train, test = ["This text has only known words"], ["This text has some unknown words"]
    tok = Tokenizer()
    tok.fit_on_texts(train)
    assert len(tok.texts_to_sequences(test)[0]) == 4                # the two unknown words dropped
    tok = Tokenizer(oov_token="<unk>")
    tok.fit_on_texts(train)
    seq = tok.texts_to_sequences(test)[0]
    assert len(seq) == 6 and seq[3] == seq[4] == 1 == tok.word_index["<unk>"]


def test_num_words_keeps_the_indices_below_it():
    tok = Tokenizer(num_words=3, oov_token="<unk>")
    tok.fit_on_texts(["This text has only known words this text"])
    seqs = tok.texts_to_sequences(["This text has some unknown words"])
    assert tok.sequences_to_texts(seqs) == ["this <unk> <unk> <unk> <unk> <unk>"]
    plain = Tokenizer(num_words=3)
    plain.fit_on_texts(["a a a b b c"])
    assert plain.texts_to_sequences(["a b c d"]) == [[1, 2]]


def test_matrices_in_every_mode():
    tok = Tokenizer()
    tok.fit_on_texts(["a a b", "b c"])                               # a:1 (2), b:2 (2), c:3 (1)
    np.testing.assert_array_equal(tok.texts_to_matrix(["a a b"], "binary"), [[0, 1, 1, 0]])
    np.testing.assert_array_equal(tok.texts_to_matrix(["a a b"], "count"), [[0, 2, 1, 0]])
    np.testing.assert_allclose(tok.texts_to_matrix(["a a b"], "freq"), [[0, 2 / 3, 1 / 3, 0]])
    idf_a = np.log(1 + 2 / (1 + 1))                                   # 2 documents, a in 1
    np.testing.assert_allclose(tok.texts_to_matrix(["a a"], "tfidf")[0, 1], (1 + np.log(2)) * idf_a)
    with pytest.raises(ValueError, match="unknown vectorization mode"):
        tok.texts_to_matrix(["a"], "bogus")
    with pytest.raises(ValueError, match="fit on some text"):
        Tokenizer().texts_to_matrix(["a"])


def test_char_level_lists_json_and_hashing():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["abca"])
    assert tok.texts_to_sequences(["cab"]) == [[3, 1, 2]]
    words = Tokenizer()
    words.fit_on_texts([["New", "York"], ["new"]])                   # lists are tokens already
    assert words.word_index == {"new": 1, "york": 2}
    again = tokenizer_from_json(words.to_json())
    assert again.word_index == words.word_index and again.texts_to_sequences([["york"]]) == [[2]]
    assert hashing_trick("a b a", 10, "md5") == hashing_trick("a b a", 10, "md5")
    assert all(1 <= i <= 9 for i in hashing_trick("a b c d e", 10, "md5"))
    with pytest.raises(TypeError, match="list of texts"):
        words.fit_on_texts("one string")


def test_timeseries_generator_windows_as_keras2():
    data = np.array([[i] for i in range(50)])
    gen = TimeseriesGenerator(data, data, length=10, sampling_rate=2, batch_size=2)
    assert len(gen) == 20
    x, y = gen[0]
    np.testing.assert_array_equal(x, [[[0], [2], [4], [6], [8]], [[1], [3], [5], [7], [9]]])
    np.testing.assert_array_equal(y, [[10], [11]])
    np.testing.assert_array_equal(gen[-1][1], [[48], [49]])
    rev = TimeseriesGenerator(data, data, length=10, sampling_rate=2, reverse=True, batch_size=2)
    np.testing.assert_array_equal(rev[0][0][0], [[8], [6], [4], [2], [0]])
    strided = TimeseriesGenerator(data, data, length=10, stride=3, start_index=5, end_index=30, batch_size=4)
    np.testing.assert_array_equal(strided[0][1].ravel(), [15, 18, 21, 24])
    assert len(strided) == 2 and strided[1][1].ravel().tolist() == [27, 30]   # end_index included
    shuffled = TimeseriesGenerator(data, data, length=10, batch_size=4, shuffle=True, seed=0)
    xs, ys = shuffled[0]
    assert xs.shape == (4, 10, 1) and all(x[-1, 0] + 1 == t[0] for x, t in zip(xs, ys))
    with pytest.raises(ValueError, match="start_index\\+length=55 > end_index=49"):
        TimeseriesGenerator(data, data, length=10, start_index=45)
    with pytest.raises(ValueError, match="same length"):
        TimeseriesGenerator(data, data[:-1], length=3)


def test_a_model_trains_on_a_timeseries_generator():
    series = np.sin(np.arange(200) / 8.0).astype("float32")[:, None]
    gen = TimeseriesGenerator(series, series, length=12, batch_size=16)
    model = keras.Sequential([keras.Input((12, 1)), keras.layers.LSTM(8, seed=0), keras.layers.Dense(1, seed=1)])
    model.compile(optimizer="adam", loss="mse", metrics=[keras.metrics.RootMeanSquaredError(), "mape"])
    first = model.evaluate(gen, verbose=0)
    hist = model.fit(gen, epochs=15, verbose=0).history
    assert set(hist) == {"loss", "root_mean_squared_error", "mape"}
    assert hist["loss"][-1] < first[0]
    np.testing.assert_allclose(hist["root_mean_squared_error"][-1] ** 2, hist["loss"][-1], rtol=0.3)
    assert pad_sequences([[1, 2]], maxlen=3).tolist() == [[0, 1, 2]]


def test_clear_session_restarts_automatic_names():
    keras.backend.clear_session()
    assert keras.layers.LSTM(2).name == "lstm" and keras.layers.LSTM(2).name == "lstm_1"
    keras.utils.clear_session()
    assert keras.layers.LSTM(2).name == "lstm"


def test_clone_model_has_the_same_graph_and_new_weights():
    x = keras.Input((5, 2))
    y = keras.layers.Dense(1)(keras.layers.LSTM(3)(x))
    model = keras.Model(x, y)
    clone = keras.models.clone_model(model)
    assert type(clone) is keras.Model and [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])   # fresh kernel
    clone.set_weights(model.get_weights())
    data = np.random.default_rng(0).random((3, 5, 2))
    np.testing.assert_array_equal(clone.predict(data, verbose=0), model.predict(data, verbose=0))
    with pytest.raises(TypeError, match="no input_tensors"):
        keras.models.clone_model(model, clone_function=lambda l: l)


def test_keras2_decay_divides_each_steps_learning_rate():
    """Keras 2: lr_t = lr / (1 + decay · iterations), iterations counted before the step."""
    opt = keras.optimizers.SGD(lr=0.1, decay=0.5)
    p = np.array([1.0])
    for t in range(3):
        opt.apply_gradients([("w", p, np.array([1.0]))])
    assert p[0] == pytest.approx(1.0 - 0.1 * (1 + 1 / 1.5 + 1 / 2.0))
    assert opt.learning_rate == 0.1 and opt.get_config()["decay"] == 0.5          # the base rate
    assert "decay" not in keras.optimizers.Adam().get_config()
    with pytest.raises(ValueError, match="decay must be >= 0"):
        keras.optimizers.Adam(decay=-1.0)


def test_metrics_names_follow_evaluates_order():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    assert model.metrics_names == []
    model.compile("adam", "mse", metrics=["mae", keras.metrics.RootMeanSquaredError()])
    scores = model.evaluate(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    assert model.metrics_names == ["loss", "mae", "root_mean_squared_error"] and len(scores) == 3


def test_keras2_input_dim_and_input_length():
    """Dense(12, input_dim=8) of the classic MLP scripts; LSTM(8, input_dim=3, input_length=5)."""
    model = keras.Sequential([keras.layers.Dense(12, input_dim=8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    assert model.input_shape == (None, 8)
    assert keras.layers.LSTM(8, input_dim=3, input_length=5).input_shape_arg == (5, 3)
    assert keras.layers.RNN(keras.layers.GRUCell(2), input_dim=3).input_shape_arg == (None, 3)
    assert keras.layers.Dense(2, input_dim=4, input_shape=(6,)).input_shape_arg == (6,)   # input_shape wins


def test_keras2_weights_argument_sets_the_initial_weights():
    dense = keras.layers.Dense(2, weights=[np.ones((3, 2)), np.zeros(2)])
    np.testing.assert_array_equal(dense(np.ones((1, 3))), [[3.0, 3.0]])          # set when built
    twin = keras.layers.Bidirectional(keras.layers.LSTM(2), input_shape=(4, 3))
    given = [np.full_like(w, 0.25) for w in twin.get_weights()]
    bi = keras.layers.Bidirectional(keras.layers.LSTM(2), input_shape=(4, 3), weights=given)
    for a, b in zip(bi.get_weights(), given):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="expects shape"):
        keras.layers.Dense(2, weights=[np.ones((4, 2)), np.zeros(2)])(np.ones((1, 3)))


def test_cudnn_layers_of_keras2_scripts_are_the_same_recurrences():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 2)).astype("float32")
    for cudnn, plain in ((keras.layers.CuDNNLSTM, keras.layers.LSTM), (keras.layers.CuDNNGRU, keras.layers.GRU)):
        a, b = cudnn(4, return_sequences=True, seed=3), plain(4, return_sequences=True, seed=3)
        np.testing.assert_array_equal(a.forward(x), b.forward(x))
        assert a.fast and a.count_params() == b.count_params()
