"""Inference mode (Model.predict, Seq2Seq.predict, lstm_np.inference_mode()): the LSTM kernel
keeps only h and the running c, gives the very same numbers as the training forward, and a
backward after it is refused with a clear error."""
import numpy as np
import pytest

import lstm_np
from lstm_np import layers
from lstm_np.fast import threads
from lstm_np.fast import lstm as k_lstm


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("B, H", [(1, 3), (7, 70), (40, 16)])
def test_inference_forward_equals_the_training_forward_bit_for_bit(dtype, masked, B, H, monkeypatch):
    monkeypatch.setattr(threads, "MIN_WORK", 0)                         # sharded when B allows
    rng = np.random.default_rng(B + H)
    T, D = 6, 5
    x = rng.standard_normal((B, T, D)).astype(dtype)
    h0, c0 = (0.3 * rng.standard_normal((B, H)).astype(dtype) for _ in range(2))
    W = (rng.standard_normal((D, 4 * H)) / np.sqrt(D)).astype(dtype)
    U = (rng.standard_normal((H, 4 * H)) / np.sqrt(H)).astype(dtype)
    b = (0.1 * rng.standard_normal(4 * H)).astype(dtype)
    mask = None
    if masked:
        mask = rng.random((B, T)) > 0.3
        mask[:, 0] = True
    for zero in (False, True):
        want = k_lstm.lstm_forward(x, h0, c0, W, U, b, mask=mask, zero_output_for_mask=zero)
        with lstm_np.inference_mode():
            got = k_lstm.lstm_forward(x, h0, c0, W, U, b, mask=mask, zero_output_for_mask=zero)
        assert got[3].get("inference") or all(c["inference"] for c in got[3]["shards"])
        for a, w in zip(got[:3], want[:3]):
            assert a.dtype == w.dtype and np.array_equal(a, w)
        with pytest.raises(ValueError, match="inference mode"):
            k_lstm.lstm_backward(np.ones_like(want[0]), None, None, got[3])


def test_predict_runs_in_inference_mode_and_training_still_works():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 9, 4)).astype("float32")
    y = rng.standard_normal((64, 1)).astype("float32")
    model = lstm_np.Sequential([lstm_np.Input((9, 4)), layers.Bidirectional(layers.LSTM(8, return_sequences=True, seed=1)),
                                layers.LSTM(8, seed=2), layers.Dense(1, seed=3)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    p = model.predict(x, batch_size=64)
    assert not lstm_np.fast.inference.active()                          # the mode ends with predict
    h = x
    for layer in model.layers:                                          # the same, outside the mode
        h = layer.forward(h)
    np.testing.assert_array_equal(p, h)
    lstm = model.layers[1]
    with lstm_np.inference_mode():
        lstm.forward(x[:, :, :] @ np.ones((4, 16), "float32"))
    with pytest.raises(ValueError, match="inference mode"):
        lstm.backward(np.ones((64, 8), "float32"))
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)                 # and training goes on


def test_inference_mode_is_per_thread_and_nests():
    import threading
    seen = {}
    with lstm_np.inference_mode():
        with lstm_np.inference_mode():
            pass
        assert lstm_np.fast.inference.active()
        t = threading.Thread(target=lambda: seen.setdefault("other", lstm_np.fast.inference.active()))
        t.start()
        t.join()
    assert seen["other"] is False and not lstm_np.fast.inference.active()
