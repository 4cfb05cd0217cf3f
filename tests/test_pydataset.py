"""fit / evaluate / predict on batches from Python code, as Keras 3: PyDataset (shuffled batch
order, on_epoch_begin/end, steps_per_epoch spanning epochs), generators, endless datasets,
validation_freq, and timeseries_dataset_from_array against Keras's own batches."""
import os

import numpy as np
import pytest

import lstm_np as keras
from lstm_np import layers
from lstm_np.utils import PyDataset, timeseries_dataset_from_array

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "golden", "keras_datasets_golden.npz"))


def small(seed=0):
    model = keras.Sequential([keras.Input((4, 2)), layers.LSTM(3, seed=seed), layers.Dense(1, seed=seed + 1)],
                             seed=seed)
    model.compile(optimizer="adam", loss="mse")
    return model


def data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4, 2)).astype("float32"), rng.standard_normal((n, 1)).astype("float32")


class Batches(PyDataset):
    """Batches of fixed size over arrays; records what was asked of it."""

    def __init__(self, x, y, batch_size, sw=None, **kw):
        super().__init__(**kw)
        self.x, self.y, self.sw, self.batch_size = x, y, sw, batch_size
        self.asked, self.events = [], []

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        self.asked.append(i)
        sl = slice(i * self.batch_size, (i + 1) * self.batch_size)
        if self.y is None:
            return self.x[sl]
        return (self.x[sl], self.y[sl]) if self.sw is None else (self.x[sl], self.y[sl], self.sw[sl])

    def on_epoch_begin(self):
        self.events.append("begin")

    def on_epoch_end(self):
        self.events.append("end")


def weights_equal(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


# -- timeseries_dataset_from_array against Keras ---------------------------------------------------------
CASES = {
    "basic": (20, 1, 0, dict(sequence_length=5, batch_size=4)),
    "stride_rate": (40, 2, 3, dict(sequence_length=4, sequence_stride=3, sampling_rate=2, batch_size=5)),
    "start_end": (50, 3, 0, dict(sequence_length=6, sequence_stride=2, start_index=7, end_index=41, batch_size=3)),
    "no_targets": (17, 2, None, dict(sequence_length=3, sequence_stride=4, batch_size=2)),
    "forecast": (30, 1, 6, dict(sequence_length=6, batch_size=8)),
    "shuffled": (25, 1, 0, dict(sequence_length=4, batch_size=4, shuffle=True, seed=3)),
}


def case_inputs(name):
    n, f, offset, kw = CASES[name]
    dat = np.arange(n * f, dtype="float32").reshape(n, f) / 10.0
    targets = None if offset is None else np.arange(n - offset, dtype="float32") + 100.0 * (offset + 1)
    return dat, targets, kw


@pytest.mark.parametrize("name", [c for c in CASES if c != "shuffled"])
def test_timeseries_windows_and_targets_equal_keras(name):
    dat, targets, kw = case_inputs(name)
    ds = timeseries_dataset_from_array(dat, targets, **kw)
    batches = [ds[i] for i in range(len(ds))]
    xs = [b if targets is None else b[0] for b in batches]
    np.testing.assert_array_equal([len(x) for x in xs], GOLDEN[f"{name}/sizes"])
    np.testing.assert_array_equal(np.concatenate(xs), GOLDEN[f"{name}/x"])
    if targets is not None:
        np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), GOLDEN[f"{name}/y"])


def test_shuffled_timeseries_has_keras_windows_and_is_seeded():
    dat, targets, kw = case_inputs("shuffled")
    ds = timeseries_dataset_from_array(dat, targets, **kw)
    x = np.concatenate([ds[i][0] for i in range(len(ds))])
    y = np.concatenate([ds[i][1] for i in range(len(ds))])
    # Keras also shuffles within a buffer on each pass, so compare the windows as a set, with their targets.
    ours = sorted(zip(map(tuple, x[..., 0]), y))
    theirs = sorted(zip(map(tuple, GOLDEN["shuffled/x"][..., 0]), GOLDEN["shuffled/y"]))
    assert ours == theirs
    assert not np.array_equal(x, np.sort(x, axis=0))                     # really shuffled
    again = timeseries_dataset_from_array(dat, targets, **kw)
    np.testing.assert_array_equal(again[0][0], ds[0][0])


