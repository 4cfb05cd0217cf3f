"""Bidirectional (every merge mode), GRU, masks: gradchecks, Keras golden values, torch parity."""
import itertools
import os

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from helpers.gradients import assert_grads_ok
from lstm_np import gradcheck, layers
from lstm_np.models import Sequential, load_model
from helpers.torch_weights import assert_output_and_input_grad_match, copy_to_torch, torch_grads

pytestmark = pytest.mark.usefixtures("each_backend")

G = np.load(os.path.join(os.path.dirname(__file__), "golden", "keras_golden.npz"), allow_pickle=False)
MODES = ["concat", "sum", "mul", "ave", None]
KINDS = {"LSTM": layers.LSTM, "GRU": layers.GRU, "SimpleRNN": layers.SimpleRNN}


def arrays(prefix):
    n = sum(1 for k in G.files if k.startswith(prefix + "/"))
    return [G[f"{prefix}/{i}"] for i in range(n)]


# -- gradients ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode,seq,masked,state", list(itertools.product(MODES, [True, False],
                                                                          [False, True], [False, True])))
def test_bidirectional_gradcheck_every_option(mode, seq, masked, state, rng):
    layer = layers.Bidirectional(layers.LSTM(3, return_sequences=seq, return_state=state, dtype="float64", seed=0),
                                 merge_mode=mode, dtype="float64", seed=0)
    x = rng.standard_normal((3, 5, 2))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool) if masked else None
    errs = gradcheck.check_layer(layer, x, mask=mask)
    assert {"forward/kernel", "backward/recurrent_kernel", "x"} <= set(errs)
    assert_grads_ok(errs)


@pytest.mark.parametrize("kind", ["GRU", "SimpleRNN"])
@pytest.mark.parametrize("mode", ["concat", "mul"])
def test_bidirectional_wraps_every_recurrent_layer(kind, mode, rng):
    layer = layers.Bidirectional(KINDS[kind](3, return_sequences=True, return_state=True, dtype="float64", seed=0),
                                 merge_mode=mode, dtype="float64", seed=0)
    x = rng.standard_normal((2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    states = [rng.standard_normal((2, 3)) for _ in range(2 * len(layer.forward_layer.state_names))]
    assert_grads_ok(gradcheck.check_layer(layer, x, mask=mask, initial_state=states))


@pytest.mark.parametrize("seq,back,masked,state", list(itertools.product([True, False], repeat=4)))
def test_gru_gradcheck(seq, back, masked, state, rng):
    layer = layers.GRU(4, return_sequences=seq, go_backwards=back, return_state=state, dtype="float64", seed=0)
    x = rng.standard_normal((3, 5, 2))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 1]], bool) if masked else None
    assert_grads_ok(gradcheck.check_layer(layer, x, mask=mask))


def test_gru_dropout_and_initial_state_gradcheck(rng):
    layer = layers.GRU(4, return_sequences=True, dropout=0.3, recurrent_dropout=0.3, dtype="float64", seed=2)
    x = rng.standard_normal((2, 5, 3))
    errs = gradcheck.check_layer(layer, x, training=True, initial_state=[rng.standard_normal((2, 4))])
    assert "initial_state/0" in errs
    assert_grads_ok(errs)


@given(B=st.integers(1, 3), T=st.integers(1, 5), D=st.integers(1, 3), H=st.integers(1, 3),
       mode=st.sampled_from(MODES), seq=st.booleans(), kind=st.sampled_from(sorted(KINDS)),
       seed=st.integers(0, 2**16))
def test_bidirectional_hypothesis(B, T, D, H, mode, seq, kind, seed):
    rng = np.random.default_rng(seed)
    layer = layers.Bidirectional(KINDS[kind](H, return_sequences=seq, dtype="float64", seed=seed),
                                 merge_mode=mode, dtype="float64")
    x = rng.standard_normal((B, T, D))
    lengths = rng.integers(1, T + 1, B)
    mask = np.arange(T)[None, :] < lengths[:, None]
    assert_grads_ok(gradcheck.check_layer(layer, x, mask=mask, n_entries=6))


# -- Keras golden values --------------------------------------------------------------------
@pytest.mark.parametrize("kind,mode,seq", list(itertools.product(sorted(KINDS), MODES, [True, False])))
def test_bidirectional_matches_keras(kind, mode, seq):
    layer = layers.Bidirectional(KINDS[kind](5, return_sequences=seq, return_state=True), merge_mode=mode)
    layer.build((None, 6, 4))
    prefix = f"bi/{kind}/{mode}/{seq}"
    layer.set_weights(arrays(prefix + "/weights"))
    for got, want in zip(layer.forward(G["bi/x"]), arrays(prefix + "/out")):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(layer.forward(G["bi/x"], mask=G["bi/mask"]), arrays(prefix + "/out_masked")):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_gru_matches_keras():
    layer = layers.GRU(4, return_sequences=True, return_state=True)
    layer.build((None, 6, 4))
    layer.set_weights(arrays("gru/weights"))
    for got, want in zip(layer.forward(G["bi/x"], initial_state=[G["gru/h0"]]), arrays("gru/out")):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(layer.forward(G["bi/x"], mask=G["bi/mask"], initial_state=[G["gru/h0"]]),
                         arrays("gru/out_masked")):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_masked_steps_output_the_carried_state_as_keras_3():
    layer = layers.LSTM(4, return_sequences=True)
    layer.build((None, 6, 4))
    layer.set_weights(arrays("lead/weights"))
    got = layer.forward(G["bi/x"], mask=G["lead/mask"], initial_state=[G["gru/h0"], G["lead/c0"]])
    np.testing.assert_allclose(got, G["lead/out"], rtol=1e-5, atol=1e-6)


