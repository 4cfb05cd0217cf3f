"""Subclassed models (``class M(Model)`` with ``call``) and custom layers made of layers:
traced once into a graph, they train, predict and save exactly as the same functional model;
and a model compiled before its graph exists (a Sequential with no input shape)."""
import numpy as np
import pytest

import lstm_np as keras
from lstm_np import layers


class Regressor(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lstm = layers.LSTM(6, return_sequences=True, seed=1, dtype="float64")
        self.drop = layers.Dropout(0.3, seed=2)
        self.pool = layers.LSTM(5, seed=3, dtype="float64")
        self.out = layers.Dense(1, seed=4, dtype="float64")

    def call(self, x, training=False):
        h = self.drop(self.lstm(x), training=training)
        return self.out(self.pool(h))


def functional_regressor():
    x = keras.Input((7, 3), dtype="float64")
    h = layers.Dropout(0.3, seed=2)(layers.LSTM(6, return_sequences=True, seed=1, dtype="float64")(x))
    return keras.Model(x, layers.Dense(1, seed=4, dtype="float64")(layers.LSTM(5, seed=3, dtype="float64")(h)))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((24, 7, 3)), rng.standard_normal((24, 1))


def test_a_subclassed_model_trains_exactly_as_the_same_functional_model(data):
    x, y = data
    sub, fun = Regressor(), functional_regressor()
    sub.build((None, 7, 3))
    fun.set_weights(sub.get_weights())
    for m in (sub, fun):
        m.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    h_sub = sub.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    h_fun = fun.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    assert h_sub == h_fun                               # dropout masks, losses, metrics: the same
    for a, b in zip(sub.get_weights(), fun.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sub.predict(x, verbose=0), fun.predict(x, verbose=0))
    assert h_sub["loss"][-1] < h_sub["loss"][0]


def test_it_is_built_by_its_first_data_and_compiled_before(data):
    x, y = data
    m = Regressor(name="reg")
    assert [l.name for l in m.layers] == [m.lstm.name, m.drop.name, m.pool.name, m.out.name]   # before ...
    with pytest.raises(ValueError, match="has not been built yet"):
        m.summary()
    m.compile("adam", "mse")                            # before the graph exists
    m.fit(x, y, epochs=1, verbose=0)
    assert m.built and m.name == "reg" and m.count_params() == sum(w.size for w in m.get_weights())
    assert m(x[:2]).shape == (2, 1)                     # called on arrays, as Keras
    assert [l.name for l in m.layers] == [m.lstm.name, m.drop.name, m.pool.name, m.out.name]   # ... and after


class Encoder(layers.Layer):                           # a custom layer made of layers
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(12, 4, seed=5, dtype="float64")
        self.rnn = layers.LSTM(8, return_sequences=True, return_state=True, seed=6, dtype="float64")

    def call(self, x):
        return self.rnn(self.embedding(x))


class Translator(keras.Model):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.embedding = layers.Embedding(12, 4, seed=7, dtype="float64")
        self.decoder = layers.LSTM(8, return_sequences=True, seed=8, dtype="float64")
        self.attention = layers.Attention(dtype="float64")
        self.concat = layers.Concatenate()
        self.out = layers.Dense(12, activation="softmax", seed=9, dtype="float64")

    def call(self, inputs):
        src, tgt = inputs
        enc, h, c = self.encoder(src)
        d = self.decoder(self.embedding(tgt), initial_state=[h, c])
        return self.out(self.concat([self.attention([d, enc]), d]))


def functional_translator():
    src, tgt = keras.Input((5,), dtype="int32"), keras.Input((4,), dtype="int32")
    enc, h, c = layers.LSTM(8, return_sequences=True, return_state=True, seed=6, dtype="float64")(
        layers.Embedding(12, 4, seed=5, dtype="float64")(src))
    d = layers.LSTM(8, return_sequences=True, seed=8, dtype="float64")(
        layers.Embedding(12, 4, seed=7, dtype="float64")(tgt), initial_state=[h, c])
    ctx = layers.Attention(dtype="float64")([d, enc])
    out = layers.Dense(12, activation="softmax", seed=9, dtype="float64")(layers.Concatenate()([ctx, d]))
    return keras.Model([src, tgt], out)


def test_two_inputs_initial_state_and_a_custom_layer_match_the_functional_graph():
    rng = np.random.default_rng(1)
    src, tgt = rng.integers(1, 12, (16, 5)), rng.integers(1, 12, (16, 4))
    y = np.roll(tgt, -1, 1)
    sub, fun = Translator(), functional_translator()
    sub.compile("adam", "sparse_categorical_crossentropy")
    sub.predict([src[:2], tgt[:2]], verbose=0)           # traced here, from the data
    sub.set_weights(fun.get_weights())
    fun.compile("adam", "sparse_categorical_crossentropy")
    for _ in range(3):
        assert sub.train_on_batch([src, tgt], y) == fun.train_on_batch([src, tgt], y)
    for a, b in zip(sub.get_weights(), fun.get_weights()):
        np.testing.assert_array_equal(a, b)
    enc, h, c = Encoder()(src[:3])                      # eager: the custom layer runs its layers
    assert enc.shape == (3, 5, 8) and h.shape == c.shape == (3, 8)


def test_it_saves_as_the_graph_it_traced(tmp_path, data):
    x, y = data
    m = Regressor()
    m.compile("adam", "mse")
    m.fit(x, y, epochs=1, verbose=0)
    m.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), m.predict(x, verbose=0))
    m.save_weights(tmp_path / "w.weights.h5")
    again = Regressor()
    again.build((None, 7, 3))
    again.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(again.predict(x, verbose=0), m.predict(x, verbose=0))


