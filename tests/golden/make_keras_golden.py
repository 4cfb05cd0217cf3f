"""Regenerate keras_golden.npz: the numbers Keras 3 gives, stored so CI needs no Keras.

Run with Keras 3 on the JAX backend (not a test dependency):

    pip install keras jax
    KERAS_BACKEND=jax python tests/golden/make_keras_golden.py

Every model is built in Keras with its default initialisers, its weights are stored, and
the outputs / weights after training steps are recorded. The tests load the same weights
into lstm_np and compare.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_golden.npz")
rng = np.random.default_rng(2026)
g = {"keras_version": np.array(keras.__version__)}


def put(prefix, arrays):
    for i, a in enumerate(arrays):
        g[f"{prefix}/{i}"] = np.asarray(a)


# 1. The constant-weight LSTM of the issue (kernel 0.01, recurrent 0.02, bias 0.03).
x = np.arange(72, dtype="float32").reshape(3, 6, 4)
for back in (False, True):
    layer = keras.layers.LSTM(3, kernel_initializer=keras.initializers.Constant(0.01),
                              recurrent_initializer=keras.initializers.Constant(0.02),
                              bias_initializer=keras.initializers.Constant(0.03), go_backwards=back)
    g[f"const_lstm/go_backwards={back}"] = np.asarray(layer(x))

# 2. The number-addition architecture: LSTM -> RepeatVector -> LSTM(seq) -> Dense softmax.
keras.utils.set_random_seed(7)
DIGITS, CHARS, UNITS = 3, 12, 32
add = keras.Sequential([keras.Input((DIGITS * 2 + 1, CHARS)), keras.layers.LSTM(UNITS),
                        keras.layers.RepeatVector(DIGITS + 1),
                        keras.layers.LSTM(UNITS, return_sequences=True),
                        keras.layers.Dense(CHARS, activation="softmax")])
xa = np.eye(CHARS, dtype="float32")[rng.integers(0, CHARS, (16, DIGITS * 2 + 1))]
ya = np.eye(CHARS, dtype="float32")[rng.integers(0, CHARS, (16, DIGITS + 1))]
put("addition/weights", add.get_weights())
g["addition/x"], g["addition/y"] = xa, ya
g["addition/predict"] = add.predict(xa, verbose=0)

# 3. Optimizer steps: the same model and batch, three train_on_batch steps each.
OPTS = {
    "adam": lambda: keras.optimizers.Adam(learning_rate=0.01),
    "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate=0.01),
    "rmsprop_momentum_centered": lambda: keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    "sgd_momentum": lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
    "sgd_nesterov": lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda: keras.optimizers.Adagrad(learning_rate=0.1),
    "adam_clipnorm": lambda: keras.optimizers.Adam(learning_rate=0.01, clipnorm=0.05),
    "sgd_clipvalue": lambda: keras.optimizers.SGD(learning_rate=0.1, clipvalue=0.01),
    "adam_global_clipnorm": lambda: keras.optimizers.Adam(learning_rate=0.01, global_clipnorm=0.1),
}
w0 = add.get_weights()
for name, make in OPTS.items():
    add.set_weights(w0)
    add.compile(loss="categorical_crossentropy", optimizer=make(), metrics=["acc"])
    losses = [add.train_on_batch(xa, ya)[0] for _ in range(3)]
    g[f"opt/{name}/losses"] = np.array(losses)
    put(f"opt/{name}/weights", add.get_weights())

# 4. fit: mini-batches without shuffling, two epochs; History and final weights.
add.set_weights(w0)
add.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])
hist = add.fit(xa, ya, batch_size=5, epochs=2, shuffle=False, verbose=0)
g["fit/loss"] = np.array(hist.history["loss"])
g["fit/acc"] = np.array(hist.history["acc"])
put("fit/weights", add.get_weights())

# 5. Losses on ordinary and saturated predictions.
p = np.array([[0.1, 0.7, 0.2], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], "float32")
y = np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]], "float32")
g["loss/p"], g["loss/y"] = p, y
g["loss/categorical"] = np.array(keras.losses.CategoricalCrossentropy()(y, p))
g["loss/sparse"] = np.array(keras.losses.SparseCategoricalCrossentropy()(np.argmax(y, -1), p))
g["loss/binary"] = np.array(keras.losses.BinaryCrossentropy()(y, p))
g["loss/mse"] = np.array(keras.losses.MeanSquaredError()(y, p))
z = np.array([[-30.0, 2.0, 40.0], [0.5, -0.5, 0.0]], "float32")
yz = np.array([[0, 1, 1], [1, 0, 0]], "float32")
g["loss/z"], g["loss/yz"] = z, yz
g["loss/binary_logits"] = np.array(keras.losses.BinaryCrossentropy(from_logits=True)(yz, z))
g["loss/categorical_logits"] = np.array(keras.losses.CategoricalCrossentropy(from_logits=True)(yz / yz.sum(-1, keepdims=True), z))

# 6. Masks: Embedding(mask_zero) -> LSTM(seq) and -> LSTM, with right and left padding.
keras.utils.set_random_seed(11)
ids = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 7, 1], [5, 9, 2, 6, 5]])
for seq in (True, False):
    m = keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(10, 4, mask_zero=True),
                          keras.layers.LSTM(3, return_sequences=seq)])
    put(f"mask/seq={seq}/weights", m.get_weights())
    g[f"mask/seq={seq}/out"] = np.asarray(m(ids))
g["mask/ids"] = ids

# 7. A masked sequence loss: padded steps are left out of the mean (Keras 3 rule).
keras.utils.set_random_seed(12)
m = keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(10, 4, mask_zero=True),
                      keras.layers.LSTM(3, return_sequences=True),
                      keras.layers.Dense(1, activation="sigmoid")])
m.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["acc"])
ym = (rng.random((3, 5, 1)) > 0.5).astype("float32")
put("masked_loss/weights", m.get_weights())
g["masked_loss/y"] = ym
g["masked_loss/eval"] = np.array(m.evaluate(ids, ym, verbose=0))

# 8. Bidirectional: every merge mode x return_sequences, with and without a right-padding
#    mask, and return_state; inner LSTM, GRU and SimpleRNN.
keras.utils.set_random_seed(13)
xb = rng.standard_normal((3, 6, 4)).astype("float32")
mb = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0]], bool)
g["bi/x"], g["bi/mask"] = xb, mb
for kind in ("LSTM", "GRU", "SimpleRNN"):
    for mode in ("concat", "sum", "mul", "ave", None):
        for seq in (True, False):
            layer = keras.layers.Bidirectional(getattr(keras.layers, kind)(5, return_sequences=seq,
                                                                         return_state=True),
                                               merge_mode=mode)
            out = layer(xb)
            put(f"bi/{kind}/{mode}/{seq}/weights", layer.get_weights())
            put(f"bi/{kind}/{mode}/{seq}/out", [np.asarray(o) for o in out])
            out_m = layer(xb, mask=mb)
            put(f"bi/{kind}/{mode}/{seq}/out_masked", [np.asarray(o) for o in out_m])

# 9. GRU alone (reset_after=True), go_backwards, mask, initial state.
keras.utils.set_random_seed(14)
gru = keras.layers.GRU(4, return_sequences=True, return_state=True)
h0 = rng.standard_normal((3, 4)).astype("float32")
put("gru/out", [np.asarray(o) for o in gru(xb, initial_state=[h0])])
put("gru/out_masked", [np.asarray(o) for o in gru(xb, mask=mb, initial_state=[h0])])
put("gru/weights", gru.get_weights())
g["gru/h0"] = h0

# 10. Keras 3 mask semantics with a non-zero initial state and leading masked steps:
#     a masked step outputs the carried state (not zeros).
keras.utils.set_random_seed(15)
lstm = keras.layers.LSTM(4, return_sequences=True)
lead = np.array([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0], [0, 1, 0, 1, 0, 1]], bool)
c0 = rng.standard_normal((3, 4)).astype("float32")
g["lead/mask"], g["lead/c0"] = lead, c0
g["lead/out"] = np.asarray(lstm(xb, mask=lead, initial_state=[h0, c0]))
put("lead/weights", lstm.get_weights())

# 11. The stacked BiLSTM sentiment model's parameter count.
m = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(10000, 32),
                      keras.layers.Bidirectional(keras.layers.LSTM(32)),
                      keras.layers.Dense(1, activation="sigmoid")])
g["bilstm_sentiment/params"] = np.array([l.count_params() for l in m.layers])

np.savez(OUT, **g)
print(f"wrote {OUT} with {len(g)} arrays (Keras {keras.__version__})")
