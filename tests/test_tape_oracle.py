"""The tape as a third oracle for the hand-written BPTT: an LSTM cell written with keras.ops in
this file (no backward: the tape differentiates it), stepped by RNN, equals LSTM's hand-written
forward and BPTT to 1e-10 in float64 — outputs, final states, the input's, the initial states'
and every weight's gradient — on the NumPy reference and on the compiled kernels."""
import numpy as np
import pytest

from lstm_np import layers, ops


class OpsLSTMCell(layers.Layer):
    """i, f, c̃, o = σ, σ, tanh, σ of z = x W + h U + b (Keras's gate order); c' = f c + i c̃;
    h' = o tanh(c'). Written as a learner would write it from the equations."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 4 * self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, 4 * self.units), name="recurrent_kernel")
        self.bias = self.add_weight(shape=(4 * self.units,), initializer="zeros", name="bias")

    def call(self, inputs, states):
        h, c = states
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias
        i, f, g, o = ops.split(z, 4, axis=-1)
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        h = ops.sigmoid(o) * ops.tanh(c)
        return h, [h, c]


@pytest.mark.parametrize("options", [dict(return_sequences=True), dict(go_backwards=True),
                                     dict(return_sequences=True, masked=True)],
                         ids=["sequences", "go_backwards", "masked"])
def test_a_keras_ops_lstm_cell_on_the_tape_equals_the_hand_written_bptt(each_backend, options, rng):
    options = dict(options)
    masked = options.pop("masked", False)
    B, T, D, H = 3, 7, 4, 5
    taped = layers.RNN(OpsLSTMCell(H, dtype="float64"), return_state=True, **options)
    by_hand = layers.LSTM(H, return_state=True, dtype="float64", **options)
    taped.build((None, T, D))
    by_hand.build((None, T, D))
    weights = [rng.uniform(-0.6, 0.6, w.shape) for w in by_hand.get_weights()]
    taped.set_weights(weights)
    by_hand.set_weights(weights)
    x = rng.standard_normal((B, T, D))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    mask = (rng.random((B, T)) > 0.3) if masked else None
    outs = [layer.forward(x, initial_state=[h0, c0], mask=mask) for layer in (taped, by_hand)]
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    grads = [rng.standard_normal(o.shape) for o in outs[1]]
    dxs = [layer.backward(grads) for layer in (taped, by_hand)]
    np.testing.assert_allclose(dxs[0], dxs[1], rtol=1e-10, atol=1e-12)
    for a, b in zip(taped.initial_state_grads, by_hand.initial_state_grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for k in ("kernel", "recurrent_kernel", "bias"):
        np.testing.assert_allclose(taped.grads[k], by_hand.grads[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_a_wrong_cell_is_told_apart_by_the_oracle(rng):
    """Negative control: the same cell with the forget gate's sigmoid dropped differs from LSTM."""
    class Wrong(OpsLSTMCell):
        def call(self, inputs, states):
            h, c = states
            z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias
            i, f, g, o = ops.split(z, 4, axis=-1)
            c = f * c + ops.sigmoid(i) * ops.tanh(g)
            return ops.sigmoid(o) * ops.tanh(c), [ops.sigmoid(o) * ops.tanh(c), c]
    wrong, right = layers.RNN(Wrong(3, dtype="float64")), layers.LSTM(3, dtype="float64")
    wrong.build((None, 4, 2))
    right.build((None, 4, 2))
    wrong.set_weights(right.get_weights())
    x = rng.standard_normal((2, 4, 2))
    assert np.max(np.abs(wrong.forward(x) - right.forward(x))) > 1e-3
