"""Golden values for tests/test_keras_ops_golden.py, made on Keras 3:

    KERAS_BACKEND=jax python tests/golden/make_keras_ops_golden.py

The models (ops_models.py) are written with keras.layers.Layer, add_weight and keras.ops only;
the same code trains on lstm_np in the test."""
import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ops_models  # noqa: E402

OUT = os.environ.get("GOLDEN_OUT", os.path.join(HERE, "keras_ops_golden.npz"))

model, losses, weights = ops_models.train(keras)
x, _ = ops_models.data()
fresh = ops_models.build(keras)
out = {"keras_version": np.array(keras.__version__), "losses": losses,
       "initial_predict": np.asarray(fresh.predict(x, verbose=0)),
       "final_predict": np.asarray(model.predict(x, verbose=0))}
for i, w in enumerate(weights):
    out[f"final_weights/{i}"] = np.asarray(w)
np.savez(OUT, **out)
print("wrote", OUT, "keras", keras.__version__, "losses", losses)
