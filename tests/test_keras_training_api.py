"""The training extras Keras users reach for: callbacks and their hooks, learning rates,
custom losses, stateful models, weights files, JSON, get_file, seeds, diagrams."""
import csv
import json
import zipfile

import numpy as np
import pytest

import lstm_np as keras
from lstm_np import gradcheck, layers
from lstm_np.models import model_from_json
from helpers.gradients import assert_grads_ok


def small(seed=0, **compile_kw):
    model = keras.Sequential([keras.Input((4, 2)), layers.LSTM(3, seed=seed), layers.Dense(1, seed=seed + 1)],
                             seed=seed)
    model.compile(**{"optimizer": "adam", "loss": "mse", **compile_kw})
    return model


def data(rng, n=12):
    return rng.standard_normal((n, 4, 2)).astype("float32"), rng.standard_normal((n, 1)).astype("float32")


# -- callbacks -------------------------------------------------------------------------------------
def test_lambda_callback_and_every_batch_hook_are_called(rng):
    calls = {}

    def count(name):
        return lambda *args: calls.__setitem__(name, calls.get(name, 0) + 1)

    hooks = ["on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end", "on_train_batch_begin",
             "on_train_batch_end"]
    cb = keras.callbacks.LambdaCallback(**{h: count(h) for h in hooks},
                                        on_test_batch_end=count("on_test_batch_end"),
                                        on_predict_batch_end=count("on_predict_batch_end"))
    model, (x, y) = small(), data(rng)
    model.fit(x, y, epochs=2, batch_size=5, verbose=0, callbacks=[cb], validation_split=0.25)
    assert calls == {"on_epoch_begin": 2, "on_epoch_end": 2, "on_train_begin": 1, "on_train_end": 1,
                     "on_train_batch_begin": 4, "on_train_batch_end": 4, "on_test_batch_end": 2}
    model.evaluate(x, y, batch_size=5, callbacks=[cb])
    model.predict(x, batch_size=5, callbacks=[cb])
    assert calls["on_test_batch_end"] == 5 and calls["on_predict_batch_end"] == 3
    old = keras.callbacks.LambdaCallback(on_batch_end=count("old_name"))
    model.fit(x, y, epochs=1, batch_size=6, verbose=0, callbacks=[old])
    assert calls["old_name"] == 2


def test_csv_logger_writes_one_row_per_epoch(tmp_path, rng):
    model, (x, y) = small(metrics=["mae"]), data(rng)
    path = tmp_path / "log.csv"
    model.fit(x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[keras.callbacks.CSVLogger(str(path))])
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert set(rows[0]) == {"epoch", "loss", "mae", "val_loss", "val_mae"}


def test_model_checkpoint_saves_best_weights_only(tmp_path, rng):
    model, (x, y) = small(), data(rng)
    ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.weights.npz"), monitor="loss",
                                         save_best_only=True, save_weights_only=True)
    h = model.fit(x, y, epochs=4, verbose=0, callbacks=[ck])
    best_epoch = int(np.argmin(h.history["loss"]))
    assert ck.best == pytest.approx(h.history["loss"][best_epoch])
    other = small(seed=5)
    other.load_weights(str(tmp_path / "best.weights.npz"))
    assert any(not np.array_equal(a, b) for a, b in zip(other.get_weights(), small(seed=5).get_weights()))
    with pytest.raises(ValueError, match=r"\.h5 or \.hdf5 or \.npz"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "x.keras"), save_weights_only=True)


def test_early_stopping_restores_the_best_weights_and_waits_for_start_from_epoch(rng):
    model, (x, y) = small(optimizer=keras.optimizers.SGD(0.5)), data(rng)
    es = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9, restore_best_weights=True,
                                       start_from_epoch=2)
    model.fit(x, y, epochs=10, verbose=0, callbacks=[es])
    assert es.stopped_epoch == 3 and es.best_epoch == 2          # epochs 0-1 not watched
    for a, b in zip(model.get_weights(), es.best_weights):
        np.testing.assert_array_equal(a, b)


