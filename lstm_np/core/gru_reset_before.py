"""The original GRU (Cho et al., 2014; Keras ``reset_after=False``) and its BPTT: the reset
gate acts on the state *before* the recurrent product.

Shapes: B batch, T timesteps, D input features, H units. Keras layout, gate order z, r, h::

    kernel W (D, 3H),  recurrent_kernel U (H, 3H) = [U_z | U_r | U_h],  bias b (3H,)

One timestep (σ = recurrent_activation, φ = activation; hr = h_{t-1} ⊙ r_drop)::

    a   = x_t W + b                            (B, 3H)   input part, one GEMM for all t
    z   = σ(a_z + hr U_z)                      update gate
    r   = σ(a_r + hr U_r)                      reset gate
    hh  = φ(a_h + (r ⊙ hr) U_h)                candidate: the reset state times U_h
    h_t = z ⊙ h_{t-1} + (1 - z) ⊙ hh

Backward, given the total dh_t::

    dz   = dh ⊙ (h_{t-1} - hh)                 dah  = dh ⊙ (1 - z) ⊙ φ'(hh)
    drh  = dah U_hᵀ                            (the gradient of r ⊙ hr)
    daz  = dz ⊙ σ'(z)                          dar  = drh ⊙ hr ⊙ σ'(r)
    da   = [daz, dar, dah]    -> dW = Σ x_tᵀ da,  db = Σ da,  dx = da Wᵀ
    dU_z, dU_r = Σ hrᵀ daz, Σ hrᵀ dar          dU_h = Σ (r ⊙ hr)ᵀ dah
    dh_{t-1} = ([daz, dar] [U_z | U_r]ᵀ + drh ⊙ r) ⊙ r_drop + dh ⊙ z

Masks behave as in ``core.lstm`` (``core/masking.py``). The compiled twin is
``fast/gru_reset_before.py`` (tested equal to this file).
"""
import numpy as np

from . import activations as A
from .masking import carry, split


def gru_cell_forward(a_t, h_prev, hr, recurrent_kernel, activation="tanh", recurrent_activation="sigmoid"):
    """One step. a_t (B, 3H) input projection (bias included); hr = h_prev ⊙ r_drop.
    Returns h (B, H) and the step's record (z, r, hh), each (B, H)."""
    act, _ = A.get_elementwise(activation)
    ract, _ = A.get_elementwise(recurrent_activation)
    H = h_prev.shape[-1]
    zr = hr @ recurrent_kernel[:, :2 * H]                     # (B, 2H)
    z = ract(a_t[:, :H] + zr[:, :H])                          # (B, H)
    r = ract(a_t[:, H:2 * H] + zr[:, H:])                     # (B, H)
    hh = act(a_t[:, 2 * H:] + (r * hr) @ recurrent_kernel[:, 2 * H:])   # (B, H)
    h = z * h_prev + (1 - z) * hh                             # (B, H)
    return h, (z, r, hh)


def gru_cell_backward(dh, h_prev, hr, gates, recurrent_kernel, activation="tanh", recurrent_activation="sigmoid"):
    """Returns da (B, 3H), the gradient with respect to hr (B, H), and the direct part of
    dh_prev (dh ⊙ z); the caller multiplies the hr part by r_drop."""
    _, dact = A.get_elementwise(activation)
    _, dract = A.get_elementwise(recurrent_activation)
    z, r, hh = gates
    H = h_prev.shape[-1]
    dz = dh * (h_prev - hh)
    dah = dh * (1 - z) * dact(hh)
    drh = dah @ recurrent_kernel[:, 2 * H:].T                 # (B, H)
    daz = dz * dract(z)
    dar = drh * hr * dract(r)
    da = np.concatenate([daz, dar, dah], axis=-1)
    dhr = np.concatenate([daz, dar], axis=-1) @ recurrent_kernel[:, :2 * H].T + drh * r
    return da, dhr, dh * z


def gru_forward(x, h0, kernel, recurrent_kernel, bias, mask=None, activation="tanh",
                recurrent_activation="sigmoid", recurrent_mask=None, zero_output_for_mask=False, workspace=None):
    """Run over x (B, T, D) from h0 (B, H); bias (3H,). Returns y (B, T, H), h_T, cache.
    (``workspace`` is the kernels' argument; unused.)"""
    B, T, D = x.shape
    H = recurrent_kernel.shape[0]
    a = (x.reshape(B * T, D) @ kernel + bias).reshape(B, T, 3 * H)      # one GEMM, (B, T, 3H)
    hs = np.empty((B, T, H), x.dtype)
    h_prev = np.empty((B, T, H), x.dtype)      # h_{t-1}
    h_in = np.empty((B, T, H), x.dtype)        # hr = h_{t-1} ⊙ r_drop
    gates = np.empty((3, B, T, H), x.dtype)    # z, r, hh
    h = h0
    for t in range(T):
        hr = h if recurrent_mask is None else h * recurrent_mask
        h_new, g = gru_cell_forward(a[:, t], h, hr, recurrent_kernel, activation, recurrent_activation)
        h_prev[:, t], h_in[:, t] = h, hr
        for k in range(3):
            gates[k, :, t] = g[k]
        h = h_new if mask is None else carry(mask[:, t, None], h_new, h)
        hs[:, t] = h
    zero_out = mask is not None and zero_output_for_mask
    y = hs * mask[..., None] if zero_out else hs
    cache = dict(x=x, h_prev=h_prev, h_in=h_in, gates=gates, mask=mask, zero_out=zero_out,
                 kernel=kernel, recurrent_kernel=recurrent_kernel, recurrent_mask=recurrent_mask,
                 activation=activation, recurrent_activation=recurrent_activation, numba=False)
    return y, h, cache


def gru_backward(dy, dh_T, cache):
    """BPTT. Returns dx (B, T, D), dh0 (B, H), dkernel, drecurrent_kernel, dbias (3H,)."""
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
    for t in reversed(range(T)):
        dh = dy[:, t] + dh_next
        if mask is not None:
            dh, dh_carry = split(mask[:, t, None], dh)
        g = tuple(gates[k, :, t] for k in range(3))
        da[:, t], dhr, direct = gru_cell_backward(dh, h_prev[:, t], h_in[:, t], g, U, act, ract)
        dh_next = (dhr if rd is None else dhr * rd) + direct
        if mask is not None:
            dh_next = dh_next + dh_carry
    da2 = da.reshape(B * T, 3 * H)
    hr2 = h_in.reshape(B * T, H)
    r2 = gates[1].reshape(B * T, H)
    drecurrent = np.concatenate([hr2.T @ da2[:, :2 * H], (r2 * hr2).T @ da2[:, 2 * H:]], axis=1)
    dkernel = x.reshape(B * T, D).T @ da2
    dx = (da2 @ W.T).reshape(B, T, D)
    return dx, dh_next, dkernel, drecurrent, da2.sum(axis=0)
