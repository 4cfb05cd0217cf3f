"""The NumPy core: stable activations, step == sequence, equations as written."""
import numpy as np
import pytest

from lstm_np.core import activations as A
from lstm_np.core import lstm as L
from lstm_np.core import simple_rnn as R


def sig(z):
    return 1 / (1 + np.exp(-z))


def test_sigmoid_stable_and_exact():
    z = np.array([-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = A.sigmoid(z)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y[1:-1], sig(z[1:-1]), rtol=1e-15)
    assert y[0] == 0.0 and y[-1] == 1.0


def test_softmax_and_log_softmax_stable():
    z = np.array([[1000.0, 1001.0, 999.0], [-1e4, 0.0, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = A.softmax(z)
        lp = A.log_softmax(z)
    np.testing.assert_allclose(p.sum(-1), 1.0)
    np.testing.assert_allclose(np.exp(lp), p, atol=1e-300)
    ref = np.exp(z[0] - 1001) / np.exp(z[0] - 1001).sum()
    np.testing.assert_allclose(p[0], ref, rtol=1e-14)


@pytest.mark.parametrize("name", sorted(A.ELEMENTWISE))
def test_derivative_from_output_matches_finite_difference(name):
    f, df = A.get_elementwise(name)
    z = np.linspace(-4, 4, 41) + 0.013         # avoid the kinks of relu / hard_sigmoid
    eps = 1e-6
    num = (f(z + eps) - f(z - eps)) / (2 * eps)
    np.testing.assert_allclose(df(f(z)), num, atol=1e-8)


def test_lstm_sequence_equals_textbook_equations(rng):
    B, T, D, H = 2, 4, 3, 5
    x = rng.standard_normal((B, T, D))
    W, U, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    y, hT, cT, _ = L.lstm_forward(x, h0, c0, W, U, b)
    h, c = h0, c0
    for t in range(T):
        z = x[:, t] @ W + h @ U + b
        i, f, g, o = sig(z[:, :H]), sig(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), sig(z[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        np.testing.assert_allclose(y[:, t], h, rtol=1e-12)
    np.testing.assert_allclose(hT, h, rtol=1e-12)
    np.testing.assert_allclose(cT, c, rtol=1e-12)


def test_lstm_step_backward_matches_sequence_backward(rng):
    """One explicit step (the decoder's building block) equals a T=1 sequence."""
    B, D, H = 3, 2, 4
    x = rng.standard_normal((B, 1, D))
    W, U, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    dh, dc = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    h, c, cache = L.lstm_step_forward(x[:, 0], h0, c0, W, U, b)
    y, hT, cT, seq_cache = L.lstm_forward(x, h0, c0, W, U, b)
    np.testing.assert_allclose(h, hT, rtol=1e-13)
    np.testing.assert_allclose(c, cT, rtol=1e-13)
    step = L.lstm_step_backward(dh, dc, cache)
    seq = L.lstm_backward(np.zeros_like(y), dh, dc, seq_cache)
    for a, b_ in zip(step, (seq[0][:, 0],) + seq[1:]):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-14)


def test_lstm_step_gradient_by_finite_differences(rng):
    B, D, H = 2, 3, 2
    args = [rng.standard_normal(s) for s in ((B, D), (B, H), (B, H), (D, 4 * H), (H, 4 * H), (4 * H,))]
    gh, gc = rng.standard_normal((B, H)), rng.standard_normal((B, H))

    def loss():
        h, c, _ = L.lstm_step_forward(*args)
        return np.sum(gh * h) + np.sum(gc * c)

    _, _, cache = L.lstm_step_forward(*args)
    dx, dh, dc, dW, dU, db = L.lstm_step_backward(gh, gc, cache)
    analytic = [dx, dh, dc, dW, dU, db]
    for arr, grad in zip(args, analytic):
        num = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + 1e-6
            lp = loss()
            arr[i] = old - 1e-6
            lm = loss()
            arr[i] = old
            num[i] = (lp - lm) / 2e-6
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-9)


def test_rnn_step_matches_sequence(rng):
    B, T, D, H = 2, 3, 2, 4
    x = rng.standard_normal((B, T, D))
    W, U, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal(H)
    h0 = rng.standard_normal((B, H))
    y, hT, _ = R.rnn_forward(x, h0, W, U, b)
    h = h0
    for t in range(T):
        h, _ = R.rnn_step_forward(x[:, t], h, W, U, b)
        np.testing.assert_allclose(y[:, t], h, rtol=1e-13)


def test_masked_step_carries_state_and_repeats_output(rng):
    B, T, D, H = 2, 5, 3, 4
    x = rng.standard_normal((B, T, D))
    W, U, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
    mask = np.array([[True, True, False, True, False], [False, True, True, True, True]])
    h0 = rng.standard_normal((B, H))
    y, hT, cT, _ = L.lstm_forward(x, h0, np.zeros((B, H)), W, U, b, mask=mask)
    np.testing.assert_array_equal(y[0, 2], y[0, 1])          # repeats previous output
    np.testing.assert_array_equal(hT[0], y[0, 3])            # state carried past the last step
    np.testing.assert_array_equal(y[1, 0], h0[1])             # Keras 3: the carried state
    y0, *_ = L.lstm_forward(x, h0, np.zeros((B, H)), W, U, b, mask=mask, zero_output_for_mask=True)
    np.testing.assert_array_equal(y0[~mask], 0.0)             # Bidirectional's zeros
    np.testing.assert_array_equal(y0[mask], y[mask])
    # Only the valid steps matter: dropping the masked steps gives the same final state.
    y_ref, h_ref, _, _ = L.lstm_forward(x[:1, [0, 1, 3]], h0[:1], np.zeros((1, H)), W, U, b)
    np.testing.assert_allclose(hT[0], h_ref[0], rtol=1e-13)
