"""Batch shards on several threads (fast/threads.py): the numbers never depend on the thread
count — bit for bit, float64 and float32, every kernel, masks, recurrent dropout, states —
and equal the NumPy reference; a model trains to the same weights on 1 or 2 threads."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

import lstm_np
from lstm_np import layers
from lstm_np.core import gru as ref_gru, lstm as ref_lstm, simple_rnn as ref_rnn
from lstm_np.fast import threads
from lstm_np.fast import gru as k_gru, lstm as k_lstm, simple_rnn as k_rnn


@pytest.fixture
def many_shards(monkeypatch):
    """Shard even tiny calls, into up to 4 shards (more than this machine may have cores)."""
    monkeypatch.setattr(threads, "MAX_SHARDS", 4)
    monkeypatch.setattr(threads, "MIN_WORK", 0)
    monkeypatch.setattr(threads, "MIN_ROWS", 1)
    old = lstm_np.get_num_threads()
    yield
    lstm_np.set_num_threads(old)


KINDS = {
    "lstm": (k_lstm.lstm_forward, k_lstm.lstm_backward, ref_lstm.lstm_forward, ref_lstm.lstm_backward, 4, 2),
    "gru": (k_gru.gru_forward, k_gru.gru_backward, ref_gru.gru_forward, ref_gru.gru_backward, 3, 1),
    "rnn": (k_rnn.rnn_forward, k_rnn.rnn_backward, ref_rnn.rnn_forward, ref_rnn.rnn_backward, 1, 1),
}


def problem(kind, B, T, D, H, dt, seed, masked, dropout):
    rng = np.random.default_rng(seed)
    _, _, _, _, gates, n_states = KINDS[kind]
    x = rng.standard_normal((B, T, D)).astype(dt)
    states = [0.3 * rng.standard_normal((B, H)).astype(dt) for _ in range(n_states)]
    W = (0.4 * rng.standard_normal((D, gates * H))).astype(dt)
    U = (0.4 * rng.standard_normal((H, gates * H))).astype(dt)
    bias = (0.1 * rng.standard_normal((2, 3 * H) if kind == "gru" else gates * H)).astype(dt)
    kw = {}
    if masked:
        mask = rng.random((B, T)) > 0.3
        mask[:, 0] = True
        kw.update(mask=mask, zero_output_for_mask=bool(seed % 2))
    if dropout:
        kw["recurrent_mask"] = ((rng.random((B, H)) > 0.25) / 0.75).astype(dt)
    dy = rng.standard_normal((B, T, H)).astype(dt)
    d_states = [rng.standard_normal((B, H)).astype(dt) for _ in range(n_states)]
    return x, states, W, U, bias, kw, dy, d_states


def run(kind, args, fwd_fn=None, bwd_fn=None):
    fwd, bwd = KINDS[kind][:2] if fwd_fn is None else (fwd_fn, bwd_fn)
    x, states, W, U, bias, kw, dy, d_states = args
    out = fwd(x, *states, W, U, bias, **kw)
    cache = out[-1]
    return list(out[:-1]) + list(bwd(dy, *d_states, cache)), cache


@pytest.mark.parametrize("kind", list(KINDS))
@given(B=st.integers(1, 9), T=st.integers(1, 6), D=st.integers(1, 5), H=st.integers(1, 7),
       masked=st.booleans(), dropout=st.booleans(), seed=st.integers(0, 10 ** 6))
def test_every_thread_count_gives_the_same_bits(many_shards, kind, B, T, D, H, masked, dropout, seed):
    for dt in ("float64", "float32"):
        args = problem(kind, B, T, D, H, dt, seed, masked, dropout)
        results = {}
        for n in (1, 2, 3):
            lstm_np.set_num_threads(n)
            results[n], cache = run(kind, args)
            assert ("shards" in cache) == (B > 1)
        for n in (2, 3):
            for a, b in zip(results[n], results[1]):
                assert a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("kind", list(KINDS))
def test_shards_equal_the_reference(many_shards, kind):
    lstm_np.set_num_threads(2)
    args = problem(kind, 7, 5, 3, 4, "float64", 3, masked=True, dropout=True)
    ours, cache = run(kind, args)
    assert len(cache["shards"]) == 4
    theirs, _ = run(kind, args, *KINDS[kind][2:4])
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_shards_cover_the_batch_evenly():
    assert threads.shard_bounds(1, 1e12) == [slice(0, 1)]
    assert threads.shard_bounds(64, 1.0) == [slice(0, 64)]                  # too little work to share
    for B in range(1, 200):
        bounds = threads.shard_bounds(B, 1e12)
        sizes = [sl.stop - sl.start for sl in bounds]
        assert bounds[0].start == 0 and bounds[-1].stop == B and sum(sizes) == B
        assert all(a.stop == b.start for a, b in zip(bounds, bounds[1:]))
        assert max(sizes) - min(sizes) <= 1 and len(bounds) <= threads.MAX_SHARDS
        assert len(bounds) == 1 or min(sizes) >= threads.MIN_ROWS


def test_a_shard_that_fails_raises_after_every_shard_stopped(many_shards):
    lstm_np.set_num_threads(2)
    done = []

    def work(k, rows):
        if k == 0:
            raise ValueError("shard 0 failed")
        done.append(k)
        return k

    with pytest.raises(ValueError, match="shard 0 failed"):
        threads.run(work, [slice(0, 1), slice(1, 2), slice(2, 3)])
    assert done == [1]                    # lane 0 (shards 0, 2) stopped at 0; lane 1 ran shard 1 to the end
    assert threads.run(lambda k, rows: rows.start * 10, [slice(0, 1), slice(1, 2), slice(2, 3)]) == [0, 10, 20]


def test_set_num_threads_checks_its_argument():
    old = lstm_np.get_num_threads()
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="n must be an int >= 1"):
            lstm_np.set_num_threads(bad)
    assert lstm_np.get_num_threads() == old


@pytest.mark.parametrize("value, ok", [("3", True), ("0", False), ("two", False)])
def test_environment_variable(value, ok):
    code = "import lstm_np; print(lstm_np.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"LSTM_NP_NUM_THREADS": value, "PATH": ""})
    if ok:
        assert out.stdout.strip() == value
    else:
        assert out.returncode != 0 and "LSTM_NP_NUM_THREADS must be an int >= 1" in out.stderr


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_model_trains_to_the_same_weights_on_any_thread_count(many_shards, dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 12, 8)).astype(dtype)
    y = rng.integers(0, 2, (64, 1)).astype(dtype)

    def train(n):
        lstm_np.set_num_threads(n)
        model = lstm_np.Sequential([
            lstm_np.Input((12, 8), dtype=dtype),
            layers.Bidirectional(layers.LSTM(32, return_sequences=True, seed=1, dtype=dtype), dtype=dtype),
            layers.GRU(32, seed=2, dtype=dtype), layers.Dense(1, activation="sigmoid", seed=3, dtype=dtype)], seed=0)
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x, y, batch_size=32, epochs=2, verbose=0)
        return model.get_weights(), model.predict(x, batch_size=64)

    old = lstm_np.get_num_threads()
    try:
        (w1, p1), (w2, p2) = train(1), train(2)
    finally:
        lstm_np.set_num_threads(old)
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2)) and np.array_equal(p1, p2)


def test_a_forked_child_gets_its_own_threads():
    """After fork the parent's pool threads don't exist in the child: it must start new ones."""
    code = """
