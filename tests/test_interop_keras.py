"""Keras models into lstm_np: from_keras_config(to_json()) + load_weights(.weights.h5) predict
what Keras predicted (files made by golden/make_keras_interop_golden.py); and weights written here
load in Keras's layout."""
import os

import numpy as np
import pytest

from lstm_np import interop

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "keras_models")


@pytest.mark.parametrize("name", ["masked_bilstm", "sequential", "attention_two_inputs", "cnn_lstm_trained"])
def test_a_keras_model_rebuilt_here_predicts_what_keras_predicted(name, each_backend):
    model = interop.from_keras_config(open(os.path.join(HERE, f"{name}.json")).read())
    model.load_weights(os.path.join(HERE, f"{name}.weights.h5"))
    data = np.load(os.path.join(HERE, f"{name}.npz"))
    xs = [data[k] for k in sorted(k for k in data.files if k.startswith("x"))]
    ys = [data[k] for k in sorted(k for k in data.files if k.startswith("y"))]
    preds = model.predict(xs if len(xs) > 1 else xs[0])
    for ours, theirs in zip(preds if isinstance(preds, list) else [preds], ys):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_unknown_keras_layers_are_named():
    spec = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "in"}},
        {"class_name": "Conv2D", "config": {"filters": 3}}]}}
    with pytest.raises(ValueError, match="Conv2D"):
        interop.from_keras_config(spec)


@pytest.mark.parametrize("name", ["masked_bilstm", "sequential", "attention_two_inputs", "cnn_lstm_trained"])
def test_weights_written_here_have_kerass_layout(name, tmp_path):
    """The file save_weights writes has the groups, datasets and values of the file Keras wrote
    (so keras_model.load_weights reads it: checked by hand against Keras 3.15 both ways)."""
    import h5py
    model = interop.from_keras_config(open(os.path.join(HERE, f"{name}.json")).read())
    theirs = os.path.join(HERE, f"{name}.weights.h5")
    model.load_weights(theirs)
    ours = str(tmp_path / "ours.weights.h5")
    model.save_weights(ours)

    def datasets(path):
        out = {}
        with h5py.File(path) as f:
            f.visititems(lambda k, v: out.__setitem__(k, np.array(v)) if isinstance(v, h5py.Dataset) else None)
        return out
    a, b = datasets(ours), datasets(theirs)
    b = {k: v for k, v in b.items() if not k.startswith("optimizer")}
    assert sorted(a) == sorted(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
