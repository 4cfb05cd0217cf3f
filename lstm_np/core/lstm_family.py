"""The LSTM family: one readable reference for the variants, forward and BPTT, step by step.

Shapes: B batch, T timesteps, D input features, H units, P projection size (P = H without
projection), G gates present (4 for the full LSTM). Gate order as Keras: i, f, g (c̃), o — a
gate the variant removes has no weights (its columns are absent from kernel, recurrent_kernel,
bias).

One step (each line names the option that changes it; φ = tanh, σ = sigmoid)::

    zx = x_t W                                   (B, G·H)
    zh = h_{t-1} U                               (B, G·H)          U (P, G·H)
    layer_norm:  zx = LN_g(zx; γx, βx),  zh = LN_g(zh; γh, βh)    LN over each gate's H units
    z  = zx + zh + b
    FGR:         z_{i,f,o} += a_{t-1} R          a = [i, f, o] of step t-1, R (3H, 3H)
    peephole:    z_i += p_i ⊙ c_{t-1},  z_f += p_f ⊙ c_{t-1}
    i = σ(z_i)            NIG: i = 1
    f = σ(z_f)            NFG: f = 1;   CIFG: f = 1 - i
    g = φ(z_g)            NIAF: g = z_g
    c_t = f ⊙ c_{t-1} + i ⊙ g
    peephole:    z_o += p_o ⊙ c_t
    o = σ(z_o)            NOG: o = 1
    n = LN(c_t; γc, βc) with layer_norm, else c_t
    m = φ(n)              NOAF: m = n
    h_t = (o ⊙ m) W_hr    with proj_size (LSTMP, Sak et al. 2014), else o ⊙ m

BPTT runs the same lines backwards (see ``family_backward``); the weight gradients of W, U
and b are single GEMMs over all timesteps once every dz_t is known, as for the plain LSTM.
Masks carry (h, c) — and, with FGR, the gates — through padded steps; recurrent dropout
multiplies h_{t-1} before U.

Sources: Gers & Schmidhuber 2000 (peepholes); Sak, Senior & Beaufays 2014 (projection);
Ba, Kiros & Hinton 2016 (layer normalisation); Greff et al. 2017, "LSTM: A Search Space
Odyssey" (NIG, NFG, NOG, NIAF, NOAF, CIFG, NP, FGR).
"""
import numpy as np

from . import activations as A
from .masking import carry, split

VARIANTS = (None, "NIG", "NFG", "NOG", "NIAF", "NOAF", "CIFG", "NP", "FGR")
LN_EPSILON = 1e-3          # Keras LayerNormalization's default


def gate_names(variant):
    """The gates that have weights, in order."""
    gone = {"NIG": "i", "NFG": "f", "NOG": "o", "CIFG": "f"}.get(variant)
    return [g for g in ("i", "f", "g", "o") if g != gone]


def fgr_gates(variant):
    """The gates that feed each other in FGR: i, f, o."""
    return [g for g in ("i", "f", "o") if g in gate_names(variant)]


def _ln_forward(z, gamma, beta, groups):
    """Layer norm over each group's units: z (B, k·H) -> (B, k·H); returns y and a cache."""
    B = z.shape[0]
    zr = z.reshape(B, groups, -1)                                   # (B, k, H)
    mu = zr.mean(axis=-1, keepdims=True)
    var = zr.var(axis=-1, keepdims=True)
    inv = 1.0 / np.sqrt(var + LN_EPSILON)
    xhat = (zr - mu) * inv                                          # (B, k, H)
    y = xhat.reshape(B, -1) * gamma + beta
    return y, (xhat, inv, groups)


def _ln_backward(dy, gamma, cache):
    """d LN: returns dz, dgamma, dbeta."""
    xhat, inv, groups = cache
    B = dy.shape[0]
    dgamma = np.sum(dy * xhat.reshape(B, -1), axis=0)
    dbeta = dy.sum(axis=0)
    dxhat = (dy * gamma).reshape(B, groups, -1)
    dz = inv * (dxhat - dxhat.mean(axis=-1, keepdims=True)
                - xhat * np.mean(dxhat * xhat, axis=-1, keepdims=True))
    return dz.reshape(B, -1), dgamma, dbeta


