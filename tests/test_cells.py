"""Cells as Keras 3 has them: LSTMCell, GRUCell, SimpleRNNCell, StackedRNNCells, RNN(cell), a
cell stepped by hand or in a graph, and a user's own NumPy cell with its backward."""
import os

import numpy as np
import pytest

import lstm_np as keras
from lstm_np import gradcheck, layers
from helpers.gradients import GRAD_TOL, assert_grads_ok

G = np.load(os.path.join(os.path.dirname(__file__), "golden", "keras_functional_golden.npz"), allow_pickle=False)
F64 = dict(dtype="float64")
pytestmark = pytest.mark.usefixtures("each_backend")


def arrays(prefix):
    n = sum(1 for k in G.files if k.startswith(prefix + "/") and k[len(prefix) + 1:].isdigit())
    return [G[f"{prefix}/{i}"] for i in range(n)]


def test_cell_api():
    cell = layers.LSTMCell(3, seed=0)
    assert cell.state_size == [3, 3] and cell.output_size == 3
    assert layers.GRUCell(2).state_size == 2 and layers.SimpleRNNCell(4).output_size == 4
    h0, c0 = cell.get_initial_state(batch_size=2)
    out, (h, c) = cell(np.ones((2, 5), "float32"), [h0, c0])
    assert out.shape == h.shape == c.shape == (2, 3) and np.array_equal(out, h)
    assert cell.kernel.shape == (5, 12) and cell.recurrent_kernel.shape == (3, 12) and cell.bias.shape == (12,)
    x = keras.Input((5,))
    s_in = [keras.Input((3,)), keras.Input((3,))]
    y, states = cell(x, s_in)
    assert y.shape == (None, 3) and [s.shape for s in states] == [(None, 3), (None, 3)]


@pytest.mark.parametrize("name, make", [
    ("lstm", lambda: layers.RNN(layers.LSTMCell(3), return_sequences=True)),
    ("gru", lambda: layers.RNN(layers.GRUCell(3), return_sequences=True, go_backwards=True)),
    ("stacked", lambda: layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)]), return_state=True)),
])
def test_rnn_of_cells_equals_keras(name, make):
    layer = make()
    x = G["cells/x"]
    layer.build((None,) + x.shape[1:])
    layer.set_weights(arrays(f"cells/{name}/w"))
    out = layer(x)
    outs = out if isinstance(out, list) else [out]
    theirs = [G[f"cells/{name}/out/{i}"] for i in range(sum(1 for k in G.files if k.startswith(f"cells/{name}/out/")))]
    assert len(outs) == len(theirs)                   # Keras nests a stack's states per cell
    for a, b in zip(outs, theirs):
        np.testing.assert_allclose(np.asarray(a), b, rtol=2e-5, atol=1e-6)


