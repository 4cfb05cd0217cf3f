"""Numba LSTM: forward and BPTT with the signatures of ``lstm_np.core.lstm``.

Equations: see ``lstm_np.core.lstm``. Layout inside: time-major.

    gates (T, B, 4H)   x W + b on entry; the activated [i, f, g, o] after the loop;
                       dz after BPTT (each step overwrites its own slice)
    hseq  (T+1, B, H)  hseq[0] = h0, hseq[t+1] = h_t      (the outputs are a view of it)
    cseq  (T+1, B, H)  cseq[0] = c0, cseq[t+1] = c_t
    tcs   (T, B, H)    tanh(c_t) of the candidate state, so backward needs no exp
"""
import numpy as np
from numba import njit

from . import inference
from ..core import lstm as reference
from . import sharding
from .blas import gemm, product, weight_gradients, recurrent_product
from .microkernel import pack
from .common import JIT, SUPPORTED, add_output_grad, backward_inputs, buffer, carry_padded, grad_through_product, loop_inputs, sigmoid, tanh, time_major_into, to_time_major


@njit(inline="always", fastmath=JIT["fastmath"], error_model="numpy")
def _cell_rows(gates_t, bias, c_prev_t, c_new_t, h_new_t, tcs_t, b):
    """Row b of one step: gates, cell and output from z (already x W + h U). 1-D row views
    keep the loop over units vectorised."""
    H = c_prev_t.shape[1]
    c_prev, c_new, h_new, tc_row = c_prev_t[b], c_new_t[b], h_new_t[b], tcs_t[b]   # (H,) views
    zi, zf = gates_t[b, :H], gates_t[b, H:2 * H]
    zg, zo = gates_t[b, 2 * H:3 * H], gates_t[b, 3 * H:]
    bi, bf, bg, bo = bias[:H], bias[H:2 * H], bias[2 * H:3 * H], bias[3 * H:]
    for j in range(H):
        i = sigmoid(zi[j] + bi[j])                         # the bias joins here, not in a
        f = sigmoid(zf[j] + bf[j])                         # separate pass over (T, B, 4H)
        g = tanh(zg[j] + bg[j])
        o = sigmoid(zo[j] + bo[j])
        c = f * c_prev[j] + i * g                          # c_t = f ⊙ c_{t-1} + i ⊙ g
        tc = tanh(c)
        zi[j], zf[j], zg[j], zo[j] = i, f, g, o            # the activated gates, cached
        tc_row[j] = tc
        c_new[j] = c
        h_new[j] = o * tc                                  # h_t = o ⊙ tanh(c_t)


@njit(**JIT)
def _forward_loop(gates, bias, hseq, cseq, tcs, U, mask, rmask, hbuf):
    """The time loop. Per step: one GEMM adds h U (h ⊙ r with recurrent dropout) into the
    gate rows, then one fused pass per batch row computes gates, cell and output.

    Padded steps are computed like the others, then overwritten with the carried state:
    the row pass stays free of branches (a mask test inside it cost up to 40 % at small
    sizes), and one compiled loop serves masked and unmasked calls (the fused pass is
    what takes numba long to compile)."""
    T, B, _ = gates.shape
    for t in range(T):
        recurrent_product(hseq[t], rmask, hbuf, U, gates[t], 1.0)   # z = xW + (h ⊙ r) U   (B, 4H)
        for b in range(B):
            _cell_rows(gates[t], bias, cseq[t], cseq[t + 1], hseq[t + 1], tcs[t], b)
        if mask.shape[0] > 0:                              # padding: carry the state
            carry_padded(mask[t], cseq[t], cseq[t + 1])
            carry_padded(mask[t], hseq[t], hseq[t + 1])