class Family:
    """The options of one LSTM of the family (what the equations above switch on)."""

    def __init__(self, variant=None, peephole=False, proj_size=None, layer_norm=False,
                 activation="tanh", recurrent_activation="sigmoid"):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, received {variant!r}")
        self.variant, self.peephole, self.proj_size, self.layer_norm = variant, bool(peephole), proj_size, \
            bool(layer_norm)
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.gates = gate_names(variant)
        self.fgr = variant == "FGR"

    def slices(self, H):
        return {g: slice(k * H, (k + 1) * H) for k, g in enumerate(self.gates)}


def family_forward(x, h0, c0, p, fam, mask=None, recurrent_mask=None, zero_output_for_mask=False, workspace=None):
    """x (B, T, D); h0 (B, P), c0 (B, H); p the weights by name. Returns y (B, T, P), h_T, c_T, cache.
    ``workspace`` is the kernels' buffer store (``lstm_np.fast.lstm_family``); unused here."""
    act, _ = A.get_elementwise(fam.activation)
    ract, _ = A.get_elementwise(fam.recurrent_activation)
    B, T, D = x.shape
    W = p["kernel"]
    G = len(fam.gates)
    H = W.shape[1] // G
    sl = fam.slices(H)
    zx_all = (x.reshape(B * T, D) @ W).reshape(B, T, G * H)        # one GEMM for every step
    ln_x = None
    if fam.layer_norm:
        zx_all, ln_x = _ln_forward(zx_all.reshape(B * T, G * H), p["input_gamma"], p["input_beta"], G)
        zx_all = zx_all.reshape(B, T, G * H)
    a_prev = np.zeros((B, 3 * H), x.dtype) if fam.fgr else None
    h, c = h0, c0
    steps, hs = [], np.empty((B, T, h0.shape[1]), x.dtype)
    for t in range(T):
        hr = h if recurrent_mask is None else h * recurrent_mask
        z, ln_h = _preactivations(zx_all[:, t], hr, c, a_prev, p, fam, sl, H)
        s = _gates_and_cell(z, c, p, fam, sl, act, ract)
        h_new = s["hm"] @ p["projection_kernel"] if fam.proj_size else s["hm"]
        c_new = s["c_raw"]
        a_new = np.concatenate([s["i"], s["f"], s["o"]], axis=-1) if fam.fgr else None
        if mask is not None:
            mk = mask[:, t, None]
            h_new, c_new = carry(mk, h_new, h), carry(mk, c_new, c)
            if fam.fgr:
                a_new = carry(mk, a_new, a_prev)
        steps.append(dict(s, hr=hr, c_prev=c, c=c_new if mask is None else None, a_prev=a_prev, ln_h=ln_h))
        h, c = h_new, c_new
        if fam.fgr:
            a_prev = a_new
        hs[:, t] = h
    zero_out = mask is not None and zero_output_for_mask
    y = hs * mask[..., None] if zero_out else hs
    cache = dict(x=x, steps=steps, p=p, fam=fam, mask=mask, zero_out=zero_out, ln_x=ln_x, H=H,
                 recurrent_mask=recurrent_mask, numba=False)
    return y, h, c, cache


def _preactivations(zx_t, hr, c, a_prev, p, fam, sl, H):
    """z = x_t W + LN(h_{t-1} U) + b  (+ a_{t-1} V: FGR)  (+ p_i ⊙ c_{t-1}, p_f ⊙ c_{t-1}: peepholes).
    Returns z (B, G·H) and the recurrent layer norm's record."""
    zh = hr @ p["recurrent_kernel"]                                 # (B, G·H)
    ln_h = None
    if fam.layer_norm:
        zh, ln_h = _ln_forward(zh, p["recurrent_gamma"], p["recurrent_beta"], len(fam.gates))
    z = zx_t + zh
    if p.get("bias") is not None:
        z = z + p["bias"]
    if fam.fgr:
        rz = a_prev @ p["gate_recurrent_kernel"]                      # (B, 3H): into i, f, o
        for k, g in enumerate(("i", "f", "o")):
            if g in sl:
                z[:, sl[g]] += rz[:, k * H:(k + 1) * H]
    if fam.peephole:
        pk = p["peephole_kernel"]                                   # (3, H): i, f, o
        if "i" in sl:
            z[:, sl["i"]] += pk[0] * c
        if "f" in sl:
            z[:, sl["f"]] += pk[1] * c
    return z, ln_h