import os, numpy as np, lstm_np
from lstm_np.fast import threads
lstm_np.set_num_threads(2)
threads.run(lambda k, rows: k, [slice(0, 1), slice(1, 2)])          # the parent's pool starts
pid = os.fork()
if pid == 0:
    ok = threads.run(lambda k, rows: k * 10, [slice(0, 1), slice(1, 2)]) == [0, 10]
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
print("child", os.waitstatus_to_exitcode(status))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "child 0", out.stderr[-2000:]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_dense_products_in_shards_equal_numpy_and_ignore_the_thread_count(dtype):
    """Dense on the numba backend: its products on the kernels' BLAS in row shards — the same
    bits on 1 and 2 threads, and NumPy's numbers to rounding."""
    from lstm_np.fast import sharding
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4096, 96)).astype(dtype)
    w = rng.standard_normal((96, 130)).astype(dtype)
    dz = rng.standard_normal((4096, 130)).astype(dtype)
    assert len(threads.shard_bounds(4096, 2.0 * 4096 * 96 * 130)) == min(threads.MAX_SHARDS, 1024)
    old = lstm_np.get_num_threads()
    try:
        got = {}
        for n in (1, 2):
            lstm_np.set_num_threads(n)
            got[n] = (sharding.matmul(x, w), sharding.matmul_tn(x, dz), sharding.matmul(dz, w.T))
    finally:
        lstm_np.set_num_threads(old)
    tol = 1e-12 if dtype == "float64" else 2e-4
    for a, b, want in zip(got[1], got[2], (x @ w, x.T @ dz, dz @ w.T)):
        assert a.dtype == np.dtype(dtype) and np.array_equal(a, b)
        np.testing.assert_allclose(a, want, rtol=tol, atol=tol * np.abs(want).max())
    mixed = sharding.matmul(x.astype("float32"), w.astype("float64"))       # not one float type: NumPy's
    np.testing.assert_allclose(mixed, x @ w, rtol=1e-5, atol=1e-4)