@njit(inline="always", fastmath=JIT["fastmath"], error_model="numpy")
def _cell_rows_infer(gates_t, bias, c, h_new_t, b):
    """Row b of one inference step: the same equations as ``_cell_rows``, keeping only c (in
    place) and h."""
    H = c.shape[1]
    c_row, h_new = c[b], h_new_t[b]                                               # (H,) views
    zi, zf = gates_t[b, :H], gates_t[b, H:2 * H]
    zg, zo = gates_t[b, 2 * H:3 * H], gates_t[b, 3 * H:]
    bi, bf, bg, bo = bias[:H], bias[H:2 * H], bias[2 * H:3 * H], bias[3 * H:]
    for j in range(H):
        i = sigmoid(zi[j] + bi[j])
        f = sigmoid(zf[j] + bf[j])
        g = tanh(zg[j] + bg[j])
        o = sigmoid(zo[j] + bo[j])
        cj = f * c_row[j] + i * g                          # c_t = f ⊙ c_{t-1} + i ⊙ g
        c_row[j] = cj
        h_new[j] = o * tanh(cj)                            # h_t = o ⊙ tanh(c_t)


@njit(**JIT)
def _forward_loop_infer(gates, bias, hseq, c, U, mask):
    """The time loop with nothing kept for backward: c (B, H) is carried in place; a padded
    row keeps its c and repeats its h (a test per row, not per unit)."""
    T, B, _ = gates.shape
    for t in range(T):
        gemm(hseq[t], U, gates[t], 1.0)                    # z = xW + h U   (B, 4H)
        for b in range(B):
            if mask.shape[0] > 0 and not mask[t, b]:
                h_prev, h_new = hseq[t, b], hseq[t + 1, b]
                for j in range(h_new.shape[0]):        # a loop: a slice assignment compiles
                    h_new[j] = h_prev[j]               # numba's broadcasting (+1.9 s of JIT)
                continue
            _cell_rows_infer(gates[t], bias, c, hseq[t + 1], b)


@njit(inline="always", fastmath=JIT["fastmath"], error_model="numpy")
def _dz_rows(gates_t, cseq_t, tcs_t, dh, dc, b, one):
    """Row b of BPTT at one step: dz over the gate row (in place), dc_{t-1} into dc."""
    H = tcs_t.shape[1]
    dh_row, dc_row = dh[b], dc[b]
    zi, zf = gates_t[b, :H], gates_t[b, H:2 * H]
    zg, zo = gates_t[b, 2 * H:3 * H], gates_t[b, 3 * H:]
    c_prev, tc_row = cseq_t[b], tcs_t[b]
    for j in range(H):
        i, f, g, o = zi[j], zf[j], zg[j], zo[j]
        tc = tc_row[j]
        dht = dh_row[j]
        dct = dc_row[j] + dht * o * (one - tc * tc)        # dc = dc_next + dh ⊙ o ⊙ tanh'(c)
        zi[j] = dct * g * i * (one - i)                    # dz_i
        zf[j] = dct * c_prev[j] * f * (one - f)            # dz_f
        zg[j] = dct * i * (one - g * g)                    # dz_g
        zo[j] = dht * tc * o * (one - o)                   # dz_o
        dc_row[j] = dct * f                                # dc_{t-1}


@njit(**JIT)
def _backward_loop_plain(dy, dh, dc, gates, cseq, tcs, UT, one):
    """BPTT without masks or recurrent dropout; dy (B, T, H) or empty. Compiled apart from
    the general loop below, whose per-row mask tests cost up to 40 % at small sizes."""
    T, B, _ = gates.shape
    H = dh.shape[1]
    has_dy = dy.shape[0] > 0
    for t in range(T - 1, -1, -1):
        if has_dy:
            for b in range(B):
                dh_row, dy_row = dh[b], dy[b, t]
                for j in range(H):
                    dh_row[j] += dy_row[j]
        for b in range(B):
            _dz_rows(gates[t], cseq[t], tcs[t], dh, dc, b, one)
        gemm(gates[t], UT, dh, 0.0)                        # dh_{t-1} = dz Uᵀ   (B, H)


