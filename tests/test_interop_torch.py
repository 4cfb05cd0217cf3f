"""to_torch / from_torch: the same numbers both ways (float64 1e-10, float32 1e-5), gradients
included, for every recurrent kind, proj_size, Bidirectional, stacks and Sequential models."""
import numpy as np
import pytest
import torch

import lstm_np as keras
from lstm_np import interop, layers
from lstm_np.interop.torch import _keras_weights

LAYERS = {
    "lstm": lambda dt: layers.LSTM(4, return_sequences=True, dtype=dt, seed=0),
    "gru": lambda dt: layers.GRU(4, return_sequences=True, dtype=dt, seed=0),
    "rnn_relu": lambda dt: layers.SimpleRNN(4, activation="relu", return_sequences=True, dtype=dt, seed=0),
    "lstm_proj": lambda dt: layers.LSTM(5, proj_size=2, return_sequences=True, dtype=dt, seed=0),
    "bi_gru": lambda dt: layers.Bidirectional(layers.GRU(3, return_sequences=True, dtype=dt, seed=0)),
    "bi_lstm_proj": lambda dt: layers.Bidirectional(layers.LSTM(4, proj_size=3, return_sequences=True, dtype=dt,
                                                                seed=0)),
}
TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-6)}


def torch_grads_keras_layout(module, layer):
    """The torch module's gradients, in the lstm_np layer's get_weights order."""
    kind = {torch.nn.LSTM: "lstm", torch.nn.GRU: "gru", torch.nn.RNN: "rnn"}[type(module)]
    P = getattr(module, "proj_size", 0)
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] + (["weight_hr"] if P else [])
    out = []
    for s in (["", "_reverse"] if module.bidirectional else [""]):
        params = [getattr(module, f"{n}_l0{s}") for n in names]
        g = [p.grad.numpy() if p.requires_grad else None for p in params]   # LSTM/RNN: bias_hh is frozen
        if kind == "gru":
            out += _keras_weights("gru", module.hidden_size, g)
        else:                                    # the summed bias gets bias_ih's gradient
            out += [g[0].T, g[1].T, g[2]] + ([g[4].T] if P else [])
    return out


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_to_torch_and_back_same_numbers_and_gradients(name, dtype, rng):
    layer = LAYERS[name](dtype)
    layer.build((None, 6, 3))
    module = interop.to_torch(layer)
    x = rng.standard_normal((2, 6, 3)).astype(dtype)
    y = layer.forward(x)
    g = rng.standard_normal(y.shape).astype(dtype)
    dx = layer.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    yt, _ = module(xt)
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(dx, xt.grad.numpy(), **TOL[dtype])
    ours = [w for _, _, w, _ in layer.weight_entries()]
    for a, b in zip(ours, torch_grads_keras_layout(module, layer)):
        np.testing.assert_allclose(a, b, **TOL[dtype])
    back = interop.from_torch(module)
    for a, b in zip(back.get_weights(), layer.get_weights()):
        np.testing.assert_allclose(a, b, **TOL[dtype])
    np.testing.assert_allclose(back.forward(x), y, **TOL[dtype])


def test_a_stack_becomes_one_torch_module_with_num_layers(rng):
    model = keras.Sequential([keras.Input((None, 3))] +
                             [layers.Bidirectional(layers.LSTM(4, return_sequences=True, dtype="float64", seed=k))
                              for k in range(3)])
    module = interop.to_torch(model)
    assert isinstance(module, torch.nn.LSTM) and module.num_layers == 3 and module.bidirectional
    x = rng.standard_normal((2, 7, 3))
    np.testing.assert_allclose(model.predict(x), module(torch.tensor(x))[0].detach().numpy(), rtol=1e-10)
    back = interop.from_torch(module)
    assert len(back.layers) == 3
    np.testing.assert_allclose(back.predict(x), model.predict(x), rtol=1e-10)


def test_a_model_trained_here_continues_in_torch_with_the_same_loss(rng):
    vocab, T = 12, 6
    model = keras.Sequential([keras.Input((T,), dtype="int32"), layers.Embedding(vocab, 5, dtype="float64", seed=0),
                              layers.LSTM(8, return_sequences=True, dtype="float64", seed=1),
                              layers.GRU(6, go_backwards=True, dtype="float64", seed=2),
                              layers.Dense(3, activation="softmax", dtype="float64", seed=3)])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = rng.integers(0, vocab, (40, T)), rng.integers(0, 3, 40)
    model.fit(x[:32], y[:32], epochs=2, batch_size=8, verbose=0)
    module = interop.to_torch(model)
    xb, yb = x[32:], y[32:]
    ours = model.evaluate(xb, yb)
    probs = module(torch.tensor(xb))
    theirs = torch.nn.functional.nll_loss(torch.log(probs), torch.tensor(yb))
    assert theirs.item() == pytest.approx(ours, rel=1e-10)
    # ... and one more optimizer step in torch moves the weights it should: every trainable parameter
    # has a gradient; the LSTM's second bias (ours is one) stays 0 and frozen
    theirs.backward()
    frozen = [name for name, p in module.named_parameters() if not p.requires_grad]
    assert frozen and all("bias_hh" in name for name in frozen)
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in module.parameters() if p.requires_grad)


