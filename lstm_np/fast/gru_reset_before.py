"""Numba GRU with the reset gate before the recurrent product (Cho et al. 2014; Keras
reset_after=False): forward and BPTT with the signatures of ``lstm_np.core.gru_reset_before``.
Equations there. Two products per step each way (the reset state r ⊙ hr meets U_h only after r
is known). Layout inside, time-major:

    a      (T, B, 3H)  x W + b (one GEMM); after BPTT, da
    gates  (T, B, 3H)  z, r, hh of every step
    hin    (T, B, H)   hr = h_{t-1} ⊙ r_drop
    hseq   (T+1, B, H) hseq[0] = h0, hseq[t+1] = h_t
"""
import numpy as np
from numba import njit

from ..core import gru_reset_before as reference
from . import sharding
from .blas import gemm, product
from .common import JIT, SUPPORTED, add_output_grad, backward_inputs, buffer, carry_padded, loop_inputs, sigmoid, tanh, to_time_major


@njit(**JIT)
def _forward_loop(a, gates, hin, hseq, Uzr, Uh, mask, rmask, zr, rh, qh, one):
    T, B, G = a.shape
    H = G // 3
    has_r = rmask.shape[0] > 0
    for t in range(T):
        h_prev, h_new, hr, g = hseq[t], hseq[t + 1], hin[t], gates[t]
        for b in range(B):
            for j in range(H):
                hr[b, j] = h_prev[b, j] * rmask[b, j] if has_r else h_prev[b, j]
        gemm(hr, Uzr, zr, 0.0)                                  # [hr U_z | hr U_r]     (B, 2H)
        for b in range(B):
            for j in range(H):
                z = sigmoid(a[t, b, j] + zr[b, j])              # z = σ(a_z + hr U_z)
                r = sigmoid(a[t, b, H + j] + zr[b, H + j])      # r = σ(a_r + hr U_r)
                g[b, j], g[b, H + j] = z, r
                rh[b, j] = r * hr[b, j]
        gemm(rh, Uh, qh, 0.0)                                   # (r ⊙ hr) U_h          (B, H)
        for b in range(B):
            for j in range(H):
                hh = tanh(a[t, b, 2 * H + j] + qh[b, j])        # hh = φ(a_h + (r ⊙ hr) U_h)
                z = g[b, j]
                g[b, 2 * H + j] = hh
                h_new[b, j] = z * h_prev[b, j] + (one - z) * hh  # h_t = z h_{t-1} + (1 - z) hh
        if mask.shape[0] > 0:
            carry_padded(mask[t], h_prev, h_new)


@njit(**JIT)
def _backward_loop(dy, dh, da, gates, hin, hseq, UhT, UzrT, mask, rmask, zero_out, dah, drh, dzr, dhr, one):
    T, B, G = da.shape
    H = G // 3
    has_mask, has_r = mask.shape[0] > 0, rmask.shape[0] > 0
    for t in range(T - 1, -1, -1):
        g, hr, h_prev = gates[t], hin[t], hseq[t]
        for b in range(B):
            valid = not has_mask or mask[t, b]
            add_output_grad(dy, t, b, dh, valid, zero_out)
            for j in range(H):
                if valid:
                    z, hh = g[b, j], g[b, 2 * H + j]
                    d = dh[b, j]
                    dah[b, j] = d * (one - z) * (one - hh * hh)       # dah = dh (1 - z) φ'(hh)
                    dzr[b, j] = d * (h_prev[b, j] - hh) * z * (one - z)   # daz = dh (h_{t-1} - hh) σ'(z)
                else:
                    dah[b, j] = 0.0
                    dzr[b, j] = 0.0
        gemm(dah, UhT, drh, 0.0)                                # drh = dah U_hᵀ           (B, H)
        for b in range(B):
            for j in range(H):
                r = g[b, H + j]
                dzr[b, H + j] = drh[b, j] * hr[b, j] * r * (one - r)   # dar = drh hr σ'(r)
        gemm(dzr, UzrT, dhr, 0.0)                               # [daz, dar] [U_z | U_r]ᵀ  (B, H)
        for b in range(B):
            valid = not has_mask or mask[t, b]
            for j in range(H):
                da[t, b, j], da[t, b, H + j], da[t, b, 2 * H + j] = dzr[b, j], dzr[b, H + j], dah[b, j]
                if valid:
                    back = dhr[b, j] + drh[b, j] * g[b, H + j]       # d hr
                    if has_r:
                        back *= rmask[b, j]
                    dh[b, j] = back + dh[b, j] * g[b, j]             # + the direct path dh z
                # padded: dh passes through the carried step unchanged


def supported(activation, recurrent_activation):
    return (activation, recurrent_activation) == ("tanh", "sigmoid") and (activation, recurrent_activation) in SUPPORTED


