"""to_onnx: ONNX Runtime computes what lstm_np computes (float32, 1e-5), with dynamic batch
size and sequence length."""
import numpy as np
import onnxruntime as ort
import pytest

import lstm_np as keras
from lstm_np import interop, layers


def run_both(model, xs, tmp_path):
    path = str(tmp_path / "model.onnx")
    interop.to_onnx(model, path)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {i.name: (x.astype(np.int64) if x.dtype.kind in "iu" else x.astype(np.float32))
             for i, x in zip(sess.get_inputs(), xs)}
    theirs = sess.run(None, feeds)
    ours = model.predict(xs if len(xs) > 1 else xs[0])
    return (ours if isinstance(ours, list) else [ours]), theirs


def models():
    ids = keras.Input((None,), dtype="int32")
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True, seed=1))(layers.Embedding(10, 4, mask_zero=True, seed=0)(ids))
    masked = keras.Model(ids, layers.Dense(1, activation="sigmoid", seed=3)(
        layers.Bidirectional(layers.GRU(2, seed=2), merge_mode="ave")(bi)))
    chain = keras.Sequential([keras.Input((None, 3)), layers.LSTM(4, return_sequences=True, seed=0),
                              layers.GRU(3, go_backwards=True, return_sequences=True, seed=1),
                              layers.SimpleRNN(2, activation="relu", seed=2), layers.Dense(2, activation="softmax")])
    addition = keras.Sequential([keras.Input((7, 12)), layers.LSTM(8, seed=0), layers.RepeatVector(4),
                                 layers.LSTM(8, return_sequences=True, seed=1),
                                 layers.TimeDistributed(layers.Dense(12, activation="softmax"))])
    x = keras.Input((None, 3))
    masked_x = layers.Masking(0.0)(x)
    seq, h, c = layers.LSTM(4, return_sequences=True, return_state=True, seed=0)(masked_x)
    states = keras.Model(x, [layers.Concatenate()([h, c]),
                             layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True), merge_mode="mul")(seq)])
    xb = keras.Input((None, 3))
    out, fh, fc, bh, bc = layers.Bidirectional(layers.LSTM(3, return_state=True, seed=4), merge_mode="sum")(xb)
    bi_states = keras.Model(xb, [out, fh, fc, bh, bc])          # Keras's order: forward h, c, backward h, c
    return {"masked_bidirectional": masked, "chain": chain, "addition": addition, "masking_states": states,
            "bidirectional_states": bi_states}


def inputs(name, batch, steps, rng):
    if name == "masked_bidirectional":
        ids = rng.integers(1, 10, (batch, steps))
        for row in range(batch):
            ids[row, rng.integers(1, steps + 1):] = 0
        return [ids]
    if name == "addition":
        return [np.eye(12, dtype="float32")[rng.integers(0, 12, (batch, 7))]]
    x = rng.standard_normal((batch, steps, 3)).astype("float32")
    if name == "masking_states":
        for row in range(batch):
            x[row, rng.integers(1, steps + 1):] = 0.0
    return [x]


@pytest.mark.parametrize("name", ["masked_bidirectional", "chain", "addition", "masking_states",
                                  "bidirectional_states"])
def test_onnx_runtime_computes_what_lstm_np_computes(name, tmp_path, rng):
    model = models()[name]
    for batch, steps in ((2, 5), (4, 9), (1, 1)):                  # dynamic batch and length
        ours, theirs = run_both(model, inputs(name, batch, steps, rng), tmp_path)
        for k, (a, b) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"{name} output {k}")


def test_unsupported_layers_are_named(tmp_path):
    model = keras.Sequential([keras.Input((4, 2)), layers.LSTM(3, peephole=True)])
    with pytest.raises(ValueError, match="no projection, layer norm or Greff"):
        interop.to_onnx(model, str(tmp_path / "m.onnx"))
    model = keras.Sequential([keras.Input((4, 2)), layers.Lambda(lambda x: x)])
    with pytest.raises(ValueError, match="Lambda"):
        interop.to_onnx(model, str(tmp_path / "m.onnx"))