def _gates_and_cell(z, c, p, fam, sl, act, ract):
    """i, f, o = σ(z_i), σ(z_f) (CIFG: 1 - i), σ(z_o + p_o ⊙ c_t);  g = φ(z_g) (NIAF: z_g);
    c_t = f ⊙ c_{t-1} + i ⊙ g;  n = LN(c_t);  m = φ(n) (NOAF: n);  hm = o ⊙ m (before the
    projection). A gate the variant drops (NIG, NFG, NOG) is 1. Returns the step's record."""
    one = np.ones(c.shape, z.dtype)
    i = ract(z[:, sl["i"]]) if "i" in sl else one
    if fam.variant == "CIFG":
        f = 1 - i
    else:
        f = ract(z[:, sl["f"]]) if "f" in sl else one
    g_ = z[:, sl["g"]] if fam.variant == "NIAF" else act(z[:, sl["g"]])
    c_raw = f * c + i * g_
    if fam.peephole and "o" in sl:
        z[:, sl["o"]] += p["peephole_kernel"][2] * c_raw
    o = ract(z[:, sl["o"]]) if "o" in sl else one
    n, ln_c = c_raw, None
    if fam.layer_norm:
        n, ln_c = _ln_forward(c_raw, p["cell_gamma"], p["cell_beta"], 1)
    m = n if fam.variant == "NOAF" else act(n)
    return dict(i=i, f=f, g=g_, o=o, c_raw=c_raw, n=n, m=m, hm=o * m, ln_c=ln_c)


def family_backward(dy, dh_T, dc_T, cache):
    """BPTT of ``family_forward``: returns dx, dh0, dc0 and the weight gradients by name."""
    x, steps, p, fam, mask = cache["x"], cache["steps"], cache["p"], cache["fam"], cache["mask"]
    B, T, D = x.shape
    H = cache["H"]
    G = len(fam.gates)
    sl = fam.slices(H)
    r = cache["recurrent_mask"]
    P = p["recurrent_kernel"].shape[0]
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    if dy is None:
        dy = np.zeros((B, T, P), x.dtype)
    elif cache["zero_out"]:
        dy = dy * mask[..., None]
    dh_next = np.zeros((B, P), x.dtype) if dh_T is None else np.array(dh_T, x.dtype)
    dc_next = np.zeros((B, H), x.dtype) if dc_T is None else np.array(dc_T, x.dtype)
    da_next = np.zeros((B, 3 * H), x.dtype) if fam.fgr else None       # d loss / d a_t from step t+1
    dzx_all = np.zeros((B, T, G * H), x.dtype)
    for t in reversed(range(T)):
        s = steps[t]
        dh, dc, da = dy[:, t] + dh_next, dc_next, da_next
        if mask is not None:
            mk = mask[:, t, None]
            (dh, carry_h), (dc, carry_c) = split(mk, dh), split(mk, dc)
            if fam.fgr:
                da, carry_a = split(mk, da)
        do, dc = _output_backward(dh, dc, s, p, fam, grads)
        dz, dc_next = _gates_backward(do, dc, da, s, p, fam, sl, grads)
        dh_next, da_next = _recurrent_backward(dz, s, p, fam, sl, grads, r)
        dzx_all[:, t] = dz
        if mask is not None:
            dh_next, dc_next = dh_next + carry_h, dc_next + carry_c
            if fam.fgr:
                da_next = da_next + carry_a
    dzx = dzx_all.reshape(B * T, G * H)
    if fam.layer_norm:
        dzx, dgx, dbx = _ln_backward(dzx, p["input_gamma"], cache["ln_x"])
        grads["input_gamma"] += dgx
        grads["input_beta"] += dbx
    grads["kernel"] += x.reshape(B * T, D).T @ dzx                          # one GEMM over all steps
    dx = (dzx @ p["kernel"].T).reshape(B, T, D)
    return dx, dh_next, dc_next, grads


