"""Numba SimpleRNN (tanh): forward and BPTT with the signatures of ``lstm_np.core.simple_rnn``.

    z     (T, B, H)   x W + b (one GEMM), + h U per step; then h_t; after BPTT, dz
    hseq  (T+1, B, H) hseq[0] = h0, hseq[t+1] = h_t
"""
import numpy as np
from numba import njit

from ..core import simple_rnn as reference
from . import sharding
from .blas import gemm, product, weight_gradients, recurrent_product
from .microkernel import pack
from .common import JIT, add_output_grad, backward_inputs, buffer, carry_padded, grad_through_product, loop_inputs, tanh, to_time_major


@njit(inline="always", fastmath=JIT["fastmath"], error_model="numpy")
def _cell_row(z_t, bias, h_new_t, b):
    """Row b of one step: h_t = tanh(x W + h U + b), also kept in z as the cache."""
    z_row, h_new = z_t[b], h_new_t[b]
    for j in range(z_row.shape[0]):
        v = tanh(z_row[j] + bias[j])
        z_row[j] = v                                           # the candidate, cached
        h_new[j] = v


@njit(**JIT)
def _forward_loop(z, bias, hseq, U, mask, rmask, hbuf):
    """The time loop; padded steps are computed, then overwritten with the carried state
    (a branch-free row pass, one compiled loop for all calls: see the LSTM kernel)."""
    T, B, _ = z.shape
    for t in range(T):
        recurrent_product(hseq[t], rmask, hbuf, U, z[t], 1.0)      # z = xW + (h ⊙ r) U   (B, H)
        for b in range(B):
            _cell_row(z[t], bias, hseq[t + 1], b)
        if mask.shape[0] > 0:
            carry_padded(mask[t], hseq[t], hseq[t + 1])             # padding: carry the state


@njit(**JIT)
def _backward_loop_plain(dy, dh, z, UT, one):
    """BPTT without masks or recurrent dropout, compiled apart from the general loop below
    (without its per-row mask tests, fwd+bwd is 23 % faster at (16, 500, 32, 32))."""
    T, B, H = z.shape
    has_dy = dy.shape[0] > 0
    for t in range(T - 1, -1, -1):
        for b in range(B):
            dh_row, z_row = dh[b], z[t, b]
            if has_dy:
                dy_row = dy[b, t]
                for j in range(H):
                    dh_row[j] += dy_row[j]
            for j in range(H):
                v = z_row[j]
                z_row[j] = dh_row[j] * (one - v * v)           # dz = dh ⊙ tanh'
        gemm(z[t], UT, dh, 0.0)                                # dh_{t-1} = dz Uᵀ   (B, H)


@njit(**JIT)
def _backward_loop(dy, dh, z, UT, mask, rmask, zero_out, dhbuf, one):
    """BPTT with masks and/or recurrent dropout."""
    T, B, H = z.shape
    has_mask = mask.shape[0] > 0
    for t in range(T - 1, -1, -1):
        for b in range(B):
            dh_row, z_row = dh[b], z[t, b]
            valid = not has_mask or mask[t, b]
            add_output_grad(dy, t, b, dh, valid, zero_out)
            if not valid:                                      # carried: dh passes through
                for j in range(H):
                    z_row[j] = 0.0
                continue
            for j in range(H):
                v = z_row[j]
                z_row[j] = dh_row[j] * (one - v * v)           # dz = dh ⊙ tanh'
        gemm(z[t], UT, dhbuf, 0.0)
        grad_through_product(dhbuf, rmask, mask, t, dh)        # dh_{t-1} = (dz Uᵀ) ⊙ r


def rnn_forward(x, h0, kernel, recurrent_kernel, bias, mask=None, activation="tanh",
                recurrent_mask=None, zero_output_for_mask=False, workspace=None):
    """Same contract as ``lstm_np.core.simple_rnn.rnn_forward`` (workspace and shards: see the LSTM kernel)."""
    if activation != "tanh":
        return reference.rnn_forward(x, h0, kernel, recurrent_kernel, bias, mask, activation,
                                     recurrent_mask, zero_output_for_mask)
    return sharding.recurrence_forward(_forward_shard, x, [h0], [kernel, recurrent_kernel, bias], mask,
                                       recurrent_mask, zero_output_for_mask, workspace, gates=1)


def rnn_backward(dy, dh_T, cache):
    """Same contract as ``lstm_np.core.simple_rnn.rnn_backward``; dy may be None."""
    if not cache.get("numba"):
        return reference.rnn_backward(dy, dh_T, cache)
    return sharding.recurrence_backward(_backward_shard, dy, [dh_T], cache)


def _forward_shard(x, h0, kernel, recurrent_kernel, bias, mask, recurrent_mask, zero_output_for_mask, workspace):
    """One shard's forward, on one thread."""
    B, T, D = x.shape
    H = recurrent_kernel.shape[0]
    dt = x.dtype
    x_tm = to_time_major(x)                             # fresh: backward turns it into dx
    z = buffer(workspace, "z", (T, B, H), dt)
    product(x_tm.reshape(T * B, D), kernel, z.reshape(T * B, H))         # one GEMM
    hseq = np.empty((T + 1, B, H), dt)                  # fresh: the outputs are a view of it
    hseq[0] = h0
    mask_tm, r, U = loop_inputs(mask, recurrent_mask, recurrent_kernel, dt)
    b = np.ascontiguousarray(bias, dt)
    _forward_loop(z, b, hseq, pack(U, B), mask_tm, r, buffer(workspace, "hbuf", (B, H) if r.size else (0, 0), dt))
    zero_out = mask is not None and zero_output_for_mask
    y = np.swapaxes(hseq[1:], 0, 1)
    if zero_out:
        y = y * np.swapaxes(mask_tm, 0, 1)[..., None]
    cache = dict(x_tm=x_tm, z=z, hseq=hseq, mask=None if mask is None else mask_tm, r=recurrent_mask,
                 kernel=kernel, recurrent_kernel=U, zero_out=zero_out, numba=True, workspace=workspace)
    return y, hseq[T].copy(), cache


def _backward_shard(dy, dh_T, cache):
    """One shard's BPTT and weight gradients, on one thread."""
    x_tm, z, hseq = cache["x_tm"], cache["z"], cache["hseq"]
    T, B, D = x_tm.shape
    H = hseq.shape[2]
    dt = x_tm.dtype
    ws = cache["workspace"]
    dy_bm, mask, rr, UT = backward_inputs(dy, cache, dt)
    dh = np.zeros((B, H), dt) if dh_T is None else np.array(dh_T, dt)
    r = cache["r"]
    if cache["mask"] is None and r is None:
        _backward_loop_plain(dy_bm, dh, z, UT, dt.type(1))
    else:
        _backward_loop(dy_bm, dh, z, UT, mask, rr, cache["zero_out"], buffer(ws, "dhbuf", (B, H), dt),
                       dt.type(1))
    dz = z.reshape(T * B, H)
    h_in = hseq[:T] if r is None else hseq[:T] * r
    dkernel, drecurrent = weight_gradients(x_tm.reshape(T * B, D), h_in.reshape(T * B, H), dz)
    dbias = dz.sum(axis=0)
    dx_tm = x_tm.reshape(T * B, D)
    product(dz, cache["kernel"].T, dx_tm)
    cache["z"] = None
    return np.swapaxes(dx_tm.reshape(T, B, D), 0, 1), dh, dkernel, drecurrent, dbias
