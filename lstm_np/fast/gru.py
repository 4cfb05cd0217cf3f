"""Numba GRU (Keras reset_after=True): forward and BPTT with the signatures of
``lstm_np.core.gru``. Equations there. Layout inside, time-major:

    a     (T, B, 3H)  x W + b_in (one GEMM); after the loop the activated [z, r, hh];
                      after BPTT, da (each step overwrites its own slice)
    q     (T, B, 3H)  (h ⊙ r_drop) U + b_rec per step; after the loop q_h sits in the h
                      third; after BPTT, dq
    hseq  (T+1, B, H) hseq[0] = h0, hseq[t+1] = h_t
"""
import numpy as np
from numba import njit

from ..core import gru as reference
from . import sharding
from .blas import gemm, product, recurrent_product
from .microkernel import pack
from .common import JIT, SUPPORTED, add_output_grad, backward_inputs, buffer, carry_padded, loop_inputs, sigmoid, tanh, to_time_major


@njit(inline="always", fastmath=JIT["fastmath"], error_model="numpy")
def _cell_row(a_t, q_t, b_rec, h_prev_t, h_new_t, b, one):
    """Row b of one step, from a = x W + b_in and q = h U (1-D row views: vectorised)."""
    H = h_prev_t.shape[1]
    h_prev, h_new = h_prev_t[b], h_new_t[b]
    az, ar, ah = a_t[b, :H], a_t[b, H:2 * H], a_t[b, 2 * H:]
    qz, qr, qh = q_t[b, :H], q_t[b, H:2 * H], q_t[b, 2 * H:]
    bz, br, bh = b_rec[:H], b_rec[H:2 * H], b_rec[2 * H:]
    for j in range(H):
        z = sigmoid(az[j] + qz[j] + bz[j])                 # z = σ(x W_z + h U_z + b)
        r = sigmoid(ar[j] + qr[j] + br[j])                 # r = σ(x W_r + h U_r + b)
        qhj = qh[j] + bh[j]
        hh = tanh(ah[j] + r * qhj)                         # ĥ = tanh(x W_h + r ⊙ (h U_h + b))
        az[j], ar[j], ah[j] = z, r, hh                     # cached activations
        qh[j] = qhj                                        # cached q_h (with its bias)
        h_new[j] = z * h_prev[j] + (one - z) * hh          # h_t = z ⊙ h_{t-1} + (1 - z) ⊙ ĥ


@njit(**JIT)
def _forward_loop(a, q, b_rec, hseq, U, mask, rmask, hbuf, one):
    """The time loop; padded steps are computed, then overwritten with the carried state
    (a branch-free row pass, and one compiled loop for masked and unmasked calls: see the
    LSTM kernel)."""
    T, B, _ = a.shape
    for t in range(T):
        recurrent_product(hseq[t], rmask, hbuf, U, q[t], 0.0)      # q = (h ⊙ r) U     (B, 3H)
        for b in range(B):
            _cell_row(a[t], q[t], b_rec, hseq[t], hseq[t + 1], b, one)
        if mask.shape[0] > 0:
            carry_padded(mask[t], hseq[t], hseq[t + 1])             # padding: carry the state


@njit(inline="always", fastmath=JIT["fastmath"], error_model="numpy")
def _dgate_row(a_t, q_t, h_prev_t, dh, carry, b, one):
    """Row b of BPTT at one step: da and dq over the gate rows (in place), and the direct
    path dh ⊙ z to h_{t-1} into carry."""
    H = h_prev_t.shape[1]
    dh_row, carry_row, h_prev = dh[b], carry[b], h_prev_t[b]
    az, ar, ah = a_t[b, :H], a_t[b, H:2 * H], a_t[b, 2 * H:]
    qz, qr, qh = q_t[b, :H], q_t[b, H:2 * H], q_t[b, 2 * H:]
    for j in range(H):
        z, r, hh, qhj = az[j], ar[j], ah[j], qh[j]
        d = dh_row[j]
        dah = d * (one - z) * (one - hh * hh)
        daz = d * (h_prev[j] - hh) * z * (one - z)
        dar = dah * qhj * r * (one - r)
        az[j], ar[j], ah[j] = daz, dar, dah                # da
        qz[j], qr[j], qh[j] = daz, dar, dah * r            # dq
        carry_row[j] = d * z                               # direct path to h_{t-1}