def _output_backward(dh, dc, s, p, fam, grads):
    """Through h_t = (o ⊙ m) P (projection), m = φ(LN(c_t)): -> (d o, d c_t with what came from
    step t+1)."""
    _, dact = A.get_elementwise(fam.activation)
    if fam.proj_size:
        grads["projection_kernel"] += s["hm"].T @ dh
        dhm = dh @ p["projection_kernel"].T                             # (B, H)
    else:
        dhm = dh
    do, dm = dhm * s["m"], dhm * s["o"]
    dn = dm if fam.variant == "NOAF" else dm * dact(s["m"])
    if fam.layer_norm:
        dcell, dgc, dbc = _ln_backward(dn, p["cell_gamma"], s["ln_c"])
        grads["cell_gamma"] += dgc
        grads["cell_beta"] += dbc
    else:
        dcell = dn
    return do, dc + dcell


def _gates_backward(do, dc, da, s, p, fam, sl, grads):
    """Through the gates and c_t = f ⊙ c_{t-1} + i ⊙ g (peepholes, CIFG's f = 1 - i, FGR's
    a_t = [i, f, o]): -> (dz (B, G·H), d c_{t-1})."""
    _, dact = A.get_elementwise(fam.activation)
    _, dract = A.get_elementwise(fam.recurrent_activation)
    i, f, g_, o, c_prev, c_raw = s["i"], s["f"], s["g"], s["o"], s["c_prev"], s["c_raw"]
    H = c_prev.shape[1]
    dz = np.zeros((c_prev.shape[0], len(fam.gates) * H), c_prev.dtype)
    if fam.fgr:                                                          # a_t = [i, f, o] fed step t+1
        di_a, df_a, do_a = da[:, :H], da[:, H:2 * H], da[:, 2 * H:]
        do = do + do_a
    if "o" in sl:
        dz_o = do * dract(o)
        dz[:, sl["o"]] = dz_o
        if fam.peephole:
            dc = dc + dz_o * p["peephole_kernel"][2]
            grads["peephole_kernel"][2] += np.sum(dz_o * c_raw, axis=0)
    di, df, dg = dc * g_, dc * c_prev, dc * i
    if fam.fgr:
        di, df = di + di_a, df + df_a
    if fam.variant == "CIFG":
        di = di - df                                                     # f = 1 - i
    dz[:, sl["g"]] = dg if fam.variant == "NIAF" else dg * dact(g_)
    dc_prev = dc * f
    for k, (gate, d, y) in enumerate((("i", di, i), ("f", df, f))):
        if gate in sl:
            dz_k = d * dract(y)
            dz[:, sl[gate]] = dz_k
            if fam.peephole:
                dc_prev = dc_prev + dz_k * p["peephole_kernel"][k]
                grads["peephole_kernel"][k] += np.sum(dz_k * c_prev, axis=0)
    return dz, dc_prev


def _recurrent_backward(dz, s, p, fam, sl, grads, r):
    """The recurrent weights' gradients from dz, and what goes back to step t-1:
    -> (d h_{t-1}, d a_{t-1} (FGR) or None)."""
    H = s["c_prev"].shape[1]
    if p.get("bias") is not None:
        grads["bias"] += dz.sum(axis=0)
    da_next = None
    if fam.fgr:
        dzr = np.zeros((dz.shape[0], 3 * H), dz.dtype)
        for k, gname in enumerate(("i", "f", "o")):
            if gname in sl:
                dzr[:, k * H:(k + 1) * H] = dz[:, sl[gname]]
        grads["gate_recurrent_kernel"] += s["a_prev"].T @ dzr
        da_next = dzr @ p["gate_recurrent_kernel"].T
    if fam.layer_norm:
        dzh, dgh, dbh = _ln_backward(dz, p["recurrent_gamma"], s["ln_h"])
        grads["recurrent_gamma"] += dgh
        grads["recurrent_beta"] += dbh
    else:
        dzh = dz
    grads["recurrent_kernel"] += s["hr"].T @ dzh
    dh_next = dzh @ p["recurrent_kernel"].T
    if r is not None:
        dh_next = dh_next * r
    return dh_next, da_next
