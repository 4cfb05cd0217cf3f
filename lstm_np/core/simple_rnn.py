"""The simple (Elman) RNN recurrence and its BPTT, in plain NumPy.

Shapes: B batch, T timesteps, D input features, H units. Keras layout::

    kernel W (D, H), recurrent_kernel U (H, H), bias b (H,)

    h_t = φ(x_t W + (h_{t-1} ⊙ r) U + b)        φ = activation, default tanh

Backward, given the total dh_t::

    dz_t     = dh_t ⊙ φ'(h_t)                    (B, H)
    dh_{t-1} = (dz_t Uᵀ) ⊙ r
    dW = Σ_t x_tᵀ dz_t,  dU = Σ_t (h_{t-1} ⊙ r)ᵀ dz_t,  db = Σ dz_t

Masks and recurrent dropout behave as in ``core.lstm``: a masked step carries h
forward (and outputs it, or zeros with ``zero_output_for_mask``).
"""
import numpy as np

from . import activations as A
from .masking import carry, split


def rnn_step_forward(x_t, h_prev, kernel, recurrent_kernel, bias, activation="tanh"):
    """One step with explicit state. Returns h (B, H) and a cache."""
    act, _ = A.get_elementwise(activation)
    h = act(x_t @ kernel + bias + h_prev @ recurrent_kernel)    # (B, H)
    return h, (x_t, h_prev, h, kernel, recurrent_kernel, activation)


def rnn_step_backward(dh, cache):
    """Returns dx_t, dh_prev, dkernel, drecurrent_kernel, dbias for one step."""
    x_t, h_prev, h, W, U, activation = cache
    _, dact = A.get_elementwise(activation)
    dz = dh * dact(h)                                           # (B, H)
    return dz @ W.T, dz @ U.T, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def rnn_forward(x, h0, kernel, recurrent_kernel, bias, mask=None, activation="tanh",
                recurrent_mask=None, zero_output_for_mask=False, workspace=None):
    """Run over x (B, T, D) from h0 (B, H). Returns y (B, T, H), h_T (B, H), cache."""
    act, _ = A.get_elementwise(activation)
    B, T, D = x.shape
    H = recurrent_kernel.shape[0]
    xz = (x.reshape(B * T, D) @ kernel + bias).reshape(B, T, H)   # one GEMM, (B, T, H)
    hs = np.empty((B, T, H), dtype=x.dtype)     # state after each step
    h_in = np.empty((B, T, H), dtype=x.dtype)   # h_{t-1} ⊙ r
    cand = np.empty((B, T, H), dtype=x.dtype)   # φ(z_t), the candidate state
    h = h0
    for t in range(T):
        hr = h if recurrent_mask is None else h * recurrent_mask
        h_in[:, t] = hr
        cand[:, t] = act(xz[:, t] + hr @ recurrent_kernel)      # (B, H)
        h = cand[:, t] if mask is None else carry(mask[:, t, None], cand[:, t], h)
        hs[:, t] = h
    zero_out = mask is not None and zero_output_for_mask
    y = hs * mask[..., None] if zero_out else hs      # masked steps: h_{t-1} repeated, or zeros
    cache = dict(x=x, h_in=h_in, cand=cand, mask=mask, zero_out=zero_out, kernel=kernel,
                 recurrent_kernel=recurrent_kernel, recurrent_mask=recurrent_mask,
                 activation=activation)
    return y, h, cache


def rnn_backward(dy, dh_T, cache):
    """BPTT. Returns dx (B, T, D), dh0 (B, H), dkernel, drecurrent_kernel, dbias."""
    _, dact = A.get_elementwise(cache["activation"])
    x, h_in, cand, mask, zero_out = (cache[k] for k in ("x", "h_in", "cand", "mask", "zero_out"))
    W, U, r = cache["kernel"], cache["recurrent_kernel"], cache["recurrent_mask"]
    B, T, D = x.shape
    H = U.shape[0]
    if dy is None:
        dy = np.zeros((B, T, H), x.dtype)
    elif zero_out:
        dy = dy * mask[..., None]
    dh_next = np.zeros((B, H), x.dtype) if dh_T is None else dh_T
    dz = np.empty((B, T, H), dtype=x.dtype)
    trace = cache.get("trace")             # a dict to fill, for the explorer: dL/dh_t
    for t in reversed(range(T)):
        dh = dy[:, t] + dh_next                                 # (B, H)
        if trace is not None:
            trace.setdefault("dh", np.zeros((B, T, H), x.dtype))[:, t] = dh
        if mask is not None:
            m = mask[:, t, None]
            dh, dh_carry = split(m, dh)
        dz[:, t] = dh * dact(cand[:, t])                        # (B, H)
        dh_next = dz[:, t] @ U.T
        if r is not None:
            dh_next = dh_next * r
        if mask is not None:
            dh_next = dh_next + dh_carry
    dz2 = dz.reshape(B * T, H)
    dkernel = x.reshape(B * T, D).T @ dz2
    drecurrent = h_in.reshape(B * T, H).T @ dz2
    dx = (dz2 @ W.T).reshape(B, T, D)
    if trace is not None:
        trace["dx"] = dx                                              # dL/dx_t
    return dx, dh_next, dkernel, drecurrent, dz2.sum(axis=0)
