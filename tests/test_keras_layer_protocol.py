"""A layer written for Keras 3 — build with add_weight(shape=, initializer=, name=, trainable=,
regularizer=), call(inputs), compute_mask(inputs, mask), supports_masking, add_loss — runs here
unchanged, with a hand-written backward or none (the tape differentiates its keras.ops):
gradients by finite differences, training, frozen weights, losses, masks, saving of weights."""
import numpy as np
import pytest

import lstm_np as keras
from lstm_np import gradcheck, layers


class ScaledDense(keras.layers.Layer):
    """y = (x W + b) ⊙ s, s frozen; as a Keras 3 user writes it, plus backward."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.supports_masking = True

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b", regularizer="l2")
        self.s = self.add_weight(shape=(self.units,), initializer="ones", name="s", trainable=False)

    def call(self, inputs):
        self._cache = inputs
        return (inputs @ self.w + self.b) * self.s

    def compute_mask(self, inputs, mask=None):
        return mask

    def backward(self, grad_output):
        x, g = self._cache, grad_output * self.s.numpy()
        self.grads["w"][...] = x.reshape(-1, x.shape[-1]).T @ g.reshape(-1, self.units)
        self.grads["b"][...] = g.reshape(-1, self.units).sum(axis=0)
        return g @ self.w.numpy().T


class OldMask(keras.layers.Layer):
    """This project's first protocol: forward/backward and compute_mask(mask)."""

    def forward(self, x, training=False, mask=None, initial_state=None):
        return np.asarray(x)

    def backward(self, grad_output):
        return grad_output

    def compute_mask(self, mask):
        return mask


def test_gradients_weights_and_losses(rng):
    layer = ScaledDense(3, dtype="float64")
    errors = gradcheck.check_layer(layer, rng.standard_normal((4, 2, 5)))
    assert set(errors) == {"w", "b", "x"} and max(errors.values()) < 1e-7
    assert [v.name for v in layer.weights] == ["w", "b", "s"]
    assert [v.name for v in layer.trainable_weights] == ["w", "b"] and layer.non_trainable_weights[0].name == "s"
    assert len(layer.losses) == 1 and layer.supports_masking