def test_parameter_counts():
    model = Sequential([layers.Embedding(10000, 32), layers.Bidirectional(layers.LSTM(32)),
                        layers.Dense(1, activation="sigmoid")])
    assert [l.count_params() for l in model.layers] == list(G["bilstm_sentiment/params"])
    assert model.count_params() == 336705 and model.layers[1].count_params() == 16640
    assert layers.GRU(32, input_shape=(None, 32)).count_params() == 6336
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 336,705" in "\n".join(lines)


def test_four_stacked_lstm256_build_and_run(rng):
    model = Sequential([layers.LSTM(256, return_sequences=True, input_shape=(5, 8))]
                       + [layers.LSTM(256, return_sequences=True) for _ in range(2)]
                       + [layers.LSTM(256), layers.Dense(1)])
    assert model.count_params() == 4 * (8 + 256 + 1) * 256 + 3 * 4 * (512 + 1) * 256 + 257
    assert model.predict(rng.random((2, 5, 8))).shape == (2, 1)


# -- variable lengths: padded batch == each sequence alone ----------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_padded_batch_equals_each_sequence_alone(mode, rng):
    layer = layers.Bidirectional(layers.LSTM(3, return_sequences=True, return_state=True, dtype="float64", seed=0),
                                 merge_mode=mode, dtype="float64", seed=0)
    T, lengths = 6, [6, 3, 1]
    x = rng.standard_normal((3, T, 2))
    mask = np.arange(T)[None, :] < np.array(lengths)[:, None]
    x[~mask] = 0.0
    out = layer.forward(x, mask=mask)
    n_out = 2 if mode is None else 1
    g = [rng.standard_normal(np.shape(o)) for o in out]
    for i, o in enumerate(out[:n_out]):
        g[i][~mask] = 0.0                                    # padded steps have no loss
    dx = layer.backward(g if len(g) > 1 else g[0])
    grads = {k: v.copy() for k, v in layer.grads.items()}
    total = {k: np.zeros_like(v) for k, v in grads.items()}
    for b, L in enumerate(lengths):
        o = layer.forward(x[b:b + 1, :L])
        for got, want in zip(out[:n_out], o[:n_out]):
            np.testing.assert_allclose(got[b:b + 1, :L], want, rtol=1e-12, atol=1e-14)
            np.testing.assert_array_equal(got[b, L:], 0.0)
        for got, want in zip(out[n_out:], o[n_out:]):
            np.testing.assert_allclose(got[b:b + 1], want, rtol=1e-12, atol=1e-14)
        gb = [gi[b:b + 1, :L] for gi in g[:n_out]] + [gi[b:b + 1] for gi in g[n_out:]]
        dxb = layer.backward(gb if len(gb) > 1 else gb[0])
        np.testing.assert_allclose(dx[b:b + 1, :L], dxb, rtol=1e-10, atol=1e-13)
        for k in total:
            total[k] += layer.grads[k]
    for k in grads:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-10, atol=1e-13)


# -- PyTorch parity -------------------------------------------------------------------------
def bilstm_pair(rng, T, D, H):
    model = Sequential([layers.Bidirectional(layers.LSTM(H, return_sequences=True, dtype="float64", seed=0),
                                             input_shape=(T, D), dtype="float64", seed=0),
                        layers.Bidirectional(layers.LSTM(H, return_sequences=True, dtype="float64", seed=0),
                                             dtype="float64", seed=0)])
    tl = torch.nn.LSTM(D, H, num_layers=2, bidirectional=True, batch_first=True, dtype=torch.float64)
    for k, bi in enumerate(model.layers):
        copy_to_torch(bi.forward_layer, tl, k)
        copy_to_torch(bi.backward_layer, tl, k, "_reverse")
    return model, tl


def assert_torch_grads(model, tl):
    for k, bi in enumerate(model.layers):
        for sub, suffix in ((bi.forward_layer, ""), (bi.backward_layer, "_reverse")):
            ours = (sub.grads["kernel"], sub.grads["recurrent_kernel"], sub.grads["bias"])
            for a, b in zip(ours, torch_grads(tl, k, suffix)):
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


def test_two_layer_bilstm_equals_torch(rng):
    B, T, D, H = 3, 7, 4, 5
    model, tl = bilstm_pair(rng, T, D, H)
    x = rng.standard_normal((B, T, D))
    g = rng.standard_normal((B, T, 2 * H))
    y = model.forward(x)
    dx = model.backward(g)
    assert_output_and_input_grad_match(tl, x, g, y, dx)
    assert_torch_grads(model, tl)


