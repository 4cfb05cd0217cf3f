"""Weights as Keras 3 hands them out (layer.kernel, layer.weights, model.trainable_weights):
live views of the layers' arrays; and Keras 2's layer.output_shape, backend.floatx/epsilon."""
import numpy as np
import pytest

import lstm_np as keras
from lstm_np import layers


def model():
    return keras.Sequential([keras.Input((5, 2)),
                             layers.Bidirectional(layers.LSTM(3, return_sequences=True, seed=0), name="bi"),
                             layers.LSTM(4, seed=1, name="l2"), layers.Dense(1, seed=2, name="out")])


def test_weights_list_every_variable_in_get_weights_order():
    m = model()
    for v, w in zip(m.weights, m.get_weights(), strict=True):
        np.testing.assert_array_equal(v.numpy(), w)
    assert [v.path for v in m.weights[:3]] == ["bi/forward/kernel", "bi/forward/recurrent_kernel", "bi/forward/bias"]
    assert [v.name for v in m.layers[2].weights] == ["kernel", "bias"]
    m.layers[1].trainable = False
    assert len(m.trainable_weights) == 8 and len(m.non_trainable_weights) == 3
    assert len(m.trainable_variables) == 8 and m.layers[1].non_trainable_variables[0].path == "l2/kernel"


def test_a_variable_reads_and_writes_the_layers_array():
    dense = layers.Dense(2, input_shape=(3,), seed=0)
    k = dense.kernel
    assert k.shape == (3, 2) and k.dtype == np.float32 and np.asarray(k) is dense.params["kernel"]
    snapshot = k.numpy()
    k.assign(np.ones((3, 2)))
    assert dense.get_weights()[0].sum() == 6 and snapshot.sum() != 6     # numpy() was a copy
    dense.set_weights([np.full((3, 2), 2.0), np.zeros(2)])
    assert float(k[0, 0]) == 2.0                                       # never stale
    np.testing.assert_array_equal(k * 2 + 1, np.full((3, 2), 5.0))
    np.testing.assert_array_equal(np.tanh(k), np.tanh(np.full((3, 2), 2.0, np.float32)))
    k.assign_sub(np.ones((3, 2)))
    assert dense.get_weights()[0].sum() == 6
    with pytest.raises(ValueError, match="assign expects shape"):
        k.assign(np.ones((2, 3)))
    assert layers.Dense(2, use_bias=False, input_shape=(3,)).bias is None
    lstm = layers.LSTM(4, input_shape=(5, 3))
    assert lstm.cell.kernel.shape == (3, 16) and lstm.kernel.path.endswith("kernel")
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        lstm.nonsense


def test_output_shape_and_backend_helpers():
    m = model()
    assert m.layers[0].output_shape == (None, 5, 6) and m.layers[2].output_shape == (None, 1)
    ret = layers.LSTM(3, return_state=True)
    ret(keras.Input((4, 2)))
    assert ret.output_shape == [(None, 3), (None, 3), (None, 3)]
    assert layers.Dense(2, input_shape=(3,)).output_shape == (None, 2)
    with pytest.raises(AttributeError, match="no output shape yet"):
        layers.Dense(2).output_shape
    assert keras.backend.floatx() == "float32" and keras.backend.epsilon() == 1e-7
