"""Numba LSTM family: ``family_forward`` / ``family_backward`` with the contract of
``lstm_np.core.lstm_family`` (the equations and the NumPy reference are there).

What runs where: x W for every step is one GEMM (and its layer norm one compiled pass)
before the loop; the loop (``family_loops``, compiled per family member) does h U, the gates,
the cell and the projection step by step; after BPTT every weight gradient is one GEMM or
one reduction over all timesteps — W, U, W_hr, R, the peepholes, the layer-norm gains.
"""
import numpy as np

from ..core import lstm_family as reference
from .blas import product
from .microkernel import pack
from .common import SUPPORTED, backward_inputs, buffer, loop_inputs, to_time_major
from .family_loops import layer_norm_rows, layer_norm_rows_backward, loops

EMPTY1, EMPTY2, EMPTY3 = (0,), (0, 0), (0, 0, 0)


def _spec(fam):
    return tuple(fam.gates), fam.peephole, bool(fam.proj_size), fam.layer_norm, fam.variant


def _or_empty(p, name, shape, dt):
    return np.ascontiguousarray(p[name], dt) if name in p else np.zeros(shape, dt)


def family_forward(x, h0, c0, p, fam, mask=None, recurrent_mask=None, zero_output_for_mask=False, workspace=None):
    """Same contract as ``lstm_np.core.lstm_family.family_forward``; x (B, T, D), h0 (B, P), c0 (B, H)."""
    if (fam.activation, fam.recurrent_activation) not in SUPPORTED:
        return reference.family_forward(x, h0, c0, p, fam, mask, recurrent_mask, zero_output_for_mask)
    B, T, D = x.shape
    dt = x.dtype
    W = p["kernel"]
    G = len(fam.gates)
    GH = W.shape[1]
    H, P = GH // G, h0.shape[1]
    x_tm = to_time_major(x)                                                    # (T, B, D)
    z = buffer(workspace, "z", (T, B, GH), dt)
    product(x_tm.reshape(T * B, D), W, z.reshape(T * B, GH))            # one GEMM for every step
    ln = fam.layer_norm
    xx = buffer(workspace, "xx", (T, B, GH), dt) if ln else np.zeros(EMPTY3, dt)
    ix = buffer(workspace, "ix", (T, B, G), dt) if ln else np.zeros(EMPTY3, dt)
    if ln:                                                                     # LN(x W) per gate, all steps
        layer_norm_rows(z.reshape(T * B, GH), np.ascontiguousarray(p["input_gamma"], dt),
                        np.ascontiguousarray(p["input_beta"], dt), xx.reshape(T * B, GH), ix.reshape(T * B, G), G,
                        dt.type(reference.LN_EPSILON), dt.type(1))
    hseq = np.empty((T + 1, B, P), dt)                     # fresh: the outputs are a view of it
    cseq = buffer(workspace, "cseq", (T + 1, B, H), dt)
    hseq[0], cseq[0] = h0, c0
    mseq = buffer(workspace, "mseq", (T, B, H), dt)
    hm = buffer(workspace, "hm", (T, B, H), dt) if fam.proj_size else np.zeros(EMPTY3, dt)
    aseq = buffer(workspace, "aseq", (T + 1, B, 3 * H), dt) if fam.fgr else np.zeros(EMPTY3, dt)
    if fam.fgr:
        aseq[0] = 0
    xh = buffer(workspace, "xh", (T, B, GH), dt) if ln else np.zeros(EMPTY3, dt)
    ih = buffer(workspace, "ih", (T, B, G), dt) if ln else np.zeros(EMPTY3, dt)
    xc = buffer(workspace, "xc", (T, B, H), dt) if ln else np.zeros(EMPTY3, dt)
    ic = buffer(workspace, "ic", (T, B, 1), dt) if ln else np.zeros(EMPTY3, dt)
    mask_tm, r, U = loop_inputs(mask, recurrent_mask, p["recurrent_kernel"], dt)
    bias = _or_empty(p, "bias", (GH,), dt)                                     # zeros without use_bias
    forward_loop, _ = loops(_spec(fam))
    forward_loop(z, bias, hseq, cseq, mseq, hm, aseq, pack(U, B), _or_empty(p, "gate_recurrent_kernel", EMPTY2, dt),
                 _or_empty(p, "projection_kernel", EMPTY2, dt), _or_empty(p, "peephole_kernel", EMPTY2, dt),
                 _or_empty(p, "recurrent_gamma", EMPTY1, dt), _or_empty(p, "recurrent_beta", EMPTY1, dt), xh, ih,
                 _or_empty(p, "cell_gamma", EMPTY1, dt), _or_empty(p, "cell_beta", EMPTY1, dt), xc, ic, mask_tm, r,
                 buffer(workspace, "hbuf", (B, P) if r.size else EMPTY2, dt),
                 buffer(workspace, "zh", (B, GH) if ln else EMPTY2, dt),
                 buffer(workspace, "rz", (B, 3 * H) if fam.fgr else EMPTY2, dt), dt.type(reference.LN_EPSILON),
                 dt.type(1))
    zero_out = mask is not None and zero_output_for_mask
    y = np.swapaxes(hseq[1:], 0, 1)                                            # (B, T, P) view
    if zero_out:
        y = y * np.swapaxes(mask_tm, 0, 1)[..., None]
    cache = dict(x_tm=x_tm, z=z, hseq=hseq, cseq=cseq, mseq=mseq, hm=hm, aseq=aseq, xx=xx, ix=ix, xh=xh, ih=ih,
                 xc=xc, ic=ic, p=p, fam=fam, mask=mask_tm if mask is not None else None, r=recurrent_mask,
                 recurrent_kernel=U, zero_out=zero_out, numba=True, workspace=workspace)
    return y, hseq[T].copy(), cseq[T].copy(), cache


