"""The fast path equals the slow path for the LSTM family: the Numba kernels compiled per
member (lstm_np.fast.lstm_family) against the NumPy reference (core.lstm_family),
forward and every gradient, float64 to ~1e-12 and float32 to ~1e-5."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_np import layers
from test_kernels import compare, run
from test_lstm_family import OPTIONS

NAMES = sorted(OPTIONS)
# float32 layer norm over 6 units is ill-conditioned (small variances divide): measured against
# float64, the NumPy reference and the kernel each err by up to 8e-4 relative, and by ~7e-5
# from each other; without layer norm both stay within 5e-5 of float64 and 1e-5 of each other.
LN_F32 = dict(rtol=3e-4, atol=3e-4)


def lstm(name, H, **kw):
    return lambda: layers.LSTM(H, seed=3, **OPTIONS[name], **kw)


def tol(name, dtype):
    return LN_F32 if dtype == "float32" and OPTIONS[name].get("layer_norm") else None


def states_for(name, B, H, dtype, rng):
    P = OPTIONS[name].get("proj_size") or H
    return [rng.standard_normal((B, P)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seq,state,back,masked", [(True, True, False, False), (False, True, True, True)])
def test_family_kernels_equal_reference(name, seq, state, back, masked, dtype, rng):
    B, T, D, H = 4, 7, 3, 6
    x = rng.standard_normal((B, T, D)).astype(dtype)
    mask = (rng.random((B, T)) < 0.7) if masked else None
    make = lstm(name, H, return_sequences=seq, return_state=state, go_backwards=back, dtype=dtype)
    compare(make, x, mask, states_for(name, B, H, dtype, rng), dtype, tol=tol(name, dtype))


@pytest.mark.parametrize("name", NAMES)
def test_family_kernels_with_dropout_zero_output_and_no_bias(name, rng):
    x = rng.standard_normal((3, 6, 4))
    mask = rng.random((3, 6)) < 0.6
    compare(lstm(name, 6, return_sequences=True, dropout=0.25, recurrent_dropout=0.3, zero_output_for_mask=True,
                 dtype="float64"), x, mask, training=True)
    compare(lstm(name, 6, return_sequences=True, use_bias=False, dtype="float64"), x, mask)


@pytest.mark.parametrize("name", ["everything", "peephole_cifg_ln", "proj_size"])
def test_family_kernels_inside_bidirectional(name, rng):
    x = rng.standard_normal((3, 5, 2))
    mask = np.arange(5)[None] < np.array([[5], [3], [1]])

    def make():
        return layers.Bidirectional(lstm(name, 6, return_sequences=True, dtype="float64")(), merge_mode="concat",
                                    dtype="float64")
    compare(make, x, mask)


@given(B=st.integers(1, 4), T=st.integers(1, 6), D=st.integers(1, 4), H=st.integers(1, 7),
       name=st.sampled_from(NAMES), dtype=st.sampled_from(["float64", "float32"]), masked=st.booleans(),
       seed=st.integers(0, 2**16))
def test_family_kernels_hypothesis(B, T, D, H, name, dtype, masked, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    mask = (rng.random((B, T)) < 0.6) if masked else None
    make = lstm(name, H, return_sequences=True, return_state=True, dtype=dtype)
    compare(make, x, mask, states_for(name, B, H, dtype, rng), dtype=dtype, seed=seed, tol=tol(name, dtype))


@pytest.mark.parametrize("name", ["everything", "peephole_cifg_ln", "NOG"])
def test_family_padded_steps_never_leak(name, rng):
    """Whatever sits at padded steps (1e4 against 0) changes nothing, on both backends."""
    B, T, D, H = 3, 6, 2, 6
    P = OPTIONS[name].get("proj_size") or H
    mask = np.arange(T)[None] < np.array([[6], [3], [1]])
    x = rng.standard_normal((B, T, D))
    noisy = np.where(mask[..., None], x, 1e4 * rng.standard_normal((B, T, D)))
    clean = np.where(mask[..., None], x, 0.0)
    g = [rng.standard_normal((B, T, P)), rng.standard_normal((B, P)), rng.standard_normal((B, H))]
    for backend in ("numba", "numpy"):
        res = [run(lstm(name, H, return_sequences=True, return_state=True, dtype="float64"), backend, data, mask,
                   None, lambda out: g) for data in (noisy, clean)]
        for a, b in zip(*res):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_family_workspaces_never_touch_returned_arrays(rng):
    """Buffers are reused across calls of one shape; outputs, dx and x handed over stay put
    (layer.grads is the layer's own accumulator, rewritten by design at every backward)."""
    layer = layers.LSTM(4, return_sequences=True, return_state=True, seed=0, peephole=True, proj_size=3,
                        layer_norm=True, variant="FGR")
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


@pytest.mark.parametrize("name", ["everything", "peephole_cifg_ln", "FGR", "layer_norm"])
def test_family_kernels_on_the_micro_kernel(name, rng):
    """H = 70: the step products run on the micro-kernel (K >= 64), partial panels included."""
    from lstm_np.fast import microkernel
    B, T, D, H = 5, 4, 3, 70
    x = rng.standard_normal((B, T, D))
    mask = rng.random((B, T)) < 0.7
    P = OPTIONS[name].get("proj_size") or H
    if microkernel.AVAILABLE and P >= microkernel.MIN_K:
        assert microkernel.pack(np.ones((P, 4 * H)))[1].size > 0
    compare(lstm(name, H, return_sequences=True, return_state=True, dtype="float64"), x, mask,
            states_for(name, B, H, "float64", rng), "float64")
