"""GRU(reset_after=False), the original Cho et al. GRU (lstm_np/core/gru_reset_before.py):
finite-difference gradients in float64 (masks, states, dropout, both backends), its compiled
twin (fast/gru_reset_before.py) equal to the reference, a wrong gradient caught, its config and
weights round-trip. Keras's own numbers for it are in
tests/keras_suite/gru_test.py (test_correctness)."""
import numpy as np
import pytest

from lstm_np import gradcheck, interop, layers, models
from lstm_np.core import gru_reset_before as ref
from lstm_np.fast import gru_reset_before as fast
from hypothesis import given, settings
from hypothesis import strategies as st
from helpers.gradients import assert_grads_ok

CASES = [dict(), dict(return_sequences=True), dict(go_backwards=True, return_sequences=True),
         dict(return_state=True), dict(dropout=0.2, recurrent_dropout=0.3)]


@pytest.mark.parametrize("options", CASES, ids=["last", "sequences", "go_backwards", "return_state", "dropout"])
def test_gradients_by_finite_differences(options, each_backend, rng):
    x = rng.standard_normal((3, 5, 4))
    layer = layers.GRU(3, reset_after=False, dtype="float64", seed=0, **options)
    mask = np.ones((3, 5), bool)
    mask[0, 3:] = False
    training = "dropout" in options
    assert_grads_ok(gradcheck.check_layer(layer, x, mask=mask, training=training,
                                          initial_state=[rng.standard_normal((3, 3))]))


def test_a_wrong_gradient_is_caught(rng, monkeypatch):
    for module in (ref, fast):                     # whichever backend runs, its BPTT is 1 % off
        real = module.gru_backward

        def off(*args, real=real):
            out = list(real(*args))
            out[3] = out[3] * 1.01                 # d recurrent_kernel, 1 % off
            return tuple(out)
        monkeypatch.setattr(module, "gru_backward", off)
    errors = gradcheck.check_layer(layers.GRU(3, reset_after=False, dtype="float64", seed=0),
                                   rng.standard_normal((2, 4, 3)))
    assert errors["recurrent_kernel"] > 1e-3 and errors["kernel"] < 1e-6


def test_it_differs_from_reset_after_and_round_trips(rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    before = layers.GRU(3, reset_after=False, seed=0)
    after = layers.GRU(3, seed=0)
    model = models.Sequential([layers.Input((4, 3)), before])
    assert before.cell.params["bias"].shape == (9,)
    after.build((None, 4, 3))
    assert after.cell.params["bias"].shape == (2, 9)
    again = models.Sequential.from_config(model.get_config())
    again.set_weights(model.get_weights())
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert again.layers[0].cell.reset_after is False


def test_no_torch_or_onnx_twin_is_claimed(tmp_path):
    model = models.Sequential([layers.Input((4, 3)), layers.GRU(3, reset_after=False)])
    with pytest.raises(ValueError, match="reset_after"):
        interop.to_torch(model.layers[0])
    with pytest.raises(ValueError, match="reset_after"):
        interop.to_onnx(model, str(tmp_path / "m.onnx"))


@settings(max_examples=30, deadline=None)
@given(B=st.integers(1, 40), T=st.integers(1, 7), D=st.integers(1, 5), H=st.integers(1, 9), masked=st.booleans(),
       dropped=st.booleans(), zero_out=st.booleans(), dtype=st.sampled_from(["float64", "float32"]),
       seed=st.integers(0, 2**16))
def test_the_kernels_equal_the_reference(B, T, D, H, masked, dropped, zero_out, dtype, seed):
    """Forward and BPTT of the compiled twin against the NumPy reference (1e-12 in float64),
    with masks, recurrent dropout masks and zeroed padding outputs; B up to 40 (batch shards)."""
    r = np.random.default_rng(seed)
    x, h0 = r.standard_normal((B, T, D)).astype(dtype), r.standard_normal((B, H)).astype(dtype)
    W, U, b = (0.5 * r.standard_normal(s).astype(dtype) for s in ((D, 3 * H), (H, 3 * H), (3 * H,)))
    mask = r.random((B, T)) > 0.3 if masked else None
    rmask = ((r.random((B, H)) > 0.2) / 0.8).astype(dtype) if dropped else None
    y1, h1, c1 = ref.gru_forward(x, h0, W, U, b, mask, recurrent_mask=rmask, zero_output_for_mask=zero_out)
    y2, h2, c2 = fast.gru_forward(x.copy(), h0, W, U, b, mask, recurrent_mask=rmask, zero_output_for_mask=zero_out)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(y2, y1, **tol)
    np.testing.assert_allclose(h2, h1, **tol)
    dy, dh = r.standard_normal(y1.shape).astype(dtype), r.standard_normal(h1.shape).astype(dtype)
    for a, b_ in zip(fast.gru_backward(dy, dh, c2), ref.gru_backward(dy, dh, c1)):
        np.testing.assert_allclose(a, b_, **(tol if dtype == "float64" else dict(rtol=1e-4, atol=1e-4)))