def family_backward(dy, dh_T, dc_T, cache):
    """Same contract as ``lstm_np.core.lstm_family.family_backward``: dx, dh0, dc0, grads by name."""
    if not cache.get("numba"):
        return reference.family_backward(dy, dh_T, dc_T, cache)
    x_tm, z, hseq, cseq, p, fam = cache["x_tm"], cache["z"], cache["hseq"], cache["cseq"], cache["p"], cache["fam"]
    T, B, D = x_tm.shape
    GH = z.shape[2]
    G = len(fam.gates)
    H, P = GH // G, hseq.shape[2]
    dt = x_tm.dtype
    ws = cache["workspace"]
    dy_bm, mask, rr, UT = backward_inputs(dy, cache, dt)
    dh = np.zeros((B, P), dt) if dh_T is None else np.array(dh_T, dt)
    dc = np.zeros((B, H), dt) if dc_T is None else np.array(dc_T, dt)
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    proj, fgr, ln = bool(fam.proj_size), fam.fgr, fam.layer_norm
    T_ = lambda name: np.ascontiguousarray(p[name].T, dt) if name in p else np.zeros(EMPTY2, dt)
    _, backward_loop = loops(_spec(fam))
    dhs = buffer(ws, "dhs", (T, B, P), dt) if proj else np.zeros(EMPTY3, dt)     # dh per step, for dW_hr
    dzr = buffer(ws, "dzr", (T, B, 3 * H), dt) if fgr else np.zeros(EMPTY3, dt)  # [dz_i, dz_f, dz_o], for dR
    dzh = buffer(ws, "dzh", (T, B, GH), dt) if ln else np.zeros(EMPTY3, dt)     # d(h U) before its LN, for dU
    backward_loop(dy_bm, dh, dc, np.zeros((B, 3 * H) if fgr else EMPTY2, dt), z, cseq, cache["mseq"], cache["xh"],
                  cache["ih"], dzh, cache["xc"], cache["ic"], UT, T_("gate_recurrent_kernel"), T_("projection_kernel"),
                  _or_empty(p, "peephole_kernel", EMPTY2, dt), _or_empty(p, "recurrent_gamma", EMPTY1, dt),
                  grads.get("recurrent_gamma", np.zeros(EMPTY1, dt)), grads.get("recurrent_beta", np.zeros(EMPTY1, dt)),
                  _or_empty(p, "cell_gamma", EMPTY1, dt), grads.get("cell_gamma", np.zeros(EMPTY1, dt)),
                  grads.get("cell_beta", np.zeros(EMPTY1, dt)), dhs,
                  buffer(ws, "dhm", (B, H) if proj else EMPTY2, dt), buffer(ws, "dn", (H,) if ln else EMPTY1, dt),
                  dzr,
                  buffer(ws, "dabuf", (B, 3 * H) if fgr else EMPTY2, dt), mask, rr, cache["zero_out"],
                  buffer(ws, "dhbuf", (B, P), dt), dt.type(1))
    # every weight gradient: one GEMM / reduction over all T·B rows
    dz = z.reshape(T * B, GH)                                   # z now holds dz
    dzh = dzh.reshape(T * B, GH) if ln else dz
    r = cache["r"]
    h_in = hseq[:T] if r is None else hseq[:T] * r
    grads["recurrent_kernel"][...] = product(h_in.reshape(T * B, P).T, dzh)
    if "bias" in grads:
        grads["bias"][...] = dz.sum(axis=0)
    sl = fam.slices(H)
    if fam.peephole:
        c_prev, c_new = cseq[:T].reshape(T * B, H), cseq[1:].reshape(T * B, H)
        for k, (gate, c) in enumerate((("i", c_prev), ("f", c_prev), ("o", c_new))):
            if gate in sl:
                grads["peephole_kernel"][k] = np.einsum("nh,nh->h", dz[:, sl[gate]], c)
    if proj:
        grads["projection_kernel"][...] = product(cache["hm"].reshape(T * B, H).T, dhs.reshape(T * B, P))
    if fgr:                                                     # dR = Σ_t a_{t-1}ᵀ [dz_i, dz_f, dz_o]_t
        grads["gate_recurrent_kernel"][...] = product(cache["aseq"][:T].reshape(T * B, 3 * H).T,
                                                             dzr.reshape(T * B, 3 * H))
    dzx = dz
    if ln:                                                      # dz -> d(x W), in place
        layer_norm_rows_backward(dz, np.ascontiguousarray(p["input_gamma"], dt), cache["xx"].reshape(T * B, GH),
                                 cache["ix"].reshape(T * B, G), grads["input_gamma"], grads["input_beta"], G)
    grads["kernel"][...] = product(x_tm.reshape(T * B, D).T, dzx)
    dx_tm = x_tm.reshape(T * B, D)
    product(dzx, p["kernel"].T, dx_tm)                     # dx, over x's time-major copy
    cache["z"] = None                                           # dz consumed: one backward per forward
    return np.swapaxes(dx_tm.reshape(T, B, D), 0, 1), dh, dc, grads