def test_reduce_lr_on_plateau_and_scheduler_change_the_optimizer(rng):
    model, (x, y) = small(optimizer=keras.optimizers.Adam(0.01)), data(rng)
    h = model.fit(x, y, epochs=3, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e: 0.1 / (e + 1))])
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.05, 0.1 / 3])
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)
    h = model.fit(x, y, epochs=3, verbose=0, callbacks=[plateau])
    # Keras 3's rule: epoch 0 sets the best; each later epoch fails min_delta and halves the
    # rate, which the next epoch's logs show.
    assert h.history["learning_rate"] == pytest.approx([0.1 / 3, 0.1 / 3, 0.1 / 6])
    with pytest.raises(ValueError, match="factor >= 1.0"):
        keras.callbacks.ReduceLROnPlateau(factor=1.5)


def test_learning_rate_is_readable_settable_and_schedules_are_not(rng):
    opt = keras.optimizers.Adam(learning_rate=0.01)
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5 and opt.lr == 0.5
    sched = keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    assert sched.learning_rate == pytest.approx(0.1)
    with pytest.raises(TypeError, match="not settable"):
        sched.learning_rate = 0.3
    counter = {"n": 0}
    model, (x, y) = small(optimizer=keras.optimizers.SGD(lambda: counter.__setitem__("n", counter["n"] + 1) or 0.01)), data(rng)
    model.train_on_batch(x, y)
    assert counter["n"] >= 1                                      # a callable is read every step


# -- custom losses and metrics ---------------------------------------------------------------------
def cubic(y_true, y_pred):
    return np.mean(np.abs(y_pred - y_true) ** 3, axis=-1)


def d_cubic(y_true, y_pred):
    d = y_pred - y_true
    return 3 * d * np.abs(d) / d.shape[-1]


def test_numpy_loss_with_its_gradient_trains_and_checks(rng):
    model = keras.Sequential([keras.Input((4, 2)), layers.LSTM(3, seed=0, dtype="float64"),
                              layers.Dense(2, seed=1, dtype="float64")])
    model.compile("adam", keras.losses.LossFunctionWrapper(cubic, gradient=d_cubic))
    x, y = rng.standard_normal((5, 4, 2)), rng.standard_normal((5, 2))
    assert_grads_ok(gradcheck.check_model(model, x, y))
    cubic.gradient = d_cubic                                      # or as an attribute of the function
    model.compile("adam", cubic)
    assert np.isfinite(model.fit(x, y, epochs=1, verbose=0).history["loss"][0])
    del cubic.gradient


def test_a_loss_written_with_ops_or_numpy_operators_is_differentiated_by_the_tape(rng):
    """cubic (np.abs, **, np.mean) and a keras.ops loss with no gradient given: the tape's gradient
    equals the hand-written one, with sample weights and masks too; the model's gradient checks."""
    y, p = rng.standard_normal((5, 3, 2)), rng.standard_normal((5, 3, 2))
    w, mask = rng.random(5), rng.random((5, 3)) > 0.3
    by_hand = keras.losses.LossFunctionWrapper(cubic, gradient=d_cubic)
    for taped in (keras.losses.get(cubic),
                  keras.losses.get(lambda a, b: keras.ops.mean(keras.ops.abs(b - a) ** 3, axis=-1))):
        for kw in ({}, dict(sample_weight=w), dict(mask=mask)):
            v, g = taped.value_and_grad(y, p, **kw)
            v0, g0 = by_hand.value_and_grad(y, p, **kw)
            assert v == pytest.approx(v0, rel=1e-12)
            np.testing.assert_allclose(g, g0, rtol=1e-12)
    model = keras.Sequential([keras.Input((4, 2)), layers.LSTM(3, seed=0, dtype="float64"),
                              layers.Dense(2, seed=1, dtype="float64")])
    model.compile("adam", cubic)
    assert_grads_ok(gradcheck.check_model(model, rng.standard_normal((5, 4, 2)), rng.standard_normal((5, 2))))