def test_parallel_tasks_run_at_once_and_a_run_inside_goes_in_order(many_shards):
    """Bidirectional's two directions run on two threads; a direction's own shards then run in
    order on its thread (a pool worker waiting for the pool would deadlock it), and each task
    sees the caller's inference mode."""
    import threading
    from lstm_np.fast import inference
    lstm_np.set_num_threads(2)
    barrier = threading.Barrier(2, timeout=10)      # passes only if both tasks run at the same time

    def task(name):
        barrier.wait()
        inner = threads.run(lambda k, rows: (k, threading.get_ident(), inference.active()),
                            [slice(0, 1), slice(1, 2), slice(2, 3)])
        assert [k for k, _, _ in inner] == [0, 1, 2]
        assert len({ident for _, ident, _ in inner}) == 1          # one thread: the task's own
        return name, inner[0][2]

    with lstm_np.inference_mode():
        assert threads.parallel([lambda: task("f"), lambda: task("b")], work=1) == [("f", True), ("b", True)]
    threads.MIN_WORK = 100                          # too little work: in order, on this thread
    here = threading.get_ident()
    assert threads.parallel([threading.get_ident, threading.get_ident], work=99) == [here, here]
    threads.MIN_WORK = 0
    barrier.reset()
    assert threads.parallel([lambda: task("f"), lambda: task("b")], work=1) == [("f", False), ("b", False)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("B", [1, 3, 16])
def test_bidirectional_directions_at_once_give_the_same_bits(many_shards, B, dtype):
    """Directions at once on two threads; at B = 1 no shards inside, else up to 4 each."""
    rng = np.random.default_rng(B)
    x = rng.standard_normal((B, 7, 5)).astype(dtype)
    mask = np.arange(7)[None] < rng.integers(1, 8, (B, 1))
    g = rng.standard_normal((B, 7, 12)).astype(dtype)

    def run_on(n):
        lstm_np.set_num_threads(n)
        layer = layers.Bidirectional(layers.LSTM(6, return_sequences=True, seed=3, dtype=dtype), dtype=dtype)
        y = layer.forward(x, training=True, mask=mask)
        dx = layer.backward(g)
        with lstm_np.inference_mode():
            p = layer.forward(x, mask=mask)
        return [y, dx, p] + [layer.grads[k].copy() for k in layer.weight_names]

    old = lstm_np.get_num_threads()
    try:
        one, two = run_on(1), run_on(2)
    finally:
        lstm_np.set_num_threads(old)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_bidirectional_checks_both_directions_before_either_runs():
    layer = layers.Bidirectional(layers.LSTM(4, return_state=True, stateful=True, seed=0),
                                 input_shape=(3, 2))
    x = np.ones((2, 3, 2))
    layer.forward(x)
    before = [s.copy() for s in layer.forward_layer.states]
    bad = [np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((2, 5))]   # backward's c wrong
    with pytest.raises(ValueError, match="initial state"):
        layer.forward(2 * x, initial_state=bad)
    for a, b in zip(layer.forward_layer.states, before):
        np.testing.assert_array_equal(a, b)


def test_the_numpy_backend_runs_the_directions_one_after_the_other(many_shards, monkeypatch):
    """The NumPy reference holds the GIL and calls NumPy's threaded BLAS: two directions at once
    were slower there (272 -> 322-399 ms at (64, 100, 128, 256))."""
    lstm_np.set_num_threads(2)
    calls = []
    real = threads.run
    monkeypatch.setattr(threads, "run", lambda fn, bounds: calls.append(len(bounds)) or real(fn, bounds))
    x = np.random.default_rng(0).standard_normal((4, 3, 2))
    old = lstm_np.get_backend()
    try:
        for backend in ("numpy", "numba"):
            lstm_np.set_backend(backend)
            calls.clear()
            layers.Bidirectional(layers.LSTM(3, seed=0)).forward(x)
            assert (2 in calls) == (backend == "numba"), (backend, calls)
    finally:
        lstm_np.set_backend(old)