def gru_forward(x, h0, kernel, recurrent_kernel, bias, mask=None, activation="tanh",
                recurrent_activation="sigmoid", recurrent_mask=None, zero_output_for_mask=False, workspace=None):
    """Same contract as ``lstm_np.core.gru_reset_before.gru_forward``."""
    if not supported(activation, recurrent_activation) or x.dtype not in (np.float32, np.float64):
        return reference.gru_forward(x, h0, kernel, recurrent_kernel, bias, mask, activation,
                                     recurrent_activation, recurrent_mask, zero_output_for_mask)
    return sharding.recurrence_forward(_forward_shard, x, [h0], [kernel, recurrent_kernel, bias], mask,
                                       recurrent_mask, zero_output_for_mask, workspace, gates=3)


def gru_backward(dy, dh_T, cache):
    """Same contract as ``lstm_np.core.gru_reset_before.gru_backward``; dy may be None."""
    if not cache.get("numba"):
        return reference.gru_backward(dy, dh_T, cache)
    return sharding.recurrence_backward(_backward_shard, dy, [dh_T], cache)


def _forward_shard(x, h0, kernel, recurrent_kernel, bias, mask, recurrent_mask, zero_output_for_mask, workspace):
    B, T, D = x.shape
    H = recurrent_kernel.shape[0]
    dt = x.dtype
    x_tm = to_time_major(x)
    a = np.empty((T, B, 3 * H), dt)
    product(x_tm.reshape(T * B, D), kernel, a.reshape(T * B, 3 * H))   # one GEMM
    a += bias
    gates = np.empty((T, B, 3 * H), dt)
    hin = np.empty((T, B, H), dt)
    hseq = np.empty((T + 1, B, H), dt)
    hseq[0] = h0
    mask_tm, r, U = loop_inputs(mask, recurrent_mask, recurrent_kernel, dt)
    Uzr, Uh = np.ascontiguousarray(U[:, :2 * H]), np.ascontiguousarray(U[:, 2 * H:])
    _forward_loop(a, gates, hin, hseq, Uzr, Uh, mask_tm, r, buffer(workspace, "zr", (B, 2 * H), dt),
                  buffer(workspace, "rh", (B, H), dt), buffer(workspace, "qh", (B, H), dt), dt.type(1))
    zero_out = mask is not None and zero_output_for_mask
    y = np.swapaxes(hseq[1:], 0, 1)
    if zero_out:
        y = y * np.swapaxes(mask_tm, 0, 1)[..., None]
    cache = dict(x_tm=x_tm, a=a, gates=gates, hin=hin, hseq=hseq, mask=None if mask is None else mask_tm,
                 r=recurrent_mask, kernel=kernel, recurrent_kernel=U, zero_out=zero_out, numba=True,
                 workspace=workspace)
    return y, hseq[T].copy(), cache


def _backward_shard(dy, dh_T, cache):
    x_tm, a, gates, hin, hseq = cache["x_tm"], cache["a"], cache["gates"], cache["hin"], cache["hseq"]
    T, B, D = x_tm.shape
    H = hseq.shape[2]
    dt = x_tm.dtype
    ws = cache["workspace"]
    dy_bm, mask, rr, _ = backward_inputs(dy, cache, dt)
    U = cache["recurrent_kernel"]
    UhT, UzrT = np.ascontiguousarray(U[:, 2 * H:].T), np.ascontiguousarray(U[:, :2 * H].T)
    dh = np.zeros((B, H), dt) if dh_T is None else np.array(dh_T, dt)
    da = a                                                          # overwritten step by step
    _backward_loop(dy_bm, dh, da, gates, hin, hseq, UhT, UzrT, mask, rr, cache["zero_out"],
                   buffer(ws, "dah", (B, H), dt), buffer(ws, "drh", (B, H), dt),
                   buffer(ws, "dzr", (B, 2 * H), dt), buffer(ws, "dhr", (B, H), dt), dt.type(1))
    da2 = da.reshape(T * B, 3 * H)
    hr2 = hin.reshape(T * B, H)
    r2 = gates[:, :, H:2 * H].reshape(T * B, H)
    drecurrent = np.concatenate([product(hr2.T, np.ascontiguousarray(da2[:, :2 * H])),
                                 product((r2 * hr2).T, np.ascontiguousarray(da2[:, 2 * H:]))], axis=1)
    dkernel = product(x_tm.reshape(T * B, D).T, da2)
    dx_tm = x_tm.reshape(T * B, D)
    product(da2, cache["kernel"].T, dx_tm)
    cache["a"] = cache["gates"] = None
    return np.swapaxes(dx_tm.reshape(T, B, D), 0, 1), dh, dkernel, drecurrent, da2.sum(axis=0)
