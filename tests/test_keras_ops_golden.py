"""A custom layer, a custom cell in RNN, a custom loss and ops on a functional model's tensors,
written only with keras.layers.Layer, add_weight and keras.ops (tests/golden/ops_models.py): they
train here, differentiated by the tape, to Keras 3's losses and weights (golden values from
golden/make_keras_ops_golden.py, Keras on JAX)."""
import os
import sys

import numpy as np

import lstm_np as keras

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "golden"))
import ops_models  # noqa: E402

G = np.load(os.path.join(HERE, "golden", "keras_ops_golden.npz"), allow_pickle=False)


def test_a_keras_ops_model_predicts_as_keras_before_training():
    x, _ = ops_models.data()
    np.testing.assert_allclose(ops_models.build(keras).predict(x, verbose=0), G["initial_predict"],
                               rtol=1e-5, atol=1e-6)


def test_a_keras_ops_model_trains_to_keras_losses_and_weights():
    model, losses, weights = ops_models.train(keras)
    np.testing.assert_allclose(losses, G["losses"], rtol=1e-5)
    for i, w in enumerate(weights):
        np.testing.assert_allclose(w, G[f"final_weights/{i}"], rtol=1e-4, atol=1e-5, err_msg=f"weight {i}")
    x, _ = ops_models.data()
    np.testing.assert_allclose(model.predict(x, verbose=0), G["final_predict"], rtol=1e-4, atol=1e-5)
