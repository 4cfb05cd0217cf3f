"""Weight copying between lstm_np (Keras layout) and torch.nn.LSTM / nn.RNN.

Keras's kernel (D, 4H) is torch's weight_ih transposed, recurrent_kernel likewise; torch's
two biases add into Keras's one (bias_hh is zeroed). Gate order i, f, g, o is shared.
``suffix="_reverse"`` addresses the backward direction of a bidirectional module.
"""
import numpy as np
import torch


def copy_to_torch(layer, module, k=0, suffix=""):
    W, U, b = layer.get_weights()
    with torch.no_grad():
        getattr(module, f"weight_ih_l{k}{suffix}").copy_(torch.from_numpy(W.T))
        getattr(module, f"weight_hh_l{k}{suffix}").copy_(torch.from_numpy(U.T))
        getattr(module, f"bias_ih_l{k}{suffix}").copy_(torch.from_numpy(b))
        getattr(module, f"bias_hh_l{k}{suffix}").zero_()


def torch_grads(module, k=0, suffix=""):
    """(dkernel, drecurrent_kernel, dbias) of one layer and direction, in Keras layout."""
    g = lambda name: getattr(module, f"{name}_l{k}{suffix}").grad.numpy()
    return g("weight_ih").T, g("weight_hh").T, g("bias_ih")


def assert_output_and_input_grad_match(module, x, g, y, dx, run=None):
    """torch's y = module(x) and d(Σ y ⊙ g)/dx equal ours (y, dx) to 1e-6. ``run(module,
    xt)`` returns torch's output when a plain call does not (packed sequences)."""
    xt = torch.tensor(x, requires_grad=True)
    yt = run(module, xt) if run else module(xt)[0]
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-6, atol=1e-12)
