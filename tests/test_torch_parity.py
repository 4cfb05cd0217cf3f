"""Forward values and every gradient equal torch.nn.LSTM / nn.RNN on the same weights (float64).

Layout: torch gate order i, f, g, o is Keras's i, f, c, o; torch's weight_ih is kernelᵀ,
weight_hh is recurrent_kernelᵀ, and its two biases add into Keras's one.
"""
import numpy as np
import pytest
import torch

from lstm_np import layers
from lstm_np.models import Sequential
from helpers.torch_weights import assert_output_and_input_grad_match, copy_to_torch, torch_grads

pytestmark = pytest.mark.usefixtures("each_backend")

torch.set_default_dtype(torch.float64)


@pytest.mark.parametrize("B,T,D,H", [(1, 1, 1, 1), (3, 7, 4, 5), (2, 12, 3, 8)])
def test_single_layer_lstm_equals_torch(B, T, D, H, rng):
    layer = layers.LSTM(H, return_sequences=True, return_state=True, dtype="float64", seed=1)
    layer.build((None, T, D))
    tl = torch.nn.LSTM(D, H, batch_first=True)
    copy_to_torch(layer, tl)
    x = rng.standard_normal((B, T, D))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    gy, gh, gc = rng.standard_normal((B, T, H)), rng.standard_normal((B, H)), rng.standard_normal((B, H))

    y, h, c = layer.forward(x, initial_state=[h0, c0])
    dx = layer.backward([gy, gh, gc])

    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    c0t = torch.tensor(c0[None], requires_grad=True)
    yt, (ht, ct) = tl(xt, (h0t, c0t))
    (yt * torch.tensor(gy)).sum().add((ht[0] * torch.tensor(gh)).sum()).add(
        (ct[0] * torch.tensor(gc)).sum()).backward()

    rtol = 1e-6
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(h, ht[0].detach().numpy(), rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(c, ct[0].detach().numpy(), rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(layer.initial_state_grads[0], h0t.grad[0].numpy(), rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(layer.initial_state_grads[1], c0t.grad[0].numpy(), rtol=rtol, atol=1e-12)
    for ours, theirs in zip((layer.grads["kernel"], layer.grads["recurrent_kernel"], layer.grads["bias"]),
                            torch_grads(tl)):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-12)


def test_two_layer_stack_equals_torch(rng):
    B, T, D, H = 4, 9, 3, 6
    model = Sequential([layers.LSTM(H, return_sequences=True, input_shape=(T, D), dtype="float64", seed=0),
                        layers.LSTM(H, return_sequences=True, dtype="float64", seed=0)])
    tl = torch.nn.LSTM(D, H, num_layers=2, batch_first=True)
    for k, layer in enumerate(model.layers):
        copy_to_torch(layer, tl, k)
    x = rng.standard_normal((B, T, D))
    g = rng.standard_normal((B, T, H))
    y = model.forward(x)
    dx = model.backward(g)
    assert_output_and_input_grad_match(tl, x, g, y, dx)
    for k, layer in enumerate(model.layers):
        ours = (layer.grads["kernel"], layer.grads["recurrent_kernel"], layer.grads["bias"])
        for a, b in zip(ours, torch_grads(tl, k)):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


def test_simple_rnn_equals_torch(rng):
    B, T, D, H = 3, 6, 4, 5
    layer = layers.SimpleRNN(H, return_sequences=True, dtype="float64", seed=0)
    layer.build((None, T, D))
    tl = torch.nn.RNN(D, H, batch_first=True, nonlinearity="tanh")
    copy_to_torch(layer, tl)
    x = rng.standard_normal((B, T, D))
    g = rng.standard_normal((B, T, H))
    y = layer.forward(x)
    dx = layer.backward(g)
    assert_output_and_input_grad_match(tl, x, g, y, dx)
    ours = (layer.grads["kernel"], layer.grads["recurrent_kernel"], layer.grads["bias"])
    for a, b in zip(ours, torch_grads(tl)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


def test_go_backwards_equals_torch_on_flipped_input(rng):
    """Keras's go_backwards = torch on the time-reversed input, outputs kept in processing order."""
    B, T, D, H = 2, 5, 3, 4
    layer = layers.LSTM(H, return_sequences=True, go_backwards=True, dtype="float64", seed=0)
    layer.build((None, T, D))
    tl = torch.nn.LSTM(D, H, batch_first=True)
    copy_to_torch(layer, tl)
    x = rng.standard_normal((B, T, D))
    yt, _ = tl(torch.tensor(x[:, ::-1].copy()))
    np.testing.assert_allclose(layer.forward(x), yt.detach().numpy(), rtol=1e-6, atol=1e-12)
