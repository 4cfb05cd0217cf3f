"""Bidirectional and stateful layers: weights keep their precision, frozen stays frozen, backward
before forward says what to call, reset_states checks the states before setting any (each
failed once; the property tests that catch each whole class are in test_properties.py)."""
import numpy as np
import pytest

from lstm_np import floatx, layers


def test_bidirectional_set_weights_keeps_float64_precision():
    assert floatx() == "float32"                       # the default, as a user has it
    bi = layers.Bidirectional(layers.LSTM(4, dtype="float64", seed=0), input_shape=(5, 3))
    w = [np.random.default_rng(1).standard_normal(a.shape) for a in bi.get_weights()]
    bi.set_weights(w)
    for a, b in zip(bi.get_weights(), w):
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)            # bit for bit, not ~2e-8 away


def test_bidirectional_frozen_at_construction_is_frozen():
    bi = layers.Bidirectional(layers.LSTM(4), trainable=False, input_shape=(5, 3))
    assert bi.trainable is False
    assert not bi.forward_layer.trainable and not bi.backward_layer.trainable
    assert bi.count_trainable_params() == 0


def test_bidirectional_backward_before_forward_says_what_to_call():
    bi = layers.Bidirectional(layers.LSTM(4), input_shape=(5, 3))
    with pytest.raises(RuntimeError, match="forward first"):
        bi.backward(np.zeros((2, 8), "float32"))


@pytest.mark.parametrize("states, match", [
    ([np.zeros((2, 3)), np.zeros((2, 4))], "state h of shape"),          # wrong units
    ([np.zeros((2, 4)), np.zeros((3, 4))], "with batch 2"),               # batches differ
    ([np.zeros((2, 4))], "expects 2 states"),                             # c missing
    ([np.zeros((2, 4, 1)), np.zeros((2, 4))], "state h of shape"),       # wrong rank
    ([np.full((2, 4), np.nan), np.zeros((2, 4))], "NaN"),
], ids=["units", "batch", "count", "rank", "nan"])
def test_reset_states_checks_the_states(states, match):
    layer = layers.LSTM(4, stateful=True, input_shape=(5, 3))
    layer.reset_states([np.ones((2, 4)), np.ones((2, 4))])
    before = [s.copy() for s in layer.states]
    with pytest.raises(ValueError, match=match):
        layer.reset_states(states)
    for a, b in zip(layer.states, before):                                # nothing changed
        np.testing.assert_array_equal(a, b)


def test_bidirectional_reset_states_checks_both_halves_before_setting():
    bi = layers.Bidirectional(layers.LSTM(4, stateful=True), input_shape=(5, 3))
    good = [np.ones((2, 4))] * 2
    with pytest.raises(ValueError, match="state c"):
        bi.reset_states(good + [np.ones((2, 4)), np.ones((2, 5))])
    assert bi.forward_layer.states is None and bi.backward_layer.states is None
    bi.reset_states(good + good)
    assert bi.forward_layer.states[0].shape == (2, 4)