def test_a_loss_the_tape_cannot_follow_says_so():
    loss = keras.losses.get(lambda a, b: np.mean(np.arctan(b - a), axis=-1))
    with pytest.raises(TypeError, match="np.arctan.*gradient=dfn"):
        loss.value_and_grad(np.zeros((2, 2)), np.ones((2, 2)))


def test_stateful_metrics_in_compile_are_named_as_keras_names_them(rng):
    model = keras.Sequential([keras.Input((4, 2)), layers.LSTM(3, seed=0), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC(), keras.metrics.Precision(), keras.metrics.Recall(), "mae"])
    x, y = rng.standard_normal((20, 4, 2)), rng.integers(0, 2, (20, 1))
    h = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y))
    assert set(h.history) == {"loss", "accuracy", "auc", "precision", "recall", "mae", "val_loss", "val_accuracy",
                              "val_auc", "val_precision", "val_recall", "val_mae"}
    assert 0 <= h.history["auc"][-1] <= 1


def test_sample_weight_checks(rng):
    model, (x, y) = small(), data(rng)
    with pytest.raises(ValueError, match="one row per sample"):
        model.fit(x, y, sample_weight=np.ones(5), verbose=0)
    with pytest.raises(ValueError, match="at the same time"):
        model.fit(x, y, sample_weight=np.ones(12), class_weight={0: 1.0}, verbose=0)
    zero = small()
    before = zero.get_weights()
    zero.compile(keras.optimizers.SGD(0.1), "mse")
    zero.fit(x, y, sample_weight=np.zeros(12), epochs=1, verbose=0)      # weight 0: no gradient at all
    for a, b in zip(before, zero.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- stateful models -------------------------------------------------------------------------------
def stateful_pair(stateful_batch):
    def build(stateful, batch):
        i = keras.Input(batch_shape=(batch, None, 2))
        h = layers.LSTM(4, return_sequences=True, stateful=stateful, seed=0)(i)
        h = layers.GRU(3, return_sequences=True, stateful=stateful, seed=1)(h)
        h = layers.SimpleRNN(2, return_sequences=True, stateful=stateful, seed=2)(h)
        return keras.Model(i, layers.Dense(1, seed=3)(h))
    whole, chunked = build(False, None), build(True, stateful_batch)
    chunked.set_weights(whole.get_weights())
    return whole, chunked


def test_stateful_predict_and_fit_chunk_by_chunk_equal_the_whole_sequence(rng):
    B, T, C = 3, 12, 4
    x = rng.standard_normal((B, T, 2)).astype("float32")
    y = rng.standard_normal((B, T, 1)).astype("float32")
    whole, chunked = stateful_pair(B)
    expected = whole.predict(x)
    got = np.concatenate([chunked.predict(x[:, k:k + C]) for k in range(0, T, C)], axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    chunked.reset_states()
    # fit with a zero learning rate: each chunk's loss is the whole-sequence loss on that chunk.
    chunked.compile(keras.optimizers.SGD(0.0), "mse")
    losses = [chunked.fit(x[:, k:k + C], y[:, k:k + C], batch_size=B, shuffle=False, verbose=0).history["loss"][0]
              for k in range(0, T, C)]
    want = [float(np.mean((expected[:, k:k + C] - y[:, k:k + C]) ** 2)) for k in range(0, T, C)]
    np.testing.assert_allclose(losses, want, rtol=1e-5)


def test_stateful_batch_size_is_enforced_and_states_reset(rng):
    model = keras.Sequential([layers.LSTM(3, stateful=True, batch_input_shape=(2, 5, 1), seed=0), layers.Dense(1)])
    x = rng.standard_normal((2, 5, 1))
    first = model.predict(x)
    assert not np.allclose(model.predict(x), first)               # the state carried over
    model.reset_states()
    np.testing.assert_allclose(model.predict(x), first, rtol=1e-6)
    model.layers[0].reset_state()
    with pytest.raises(ValueError, match="fixed batch size of 2"):
        model.predict(rng.standard_normal((3, 5, 1)), batch_size=3)


# -- weights files, JSON ---------------------------------------------------------------------------
def test_save_and_load_weights_by_order_by_name_and_skipping_mismatches(tmp_path, rng):
    model, (x, _) = small(), data(rng)
    for suffix in (".weights.h5", ".weights.npz"):
        path = str(tmp_path / f"w{suffix}")
        model.save_weights(path)
        other = small(seed=9)
        other.load_weights(path)
        np.testing.assert_array_equal(other.predict(x), model.predict(x))
    wider = keras.Sequential([keras.Input((4, 2)), layers.LSTM(5, name=model.layers[0].name),
                              layers.Dense(1, name=model.layers[1].name)])
    before = wider.get_weights()
    with pytest.raises(ValueError, match="skip_mismatch"):
        wider.load_weights(str(tmp_path / "w.weights.h5"))
    for a, b in zip(before, wider.get_weights()):                  # nothing changed
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="skipping layer"):
        wider.load_weights(str(tmp_path / "w.weights.h5"), skip_mismatch=True, by_name=True)
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(str(tmp_path / "w.bin"))


def test_to_json_and_model_from_json_rebuild_the_architecture():
    a = keras.Input((None, 3), name="a")
    _, h, c = layers.LSTM(4, return_state=True, kernel_regularizer="l2")(a)
    model = keras.Model(a, layers.Concatenate()([h, c]))
    clone = model_from_json(model.to_json())
    assert [type(l).__name__ for l in clone.layers] == [type(l).__name__ for l in model.layers]
    assert json.loads(model.to_json())["class_name"] == "Model"
    assert clone.count_params() == model.count_params()
    assert clone.layers[1].cell.regularizers["kernel"].l2 == 0.01


# -- utilities -------------------------------------------------------------------------------------
def test_get_file_uses_the_cache_downloads_file_urls_and_says_where_to_put_a_file(tmp_path):
    cache = tmp_path / "cache"
    source = tmp_path / "data.txt"
    source.write_text("hello")
    path = keras.utils.get_file("data.txt", origin=source.as_uri(), cache_dir=str(cache))
    assert open(path).read() == "hello"
    source.unlink()                                               # now only the cached copy exists
    assert keras.utils.get_file("data.txt", origin=source.as_uri(), cache_dir=str(cache)) == path
    with zipfile.ZipFile(tmp_path / "pack.zip", "w") as z:
        z.writestr("inner/a.txt", "A")
    folder = keras.utils.get_file("pack.zip", origin=(tmp_path / "pack.zip").as_uri(), cache_dir=str(cache),
                                  extract=True)
    assert open(f"{folder}/inner/a.txt").read() == "A"
    with pytest.raises(OSError, match=r"put the file at .*missing\.txt"):
        keras.utils.get_file("missing.txt", origin="http://127.0.0.1:9/missing.txt", cache_dir=str(cache))


def test_set_random_seed_makes_unseeded_layers_reproducible():
    keras.utils.set_random_seed(123)
    a = [layers.LSTM(3, input_shape=(2, 2)).get_weights() for _ in range(2)]
    keras.utils.set_random_seed(123)
    b = [layers.LSTM(3, input_shape=(2, 2)).get_weights() for _ in range(2)]
    for wa, wb in zip(a, b):
        for x, y in zip(wa, wb):
            np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0][0], a[1][0])                   # two layers: independent draws


