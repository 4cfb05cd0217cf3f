"""Regenerate tests/golden/keras_models/: Keras 3 models as to_json() + .weights.h5 + the
predictions they give, so that from_keras_config + load_weights can be checked without Keras.

    pip install keras jax h5py
    KERAS_BACKEND=jax python tests/golden/make_keras_interop_golden.py
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_models")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(21)


def masked_bilstm():
    a = keras.Input((None,), dtype="int32", name="ids")
    e = layers.Embedding(10, 3, mask_zero=True)(a)
    x = layers.Bidirectional(layers.LSTM(4, return_sequences=True, kernel_regularizer="l2"))(e)
    _, h, c = layers.LSTM(3, return_state=True)(x)
    return keras.Model(a, layers.Dense(2, activation="softmax")(layers.Concatenate()([h, c])))


def sequential():
    return keras.Sequential([keras.Input((5, 3)), layers.LSTM(4, return_sequences=True, go_backwards=True),
                             layers.GRU(3), layers.Dropout(0.2), layers.Dense(1, activation="sigmoid")])


def attention_two_inputs():
    q_in, v_in = keras.Input((4, 3), name="q"), keras.Input((6, 3), name="v")
    q = layers.TimeDistributed(layers.Dense(5))(q_in)
    v = layers.RNN(layers.GRUCell(5), return_sequences=True)(v_in)
    att = layers.Attention(use_scale=True)([q, v])
    add = layers.AdditiveAttention()([q, v])
    out = layers.SimpleRNN(2)(layers.Add()([att, add]))
    return keras.Model([q_in, v_in], [out, layers.Dense(1)(layers.Average()([att, add]))])


def cnn_lstm_trained():
    """Conv1D, pooling, normalisation, reshaping and activation layers around an LSTM, fitted for
    an epoch so BatchNormalization's moving statistics are not at their initial values."""
    model = keras.Sequential([
        keras.Input((12, 3)), layers.Conv1D(8, 3, padding="causal", activation="relu"), layers.MaxPooling1D(2),
        layers.BatchNormalization(), layers.LSTM(6, return_sequences=True), layers.LayerNormalization(),
        layers.SpatialDropout1D(0.2), layers.AveragePooling1D(2, padding="same"), layers.GlobalAveragePooling1D(),
        layers.ReLU(6.0), layers.Dense(4), layers.LeakyReLU(), layers.Reshape((2, 2)), layers.Permute((2, 1)),
        layers.Flatten(), layers.Softmax()])
    model.compile("adam", "mse")
    model.fit(rng.standard_normal((32, 12, 3)).astype("float32"), rng.random((32, 4)), epochs=1, verbose=0)
    return model


INPUTS = {
    "masked_bilstm": lambda: [np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5], [7, 0, 0, 0, 0]])],
    "sequential": lambda: [rng.standard_normal((3, 5, 3)).astype("float32")],
    "attention_two_inputs": lambda: [rng.standard_normal((3, 4, 3)).astype("float32"),
                                     rng.standard_normal((3, 6, 3)).astype("float32")],
    "cnn_lstm_trained": lambda: [rng.standard_normal((4, 12, 3)).astype("float32")],
}
for name, make in (("masked_bilstm", masked_bilstm), ("sequential", sequential),
                   ("attention_two_inputs", attention_two_inputs), ("cnn_lstm_trained", cnn_lstm_trained)):
    keras.utils.set_random_seed(5)
    model = make()
    if name != "cnn_lstm_trained":                # that one keeps the weights its epoch of fit left
        model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        f.write(model.to_json())
    model.save_weights(os.path.join(OUT, f"{name}.weights.h5"))
    xs = INPUTS[name]()
    preds = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    preds = preds if isinstance(preds, list) else [preds]
    np.savez(os.path.join(OUT, f"{name}.npz"), **{f"x{i}": x for i, x in enumerate(xs)},
             **{f"y{i}": y for i, y in enumerate(preds)})
    print("wrote", name)