@njit(**JIT)
def _backward_loop(dy, dh, dc, gates, cseq, tcs, UT, mask, rmask, zero_out, dhbuf, one):
    """BPTT. dy (B, T, H) or empty, read in place; dh, dc (B, H): in, the gradients at the
    final state; out, at (h0, c0). The gate rows are overwritten with dz. ``one`` is 1 in
    the arrays' precision (a float64 literal would promote float32 arithmetic)."""
    T, B, G = gates.shape
    has_mask = mask.shape[0] > 0
    for t in range(T - 1, -1, -1):
        for b in range(B):
            valid = not has_mask or mask[t, b]
            add_output_grad(dy, t, b, dh, valid, zero_out)
            if not valid:                                  # state was carried: dh, dc pass
                for j in range(G):                         # through untouched, dz = 0
                    gates[t, b, j] = 0.0
                continue
            _dz_rows(gates[t], cseq[t], tcs[t], dh, dc, b, one)
        gemm(gates[t], UT, dhbuf, 0.0)                     # (B, H) = dz Uᵀ
        grad_through_product(dhbuf, rmask, mask, t, dh)    # dh_{t-1} = (dz Uᵀ) ⊙ r


def supported(activation, recurrent_activation):
    return (activation, recurrent_activation) in SUPPORTED


def lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias, mask=None,
                 activation="tanh", recurrent_activation="sigmoid", recurrent_mask=None,
                 zero_output_for_mask=False, workspace=None):
    """Same contract as ``lstm_np.core.lstm.lstm_forward``; large batches run in shards on
    several threads (``fast/threads.py``), with the same numbers."""
    if not supported(activation, recurrent_activation):
        return reference.lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias, mask, activation,
                                      recurrent_activation, recurrent_mask, zero_output_for_mask)
    # read on the caller's thread (the mode is per thread; the shards run on others)
    shard = _infer_shard if inference.active() and recurrent_mask is None else _forward_shard
    return sharding.recurrence_forward(shard, x, [h0, c0], [kernel, recurrent_kernel, bias], mask,
                                       recurrent_mask, zero_output_for_mask, workspace, gates=4)


def lstm_backward(dy, dh_T, dc_T, cache):
    """Same contract as ``lstm_np.core.lstm.lstm_backward``; dy may be None (no output gradient)."""
    if not cache.get("numba"):
        return reference.lstm_backward(dy, dh_T, dc_T, cache)
    if cache.get("inference") or any(c.get("inference") for c in cache.get("shards", ())):
        raise ValueError("LSTM backward: the last forward ran in inference mode (Model.predict or "
                         "lstm_np.inference_mode()), which keeps nothing for backward; run a forward outside it first")
    return sharding.recurrence_backward(_backward_shard, dy, [dh_T, dc_T], cache)


def _forward_shard(x, h0, c0, kernel, recurrent_kernel, bias, mask, recurrent_mask, zero_output_for_mask,
                   workspace):
    """One shard's forward, on one thread.

    workspace: optional dict owned by the caller; the gate, cell and tanh(c) buffers are
    kept in it and reused by the next call of the same shape (the previous cache is then
    invalid). The returned arrays never live in the workspace: y is a (B, T, H) view of
    the fresh h sequence, and backward's dx a view of the fresh time-major copy of x.
    """
    B, T, D = x.shape
    H = recurrent_kernel.shape[0]
    dt = x.dtype
    x_tm = to_time_major(x)                             # fresh: backward turns it into dx          # (T, B, D)
    gates = buffer(workspace, "gates", (T, B, 4 * H), dt)
    product(x_tm.reshape(T * B, D), kernel, gates.reshape(T * B, 4 * H))   # one GEMM; + b in the loop
    hseq = np.empty((T + 1, B, H), dt)                  # fresh: the outputs are a view of it
    cseq = buffer(workspace, "cseq", (T + 1, B, H), dt)
    hseq[0], cseq[0] = h0, c0
    tcs = buffer(workspace, "tcs", (T, B, H), dt)
    mask_tm, r, U = loop_inputs(mask, recurrent_mask, recurrent_kernel, dt)
    b = np.ascontiguousarray(bias, dt)
    _forward_loop(gates, b, hseq, cseq, tcs, pack(U, B), mask_tm, r, buffer(workspace, "hbuf", (B, H) if r.size else (0, 0), dt))
    zero_out = mask is not None and zero_output_for_mask
    y = np.swapaxes(hseq[1:], 0, 1)                                             # (B, T, H) view
    if zero_out:
        y = y * np.swapaxes(mask_tm, 0, 1)[..., None]
    cache = dict(x_tm=x_tm, gates=gates, hseq=hseq, cseq=cseq, tcs=tcs, mask=mask_tm if mask is not None else None,
                 r=recurrent_mask, kernel=kernel, recurrent_kernel=U, zero_out=zero_out, numba=True,
                 workspace=workspace)
    return y, hseq[T].copy(), cseq[T].copy(), cache