def test_a_cell_stepped_by_hand_equals_keras():
    cell = layers.LSTMCell(3)
    cell.build((None, 4))
    cell.set_weights(arrays("cells/step/w"))
    x = G["cells/x"]
    h, c = cell.get_initial_state(3)
    for t in range(x.shape[1]):
        _, (h, c) = cell(x[:, t], [h, c])
    np.testing.assert_allclose(h, G["cells/step/h"], rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(c, G["cells/step/c"], rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["lstm", "gru", "simple_rnn"])
def test_layer_and_rnn_of_its_cell_give_the_same_numbers(kind, rng):
    Layer = {"lstm": layers.LSTM, "gru": layers.GRU, "simple_rnn": layers.SimpleRNN}[kind]
    Cell = {"lstm": layers.LSTMCell, "gru": layers.GRUCell, "simple_rnn": layers.SimpleRNNCell}[kind]
    a = Layer(4, return_sequences=True, return_state=True, seed=0, **F64)
    b = layers.RNN(Cell(4, seed=1, **F64), return_sequences=True, return_state=True)
    x = rng.standard_normal((3, 6, 2))
    a.build((None, 6, 2)), b.build((None, 6, 2))
    b.set_weights(a.get_weights())
    outs_a, outs_b = a.forward(x), b.forward(x)
    for p, q in zip(outs_a, outs_b):
        np.testing.assert_array_equal(p, q)                           # the same code: bit for bit
    grads = [rng.standard_normal(o.shape) for o in outs_a]
    np.testing.assert_array_equal(a.backward(grads), b.backward(grads))
    for k in a.grads:
        np.testing.assert_array_equal(a.grads[k], b.grads[k])


@pytest.mark.parametrize("kind", ["lstm", "gru", "simple_rnn"])
def test_a_cell_stepped_in_a_graph_sums_its_gradients_over_the_steps(kind, rng):
    """A functional graph that calls one cell T times equals the layer over T steps."""
    Layer = {"lstm": layers.LSTM, "gru": layers.GRU, "simple_rnn": layers.SimpleRNN}[kind]
    T, D, H = 4, 3, 5
    layer = Layer(H, return_sequences=True, seed=0, **F64)
    layer.build((None, T, D))
    cell = layer.cell
    steps = [keras.Input((D,)) for _ in range(T)]
    states = [keras.Input((H,)) for _ in cell.get_initial_state(1)]
    ys, s = [], states
    for x_t in steps:
        y, s = cell(x_t, s)
        ys.append(y)
    model = keras.Model(steps + states, ys)
    x = rng.standard_normal((2, T, D))
    init = [np.zeros((2, H)) for _ in states]
    outs = model.forward([x[:, t] for t in range(T)] + init)
    seq = layer.forward(x)
    np.testing.assert_allclose(np.stack(outs, axis=1), seq, rtol=1e-12, atol=1e-14)
    g = rng.standard_normal(seq.shape)
    layer.backward(g)
    expected = {k: v.copy() for k, v in layer.grads.items()}
    model.forward([x[:, t] for t in range(T)] + init)
    model.backward([g[:, t] for t in range(T)])
    for k, v in expected.items():
        np.testing.assert_allclose(cell.grads[k], v, rtol=1e-10, atol=1e-12)
    assert_grads_ok(gradcheck.check_model(model, [x[:, t] for t in range(T)] + [i + 0.1 for i in init]), 1e-7)


class MinimalRNNCell(layers.RNNCell):
    """Keras's documentation example, h_t = x_t W + h_{t-1} U, with its backward written out."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        from lstm_np import initializers
        self.add_weight("kernel", (input_shape[-1], self.units), initializers.get("glorot_uniform"))
        self.add_weight("recurrent_kernel", (self.units, self.units), initializers.get("orthogonal"))
        super().build(input_shape)

    def call(self, inputs, states, training=False):
        prev = states[0]
        out = inputs @ self.params["kernel"] + np.tanh(prev) @ self.params["recurrent_kernel"]
        self._cache = (inputs, prev)
        return out, [out]

    def backward(self, d_output, d_states):
        x, prev = self._require_cache()
        d = d_output if d_states[0] is None else (d_states[0] if d_output is None else d_output + d_states[0])
        self.grads["kernel"][...] = x.T @ d
        self.grads["recurrent_kernel"][...] = np.tanh(prev).T @ d
        return d @ self.params["kernel"].T, [(d @ self.params["recurrent_kernel"].T) * (1 - np.tanh(prev) ** 2)]


@pytest.mark.parametrize("options", [dict(return_sequences=True), dict(return_state=True, go_backwards=True)],
                         ids=["sequences", "state_backwards"])
def test_a_users_own_cell_trains_and_checks(options, rng):
    layer = layers.RNN(MinimalRNNCell(4, seed=0, **F64), **options)
    x = rng.standard_normal((3, 5, 2))
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool)
    assert_grads_ok(gradcheck.check_layer(layer, x))
    assert_grads_ok(gradcheck.check_layer(layer, x, mask=mask))
    assert_grads_ok(gradcheck.check_layer(layer, x, initial_state=[rng.standard_normal((3, 4))]))
    model = keras.Sequential([keras.Input((5, 2)), layers.RNN(MinimalRNNCell(4, seed=0)), layers.Dense(1)])
    model.compile("adam", "mse")
    assert np.isfinite(model.fit(x, rng.standard_normal((3, 1)), epochs=2, verbose=0).history["loss"][-1])


def test_a_cell_without_backward_is_differentiated_by_the_tape(rng):
    """The same cell with no backward of its own: its call (NumPy operators on the tape's
    tensors and on its weights) runs on the tape, and BPTT through the tape checks."""
    class TapedCell(MinimalRNNCell):
        backward = layers.RNNCell.backward
    layer = layers.RNN(TapedCell(2, seed=0, **F64), return_sequences=True)
    x = rng.standard_normal((2, 3, 2))
    assert_grads_ok(gradcheck.check_layer(layer, x))
    by_hand = layers.RNN(MinimalRNNCell(2, seed=0, **F64), return_sequences=True)
    by_hand.build((None, 3, 2))
    by_hand.set_weights(layer.get_weights())
    g = rng.standard_normal((2, 3, 2))
    np.testing.assert_allclose(layer.forward(x), by_hand.forward(x), rtol=1e-13)
    np.testing.assert_allclose(layer.backward(g), by_hand.backward(g), rtol=1e-12)
    for k in layer.params:
        np.testing.assert_allclose(layer.grads[k], by_hand.grads[k], rtol=1e-12)


def test_a_cell_the_tape_cannot_follow_predicts_and_says_why_it_cannot_train(rng):
    class Untapeable(MinimalRNNCell):
        backward = layers.RNNCell.backward

        def call(self, inputs, states, training=False):
            out = np.arctan(inputs @ self.params["kernel"]) + states[0] @ self.params["recurrent_kernel"]
            return out, [out]
    layer = layers.RNN(Untapeable(2, seed=0))
    layer.forward(rng.standard_normal((2, 3, 2)))
    with pytest.raises(RuntimeError, match="cannot be differentiated: np.arctan"):
        layer.backward(np.ones((2, 2)))


def test_stacked_cells_match_the_stacked_layers_and_check(rng):
    cells = [layers.LSTMCell(3, seed=0, **F64), layers.GRUCell(2, seed=1, **F64)]
    stacked = layers.RNN(layers.StackedRNNCells(cells), return_sequences=True)
    chain = keras.Sequential([keras.Input((5, 2)), layers.LSTM(3, return_sequences=True, **F64),
                              layers.GRU(2, return_sequences=True, **F64)])
    x = rng.standard_normal((2, 5, 2))
    stacked.build((None, 5, 2))
    chain.set_weights(stacked.get_weights())
    np.testing.assert_allclose(stacked.forward(x), chain.forward(x), rtol=1e-12)
    assert_grads_ok(gradcheck.check_layer(stacked, x, training=False))
    assert stacked.count_params() == chain.count_params()


def test_rnn_of_cells_saves_and_loads(tmp_path, rng):
    model = keras.Sequential([keras.Input((4, 2)),
                              layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3), layers.SimpleRNNCell(2)]),
                                         return_sequences=True),
                              layers.RNN(layers.GRUCell(2)), layers.Dense(1)])
    path = tmp_path / "cells.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = rng.standard_normal((3, 4, 2))
    np.testing.assert_array_equal(model.predict(x), loaded.predict(x))


def test_a_stack_returns_and_takes_its_states_nested_per_cell_and_checks(rng):
    """Keras 3's structure: RNN([LSTMCell, GRUCell], return_state=True) -> [out, [h1, c1], [h2]];
    initial_state may nest the same way; gradients flow through every returned state."""
    x_in, h1, c1, h2 = keras.Input((4, 2)), keras.Input((3,)), keras.Input((3,)), keras.Input((2,))
    rnn = layers.RNN([layers.LSTMCell(3, seed=0, **F64), layers.GRUCell(2, seed=1, **F64)], return_state=True)
    out, (h, c), (g,) = rnn(x_in, initial_state=[[h1, c1], [h2]])
    assert [t.shape for t in (out, h, c, g)] == [(None, 2), (None, 3), (None, 3), (None, 2)]
    merged = layers.Concatenate()([out, h, c, g])
    model = keras.Model([x_in, h1, c1, h2], layers.Dense(1, seed=2, **F64)(merged))
    xs = [rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3)),
          rng.standard_normal((2, 2))]
    assert_grads_ok(gradcheck.check_model(model, xs))
    eager = rnn(xs[0], initial_state=[[xs[1], xs[2]], [xs[3]]])
    assert len(eager) == 3 and len(eager[1]) == 2 and len(eager[2]) == 1
