"""The GRU recurrence (Keras ``reset_after=True``, the cuDNN/PyTorch variant) and its BPTT.

Shapes: B batch, T timesteps, D input features, H units. Keras layout, gate order z, r, h::

    kernel W (D, 3H),  recurrent_kernel U (H, 3H),  bias (2, 3H) = [b_in; b_rec]

One timestep (σ = recurrent_activation, φ = activation)::

    a   = x_t W + b_in                        (B, 3H)   input part, one GEMM for all t
    q   = (h_{t-1} ⊙ r_drop) U + b_rec        (B, 3H)   recurrent part
    z   = σ(a_z + q_z)                        update gate
    r   = σ(a_r + q_r)                        reset gate (applied after the matmul)
    hh  = φ(a_h + r ⊙ q_h)                    candidate
    h_t = z ⊙ h_{t-1} + (1 - z) ⊙ hh

Backward, given the total dh_t::

    dz  = dh ⊙ (h_{t-1} - hh)                 dhh = dh ⊙ (1 - z)
    dah = dhh ⊙ φ'(hh)                        dr  = dah ⊙ q_h
    daz = dz ⊙ σ'(z)                          dar = dr ⊙ σ'(r)
    da  = [daz, dar, dah]        -> dW = Σ x_tᵀ da,  db_in = Σ da,  dx = da Wᵀ
    dq  = [daz, dar, dah ⊙ r]    -> dU = Σ (h_{t-1} ⊙ r_drop)ᵀ dq,  db_rec = Σ dq
    dh_{t-1} = (dq Uᵀ) ⊙ r_drop + dh ⊙ z

PyTorch's nn.GRU is the same cell with gate order r, z, n.
Masks behave as in ``core.lstm``.
"""
import numpy as np

from . import activations as A
from .masking import carry, split


def gru_cell_forward(a_t, h_prev, h_in, recurrent_kernel, b_rec, activation="tanh",
                     recurrent_activation="sigmoid"):
    """One step. a_t (B, 3H) input projection; h_prev the state, h_in = h_prev ⊙ r_drop.

    Returns h (B, H) and the gate cache (z, r, hh, q_h), each (B, H).
    """
    act, _ = A.get_elementwise(activation)
    ract, _ = A.get_elementwise(recurrent_activation)
    H = h_prev.shape[-1]
    q = h_in @ recurrent_kernel + b_rec                       # (B, 3H)
    z = ract(a_t[:, :H] + q[:, :H])                           # (B, H)
    r = ract(a_t[:, H:2 * H] + q[:, H:2 * H])                 # (B, H)
    qh = q[:, 2 * H:]                                         # (B, H)
    hh = act(a_t[:, 2 * H:] + r * qh)                         # (B, H)
    h = z * h_prev + (1 - z) * hh                             # (B, H)
    return h, (z, r, hh, qh)


def gru_cell_backward(dh, h_prev, gates, activation="tanh", recurrent_activation="sigmoid"):
    """Returns da (B, 3H) for the input side, dq (B, 3H) for the recurrent side, and the
    direct part of dh_prev (dh ⊙ z); the caller adds (dq Uᵀ) ⊙ r_drop."""
    _, dact = A.get_elementwise(activation)
    _, dract = A.get_elementwise(recurrent_activation)
    z, r, hh, qh = gates
    dz = dh * (h_prev - hh)
    dah = dh * (1 - z) * dact(hh)
    dar = dah * qh * dract(r)
    daz = dz * dract(z)
    da = np.concatenate([daz, dar, dah], axis=-1)
    dq = np.concatenate([daz, dar, dah * r], axis=-1)
    return da, dq, dh * z


def gru_forward(x, h0, kernel, recurrent_kernel, bias, mask=None, activation="tanh",
                recurrent_activation="sigmoid", recurrent_mask=None, zero_output_for_mask=False, workspace=None):
    """Run over x (B, T, D) from h0 (B, H). bias (2, 3H). Returns y (B, T, H), h_T, cache."""
    B, T, D = x.shape
    H = recurrent_kernel.shape[0]
    a = (x.reshape(B * T, D) @ kernel + bias[0]).reshape(B, T, 3 * H)   # one GEMM, (B, T, 3H)
    hs = np.empty((B, T, H), x.dtype)
    h_prev = np.empty((B, T, H), x.dtype)      # h_{t-1}
    h_in = np.empty((B, T, H), x.dtype)        # h_{t-1} ⊙ r_drop
    gates = np.empty((4, B, T, H), x.dtype)    # z, r, hh, q_h
    h = h0
    for t in range(T):
        hr = h if recurrent_mask is None else h * recurrent_mask
        h_new, g = gru_cell_forward(a[:, t], h, hr, recurrent_kernel, bias[1], activation,
                                    recurrent_activation)
        h_prev[:, t], h_in[:, t] = h, hr
        for k in range(4):
            gates[k, :, t] = g[k]
        h = h_new if mask is None else carry(mask[:, t, None], h_new, h)
        hs[:, t] = h
    zero_out = mask is not None and zero_output_for_mask
    y = hs * mask[..., None] if zero_out else hs
    cache = dict(x=x, h_prev=h_prev, h_in=h_in, gates=gates, mask=mask, zero_out=zero_out,
                 kernel=kernel, recurrent_kernel=recurrent_kernel, recurrent_mask=recurrent_mask,
                 activation=activation, recurrent_activation=recurrent_activation)
    return y, h, cache


def gru_backward(dy, dh_T, cache):
    """BPTT. Returns dx (B, T, D), dh0 (B, H), dkernel, drecurrent_kernel, dbias (2, 3H)."""
    x, h_prev, h_in, gates, mask = (cache[k] for k in ("x", "h_prev", "h_in", "gates", "mask"))
    W, U, rd = cache["kernel"], cache["recurrent_kernel"], cache["recurrent_mask"]
    act, ract = cache["activation"], cache["recurrent_activation"]
    B, T, D = x.shape
    H = U.shape[0]
    if dy is None:
        dy = np.zeros((B, T, H), x.dtype)
    elif cache["zero_out"]:
        dy = dy * mask[..., None]
    dh_next = np.zeros((B, H), x.dtype) if dh_T is None else dh_T
    da = np.empty((B, T, 3 * H), x.dtype)
    dq = np.empty((B, T, 3 * H), x.dtype)
    trace = cache.get("trace")             # a dict to fill, for the explorer: dL/dh_t
    for t in reversed(range(T)):
        dh = dy[:, t] + dh_next
        if trace is not None:
            trace.setdefault("dh", np.zeros((B, T, H), x.dtype))[:, t] = dh
        if mask is not None:
            m = mask[:, t, None]
            dh, dh_carry = split(m, dh)
        g = tuple(gates[k, :, t] for k in range(4))
        da[:, t], dq[:, t], direct = gru_cell_backward(dh, h_prev[:, t], g, act, ract)
        back = dq[:, t] @ U.T
        dh_next = (back if rd is None else back * rd) + direct
        if mask is not None:
            dh_next = dh_next + dh_carry
    da2, dq2 = da.reshape(B * T, 3 * H), dq.reshape(B * T, 3 * H)
    dkernel = x.reshape(B * T, D).T @ da2
    drecurrent = h_in.reshape(B * T, H).T @ dq2
    dbias = np.stack([da2.sum(axis=0), dq2.sum(axis=0)])
    dx = (da2 @ W.T).reshape(B, T, D)
    if trace is not None:
        trace["dx"] = dx                                              # dL/dx_t
    return dx, dh_next, dkernel, drecurrent, dbias
