"""keras.ops on a functional model's symbolic tensors (layers/op_layer.py): each op is a node of
the graph, differentiated by the tape (the model's gradient checks), its output shape as the op
gives it (unknown sizes stay unknown), saved by op name; a saved name that is not an op is refused."""
import numpy as np
import pytest

import lstm_np as keras
from lstm_np import gradcheck, layers, ops
from helpers.gradients import assert_grads_ok


def model_with_ops(dtype="float64"):
    x = keras.Input((None, 3))
    h = layers.LSTM(4, return_sequences=True, seed=0, dtype=dtype)(x)
    pooled = ops.mean(h, axis=1) * 2.0 + ops.concatenate([h[:, -1], h[:, 0]], axis=-1)[:, :4]
    return keras.Model(x, layers.Dense(2, seed=1, dtype=dtype)(ops.tanh(pooled) - 0.5))


def test_ops_on_symbolic_tensors_are_nodes_that_train(rng):
    model = model_with_ops()
    assert any(type(l).__name__ == "OpLayer" for l in model.layers)
    assert model.layers[2].output.shape[0] is None                   # the batch stays unknown
    x = rng.standard_normal((3, 5, 3))
    assert_grads_ok(gradcheck.check_model(model, x))
    model.compile("adam", "mse")
    history = model.fit(x, np.zeros((3, 2)), epochs=3, verbose=0).history["loss"]
    assert history[-1] < history[0]


def test_a_model_with_ops_saves_and_loads(tmp_path, rng):
    model = model_with_ops("float32")
    x = rng.standard_normal((2, 6, 3)).astype("float32")
    model.save(tmp_path / "ops.keras")
    again = keras.models.load_model(tmp_path / "ops.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_a_saved_name_that_is_not_an_op_is_refused():
    for bad in ("np", "__import__", "Tape", "random"):
        with pytest.raises(ValueError, match="is not an op of lstm_np.ops"):
            layers.OpLayer(bad)