def test_timeseries_without_batch_size_gives_single_windows():
    dat = np.arange(10.0)[:, None]
    ds = timeseries_dataset_from_array(dat, np.arange(10.0), sequence_length=3, batch_size=None)
    assert len(ds) == 8
    x, y = ds[2]
    np.testing.assert_array_equal(x[:, 0], [2, 3, 4])
    assert y == 2.0


@pytest.mark.parametrize("kw, match", [
    (dict(sequence_length=0), "sequence_length must be an int > 0"),
    (dict(sequence_length=3, sampling_rate=10), "sampling_rate and sequence_stride must be lower"),
    (dict(sequence_length=3, start_index=12), "start_index"),
    (dict(sequence_length=3, start_index=5, end_index=4), "end_index"),
    (dict(sequence_length=11), "no window of 11 steps"),
    (dict(sequence_length=3, batch_size=0), "batch_size must be > 0"),
])
def test_timeseries_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        timeseries_dataset_from_array(np.zeros((10, 1)), None, **kw)


def test_a_model_trains_on_timeseries_windows():
    series = np.sin(np.arange(300) / 6.0).astype("float32")[:, None]
    ds = timeseries_dataset_from_array(series[:-4], series[4:, 0], sequence_length=4, batch_size=32)
    model = keras.Sequential([keras.Input((4, 1)), layers.LSTM(8, seed=1), layers.Dense(1, seed=2)], seed=0)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    history = model.fit(ds, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


# -- PyDataset ------------------------------------------------------------------------------------------
def test_pydataset_in_order_trains_exactly_as_the_arrays():
    x, y = data()
    a, b = small(), small()
    a.fit(x, y, batch_size=5, epochs=3, shuffle=False, verbose=0)
    b.fit(Batches(x, y, 5), epochs=3, shuffle=False, verbose=0)
    assert weights_equal(a, b)
    assert a.evaluate(x, y, batch_size=5) == b.evaluate(Batches(x, y, 5))
    np.testing.assert_array_equal(a.predict(x, batch_size=5), b.predict(Batches(x, None, 5)))
    np.testing.assert_array_equal(a.predict(x, batch_size=5), b.predict(Batches(x, y, 5)))    # y ignored


def test_pydataset_batches_are_shuffled_once_each_per_epoch_with_hooks():
    x, y = data(n=20)
    ds = Batches(x, y, 4)
    small().fit(ds, epochs=3, verbose=0)
    passes = [ds.asked[5 * k:5 * k + 5] for k in range(3)]
    assert all(sorted(p) == [0, 1, 2, 3, 4] for p in passes)
    assert any(p != [0, 1, 2, 3, 4] for p in passes)
    assert ds.events == ["begin", "end"] * 3


def test_steps_per_epoch_goes_on_through_the_pass_as_keras():
    x, y = data(n=20)
    ds = Batches(x, y, 4)
    history = small().fit(ds, epochs=4, steps_per_epoch=2, shuffle=False, verbose=0)
    # 5 batches: epochs see 0 1 | 2 3 | 4 (the pass ends: a short epoch) | 0 1
    assert ds.asked == [0, 1, 2, 3, 4, 0, 1]
    assert len(history.history["loss"]) == 4
    ds = Batches(x, y, 4)
    small().fit(ds, epochs=1, steps_per_epoch=9, verbose=0)
    assert sorted(ds.asked) == [0, 1, 2, 3, 4]                        # capped at the batches there are


def test_sample_weights_in_batches_equal_the_argument():
    x, y = data()
    sw = np.linspace(0.1, 2.0, len(x)).astype("float32")
    a, b = small(), small()
    a.fit(x, y, sample_weight=sw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    b.fit(Batches(x, y, 4, sw=sw), epochs=2, shuffle=False, verbose=0)
    assert weights_equal(a, b)


def test_two_input_model_takes_nested_batches():
    rng = np.random.default_rng(4)
    x1, x2 = rng.standard_normal((10, 4, 2)), rng.standard_normal((10, 3))
    y = rng.standard_normal((10, 1))

    def build():
        i1, i2 = keras.Input((4, 2)), keras.Input((3,))
        h = layers.Concatenate()([layers.LSTM(3, seed=1)(i1), i2])
        model = keras.Model([i1, i2], layers.Dense(1, seed=2)(h))
        model.compile(optimizer="sgd", loss="mse")
        return model

    class Two(PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            sl = slice(5 * i, 5 * i + 5)
            return (x1[sl], x2[sl]), y[sl]

    a, b = build(), build()
    a.fit([x1, x2], y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    b.fit(Two(), epochs=2, shuffle=False, verbose=0)
    assert weights_equal(a, b)


def test_endless_pydataset_needs_steps():
    x, y = data()

    class Endless(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, i):
            k = (4 * i) % 12
            return x[k:k + 4], y[k:k + 4]

    with pytest.raises(ValueError, match="endless"):
        small().fit(Endless(), epochs=1, verbose=0)
    a, b = small(), small()
    history = a.fit(Endless(), epochs=2, steps_per_epoch=3, verbose=0)
    b.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2 and weights_equal(a, b)


def test_pydataset_must_say_how_many_batches():
    class Nothing(PyDataset):
        def __getitem__(self, i):
            return None

    with pytest.raises(NotImplementedError, match="__len__"):
        small().fit(Nothing(), verbose=0)


# -- generators -----------------------------------------------------------------------------------------
def repeat_batches(x, y, size):
    while True:
        for start in range(0, len(x), size):
            yield x[start:start + size], y[start:start + size]


def test_generator_with_steps_per_epoch_trains_as_the_arrays():
    x, y = data()
    a, b = small(), small()
    a.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    history = b.fit(repeat_batches(x, y, 4), steps_per_epoch=3, epochs=3, verbose=0)
    assert weights_equal(a, b) and len(history.history["loss"]) == 3


def test_finite_generator_is_one_epoch_then_training_stops(capsys):
    x, y = data()
    gen = ((x[i:i + 4], y[i:i + 4]) for i in range(0, 12, 4))
    history = small().fit(gen, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1
    assert "ran out of data" in capsys.readouterr().out


def test_evaluate_and_predict_take_steps():
    x, y = data()
    model = small()
    np.testing.assert_array_equal(model.predict(repeat_batches(x, y, 4), steps=2), model.predict(x[:8]))
    assert model.evaluate(repeat_batches(x, y, 4), steps=3) == pytest.approx(model.evaluate(x, y, batch_size=4))


# -- validation -----------------------------------------------------------------------------------------
def test_validation_on_a_pydataset_every_second_epoch():
    x, y = data()
    xv, yv = data(n=6, seed=1)
    vds = Batches(xv, yv, 4)
    model = small()
    history = model.fit(x, y, batch_size=4, epochs=4, validation_data=vds, validation_freq=2, verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    assert vds.events == ["begin", "end"] * 2
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(xv, yv, batch_size=4))
    history = small().fit(x, y, batch_size=4, epochs=3, validation_data=(xv, yv), validation_freq=[1, 3],
                          validation_batch_size=2, verbose=0)
    assert len(history.history["val_loss"]) == 2


def test_validation_steps_limits_a_generator():
    x, y = data()
    xv, yv = data(n=8, seed=1)
    model = small()
    history = model.fit(x, y, batch_size=4, epochs=1, validation_data=repeat_batches(xv, yv, 2),
                        validation_steps=2, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(xv[:4], yv[:4]))


# -- errors ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw, match", [
    (dict(y=np.zeros((12, 1))), "y must not be given"),
    (dict(batch_size=4), "batch_size must not be given"),
    (dict(validation_split=0.2), "validation_split needs arrays"),
    (dict(steps_per_epoch=0), "steps must be an int >= 1"),
    (dict(validation_freq=0), "validation_freq"),
])
def test_stream_fit_rejects_what_does_not_apply(kw, match):
    x, y = data()
    model = small()
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        model.fit(Batches(x, y, 4), verbose=0, **kw)
    assert all(np.array_equal(u, v) for u, v in zip(before, model.get_weights()))


def test_steps_with_arrays_walk_them_as_keras3():
    """Golden values from Keras 3.15 (JAX), this very script run with the real keras:
        m = Sequential([Input((1,)), Dense(1, kernel_initializer="zeros")]); SGD(0.0), "mse"
        x = arange(10)[:, None]; fit(x, x, batch_size=2, epochs=3, steps_per_epoch=3, shuffle=False)
    -> batches per epoch 0,1,2 | 0,1 | 0,1,2 (the pass runs out mid-epoch 2, which ends early),
    losses [9.1667, 57.5, 9.1667]; evaluate(steps=2) 3.5; predict(steps=2) 4 rows;
    evaluate(batch_size=4, steps=7) the whole pass, 28.5."""
    m = keras.Sequential([keras.Input((1,)), layers.Dense(1, kernel_initializer="zeros")])
    m.compile(keras.optimizers.SGD(0.0), "mse")
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    x = np.arange(10, dtype="float32")[:, None]
    hist = m.fit(x, x, batch_size=2, epochs=3, steps_per_epoch=3, shuffle=False, verbose=0, callbacks=[Record()])
    assert seen == [0, 1, 2, 0, 1, 0, 1, 2]
    np.testing.assert_allclose(hist.history["loss"], [55 / 6, 57.5, 55 / 6], rtol=1e-6)
    assert m.evaluate(x, x, batch_size=2, steps=2, verbose=0) == pytest.approx(3.5)
    assert m.predict(x, batch_size=2, steps=2, verbose=0).shape == (4, 1)
    assert m.evaluate(x, x, batch_size=4, steps=7, verbose=0) == pytest.approx(28.5)
    with pytest.raises(ValueError, match="steps must be an int >= 1"):
        m.fit(x, x, steps_per_epoch=0, verbose=0)


def test_a_bad_batch_is_named():
    x, y = data()

    class Bad(Batches):
        def __getitem__(self, i):
            return {"x": self.x}

    with pytest.raises(ValueError, match="each batch must be a tuple"):
        small().fit(Bad(x, y, 4), verbose=0)
    with pytest.raises(ValueError, match="class_weight and batches that carry sample weights"):
        small().fit(Batches(x, (y > 0).astype("float32"), 4, sw=np.ones(12)), class_weight={0: 1.0, 1: 2.0},
                    verbose=0)


# -- Keras 2's generator methods, tf.data's take ------------------------------------------------------------
def test_keras2_generator_methods_are_the_same_calls():
    x, y = data()
    a, b = small(), small()
    a.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    history = b.fit_generator(repeat_batches(x, y, 4), steps_per_epoch=3, epochs=2, verbose=0)
    assert weights_equal(a, b) and len(history.history["loss"]) == 2
    assert b.evaluate_generator(repeat_batches(x, y, 4), steps=3) == pytest.approx(b.evaluate(x, y, batch_size=4))
    np.testing.assert_array_equal(b.predict_generator(Batches(x, None, 4)), b.predict(x, batch_size=4))
    history = small().fit_generator(Batches(x, y, 4), epochs=2, validation_data=Batches(x, y, 6), verbose=0,
                                    workers=2, use_multiprocessing=False, max_queue_size=4)
    assert len(history.history["val_loss"]) == 2


def test_take_gives_the_first_batches():
    series = np.arange(100.0)[:, None]
    ds = timeseries_dataset_from_array(series, np.arange(100.0), sequence_length=5, batch_size=8)
    taken = ds.take(2)
    assert len(taken) == 2
    for inputs, targets in ds.take(1):
        assert inputs.shape == (8, 5, 1) and targets.shape == (8,)
    assert [t[1][0] for t in taken] == [0.0, 8.0] == [t[1][0] for t in taken]       # iterable again
    assert len(ds.take(1000)) == len(ds)
    with pytest.raises(ValueError, match="count must be an int >= 0"):
        ds.take(-1)
