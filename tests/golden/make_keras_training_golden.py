"""Regenerate keras_training_golden.npz (+ keras_mixed.weights.h5): Keras 3's numbers for the
training extras — optimizers, weight decay, learning-rate schedules, losses, metrics, sample and
class weights with masks, regularizers and constraints, callbacks that change the learning rate,
and a weights file written by Keras. CI needs no Keras.

    pip install keras jax h5py
    KERAS_BACKEND=jax python tests/golden/make_keras_training_golden.py
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get("GOLDEN_OUT", os.path.join(HERE, "keras_training_golden.npz"))
rng = np.random.default_rng(12)
g = {"keras_version": np.array(keras.__version__)}


def put(key, arrays):
    for i, a in enumerate(arrays):
        g[f"{key}/{i}"] = np.asarray(a)


# -- a small model and batch shared by the optimizer items ---------------------------------------
def small():
    return keras.Sequential([keras.Input((5, 3)), layers.LSTM(4), layers.Dense(3, activation="softmax")])


keras.utils.set_random_seed(0)
base = small()
w0 = base.get_weights()
put("small/weights", w0)
x = rng.standard_normal((8, 5, 3)).astype("float32")
y = np.eye(3, dtype="float32")[rng.integers(0, 3, 8)]
g["small/x"], g["small/y"] = x, y
S = keras.optimizers.schedules
OPTS = {
    "nadam": lambda: keras.optimizers.Nadam(0.01),
    "adamw": lambda: keras.optimizers.AdamW(0.01, weight_decay=0.1),
    "adadelta": lambda: keras.optimizers.Adadelta(1.0),
    "adamax": lambda: keras.optimizers.Adamax(0.01),
    "sgd_weight_decay": lambda: keras.optimizers.SGD(0.1, momentum=0.9, weight_decay=0.05),
    "rmsprop_weight_decay": lambda: keras.optimizers.RMSprop(0.01, weight_decay=0.05),
    "adam_exponential": lambda: keras.optimizers.Adam(S.ExponentialDecay(0.02, decay_steps=1, decay_rate=0.5)),
    "adam_piecewise": lambda: keras.optimizers.Adam(S.PiecewiseConstantDecay([0, 1], [0.02, 0.01, 0.001])),
    "sgd_cosine_warmup": lambda: keras.optimizers.SGD(S.CosineDecay(0.01, decay_steps=4, alpha=0.1,
                                                                    warmup_target=0.1, warmup_steps=2)),
    "sgd_inverse_time": lambda: keras.optimizers.SGD(S.InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5,
                                                                        staircase=True)),
}
for name, make in OPTS.items():
    base.set_weights(w0)
    base.compile(loss="categorical_crossentropy", optimizer=make())
    g[f"opt/{name}/losses"] = np.array([float(base.train_on_batch(x, y)) for _ in range(3)])
    g[f"opt/{name}/lr_after"] = np.array(float(base.optimizer.learning_rate))
    put(f"opt/{name}/weights", base.get_weights())

# -- losses on fixed inputs ------------------------------------------------------------------------
p = rng.uniform(0.02, 0.98, (4, 3, 5)).astype("float32")
t = rng.uniform(0, 1, (4, 3, 5)).astype("float32")
tb = (t > 0.5).astype("float32")
z = rng.standard_normal((4, 3, 5)).astype("float32")
sw = rng.uniform(0, 2, (4, 3)).astype("float32")
g["loss/p"], g["loss/t"], g["loss/tb"], g["loss/z"], g["loss/sw"] = p, t, tb, z, sw
L = keras.losses
LOSSES = {
    "mae": (L.MeanAbsoluteError(), t, p), "huber": (L.Huber(delta=0.3), t, p), "log_cosh": (L.LogCosh(), t, p),
    "kl_divergence": (L.KLDivergence(), t, p), "poisson": (L.Poisson(), t, p),
    "focal": (L.BinaryFocalCrossentropy(), tb, p),
    "focal_balanced_logits": (L.BinaryFocalCrossentropy(apply_class_balancing=True, from_logits=True, gamma=1.5), tb, z),
}
for name, (loss, truth, pred) in LOSSES.items():
    g[f"loss/{name}"] = np.array(float(loss(truth, pred)))
    g[f"loss/{name}/weighted"] = np.array(float(loss(truth, pred, sample_weight=sw)))

# -- metrics over two batches, with sample weights --------------------------------------------------
yb = rng.integers(0, 2, (10, 1)).astype("float32")
pb = rng.uniform(0, 1, (10, 1)).astype("float32")
yc = np.eye(4, dtype="float32")[rng.integers(0, 4, 10)]
pc = rng.dirichlet(np.ones(4), 10).astype("float32")
ws = rng.uniform(0.2, 1.5, 10).astype("float32")
for k, v in dict(yb=yb, pb=pb, yc=yc, pc=pc, ws=ws).items():
    g[f"metric/{k}"] = v
M = keras.metrics
METRICS = {
    "mae": (M.MeanAbsoluteError, yb, pb), "mse": (M.MeanSquaredError, yb, pb),
    "binary_accuracy": (M.BinaryAccuracy, yb, pb), "categorical_accuracy": (M.CategoricalAccuracy, yc, pc),
    "sparse_categorical_accuracy": (M.SparseCategoricalAccuracy, np.argmax(yc, -1), pc),
    "top_2": (lambda: M.TopKCategoricalAccuracy(k=2), yc, pc), "auc": (M.AUC, yb, pb),
    "auc_pr": (lambda: M.AUC(curve="PR"), yb, pb), "auc_pr_majoring": (lambda: M.AUC(curve="PR", summation_method="majoring"), yb, pb),
    "precision": (M.Precision, yb, pb), "recall": (M.Recall, yb, pb),
    "precision_07": (lambda: M.Precision(thresholds=0.7), yb, pb),
    "rmse": (M.RootMeanSquaredError, yb, pb), "mape": (M.MeanAbsolutePercentageError, pc, yc),
    "accuracy_exact": (M.Accuracy, yb, np.round(pb)),
}
for name, (make, truth, pred) in METRICS.items():
    for weighted in (False, True):
        m = make()
        m.update_state(truth[:6], pred[:6], sample_weight=ws[:6] if weighted else None)
        m.update_state(truth[6:], pred[6:], sample_weight=ws[6:] if weighted else None)
        g[f"metric/{name}/{'weighted' if weighted else 'plain'}"] = np.array(float(m.result()))

# -- sample weights per step, masks, class weights ------------------------------------------------
keras.utils.set_random_seed(1)
ids_in = keras.Input((6,), dtype="int32")
seq = layers.LSTM(3, return_sequences=True)(layers.Embedding(9, 4, mask_zero=True)(ids_in))
tagger = keras.Model(ids_in, layers.Dense(2, activation="softmax")(seq))
ids = rng.integers(1, 9, (5, 6))
for row, n in enumerate([6, 3, 1, 5, 2]):
    ids[row, n:] = 0
tags = rng.integers(0, 2, (5, 6))
step_w = rng.uniform(0, 2, (5, 6)).astype("float32")
row_w = rng.uniform(0, 2, 5).astype("float32")
g["sw/ids"], g["sw/tags"], g["sw/step_w"], g["sw/row_w"] = ids, tags, step_w, row_w
put("sw/weights", tagger.get_weights())
tagger.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
               metrics=["accuracy"], weighted_metrics=[])
g["sw/evaluate_plain"] = np.array(tagger.evaluate(ids, tags, verbose=0))
g["sw/evaluate_steps"] = np.array(tagger.evaluate(ids, tags, sample_weight=step_w, verbose=0))
g["sw/train_steps"] = np.array([float(v) for v in tagger.train_on_batch(ids, tags, sample_weight=step_w)])
put("sw/after_steps", tagger.get_weights())
keras.utils.set_random_seed(2)
clf = keras.Sequential([keras.Input((4, 2)), layers.GRU(3), layers.Dense(3, activation="softmax")])
xc = rng.standard_normal((9, 4, 2)).astype("float32")
yc3 = rng.integers(0, 3, 9)
g["cw/x"], g["cw/y"] = xc, yc3
put("cw/weights", clf.get_weights())
clf.compile(optimizer=keras.optimizers.SGD(0.3), loss="sparse_categorical_crossentropy")
hist = clf.fit(xc, yc3, batch_size=4, epochs=2, shuffle=False, verbose=0, class_weight={0: 0.5, 1: 2.0, 2: 1.0})
g["cw/loss"] = np.array(hist.history["loss"])
put("cw/after", clf.get_weights())

# -- regularizers and constraints ------------------------------------------------------------------
keras.utils.set_random_seed(3)
R, C = keras.regularizers, keras.constraints
reg = keras.Sequential([
    keras.Input((5, 3)),
    layers.LSTM(4, return_sequences=True, kernel_regularizer=R.l2(0.05), recurrent_regularizer=R.l1(0.02),
                bias_regularizer=R.l1_l2(0.01, 0.02), activity_regularizer=R.l2(0.1),
                kernel_constraint=C.MaxNorm(0.6), recurrent_constraint=C.UnitNorm()),
    layers.GRU(3, kernel_regularizer="l1", bias_constraint=C.NonNeg()),
    layers.Dense(2, kernel_regularizer=R.L1L2(0.01, 0.01), activity_regularizer=R.l1(0.05)),
])
xr, yr = rng.standard_normal((6, 5, 3)).astype("float32"), rng.standard_normal((6, 2)).astype("float32")
g["reg/x"], g["reg/y"] = xr, yr
# No weight exactly 0: there |w| has no derivative, and backends choose differently (JAX +1,
# TensorFlow and PyTorch 0, lstm_np 0); the zero-initialised biases would otherwise differ.
reg.set_weights([w + rng.uniform(0.01, 0.05, w.shape).astype("float32") * rng.choice([-1, 1], w.shape)
                 for w in reg.get_weights()])
put("reg/weights", reg.get_weights())
reg.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
g["reg/evaluate"] = np.array(float(reg.evaluate(xr, yr, verbose=0)))
g["reg/losses"] = np.array([float(reg.train_on_batch(xr, yr)) for _ in range(3)])
put("reg/after", reg.get_weights())

# -- callbacks that change the learning rate -------------------------------------------------------
base.set_weights(w0)
base.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.SGD(0.5))
hist = base.fit(x, y, batch_size=4, epochs=6, shuffle=False, verbose=0, callbacks=[
    keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.05, cooldown=1)])
g["cb/plateau/loss"], g["cb/plateau/lr"] = np.array(hist.history["loss"]), np.array(hist.history["learning_rate"])
base.set_weights(w0)
base.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.SGD(0.5))
hist = base.fit(x, y, batch_size=4, epochs=4, shuffle=False, verbose=0, callbacks=[
    keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)])
g["cb/scheduler/loss"], g["cb/scheduler/lr"] = np.array(hist.history["loss"]), np.array(hist.history["learning_rate"])

# -- a weights file written by Keras ---------------------------------------------------------------
keras.utils.set_random_seed(4)
b_in, a_in = keras.Input((None,), dtype="int32", name="b"), keras.Input((5, 3), name="a")
e = layers.Embedding(10, 3, mask_zero=True)(b_in)
h = layers.Bidirectional(layers.LSTM(4, return_sequences=True))(e)
h = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="sum")(h)
h = layers.AdditiveAttention()([layers.Attention(use_scale=True)([h, h]), h])
v = layers.TimeDistributed(layers.Dense(2))(layers.SimpleRNN(3, return_sequences=True)(a_in))
mixed = keras.Model([b_in, a_in], [layers.Dense(1)(layers.LSTM(2)(h)), layers.Dense(1)(layers.LSTM(2)(v))])
mixed.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in mixed.get_weights()])
mixed.save_weights(os.path.join(HERE, "keras_mixed.weights.h5"))
xb_ids, xa = rng.integers(1, 10, (3, 6)), rng.standard_normal((3, 5, 3)).astype("float32")
g["h5/b"], g["h5/a"] = xb_ids, xa
put("h5/predict", mixed.predict([xb_ids, xa], verbose=0))
g["h5/layers"] = np.array(json.dumps([l.name for l in mixed.layers]))

np.savez(OUT, **g)
print(f"wrote {OUT} ({len(g)} arrays, Keras {keras.__version__})")
