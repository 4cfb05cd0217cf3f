"""The convolutional LSTM (Shi et al. 2015, Keras's ConvLSTM2D) and its BPTT, in NumPy.

The LSTM of ``core/lstm.py`` with every matrix product turned into a 2-D convolution, so
the state keeps a picture's layout. Shapes: B batch, T steps, R×S a frame (rows, columns),
C input channels, F filters; k_r×k_s the kernel::

    kernel            W  (k_r, k_s, C, 4F)       gate order i, f, c, o (as the LSTM)
    recurrent_kernel  U  (k_r, k_s, F, 4F)
    bias              b  (4F,)
    x_t (B, R, S, C)   h_t, c_t (B, R', S', F)   R', S' after the input convolution

One step (∗ a convolution: the input's with the layer's padding, the state's always "same")::

    z_t = x_t ∗ W + h_{t-1} ∗ U + b            (B, R', S', 4F)
    i, f, o = σ(z_i), σ(z_f), σ(z_o)    g = φ(z_g)
    c_t = f ⊙ c_{t-1} + i ⊙ g            h_t = o ⊙ φ(c_t)

A convolution is a matrix product on patches: ``patches(x)`` (B, R', S', k_r·k_s·C) holds,
at each output position, the k_r×k_s window around it, so x ∗ W = patches(x) · W.reshape(-1, 4F)
(one GEMM for all steps' input side). Backward uses the same identity: dW = patches(x)ᵀ dz,
and d patches = dz Wᵀ, which ``fold`` adds back onto the pixels each window came from
(dx, and dh_{t-1} through U). The rest is the LSTM's BPTT, element by element.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .activations import get_elementwise


def same_padding(k):
    """(before, after) zero rows for a stride-1 "same" convolution (extra one after, as Keras)."""
    return (k - 1) // 2, k - 1 - (k - 1) // 2


def patches(x, kernel_size, pads):
    """x (N, R, S, C) -> (N, R', S', k_r·k_s·C): the window of every output position, in the
    order of a kernel (k_r, k_s, C) flattened."""
    (pr0, pr1), (ps0, ps1) = pads
    kr, ks = kernel_size
    if pr0 or pr1 or ps0 or ps1:
        x = np.pad(x, ((0, 0), (pr0, pr1), (ps0, ps1), (0, 0)))
    win = sliding_window_view(x, (kr, ks), axis=(1, 2))               # (N, R', S', C, k_r, k_s)
    N, Ro, So, C = win.shape[:4]
    return np.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3)).reshape(N, Ro, So, kr * ks * C)


def fold(dpatches, kernel_size, pads, shape):
    """The adjoint of ``patches``: (N, R', S', k_r·k_s·C) -> (N, R, S, C), each window's
    gradient added back onto the pixels it was read from."""
    (pr0, pr1), (ps0, ps1) = pads
    kr, ks = kernel_size
    N, R, S, C = shape
    Ro, So = dpatches.shape[1:3]
    d = dpatches.reshape(N, Ro, So, kr, ks, C)
    out = np.zeros((N, R + pr0 + pr1, S + ps0 + ps1, C), dpatches.dtype)
    for a in range(kr):
        for b in range(ks):
            out[:, a:a + Ro, b:b + So, :] += d[:, :, :, a, b, :]
    return out[:, pr0:pr0 + R, ps0:ps0 + S, :]


def input_pads(kernel_size, padding):
    return tuple(same_padding(k) for k in kernel_size) if padding == "same" else ((0, 0), (0, 0))


def conv_lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias, padding="valid",
                      activation="tanh", recurrent_activation="sigmoid", recurrent_mask=None):
    """x (B, T, R, S, C), h0, c0 (B, R', S', F) -> hseq (B, T, R', S', F), h_T, c_T, cache.
    ``recurrent_mask`` (B, R', S', F): recurrent dropout, h_{t-1} ⊙ r enters the convolution."""
    B, T, R, S, C = x.shape
    kr, ks, _, G = kernel.shape
    F = G // 4
    act, _ = get_elementwise(activation)
    ract, _ = get_elementwise(recurrent_activation)
    in_pads, rec_pads = input_pads((kr, ks), padding), input_pads((kr, ks), "same")
    px = patches(x.reshape(B * T, R, S, C), (kr, ks), in_pads)           # (B·T, R', S', k·C)
    Ro, So = px.shape[1:3]
    zx = (px.reshape(-1, kr * ks * C) @ kernel.reshape(-1, G) + bias).reshape(B, T, Ro, So, G)
    Uf = recurrent_kernel.reshape(-1, G)                                 # (k·F, 4F)
    h, c = h0, c0
    hseq = np.empty((B, T, Ro, So, F), x.dtype)
    steps = []
    for t in range(T):
        hr = h if recurrent_mask is None else h * recurrent_mask
        ph = patches(hr, (kr, ks), rec_pads)                             # (B, R', S', k·F)
        z = zx[:, t] + (ph.reshape(-1, Uf.shape[0]) @ Uf).reshape(B, Ro, So, G)
        i, f = ract(z[..., :F]), ract(z[..., F:2 * F])
        g, o = act(z[..., 2 * F:3 * F]), ract(z[..., 3 * F:])
        c_prev = c
        c = f * c_prev + i * g
        a = act(c)
        h = o * a
        hseq[:, t] = h
        steps.append((ph, i, f, g, o, c_prev, a))
    cache = dict(px=px, steps=steps, kernel=kernel, recurrent_kernel=recurrent_kernel, x_shape=x.shape,
                 pads=(in_pads, rec_pads), activation=activation, recurrent_activation=recurrent_activation,
                 recurrent_mask=recurrent_mask)
    return hseq, h, c, cache


def conv_lstm_backward(dhseq, dh_T, dc_T, cache):
    """dhseq (B, T, R', S', F) or None, dh_T, dc_T (or None) -> dx, dh0, dc0, dW, dU, db."""
    B, T, R, S, C = cache["x_shape"]
    W, U = cache["kernel"], cache["recurrent_kernel"]
    kr, ks, _, G = W.shape
    F = G // 4
    _, dact = get_elementwise(cache["activation"])
    _, dract = get_elementwise(cache["recurrent_activation"])
    in_pads, rec_pads = cache["pads"]
    steps = cache["steps"]
    ph0 = steps[0][0]
    Ro, So = ph0.shape[1:3]
    dh = np.zeros((B, Ro, So, F), W.dtype) if dh_T is None else np.array(dh_T, W.dtype)
    dc = np.zeros((B, Ro, So, F), W.dtype) if dc_T is None else np.array(dc_T, W.dtype)
    Uf = U.reshape(-1, G)
    dz_all = np.empty((B, T, Ro, So, G), W.dtype)
    dU = np.zeros_like(Uf)
    for t in range(T - 1, -1, -1):
        ph, i, f, g, o, c_prev, a = steps[t]
        if dhseq is not None:
            dh = dh + dhseq[:, t]
        do = dh * a
        dct = dc + dh * o * dact(a)                     # dc = dc_next + dh ⊙ o ⊙ φ'(c)
        dz = dz_all[:, t]
        dz[..., :F] = dct * g * dract(i)
        dz[..., F:2 * F] = dct * c_prev * dract(f)
        dz[..., 2 * F:3 * F] = dct * i * dact(g)
        dz[..., 3 * F:] = do * dract(o)
        dz2 = dz.reshape(-1, G)
        dU += ph.reshape(-1, Uf.shape[0]).T @ dz2       # Σ_t patches(h_{t-1})ᵀ dz_t
        dh = fold((dz2 @ Uf.T).reshape(B, Ro, So, -1), (kr, ks), rec_pads, (B, Ro, So, F))
        if cache["recurrent_mask"] is not None:
            dh = dh * cache["recurrent_mask"]
        dc = dct * f
    dz2 = dz_all.reshape(-1, G)
    px = cache["px"].reshape(-1, kr * ks * C)
    dW = (px.T @ dz2).reshape(W.shape)                  # one GEMM over all steps
    db = dz2.sum(axis=0)
    dpx = (dz2 @ W.reshape(-1, G).T).reshape(B * T, Ro, So, -1)
    dx = fold(dpx, (kr, ks), in_pads, (B * T, R, S, C)).reshape(B, T, R, S, C)
    return dx, dh, dc, dW, dU.reshape(U.shape), db