def _infer_shard(x, h0, c0, kernel, recurrent_kernel, bias, mask, recurrent_mask, zero_output_for_mask,
                 workspace):
    """One shard's forward in inference mode (``fast/inference.py``): only h and the running c
    (recurrent_mask is None here: dropout is a training thing)."""
    B, T, D = x.shape
    H = recurrent_kernel.shape[0]
    dt = x.dtype
    x_tm = time_major_into(x, buffer(workspace, "x_tm_infer", (T, B, D), dt))    # reused: no dx comes
    gates = buffer(workspace, "gates", (T, B, 4 * H), dt)
    product(x_tm.reshape(T * B, D), kernel, gates.reshape(T * B, 4 * H))       # one GEMM; + b in the loop
    hseq = np.empty((T + 1, B, H), dt)                  # fresh: the outputs are a view of it
    hseq[0] = h0
    c = np.array(c0, dt)                                # (B, H), carried in place
    mask_tm, _, U = loop_inputs(mask, None, recurrent_kernel, dt)
    _forward_loop_infer(gates, np.ascontiguousarray(bias, dt), hseq, c, pack(U, B), mask_tm)
    y = np.swapaxes(hseq[1:], 0, 1)                                             # (B, T, H) view
    if mask is not None and zero_output_for_mask:
        y = y * np.swapaxes(mask_tm, 0, 1)[..., None]
    return y, hseq[T].copy(), c, {"numba": True, "inference": True}


def _backward_shard(dy, dh_T, dc_T, cache):
    """One shard's BPTT and weight gradients, on one thread."""
    x_tm, gates, hseq = cache["x_tm"], cache["gates"], cache["hseq"]
    T, B, D = x_tm.shape
    H = hseq.shape[2]
    dt = x_tm.dtype
    ws = cache["workspace"]
    dy_bm, mask, rr, UT = backward_inputs(dy, cache, dt)
    dh = np.zeros((B, H), dt) if dh_T is None else np.array(dh_T, dt)
    dc = np.zeros((B, H), dt) if dc_T is None else np.array(dc_T, dt)
    r = cache["r"]
    if cache["mask"] is None and r is None:
        _backward_loop_plain(dy_bm, dh, dc, gates, cache["cseq"], cache["tcs"], UT, dt.type(1))
    else:
        _backward_loop(dy_bm, dh, dc, gates, cache["cseq"], cache["tcs"], UT, mask, rr, cache["zero_out"],
                       buffer(ws, "dhbuf", (B, H), dt), dt.type(1))
    dz = gates.reshape(T * B, 4 * H)                           # gates now hold dz
    h_in = hseq[:T] if r is None else hseq[:T] * r
    dkernel, drecurrent = weight_gradients(x_tm.reshape(T * B, D), h_in.reshape(T * B, H), dz)
    dbias = buffer(ws, "ones", (T * B,), dt)
    dbias.fill(1)
    dbias = product(dbias[None], dz)[0]                  # Σ over all rows, as one BLAS call
    dx_tm = x_tm.reshape(T * B, D)
    product(dz, cache["kernel"].T, dx_tm)                 # dx, over x's time-major copy
    cache["gates"] = None                                      # dz consumed: one backward per forward
    return np.swapaxes(dx_tm.reshape(T, B, D), 0, 1), dh, dc, dkernel, drecurrent, dbias
