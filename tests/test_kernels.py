"""The fast path equals the slow path: Numba kernels vs the NumPy reference, forward and
backward, float64 to ~1e-12 and float32 to ~1e-5, through the public layers."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lstm_np
from lstm_np import layers
from lstm_np.fast import blas

KINDS = {"LSTM": layers.LSTM, "GRU": layers.GRU, "SimpleRNN": layers.SimpleRNN}
TOL = {"float64": dict(rtol=1e-12, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-5)}


def as_list(a):
    return list(a) if isinstance(a, (list, tuple)) else [a]


def run(make, backend, x, mask, states, grads, training=False):
    """Forward + backward on a fresh layer under ``backend``; returns every array produced."""
    old = lstm_np.get_backend()
    lstm_np.set_backend(backend)
    try:
        layer = make()
        out = as_list(layer.forward(x, training=training, mask=mask, initial_state=states))
        g = grads(out)
        dx = layer.backward(g if len(g) > 1 else g[0])
        res = out + [dx] + [layer.grads[k].copy() for k in sorted(layer.grads)]
        if states is not None:
            res += list(layer.initial_state_grads)
        return res
    finally:
        lstm_np.set_backend(old)


def compare(make, x, mask=None, states=None, dtype="float64", training=False, seed=0, tol=None):
    rng = np.random.default_rng(seed)
    cache = {}

    def grads(out):
        if "g" not in cache:
            cache["g"] = [rng.standard_normal(o.shape).astype(dtype) for o in out]
        return cache["g"]
    ref = run(make, "numpy", x, mask, states, grads, training)
    fast = run(make, "numba", x, mask, states, grads, training)
    assert len(ref) == len(fast)
    for a, b in zip(ref, fast):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, **(tol or TOL[dtype]))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("seq,state,back,masked", [(True, True, False, False), (False, False, True, True),
                                                   (True, False, True, True), (False, True, False, True)])
def test_kernels_equal_reference(kind, seq, state, back, masked, dtype, rng):
    B, T, D, H = 4, 7, 3, 6
    x = rng.standard_normal((B, T, D)).astype(dtype)
    mask = (rng.random((B, T)) < 0.7) if masked else None
    n_states = 2 if kind == "LSTM" else 1
    states = [rng.standard_normal((B, H)).astype(dtype) for _ in range(n_states)]

    def make():
        return KINDS[kind](H, return_sequences=seq, return_state=state, go_backwards=back, dtype=dtype, seed=3)
    compare(make, x, mask, states, dtype)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kernels_equal_reference_with_dropout_and_zero_output(kind, rng):
    x = rng.standard_normal((3, 6, 4))
    mask = rng.random((3, 6)) < 0.6

    def make():
        return KINDS[kind](5, return_sequences=True, dropout=0.25, recurrent_dropout=0.3,
                           zero_output_for_mask=True, dtype="float64", seed=11)
    compare(make, x, mask, training=True)


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
def test_kernels_equal_reference_inside_bidirectional(mode, rng):
    x = rng.standard_normal((3, 5, 2))
    mask = np.arange(5)[None] < np.array([[5], [3], [1]])

    def make():
        return layers.Bidirectional(layers.LSTM(4, return_sequences=True, return_state=True, dtype="float64",
                                                seed=5), merge_mode=mode, dtype="float64")
    compare(make, x, mask)


@given(B=st.integers(1, 5), T=st.integers(1, 8), D=st.integers(1, 5), H=st.integers(1, 9),
       kind=st.sampled_from(sorted(KINDS)), dtype=st.sampled_from(["float64", "float32"]),
       masked=st.booleans(), seq=st.booleans(), seed=st.integers(0, 2**16))
def test_kernels_hypothesis(B, T, D, H, kind, dtype, masked, seq, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    mask = (rng.random((B, T)) < 0.6) if masked else None

    def make():
        return KINDS[kind](H, return_sequences=seq, dtype=dtype, seed=seed)
    compare(make, x, mask, dtype=dtype, seed=seed)


def test_saturated_inputs_stay_finite(rng):
    """Inputs of magnitude 1e4 saturate every gate: the exp-based kernels give 0/1, never NaN."""
    x = rng.standard_normal((2, 5, 3)) * 1e4
    for dtype in ("float32", "float64"):
        def make():
            return layers.LSTM(4, return_sequences=True, dtype=dtype, seed=1)
        compare(make, x.astype(dtype), dtype=dtype)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_padded_steps_never_leak(kind, rng):
    """The forward kernels compute padded rows like the others and then overwrite them with
    the carried state: whatever sits at padded steps (here 1e4 against 0) changes nothing
    in outputs, states or any gradient, on both backends."""
    B, T, D, H = 3, 6, 2, 5
    mask = np.arange(T)[None] < np.array([[6], [3], [1]])
    x = rng.standard_normal((B, T, D))
    noisy = np.where(mask[..., None], x, 1e4 * rng.standard_normal((B, T, D)))
    clean = np.where(mask[..., None], x, 0.0)
    g = [rng.standard_normal((B, T, H)), rng.standard_normal((B, H))]
    for backend in ("numba", "numpy"):
        res = []
        for data in (noisy, clean):
            res.append(run(lambda: KINDS[kind](H, return_sequences=True, return_state=True, seed=3), backend,
                           data, mask, None, lambda out: g + [np.zeros_like(o) for o in out[2:]]))
        assert len(res[0]) == len(res[1])
        for a, b in zip(*res):                            # outputs, states, dx, every weight gradient
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_kernels_use_numpys_blas():
    """The in-loop GEMMs call NumPy's own OpenBLAS (one thread pool in the process)."""
    assert blas.USING_NUMPY_BLAS