def test_plot_model_and_expanded_summary_show_nested_models(tmp_path):
    inner_in = keras.Input((3,))
    inner = keras.Model(inner_in, layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    x = keras.Input((3,))
    model = keras.Model(x, layers.Dense(1, name="head")(inner(x)))
    text = keras.utils.plot_model(model, to_file=str(tmp_path / "m.txt"), show_shapes=True, expand_nested=True)
    assert "inner_dense" in text and "head" in open(tmp_path / "m.txt").read()
    keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"))
    assert (tmp_path / "m.png").stat().st_size > 1000
    lines = []
    model.summary(print_fn=lines.append, expand_nested=True)
    assert any("└ inner_dense" in l for l in lines)


@pytest.mark.parametrize("backend_name", ["numpy", "numba"])
def test_gradcheck_with_every_regularizer_through_sequential_and_model(backend_name, rng):
    old = keras.get_backend()
    keras.set_backend(backend_name)
    try:
        R, F = keras.regularizers, dict(dtype="float64")
        inner_in = keras.Input((4, 3))
        inner = keras.Model(inner_in, layers.LSTM(3, return_sequences=True, kernel_regularizer="l2",
                                                  recurrent_regularizer=R.l1(0.02), bias_regularizer=R.l1_l2(),
                                                  activity_regularizer="l2", seed=0, **F)(inner_in))
        x_in = keras.Input((4, 3))
        out = layers.Dense(2, kernel_regularizer="l1", activity_regularizer=R.L1L2(0.1, 0.2), seed=1, **F)(
            layers.GRU(2, kernel_regularizer=R.l2(0.1), seed=2, **F)(inner(x_in)))
        model = keras.Model(x_in, out)
        model.compile("adam", "mse")
        x, y = rng.standard_normal((3, 4, 3)), rng.standard_normal((3, 2))
        assert_grads_ok(gradcheck.check_model(model, x, y), 1e-7)
        seq = keras.Sequential([keras.Input((4, 3)),
                                layers.SimpleRNN(3, kernel_regularizer="l2", activity_regularizer="l1", seed=3, **F),
                                layers.Dense(1, bias_regularizer="l2", seed=4, **F)])
        seq.compile("adam", "mse")
        assert_grads_ok(gradcheck.check_model(seq, x, rng.standard_normal((3, 1))), 1e-7)
    finally:
        keras.set_backend(old)


def test_a_boolean_input_is_a_mask_for_the_layers_it_feeds(rng):
    """keras.Input(dtype="bool") fed to GRU(mask=...) (Keras's video example): booleans, not ids;
    the model equals the layer run with the same mask."""
    frames, m = keras.Input((5, 3)), keras.Input((5,), dtype="bool")
    gru = layers.GRU(4, seed=0)
    model = keras.Model([frames, m], gru(frames, mask=m))
    x, mask = rng.standard_normal((6, 5, 3)), rng.random((6, 5)) > 0.3
    np.testing.assert_allclose(model.predict([x, mask], verbose=0), gru(x, mask=mask), rtol=1e-6)
    model.compile("adam", "mse")
    assert np.isfinite(model.fit([x, mask.astype(int)], np.ones((6, 4)), epochs=1, verbose=0).history["loss"][0])
    with pytest.raises(TypeError, match="as booleans"):
        model.predict([x, np.full((6, 5), 2)], verbose=0)


def test_model_checkpoint_makes_its_folder(tmp_path, rng):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    path = tmp_path / "new" / "deeper" / "best.keras"
    model.fit(rng.standard_normal((4, 3)), np.ones((4, 1)), epochs=1, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(path, monitor="loss")])
    assert path.exists()


def test_timeseries_batches_have_numpy_as_tf_tensors_do():
    ds = keras.utils.timeseries_dataset_from_array(np.arange(20.0)[:, None], np.arange(20.0), 4, batch_size=3)
    for inputs, targets in ds.take(1):
        assert inputs.numpy().shape == (3, 4, 1) and type(inputs.numpy()) is np.ndarray
        assert targets.numpy().tolist() == [0.0, 1.0, 2.0]