def test_it_trains_in_a_model_its_frozen_weight_stays_and_weights_save(rng, tmp_path):
    x = rng.standard_normal((16, 6, 5)).astype("float32")
    y = rng.standard_normal((16, 1)).astype("float32")
    model = keras.Sequential([keras.Input((6, 5)), keras.layers.Masking(0.0), ScaledDense(4),
                              keras.layers.LSTM(3, seed=0), keras.layers.Dense(1, seed=1)])
    assert model.layers[1].output_shape == (None, 6, 4)          # from call, run once on zeros
    model.compile("adam", "mse")
    losses = model.fit(x, y, epochs=5, batch_size=8, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    np.testing.assert_array_equal(model.layers[1].s.numpy(), np.ones(4))
    model.save_weights(str(tmp_path / "m.weights.h5"))
    again = keras.Sequential([keras.Input((6, 5)), keras.layers.Masking(0.0), ScaledDense(4),
                              keras.layers.LSTM(3, seed=5), keras.layers.Dense(1, seed=6)])
    again.load_weights(str(tmp_path / "m.weights.h5"))
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("layer", [ScaledDense, OldMask], ids=["keras-compute_mask", "old-compute_mask"])
def test_masks_pass_through_either_compute_mask(layer, rng):
    x_in = keras.Input((4, 3))
    h = layer(3)(keras.layers.Masking(0.0)(x_in)) if layer is ScaledDense else layer()(keras.layers.Masking(0.0)(x_in))
    model = keras.Model(x_in, keras.layers.LSTM(2, return_sequences=True, seed=0)(h))
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    x[0, 2:] = 0.0                                                 # padded: the LSTM carries its state
    y = model.predict(x, verbose=0)
    np.testing.assert_array_equal(y[0, 2], y[0, 1])


class MinimalRNNCell(keras.layers.Layer):
    """Keras's documented example cell (keras.layers.RNN's docstring), plus its backward:
    h_t = x_t W + h_{t-1} U."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        prev_output = states[0]
        output = inputs @ self.kernel + prev_output @ self.recurrent_kernel
        self._cache = (inputs, prev_output)
        return output, [output]

    def backward(self, d_output, d_states):
        x, h = self._cache
        g = (0 if d_output is None else d_output) + (0 if d_states[0] is None else d_states[0])
        self.grads["kernel"][...] = x.T @ g
        self.grads["recurrent_kernel"][...] = h.T @ g
        return g @ self.kernel.numpy().T, [g @ self.recurrent_kernel.numpy().T]


@pytest.mark.parametrize("stacked", [False, True], ids=["one-cell", "stacked"])
def test_a_keras_written_cell_runs_in_rnn_and_in_stacked_cells(stacked, rng):
    cells = [MinimalRNNCell(3, dtype="float64"), MinimalRNNCell(2, dtype="float64")] if stacked \
        else MinimalRNNCell(3, dtype="float64")
    layer = keras.layers.RNN(cells, return_sequences=True, dtype="float64")
    x = rng.standard_normal((2, 4, 5))
    assert layer(x).shape == (2, 4, 2 if stacked else 3)
    assert max(gradcheck.check_layer(layer, x).values()) < 1e-7
    assert len(layer.trainable_weights) == (4 if stacked else 2)


def test_float_token_ids_are_truncated_as_keras_casts_them():
    emb = keras.layers.Embedding(10, 2, seed=0)
    with pytest.warns(UserWarning, match="truncated toward zero"):
        got = emb(np.array([[1.7, 2.2]]))
    np.testing.assert_array_equal(got, emb(np.array([[1, 2]])))


def test_a_keras_written_layer_round_trips_its_config_and_saves_whole(rng, tmp_path):
    layer = ScaledDense(3, name="scaled")
    model = keras.Sequential([keras.Input((4, 5)), layer])
    cfg = layer.get_config()
    assert cfg["units"] == 3 and "b_regularizer" not in cfg            # build's options are its code
    assert ScaledDense.from_config(cfg).get_config() == cfg
    x = rng.standard_normal((2, 4, 5)).astype("float32")
    model.save(str(tmp_path / "m.keras"))
    again = keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_add_loss_in_a_keras_ops_call_trains_as_a_regularizer_does(rng):
    """add_loss(0.01 Σ w²) in a keras.ops call is counted in the loss and differentiated by the
    tape: training equals Dense(kernel_regularizer=l2(0.01)) from the same weights, and an
    add_loss on the outputs sends its gradient back through the input."""
    from lstm_np import ops

    class PenalisedDense(layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 2), name="kernel")
            self.bias = self.add_weight(shape=(2,), initializer="zeros", name="bias")

        def call(self, x):
            self.add_loss(0.01 * ops.sum(ops.square(self.kernel)))
            return ops.matmul(x, self.kernel) + self.bias

    x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    ours = keras.Sequential([keras.Input((3,)), PenalisedDense()])
    ref = keras.Sequential([keras.Input((3,)), layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.01))])
    ref.set_weights(ours.get_weights())
    for m in (ours, ref):
        m.compile(keras.optimizers.SGD(0.1), "mse")
    h1 = ours.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0).history["loss"]
    h2 = ref.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h1, h2, rtol=1e-6)
    for a, b in zip(ours.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert len(ours.layers[-1].losses) == 1

    class OutputPenalty(layers.Layer):                  # Keras's activity l2, written as add_loss
        def call(self, x):
            self.add_loss(0.01 * ops.sum(ops.square(x)) / ops.shape(x)[0])
            return x * 1.0
    ours = keras.Sequential([keras.Input((3,)), layers.Dense(2, seed=0), OutputPenalty()])
    ref = keras.Sequential([keras.Input((3,)), layers.Dense(2, activity_regularizer=keras.regularizers.l2(0.01))])
    ref.set_weights(ours.get_weights())
    for m in (ours, ref):
        m.compile(keras.optimizers.SGD(0.1), "mse")
    h1 = ours.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0).history["loss"]
    h2 = ref.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h1, h2, rtol=1e-6)
    for a, b in zip(ours.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