def test_backend_switch_and_errors():
    old = lstm_np.get_backend()
    try:
        lstm_np.set_backend("numpy")
        assert lstm_np.get_backend() == "numpy"
        with pytest.raises(ValueError, match="backend must be one of"):
            lstm_np.set_backend("cuda")
    finally:
        lstm_np.set_backend(old)


def test_backward_twice_is_a_clear_error(rng):
    layer = layers.LSTM(3)
    layer.forward(rng.random((2, 4, 3)))
    layer.backward(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="needs a forward first"):
        layer.backward(np.ones((2, 3)))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_reused_workspaces_never_touch_returned_arrays(kind, rng):
    """Buffers are reused across calls of one shape; outputs and gradients handed out stay put."""
    layer = KINDS[kind](4, return_sequences=True, return_state=True, seed=0)
    x1, x2 = rng.random((2, 5, 3)).astype("float32"), rng.random((2, 5, 3)).astype("float32")
    out1 = layer.forward(x1)
    saved = [o.copy() for o in out1]
    dx1 = layer.backward([np.ones_like(o) for o in out1])
    dx1_saved, x1_saved = dx1.copy(), x1.copy()
    layer.forward(x2)
    layer.backward([np.ones_like(o) for o in out1])
    for a, b in zip(out1, saved):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dx1, dx1_saved)
    np.testing.assert_array_equal(x1, x1_saved)


def test_workspace_buffer_serves_any_smaller_shape_from_one_block():
    from lstm_np.fast.common import buffer
    ws = {}
    big = buffer(ws, "gates", (5, 4, 8), np.float32)
    small = buffer(ws, "gates", (3, 2, 8), np.float32)
    assert small.shape == (3, 2, 8) and small.flags["C_CONTIGUOUS"] and np.shares_memory(big, small)
    other = buffer(ws, "gates", (3, 2, 8), np.float64)               # another dtype: a new block
    assert other.dtype == np.float64 and not np.shares_memory(big, other)
    grown = buffer(ws, "gates", (6, 4, 8), np.float64)               # too small: replaced
    assert grown.shape == (6, 4, 8) and not np.shares_memory(other, grown)
    assert buffer(None, "gates", (2, 3), np.float32).shape == (2, 3)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_calls_of_shrinking_shapes_match_a_fresh_layer(kind, rng):
    """Batches of varying length and size reuse the workspace blocks; every result equals a
    fresh layer's, and what an earlier call handed out stays put."""
    layer = KINDS[kind](4, return_sequences=True, return_state=True, seed=0)
    big = rng.random((6, 7, 3)).astype("float32")
    out_big = layer.forward(big)
    saved = [o.copy() for o in out_big]
    layer.backward([np.ones_like(o) for o in out_big])
    for shape in [(2, 3, 3), (5, 7, 3), (1, 1, 3)]:
        x = rng.random(shape).astype("float32")
        fresh = KINDS[kind](4, return_sequences=True, return_state=True, seed=0)
        out, ref = layer.forward(x), fresh.forward(x)
        for a, b in zip(out, ref):
            np.testing.assert_array_equal(a, b)
        grads = [np.full_like(o, 0.5) for o in out]
        np.testing.assert_array_equal(layer.backward(grads), fresh.backward(grads))
        for k in layer.grads:
            np.testing.assert_array_equal(layer.grads[k], fresh.grads[k])
    for a, b in zip(out_big, saved):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", sorted(KINDS))
@given(shapes=st.lists(st.tuples(st.integers(1, 9), st.integers(1, 6)), min_size=2, max_size=4),
       modes=st.lists(st.sampled_from(["train", "infer"]), min_size=4, max_size=4),
       seed=st.integers(0, 10 ** 6))
def test_any_sequence_of_shapes_and_modes_matches_fresh_layers(kind, shapes, modes, seed):
    """Workspace blocks reused across calls of any shapes, masked, training or inference mode:
    every call equals a fresh layer's (same weights), bit for bit."""
    rng = np.random.default_rng(seed)
    layer = KINDS[kind](5, return_sequences=True, return_state=True, seed=0)
    for (B, T), mode in zip(shapes, modes):
        x = rng.standard_normal((B, T, 3)).astype("float32")
        mask = np.arange(T)[None] < rng.integers(1, T + 1, (B, 1))
        fresh = KINDS[kind](5, return_sequences=True, return_state=True, seed=0)
        if mode == "infer":
            with lstm_np.inference_mode():
                out, ref = layer.forward(x, mask=mask), fresh.forward(x, mask=mask)
        else:
            out, ref = layer.forward(x, mask=mask, training=True), fresh.forward(x, mask=mask, training=True)
            g = [np.full_like(o, 0.5) for o in out]
            np.testing.assert_array_equal(layer.backward(g), fresh.backward(g))
        for a, b in zip(out, ref):
            np.testing.assert_array_equal(a, b)