def test_from_torch_sequential_of_linear_and_embedding(rng):
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2)).double()
    model = interop.from_torch(net)
    x = rng.standard_normal((5, 4))
    np.testing.assert_allclose(model.predict(x), net(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    emb = interop.from_torch(torch.nn.Embedding(7, 3))
    assert emb.get_weights()[0].shape == (7, 3)


def test_unsupported_conversions_say_why():
    with pytest.raises(ValueError, match="peepholes"):
        layer = layers.LSTM(3, peephole=True, input_shape=(4, 2))
        interop.to_torch(layer)
    with pytest.raises(ValueError, match="concat"):
        interop.to_torch(layers.Bidirectional(layers.LSTM(3), merge_mode="sum", input_shape=(4, 2)))
    with pytest.raises(TypeError, match="no lstm_np equivalent"):
        interop.from_torch(torch.nn.Conv1d(2, 2, 3))


@pytest.mark.parametrize("bidirectional", [False, True], ids=["lstm", "bilstm"])
def test_masks_become_packed_sequences_in_torch(bidirectional, rng):
    wrap = (lambda l: layers.Bidirectional(l)) if bidirectional else (lambda l: l)
    model = keras.Sequential([keras.Input((6,), dtype="int32"),
                              layers.Embedding(9, 4, mask_zero=True, dtype="float64", seed=0),
                              wrap(layers.LSTM(3, return_sequences=True, dtype="float64", seed=1)),
                              wrap(layers.GRU(2, dtype="float64", seed=2)),
                              layers.Dense(1, activation="sigmoid", dtype="float64", seed=3)])
    ids = rng.integers(1, 9, (4, 6))
    for row, n in enumerate([6, 3, 1, 4]):
        ids[row, n:] = 0
    module = interop.to_torch(model)
    np.testing.assert_allclose(model.predict(ids), module(torch.tensor(ids)).detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("kind", ["lstm", "simple_rnn", "gru", "bilstm"])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_an_exported_module_trains_on_as_here(kind, opt, rng):
    """One step of SGD / Adam in torch on the exported module equals the same step here. torch
    has two biases where Keras has one; both learning moved the LSTM's bias twice as far."""
    keras.set_floatx("float64")
    try:
        make = {"lstm": lambda: layers.LSTM(4, return_sequences=True, seed=0),
                "simple_rnn": lambda: layers.SimpleRNN(4, return_sequences=True, seed=0),
                "gru": lambda: layers.GRU(4, return_sequences=True, seed=0),
                "bilstm": lambda: layers.Bidirectional(layers.LSTM(4, return_sequences=True, seed=0))}[kind]
        model = keras.Sequential([keras.Input((5, 3)), make()])
        lr = 0.1
        model.compile(optimizer=keras.optimizers.SGD(lr) if opt == "sgd" else
                      keras.optimizers.Adam(lr, epsilon=1e-14), loss="mse")
        module = interop.to_torch(model)
        x = rng.standard_normal((6, 5, 3))
        y = rng.standard_normal((6, 5, 8 if kind == "bilstm" else 4))
        params = [p for p in module.parameters() if p.requires_grad]
        t_opt = torch.optim.SGD(params, lr=lr) if opt == "sgd" else torch.optim.Adam(params, lr=lr, eps=1e-14)
        out = module(torch.from_numpy(x))
        out = out[0] if isinstance(out, tuple) else out
        loss = ((out - torch.from_numpy(y)) ** 2).mean()
        t_opt.zero_grad()
        loss.backward()
        t_opt.step()
        model.train_on_batch(x, y)
        back = interop.from_torch(module)
        for ours, theirs in zip(model.get_weights(), back.get_weights()):
            # (Keras's Adam scales epsilon by sqrt(1 - beta_2^t), torch's does not: a tiny epsilon)
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12 if opt == "sgd" else 1e-6)
    finally:
        keras.set_floatx("float32")