@njit(**JIT)
def _backward_loop(dy, dh, a, q, hseq, UT, mask, rmask, zero_out, dhbuf, carry, one):
    """BPTT: dh_{t-1} = dh ⊙ z + (dq Uᵀ) ⊙ r_drop. One loop for every call (a loop without
    masks compiled apart, as the LSTM has, measured only 1-3 % faster here, for ~0.4 s more
    first-use compile per precision)."""
    T, B, G = a.shape
    H = G // 3
    has_mask = mask.shape[0] > 0
    has_r = rmask.shape[0] > 0
    for t in range(T - 1, -1, -1):
        for b in range(B):
            valid = not has_mask or mask[t, b]
            add_output_grad(dy, t, b, dh, valid, zero_out)
            if not valid:                                      # carried: dh passes through
                for j in range(G):
                    a[t, b, j] = 0.0
                    q[t, b, j] = 0.0
                continue
            _dgate_row(a[t], q[t], hseq[t], dh, carry, b, one)
        gemm(q[t], UT, dhbuf, 0.0)                             # (B, H) = dq Uᵀ
        for b in range(B):
            if has_mask and not mask[t, b]:
                continue
            dh_row, back, carry_row = dh[b], dhbuf[b], carry[b]
            if has_r:
                r_row = rmask[b]
                for j in range(H):
                    dh_row[j] = back[j] * r_row[j] + carry_row[j]
            else:
                for j in range(H):
                    dh_row[j] = back[j] + carry_row[j]


def supported(activation, recurrent_activation):
    return (activation, recurrent_activation) in SUPPORTED


def gru_forward(x, h0, kernel, recurrent_kernel, bias, mask=None, activation="tanh",
                recurrent_activation="sigmoid", recurrent_mask=None, zero_output_for_mask=False,
                workspace=None):
    """Same contract as ``lstm_np.core.gru.gru_forward`` (workspace and shards: see the LSTM kernel)."""
    if not supported(activation, recurrent_activation):
        return reference.gru_forward(x, h0, kernel, recurrent_kernel, bias, mask, activation,
                                     recurrent_activation, recurrent_mask, zero_output_for_mask)
    return sharding.recurrence_forward(_forward_shard, x, [h0], [kernel, recurrent_kernel, bias], mask,
                                       recurrent_mask, zero_output_for_mask, workspace, gates=3)


def gru_backward(dy, dh_T, cache):
    """Same contract as ``lstm_np.core.gru.gru_backward``; dy may be None."""
    if not cache.get("numba"):
        return reference.gru_backward(dy, dh_T, cache)
    return sharding.recurrence_backward(_backward_shard, dy, [dh_T], cache)


def _forward_shard(x, h0, kernel, recurrent_kernel, bias, mask, recurrent_mask, zero_output_for_mask, workspace):
    """One shard's forward, on one thread."""
    B, T, D = x.shape
    H = recurrent_kernel.shape[0]
    dt = x.dtype
    x_tm = to_time_major(x)                             # fresh: backward turns it into dx
    a = buffer(workspace, "a", (T, B, 3 * H), dt)
    product(x_tm.reshape(T * B, D), kernel, a.reshape(T * B, 3 * H))   # one GEMM
    a += bias[0]
    q = buffer(workspace, "q", (T, B, 3 * H), dt)
    hseq = np.empty((T + 1, B, H), dt)                  # fresh: the outputs are a view of it
    hseq[0] = h0
    mask_tm, r, U = loop_inputs(mask, recurrent_mask, recurrent_kernel, dt)
    b_rec = np.ascontiguousarray(bias[1], dt)
    _forward_loop(a, q, b_rec, hseq, pack(U, B), mask_tm, r, buffer(workspace, "hbuf", (B, H) if r.size else (0, 0), dt),
                  dt.type(1))
    zero_out = mask is not None and zero_output_for_mask
    y = np.swapaxes(hseq[1:], 0, 1)
    if zero_out:
        y = y * np.swapaxes(mask_tm, 0, 1)[..., None]
    cache = dict(x_tm=x_tm, a=a, q=q, hseq=hseq, mask=None if mask is None else mask_tm,
                 r=recurrent_mask, kernel=kernel, recurrent_kernel=U, zero_out=zero_out, numba=True,
                 workspace=workspace)
    return y, hseq[T].copy(), cache


def _backward_shard(dy, dh_T, cache):
    """One shard's BPTT and weight gradients, on one thread."""
    x_tm, a, q, hseq = cache["x_tm"], cache["a"], cache["q"], cache["hseq"]
    T, B, D = x_tm.shape
    H = hseq.shape[2]
    dt = x_tm.dtype
    ws = cache["workspace"]
    dy_bm, mask, rr, UT = backward_inputs(dy, cache, dt)
    dh = np.zeros((B, H), dt) if dh_T is None else np.array(dh_T, dt)
    r = cache["r"]
    _backward_loop(dy_bm, dh, a, q, hseq, UT, mask, rr, cache["zero_out"], buffer(ws, "dhbuf", (B, H), dt),
                   buffer(ws, "carry", (B, H), dt), dt.type(1))
    da, dq = a.reshape(T * B, 3 * H), q.reshape(T * B, 3 * H)
    dkernel = product(x_tm.reshape(T * B, D).T, da)
    h_in = hseq[:T] if r is None else hseq[:T] * r
    drecurrent = product(h_in.reshape(T * B, H).T, dq)
    dbias = np.stack([da.sum(axis=0), dq.sum(axis=0)])
    dx_tm = x_tm.reshape(T * B, D)
    product(da, cache["kernel"].T, dx_tm)
    cache["a"] = cache["q"] = None
    return np.swapaxes(dx_tm.reshape(T, B, D), 0, 1), dh, dkernel, drecurrent, dbias
