"""Calls from several threads: bit for bit what the same calls give one after another.

Before lstm_np/sync.py, 4 threads predicting on one model got 6-52 of 400 calls wrong (the
layers' kernel buffers were shared); fit beside predict trained to other losses.
"""
import threading

import numpy as np
import pytest

import lstm_np
from lstm_np import layers, sync

N_THREADS, N_CALLS = 6, 60


def _model(kind, seed=1):
    rnn = {
        "lstm": lambda: layers.LSTM(12, return_sequences=True, seed=seed),
        "gru": lambda: layers.GRU(12, return_sequences=True, seed=seed),
        "simple_rnn": lambda: layers.SimpleRNN(12, return_sequences=True, seed=seed),
        "bilstm": lambda: layers.Bidirectional(layers.LSTM(12, return_sequences=True, seed=seed)),
    }[kind]()
    m = lstm_np.Sequential([lstm_np.Input((9, 4)), rnn, layers.Dense(3, seed=seed + 1)])
    m.compile(optimizer="adam", loss="mse")
    return m


def _batches(n, seed=0):
    rng = np.random.default_rng(seed)       # lengths vary: each call reshapes the shared buffers
    return [rng.standard_normal((int(rng.integers(1, 48)), 9, 4)).astype("float32") for _ in range(n)]


def _hammer(fn, n_threads=N_THREADS, n_calls=N_CALLS):
    """Run fn(thread, call) from n_threads threads at once; return what any call raised."""
    errors, start = [], threading.Barrier(n_threads)

    def work(j):
        start.wait()
        try:
            for i in range(n_calls):
                fn(j, i)
        except BaseException as exc:        # noqa: BLE001 — reported by the test
            errors.append(exc)

    ts = [threading.Thread(target=work, args=(j,)) for j in range(n_threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return errors


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("kind", ["lstm", "gru", "simple_rnn", "bilstm"])
def test_predict_from_many_threads_equals_sequential_calls(kind, backend):
    old = lstm_np.get_backend()
    lstm_np.set_backend(backend)
    try:
        model, xs = _model(kind), _batches(12)
        expected = [model.predict(x, verbose=0) for x in xs]
        wrong = []

        def call(j, i):
            k = (7 * i + j) % len(xs)
            if not np.array_equal(model.predict(xs[k], verbose=0), expected[k]):
                wrong.append(k)

        assert _hammer(call) == []
        assert wrong == [], f"{len(wrong)} of {N_THREADS * N_CALLS} calls differ"
    finally:
        lstm_np.set_backend(old)


def test_models_sharing_layers_predict_at_once():
    """An inference model built from a trained model's tensors shares its layers (and their
    kernel buffers): both predicting at once, from many threads, stay exact."""
    inp = lstm_np.Input((9, 4))
    lstm = layers.LSTM(10, return_sequences=True, seed=3)
    hidden = lstm(inp)
    full = lstm_np.Model(inp, layers.Dense(2, seed=4)(hidden))
    encoder = lstm_np.Model(inp, hidden)
    xs = _batches(8, seed=5)
    exp_full = [full.predict(x, verbose=0) for x in xs]
    exp_enc = [encoder.predict(x, verbose=0) for x in xs]
    wrong = []

    def call(j, i):
        k = (3 * i + j) % len(xs)
        model, expected = (full, exp_full) if (i + j) % 2 else (encoder, exp_enc)
        if not np.array_equal(model.predict(xs[k], verbose=0), expected[k]):
            wrong.append(k)

    assert _hammer(call) == []
    assert wrong == []


def test_layer_called_on_arrays_from_many_threads():
    layer = layers.LSTM(8, return_sequences=True, seed=2)
    xs = _batches(6, seed=9)
    expected = [layer(x) for x in xs]
    wrong = []

    def call(j, i):
        k = (i + j) % len(xs)
        if not np.array_equal(layer(xs[k]), expected[k]):
            wrong.append(k)

    assert _hammer(call, n_threads=4, n_calls=40) == []
    assert wrong == []


def test_fit_beside_predict_trains_to_the_same_losses():
    """fit in one thread, predict in others on the same model: fit's losses are the ones it gets
    alone, bit for bit, and every prediction is one of the model between two steps."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 9, 4)).astype("float32")
    y = rng.standard_normal((96, 9, 3)).astype("float32")
    alone = _model("lstm", seed=11)
    ref = alone.fit(x, y, epochs=3, batch_size=16, verbose=0, shuffle=False).history["loss"]

    model = _model("lstm", seed=11)
    done, predictions = threading.Event(), []

    def predictor():
        while not done.is_set():
            predictions.append(model.predict(x[:8], verbose=0))

    ps = [threading.Thread(target=predictor) for _ in range(3)]
    for p in ps:
        p.start()
    try:
        got = model.fit(x, y, epochs=3, batch_size=16, verbose=0, shuffle=False).history["loss"]
    finally:
        done.set()
        for p in ps:
            p.join()
    assert got == ref
    assert len(predictions) > 0 and all(np.all(np.isfinite(p)) for p in predictions)


def test_training_from_a_second_thread_during_fit_is_a_clear_error():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 9, 4)).astype("float32")
    y = rng.standard_normal((64, 9, 3)).astype("float32")
    model = _model("gru")
    in_fit, tried = threading.Event(), threading.Event()
    seen = {}

    class Pause(lstm_np.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 0:
                in_fit.set()
                tried.wait(30)

    def other():
        in_fit.wait(30)
        for name, call in [("evaluate", lambda: model.evaluate(x, y, verbose=0)),
                           ("train_on_batch", lambda: model.train_on_batch(x, y)),
                           ("test_on_batch", lambda: model.test_on_batch(x, y)),
                           ("fit", lambda: model.fit(x, y, verbose=0))]:
            try:
                call()
                seen[name] = None
            except RuntimeError as exc:
                seen[name] = str(exc)
        seen["predict"] = model.predict(x, verbose=0).shape
        tried.set()

    t = threading.Thread(target=other)
    t.start()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[Pause()])
    t.join()
    for name in ("evaluate", "train_on_batch", "test_on_batch", "fit"):
        assert seen[name] is not None and "another thread" in seen[name], name
    assert seen["predict"] == (64, 9, 3)
    model.evaluate(x, y, verbose=0)                      # after fit: allowed again


def test_release_buffers_gives_memory_back_and_changes_no_number():
    model, xs = _model("lstm"), _batches(3, seed=2)
    before = [model.predict(x, verbose=0) for x in xs]
    rnn = model.layers[0]
    assert any(rnn._workspaces.values())
    lstm_np.release_buffers()
    assert rnn._workspaces == {}
    after = [model.predict(x, verbose=0) for x in xs]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def test_a_failed_call_keeps_no_buffers():
    model = _model("lstm")
    model.predict(_batches(1)[0], verbose=0)
    rnn = model.layers[0]
    assert rnn._workspaces

    @sync.serialized
    def failing():
        rnn._workspace                              # a call that had taken buffers ...
        raise MemoryError("simulated")              # ... and then ran out of memory

    with pytest.raises(MemoryError):
        failing()
    assert rnn._workspaces == {}