def test_what_a_trace_cannot_follow_is_a_clear_error():
    class Doubler(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x) * float(np.asarray(x).max())          # reads values: cannot be traced

    with pytest.raises(TypeError, match="traces call.. once on symbolic tensors"):
        Doubler().predict(np.ones((2, 3)), verbose=0)
    with pytest.raises(TypeError, match="a subclass of Model with a call"):
        keras.Model()


def test_a_sequential_without_input_shape_compiles_before_it_is_built():
    """Keras's most common script: Sequential(); add(LSTM); add(Dense); compile; fit."""
    model = keras.Sequential()
    model.add(layers.LSTM(4))
    model.add(layers.Dense(1))
    model.compile(loss="mean_squared_error", optimizer="adam", metrics=["mae"])
    rng = np.random.default_rng(2)
    hist = model.fit(rng.random((8, 3, 1)), rng.random((8, 1)), epochs=2, batch_size=2, verbose=0)
    assert set(hist.history) == {"loss", "mae"} and model.predict(rng.random((2, 3, 1))).shape == (2, 1)


def test_a_failed_compile_leaves_the_model_as_it_was():
    model = keras.Sequential([keras.Input((3, 1)), layers.LSTM(4), layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    opt, losses = model.optimizer, model.losses_per_output
    with pytest.raises(ValueError):
        model.compile(loss="mae", optimizer="adam", metrics=["no_such_metric"])
    assert model.optimizer is opt and model.losses_per_output is losses
    with pytest.raises(ValueError, match="unknown loss"):
        keras.Sequential([layers.Dense(1)]).compile(loss="no_such_loss", optimizer="adam")


def test_a_subclass_build_runs_first_and_a_subclassed_model_nests():
    class Lazy(keras.Model):                            # layers made in build, as Keras allows
        def build(self, input_shape):
            self.lstm = layers.LSTM(4, seed=0)
            self.out = layers.Dense(1, seed=1)
            super().build(input_shape)

        def call(self, x):
            return self.out(self.lstm(x))

    lazy = Lazy()
    lazy.compile("adam", "mse")
    lazy.fit(np.ones((4, 3, 2)), np.ones((4, 1)), verbose=0)
    assert lazy.predict(np.ones((1, 3, 2)), verbose=0).shape == (1, 1) and len(lazy.weights) == 5

    class Head(keras.Model):
        def __init__(self):
            super().__init__()
            self.lstm, self.dense = layers.LSTM(4, seed=2), layers.Dense(2, seed=3)

        def call(self, x):
            return self.dense(self.lstm(x))

    x = keras.Input((3, 2))
    outer = keras.Model(x, layers.Dense(1, seed=4)(Head()(x)))          # traced when called on x
    outer.compile("adam", "mse")
    hist = outer.fit(np.ones((4, 3, 2)), np.ones((4, 1)), epochs=2, verbose=0).history
    assert len(hist["loss"]) == 2 and outer.predict(np.ones((2, 3, 2)), verbose=0).shape == (2, 1)
