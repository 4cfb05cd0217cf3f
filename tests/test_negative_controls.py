"""Negative controls: gradcheck must reject deliberately wrong gradients."""
import numpy as np
import pytest

import lstm_np
from lstm_np import gradcheck, layers
from lstm_np.core import lstm as core_lstm


class ForgetsTheForgetGate(layers.LSTMCell):
    """dc_{t-1} = dc ⊙ f is replaced by dc: a classic BPTT bug."""

    def run_backward(self, dy, d_states, cache):
        real = core_lstm.lstm_cell_backward

        def buggy(dh, dc_next, gates, tc, c_prev, act, ract):
            dz, _ = real(dh, dc_next, gates, tc, c_prev, act, ract)
            return dz, dc_next + dh * core_lstm.split_gates(gates)[3]
        core_lstm.lstm_cell_backward = buggy
        try:
            return super().run_backward(dy, d_states, cache)
        finally:
            core_lstm.lstm_cell_backward = real


class TransposedRecurrentGrad(layers.SimpleRNNCell):
    def run_backward(self, dy, d_states, cache):
        dx, d0, grads = super().run_backward(dy, d_states, cache)
        return dx, d0, dict(grads, recurrent_kernel=grads["recurrent_kernel"].T)


def test_negative_control_bptt_bug_is_caught(rng):
    old = lstm_np.get_backend()
    lstm_np.set_backend("numpy")          # the bug is planted in the NumPy reference
    try:
        layer = layers.RNN(ForgetsTheForgetGate(4, dtype="float64", seed=0), return_sequences=True)
        errs = gradcheck.check_layer(layer, rng.standard_normal((2, 6, 3)))
    finally:
        lstm_np.set_backend(old)
    assert max(errs.values()) > 1e-2, errs


@pytest.mark.usefixtures("each_backend")
def test_negative_control_transposed_gradient_is_caught(rng):
    layer = layers.RNN(TransposedRecurrentGrad(4, dtype="float64", seed=0), return_sequences=True)
    errs = gradcheck.check_layer(layer, rng.standard_normal((2, 6, 3)))
    assert errs["recurrent_kernel"] > 1e-2


def test_negative_control_scaled_gradient_is_caught(rng):
    layer = layers.Dense(3, dtype="float64", seed=0)
    x = rng.standard_normal((4, 2))
    real = layer.backward

    def slightly_wrong(g):
        dx = real(g)
        layer.grads["bias"] *= 1.001
        return dx
    layer.backward = slightly_wrong
    errs = gradcheck.check_layer(layer, x)
    assert errs["bias"] > 1e-4 and errs["kernel"] < 1e-6


def test_gradcheck_checks_a_float32_layer_in_float64_and_refuses_float32_inside():
    layer = layers.LSTM(2, dtype="float32", seed=0)            # checked on a float64 twin
    assert max(gradcheck.check_layer(layer, np.ones((1, 2, 2))).values()) < 1e-6
    inner = layers.Bidirectional(layers.LSTM(2, dtype="float32"))   # its twin keeps float32 inside
    with pytest.raises(ValueError, match="float64"):
        gradcheck.check_layer(inner, np.ones((1, 2, 2)))
