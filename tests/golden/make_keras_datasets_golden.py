"""Golden batches of keras.utils.timeseries_dataset_from_array (Keras 3, TensorFlow's tf.data).

Run (needs tensorflow, which lstm_np's CI does not install):
    KERAS_BACKEND=tensorflow python tests/golden/make_keras_datasets_golden.py
Writes keras_datasets_golden.npz beside this file: for each case the batches' windows and
targets, concatenated, with the batch sizes; for a shuffled case, the windows in Keras's order.
"""
import os

import numpy as np

import keras

CASES = {
    # name: (data length, features, targets offset or None, keyword arguments)
    "basic": (20, 1, 0, dict(sequence_length=5, batch_size=4)),
    "stride_rate": (40, 2, 3, dict(sequence_length=4, sequence_stride=3, sampling_rate=2, batch_size=5)),
    "start_end": (50, 3, 0, dict(sequence_length=6, sequence_stride=2, start_index=7, end_index=41,
                                 batch_size=3)),
    "no_targets": (17, 2, None, dict(sequence_length=3, sequence_stride=4, batch_size=2)),
    "forecast": (30, 1, 6, dict(sequence_length=6, batch_size=8)),   # targets = data[6:], Keras's docstring use
    "shuffled": (25, 1, 0, dict(sequence_length=4, batch_size=4, shuffle=True, seed=3)),
}


def data_for(n, f):
    return np.arange(n * f, dtype="float32").reshape(n, f) / 10.0


def main():
    out = {}
    for name, (n, f, offset, kw) in CASES.items():
        data = data_for(n, f)
        targets = None if offset is None else np.arange(n - offset, dtype="float32") + 100.0 * (offset + 1)
        ds = keras.utils.timeseries_dataset_from_array(data, targets, **kw)
        xs, ys, sizes = [], [], []
        for batch in ds:
            x, y = (batch, None) if targets is None else batch
            xs.append(np.asarray(x))
            sizes.append(len(xs[-1]))
            if y is not None:
                ys.append(np.asarray(y))
        out[f"{name}/x"] = np.concatenate(xs)
        out[f"{name}/sizes"] = np.array(sizes)
        if ys:
            out[f"{name}/y"] = np.concatenate(ys)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_datasets_golden.npz")
    np.savez(path, **out)
    print("wrote", path, len(out), "arrays")


if __name__ == "__main__":
    main()
