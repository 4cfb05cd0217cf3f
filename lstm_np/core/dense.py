"""An affine map with an activation, as pure functions (the seq2seq decoder calls these once
per step, with an explicit cache, where a Dense layer object would keep only one cache).

    y = act(x W + b)        x (N, D), W (D, K), b (K,)
"""
from . import activations as A


def dense_forward(x, W, b=None, activation="linear"):
    z = x @ W                                                 # (N, K)
    if b is not None:
        z = z + b
    y = A.get_elementwise(activation)[0](z)
    return y, (x, y, W, activation)


def matmul(a, b):
    """a @ b: the product of the input and the kernel (Dense's forward, and dx = dz Wᵀ)."""
    return a @ b


def matmul_tn(a, b):
    """aᵀ b: the kernel's gradient dW = xᵀ dz."""
    return a.T @ b


def dense_backward(dy, cache):
    """Returns dx (N, D), dW (D, K), db (K,)."""
    x, y, W, activation = cache
    dz = dy * A.get_elementwise(activation)[1](y)             # (N, K)
    return dz @ W.T, x.T @ dz, dz.sum(axis=0)