def test_variable_lengths_equal_torch_pack_padded_sequence(rng):
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    B, T, D, H = 4, 6, 3, 4
    lengths = np.array([6, 4, 2, 1])
    model, tl = bilstm_pair(rng, T, D, H)
    x = rng.standard_normal((B, T, D))
    mask = np.arange(T)[None, :] < lengths[:, None]
    x[~mask] = 0.0
    g = rng.standard_normal((B, T, 2 * H))
    # The mask reaches every layer, as an Embedding(mask_zero) or Masking layer would send it.
    h = x
    for layer in model.layers:
        h = layer.forward(h, mask=mask)
    y = h
    gm = g * mask[..., None]
    for layer in reversed(model.layers):
        gm = layer.backward(gm)
    dx = gm
    def packed_run(module, xt):
        packed = pack_padded_sequence(xt, torch.tensor(lengths), batch_first=True, enforce_sorted=True)
        return pad_packed_sequence(module(packed)[0], batch_first=True, total_length=T)[0]
    assert_output_and_input_grad_match(tl, x, g, y, dx, run=packed_run)
    assert_torch_grads(model, tl)


def test_gru_equals_torch(rng):
    B, T, D, H = 3, 6, 4, 5
    layer = layers.GRU(H, return_sequences=True, return_state=True, dtype="float64", seed=0)
    layer.build((None, T, D))
    tg = torch.nn.GRU(D, H, batch_first=True, dtype=torch.float64)
    W, U, b = layer.get_weights()
    b = b + rng.standard_normal(b.shape)                     # non-zero biases, both rows
    layer.set_weights([W, U, b])
    perm = lambda a: np.concatenate([a[H:2 * H], a[:H], a[2 * H:]])   # Keras z,r,h -> torch r,z,n
    with torch.no_grad():
        tg.weight_ih_l0.copy_(torch.from_numpy(perm(W.T)))
        tg.weight_hh_l0.copy_(torch.from_numpy(perm(U.T)))
        tg.bias_ih_l0.copy_(torch.from_numpy(perm(b[0])))
        tg.bias_hh_l0.copy_(torch.from_numpy(perm(b[1])))
    x = rng.standard_normal((B, T, D))
    h0 = rng.standard_normal((B, H))
    gy, gh = rng.standard_normal((B, T, H)), rng.standard_normal((B, H))
    y, hT = layer.forward(x, initial_state=[h0])
    dx = layer.backward([gy, gh])
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    yt, ht = tg(xt, h0t)
    ((yt * torch.tensor(gy)).sum() + (ht[0] * torch.tensor(gh)).sum()).backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(layer.initial_state_grads[0], h0t.grad[0].numpy(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(layer.grads["kernel"], perm(tg.weight_ih_l0.grad.numpy()).T, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(layer.grads["recurrent_kernel"], perm(tg.weight_hh_l0.grad.numpy()).T,
                               rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"][0], perm(tg.bias_ih_l0.grad.numpy()), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"][1], perm(tg.bias_hh_l0.grad.numpy()), rtol=1e-6, atol=1e-12)


# -- models, save/load, errors --------------------------------------------------------------
def test_bilstm_model_trains_saves_and_loads(tmp_path, rng):
    model = Sequential([layers.Embedding(20, 6, mask_zero=True),
                        layers.Bidirectional(layers.LSTM(5, return_sequences=True), merge_mode="ave"),
                        layers.Bidirectional(layers.GRU(4)), layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    x = rng.integers(0, 20, (16, 7))
    x[:5, 4:] = 0
    y = (x[:, :1] > 10).astype(int)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "bi.npz")
    loaded = load_model(tmp_path / "bi.npz")
    np.testing.assert_array_equal(model.predict(x), loaded.predict(x))
    assert loaded.layers[1].merge_mode == "ave"
    assert loaded.layers[1].forward_layer.name == model.layers[1].forward_layer.name


def test_frozen_bidirectional_counts_as_non_trainable():
    bi = layers.Bidirectional(layers.LSTM(2), input_shape=(3, 1))
    bi.trainable = False
    model = Sequential([bi, layers.Dense(1)])
    lines = []
    model.summary(print_fn=lines.append)
    assert f"Non-trainable params: {bi.count_params()}" in "\n".join(lines)
    assert model.parameters() and all(not n.startswith(bi.name) for n, _, _ in model.parameters())


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="unknown merge_mode 'max'"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(TypeError, match="recurrent layer.*received Dense"):
        layers.Bidirectional(layers.Dense(2))
    with pytest.raises(ValueError, match="opposite go_backwards"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    bi = layers.Bidirectional(layers.LSTM(2, return_sequences=True))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 3\), received \(2, 5\)"):
        bi.forward(np.zeros((2, 3, 4)), mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match="list of 4 arrays"):
        bi.forward(np.zeros((2, 3, 4)), initial_state=[np.zeros((2, 2))])
