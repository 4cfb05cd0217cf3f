"""Regenerate keras_functional_golden.npz: what Keras 3 computes for functional models, stored
so that CI needs no Keras.

    pip install keras jax
    KERAS_BACKEND=jax python tests/golden/make_keras_functional_golden.py

Every layer is named, and its weights are stored under its name (``<model>/w/<layer>/<i>``):
the tests load them by name, so the comparison does not rest on the order of model.layers.
Each model also stores Keras's ``model.layers`` names in order, which the tests check too.
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_functional_golden.npz")
rng = np.random.default_rng(11)
g = {"keras_version": np.array(keras.__version__)}


def put_weights(prefix, model):
    for layer in model.layers:
        for i, w in enumerate(layer.get_weights()):
            g[f"{prefix}/w/{layer.name}/{i}"] = np.asarray(w)
    g[f"{prefix}/layers"] = np.array(json.dumps([l.name for l in model.layers]))


def put_list(key, arrays):
    for i, a in enumerate(arrays):
        g[f"{key}/{i}"] = np.asarray(a)


# 1. Two inputs, a shared LSTM, Concatenate, two outputs with their own losses and weights.
keras.utils.set_random_seed(1)
a = keras.Input((5, 3), name="a")
b = keras.Input((5, 2), name="b")
shared = layers.LSTM(4, return_sequences=True, name="shared")
x = layers.Concatenate(name="concat")([shared(a), shared(layers.Dense(3, name="proj")(b))])
out1 = layers.Dense(1, activation="sigmoid", name="out1")(layers.LSTM(2, name="head1")(x))
out2 = layers.Dense(3, activation="softmax", name="out2")(
    layers.Bidirectional(layers.LSTM(2), merge_mode="sum", name="head2")(x))
two = keras.Model([a, b], [out1, out2], name="two")
xa, xb = rng.standard_normal((8, 5, 3)).astype("float32"), rng.standard_normal((8, 5, 2)).astype("float32")
y1, y2 = rng.integers(0, 2, (8, 1)).astype("float32"), rng.integers(0, 3, (8,))
put_weights("two/init", two)
g["two/xa"], g["two/xb"], g["two/y1"], g["two/y2"] = xa, xb, y1, y2
put_list("two/predict", two.predict([xa, xb], verbose=0))
two.compile(optimizer=keras.optimizers.Adam(0.01),
            loss=["binary_crossentropy", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
            metrics=[["acc"], ["accuracy"]])
steps = [two.train_on_batch([xa, xb], [y1, y2], return_dict=True) for _ in range(3)]
g["two/steps/keys"] = np.array(json.dumps(sorted(steps[0])))
for k in steps[0]:
    g[f"two/steps/{k}"] = np.array([float(s[k]) for s in steps])
put_weights("two/after3", two)

# 1b. fit with validation_split, no shuffling: the History keys and values.
keras.utils.set_random_seed(1)
two.compile(optimizer=keras.optimizers.Adam(0.01),
            loss={"out1": "binary_crossentropy", "out2": "sparse_categorical_crossentropy"},
            loss_weights={"out1": 1.0, "out2": 0.5}, metrics={"out1": ["acc"], "out2": ["accuracy"]})
put_weights("two/fit_init", two)
hist = two.fit({"a": xa, "b": xb}, {"out1": y1, "out2": y2}, batch_size=3, epochs=2, shuffle=False,
               validation_split=0.25, verbose=0)
g["two/fit/keys"] = np.array(json.dumps(sorted(hist.history)))
for k, v in hist.history.items():
    g[f"two/fit/{k}"] = np.array(v)

# 2. The character-level encoder-decoder: encoder states start the decoder (teacher forcing);
#    then the inference models built from the trained model's tensors and layers.
keras.utils.set_random_seed(2)
E, D, U = 6, 7, 5
enc_in = keras.Input((None, E), name="enc_in")
_, h, c = layers.LSTM(U, return_state=True, name="encoder")(enc_in)
dec_in = keras.Input((None, D), name="dec_in")
dec_lstm = layers.LSTM(U, return_sequences=True, return_state=True, name="decoder")
dec_out, _, _ = dec_lstm(dec_in, initial_state=[h, c])
dense = layers.Dense(D, activation="softmax", name="char")
s2s = keras.Model([enc_in, dec_in], dense(dec_out), name="s2s")
xe = np.eye(E, dtype="float32")[rng.integers(0, E, (6, 4))]
xd = np.eye(D, dtype="float32")[rng.integers(0, D, (6, 5))]
yd = np.eye(D, dtype="float32")[rng.integers(0, D, (6, 5))]
put_weights("s2s/init", s2s)
g["s2s/xe"], g["s2s/xd"], g["s2s/yd"] = xe, xd, yd
g["s2s/predict"] = s2s.predict([xe, xd], verbose=0)
s2s.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
g["s2s/steps/loss"] = np.array([float(s2s.train_on_batch([xe, xd], yd)[0]) for _ in range(3)])
put_weights("s2s/after3", s2s)
encoder_model = keras.Model(s2s.input[0], s2s.layers[2].output[1:])
hs, cs = encoder_model.predict(xe, verbose=0)
h_in, c_in = keras.Input((U,)), keras.Input((U,))
o, h2, c2 = s2s.layers[3](s2s.input[1], initial_state=[h_in, c_in])
decoder_model = keras.Model([s2s.input[1], h_in, c_in], [s2s.layers[4](o), h2, c2])
put_list("s2s/encoder_predict", [hs, cs])
put_list("s2s/decoder_predict", decoder_model.predict([xd[:, :1], hs, cs], verbose=0))

# 3. Masks through attention: Embedding(mask_zero) -> BiLSTM -> Attention and AdditiveAttention
#    over the sequence itself -> Concatenate -> Dense per step; a masked, per-step loss.
keras.utils.set_random_seed(3)
ids_in = keras.Input((None,), dtype="int32", name="ids")
seq = layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bilstm")(
    layers.Embedding(12, 4, mask_zero=True, name="emb")(ids_in))
luong = layers.Attention(use_scale=True, name="luong")([seq, seq])
bahdanau = layers.AdditiveAttention(name="bahdanau")([seq, seq])
tagger_out = layers.Dense(2, activation="softmax", name="tag")(
    layers.Concatenate(name="join")([seq, luong, bahdanau]))
tagger = keras.Model(ids_in, tagger_out, name="tagger")
ids = rng.integers(1, 12, (5, 6))
for row, n in enumerate([6, 4, 2, 5, 1]):
    ids[row, n:] = 0
tags = rng.integers(0, 2, (5, 6))
put_weights("tagger/init", tagger)
g["tagger/ids"], g["tagger/tags"] = ids, tags
g["tagger/predict"] = tagger.predict(ids, verbose=0)
tagger.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
g["tagger/steps/loss"] = np.array([float(tagger.train_on_batch(ids, tags)) for _ in range(3)])
put_weights("tagger/after3", tagger)


# 4. Cells: RNN(LSTMCell), RNN(GRUCell), RNN(StackedRNNCells) with return_state, and a cell
#    stepped by hand.
keras.utils.set_random_seed(4)
xs = rng.standard_normal((3, 5, 4)).astype("float32")
g["cells/x"] = xs
for name, make in (("lstm", lambda: layers.RNN(layers.LSTMCell(3), return_sequences=True)),
                   ("gru", lambda: layers.RNN(layers.GRUCell(3), return_sequences=True, go_backwards=True)),
                   ("stacked", lambda: layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)]),
                                                  return_state=True))):
    layer = make()
    out = layer(xs)
    for i, w in enumerate(layer.get_weights()):
        g[f"cells/{name}/w/{i}"] = np.asarray(w)
    outs = out if isinstance(out, (list, tuple)) else [out]
    for i, o in enumerate(outs):
        g[f"cells/{name}/out/{i}"] = np.asarray(o)
cell = layers.LSTMCell(3)
h, c = np.zeros((3, 3), "float32"), np.zeros((3, 3), "float32")
for t in range(5):
    y, (h, c) = cell(xs[:, t], [h, c])
for i, w in enumerate(cell.get_weights()):
    g[f"cells/step/w/{i}"] = np.asarray(w)
g["cells/step/h"], g["cells/step/c"] = np.asarray(h), np.asarray(c)

np.savez(OUT, **g)
print(f"wrote {OUT} ({len(g)} arrays, Keras {keras.__version__})")
