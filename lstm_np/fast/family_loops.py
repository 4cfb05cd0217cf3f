"""The compiled time loops of the LSTM family, one pair (forward, BPTT) per set of options.

The equations are those of ``lstm_np.core.lstm_family`` (read them there). Here each option
is a *compile-time constant*: ``loops(spec)`` builds the two loops as closures over the
flags of one family member, so numba compiles only the lines that member has — the plain
LSTM's pass plus, e.g., two peephole multiply-adds — with no per-element test of an option.
Each member compiles once (~5 s) and is cached on disk, keyed by its flags.

Layout (time-major, as the plain kernel):

    z     (T, B, G·H)  x W (+ LN) on entry; the activated gates after the loop
                       (i, f, g, o minus the removed one); dz after BPTT
    hseq  (T+1, B, P)  hseq[0] = h0, hseq[t+1] = h_t        P = proj_size or H
    cseq  (T+1, B, H)  c_0 … c_T
    mseq  (T, B, H)    m = tanh(n) (n = LN(c) or c); NOAF: m = n
    hm    (T, B, H)    o ⊙ m, the input of the projection (proj only)
    aseq  (T+1, B, 3H) [i, f, o] of each step, fed to the next (FGR only)
    xh, ih             layer norm of h U: x̂ (T, B, G·H) and 1/σ (T, B, G)
    xc, ic             layer norm of c: x̂ (T, B, H) and 1/σ (T, B, 1)
"""
from functools import lru_cache

import numpy as np
from numba import njit

from .blas import gemm, recurrent_product
from .common import FASTMATH, JIT, add_output_grad, carry_padded, grad_through_product, sigmoid, tanh

LN_MATH = FASTMATH | {"reassoc"}        # sums over units may be reordered (vectorised); no exp here


# Not inlined: an inlined body would take its caller's fastmath flags, and without 'reassoc'
# the sums over units stay scalar chains (measured: layer norm 2x slower).
@njit(fastmath=LN_MATH, error_model="numpy", nogil=True, cache=True)
def _normalize(src, xhat, inv, groups, eps, one):
    """x̂ = (src - μ) / sqrt(σ² + ε) over each of ``groups`` equal groups of src (one row);
    1/σ per group into inv. (γ x̂ + β is left to the caller: measured, folding it in here
    made the forward slower.)"""
    H = src.shape[0] // groups
    for k in range(groups):
        s, out = src[k * H:(k + 1) * H], xhat[k * H:(k + 1) * H]
        mu = src[0] * 0
        for j in range(H):
            mu += s[j]
        mu /= H
        var = mu * 0
        for j in range(H):
            d = s[j] - mu
            var += d * d
        iv = one / np.sqrt(var / H + eps)
        inv[k] = iv
        for j in range(H):
            out[j] = (s[j] - mu) * iv


@njit(fastmath=LN_MATH, error_model="numpy", nogil=True, cache=True)
def _normalize_backward(d, gamma, xhat, inv, dgamma, dbeta, groups):
    """One row, in place: d (the gradient after γ x̂ + β) becomes the gradient before the norm,
    (1/σ)(dx̂ - mean dx̂ - x̂ mean(dx̂ ⊙ x̂)) per group with dx̂ = d ⊙ γ; dγ += d ⊙ x̂, dβ += d.
    In place on purpose: a separate output that may alias d fails LLVM's overlap check at run
    time and the loop runs scalar (measured 2x slower)."""
    H = d.shape[0] // groups
    for k in range(groups):
        lo = k * H
        dk, gk, xk = d[lo:lo + H], gamma[lo:lo + H], xhat[lo:lo + H]
        s1 = d[0] * 0
        s2 = d[0] * 0
        for j in range(H):
            v = dk[j] * gk[j]
            s1 += v
            s2 += v * xk[j]
        s1 /= H
        s2 /= H
        dgk, dbk = dgamma[lo:lo + H], dbeta[lo:lo + H]
        for j in range(H):
            dgk[j] += dk[j] * xk[j]
            dbk[j] += dk[j]
        iv = inv[k]
        for j in range(H):
            dk[j] = iv * (dk[j] * gk[j] - s1 - xk[j] * s2)


@njit(fastmath=LN_MATH, error_model="numpy", nogil=True, cache=True)
def layer_norm_rows(z, gamma, beta, xhat, inv, groups, eps, one):
    """z (N, G·H) in place: γ x̂ + β per group of H units; keeps x̂ (N, G·H) and 1/σ (N, G)."""
    for n in range(z.shape[0]):
        _normalize(z[n], xhat[n], inv[n], groups, eps, one)
        zr, xr = z[n], xhat[n]
        for j in range(zr.shape[0]):
            zr[j] = gamma[j] * xr[j] + beta[j]


@njit(fastmath=LN_MATH, error_model="numpy", nogil=True, cache=True)
def layer_norm_rows_backward(dz, gamma, xhat, inv, dgamma, dbeta, groups):
    """dz (N, G·H) in place: the gradient before the layer norm; dγ, dβ accumulated."""
    for n in range(dz.shape[0]):
        _normalize_backward(dz[n], gamma, xhat[n], inv[n], dgamma, dbeta, groups)


@lru_cache(maxsize=None)
def loops(spec):
    """(forward_loop, backward_loop) for ``spec`` = (gates, peephole, proj, layer_norm, variant)."""
    gates, PEEP, PROJ, LN, variant = spec
    HAS_I, HAS_F, HAS_O = "i" in gates, "f" in gates, "o" in gates
    GI = gates.index("i") if HAS_I else 0           # the gate's block in z (0 when absent: unused)
    GF = gates.index("f") if HAS_F else 0
    GG = gates.index("g")
    GO = gates.index("o") if HAS_O else 0
    NG = len(gates)
    CIFG, NIAF, NOAF, FGR = variant == "CIFG", variant == "NIAF", variant == "NOAF", variant == "FGR"

    @njit(**JIT)
    def forward_loop(z, bias, hseq, cseq, mseq, hm, aseq, U, R, Whr, peep, gh, bh, xh, ih, gc, bc, xc, ic,
                     mask, rmask, hbuf, zh, rz, eps, one):
        T, B, _ = z.shape
        H = cseq.shape[2]
        for t in range(T):
            zt = z[t]
            if LN:                                         # z += LN(h U) per gate
                recurrent_product(hseq[t], rmask, hbuf, U, zh, 0.0)
                for b in range(B):
                    _normalize(zh[b], xh[t, b], ih[t, b], NG, eps, one)
                    zr, xr = zt[b], xh[t, b]
                    for j in range(NG * H):
                        zr[j] += gh[j] * xr[j] + bh[j]
            else:                                          # z += h U   (B, G·H)
                recurrent_product(hseq[t], rmask, hbuf, U, zt, 1.0)
            if FGR:                                        # the gates of t-1 into i, f, o
                gemm(aseq[t], R, rz, 0.0)
            hout = hm[t] if PROJ else hseq[t + 1]
            for b in range(B):
                # 1-D row views (one per gate) keep the loop over units vectorised
                c_prev, c_new, m_row, h_row, zr = cseq[t, b], cseq[t + 1, b], mseq[t, b], hout[b], zt[b]
                zi, zf, zg, zo = zr[GI * H:(GI + 1) * H], zr[GF * H:(GF + 1) * H], zr[GG * H:(GG + 1) * H], \
                    zr[GO * H:(GO + 1) * H]
                bi, bf, bg, bo = bias[GI * H:(GI + 1) * H], bias[GF * H:(GF + 1) * H], bias[GG * H:(GG + 1) * H], \
                    bias[GO * H:(GO + 1) * H]
                if PEEP:
                    pi, pf, po = peep[0], peep[1], peep[2]
                if FGR:
                    ri, rf, ro = rz[b, :H], rz[b, H:2 * H], rz[b, 2 * H:]
                    ai, af, ao = aseq[t + 1, b, :H], aseq[t + 1, b, H:2 * H], aseq[t + 1, b, 2 * H:]
                for j in range(H):
                    cp = c_prev[j]
                    i = one
                    if HAS_I:
                        s_i = zi[j] + bi[j]
                        if PEEP:
                            s_i += pi[j] * cp
                        if FGR:
                            s_i += ri[j]
                        i = sigmoid(s_i)
                        zi[j] = i
                    f = one
                    if HAS_F:
                        s_f = zf[j] + bf[j]
                        if PEEP:
                            s_f += pf[j] * cp
                        if FGR:
                            s_f += rf[j]
                        f = sigmoid(s_f)
                        zf[j] = f
                    if CIFG:
                        f = one - i                        # coupled: f = 1 - i
                    g = zg[j] + bg[j]
                    if not NIAF:
                        g = tanh(g)
                    zg[j] = g
                    c = f * cp + i * g                     # c_t = f ⊙ c_{t-1} + i ⊙ g
                    c_new[j] = c
                    o = one
                    if HAS_O:
                        s_o = zo[j] + bo[j]
                        if PEEP:
                            s_o += po[j] * c               # o reads c_t
                        if FGR:
                            s_o += ro[j]
                        o = sigmoid(s_o)
                        zo[j] = o
                    if FGR:
                        ai[j], af[j], ao[j] = i, f, o
                    if not LN:
                        m = c if NOAF else tanh(c)
                        m_row[j] = m
                        h_row[j] = o * m                   # h = o ⊙ φ(c)
                if LN:                                     # n = LN(c); m = φ(n); h = o ⊙ m
                    _normalize(c_new, xc[t, b], ic[t, b], 1, eps, one)
                    xr = xc[t, b]
                    for j in range(H):
                        n = gc[j] * xr[j] + bc[j]
                        m = n if NOAF else tanh(n)
                        m_row[j] = m
                        h_row[j] = (zo[j] if HAS_O else one) * m
            if PROJ:                                       # h = (o ⊙ m) W_hr   (B, P)
                gemm(hm[t], Whr, hseq[t + 1], 0.0)
            if mask.shape[0] > 0:                          # padding: carry the state
                carry_padded(mask[t], cseq[t], cseq[t + 1])
                carry_padded(mask[t], hseq[t], hseq[t + 1])
                if FGR:
                    carry_padded(mask[t], aseq[t], aseq[t + 1])

    @njit(**JIT)
    def backward_loop(dy, dh, dc, da, z, cseq, mseq, xh, ih, dzh, xc, ic, UT, RT, WhrT, peep, gh, dgh, dbh, gc, dgc,
                      dbc, dhs, dhm, dn, dzr, dabuf, mask, rmask, zero_out, dhbuf, one):
        """BPTT. dh (B, P), dc (B, H), da (B, 3H): in, the gradients at the final state; out,
        at the initial one. z's gate rows become dz; with LN, dzh (T, B, G·H) receives the
        gradient of h U before its layer norm."""
        T, B, GH = z.shape
        H = cseq.shape[2]
        has_mask = mask.shape[0] > 0
        for t in range(T - 1, -1, -1):
            for b in range(B):
                valid = not has_mask or mask[t, b]
                add_output_grad(dy, t, b, dh, valid, zero_out)
                if PROJ:                                   # dW_hr += (o ⊙ m)ᵀ dh, after the loop
                    for j in range(dh.shape[1]):
                        dhs[t, b, j] = dh[b, j] if valid else 0.0
            if PROJ:
                gemm(dhs[t], WhrT, dhm, 0.0)               # d(o ⊙ m) = dh W_hrᵀ   (B, H)
            dhm_t = dhm if PROJ else dh
            for b in range(B):
                zr = z[t, b]
                if has_mask and not mask[t, b]:            # carried step: dh, dc, da pass, dz = 0
                    for j in range(GH):
                        zr[j] = 0.0
                    continue
                c_prev, m_row, dhm_row, dc_row = cseq[t, b], mseq[t, b], dhm_t[b], dc[b]
                zi, zf, zg, zo = zr[GI * H:(GI + 1) * H], zr[GF * H:(GF + 1) * H], zr[GG * H:(GG + 1) * H], \
                    zr[GO * H:(GO + 1) * H]                # row views: the loop over units vectorises
                if PEEP:
                    pi, pf, po = peep[0], peep[1], peep[2]
                if FGR:
                    dai, daf, dao = da[b, :H], da[b, H:2 * H], da[b, 2 * H:]
                if LN:                                     # dn, then through LN(c) into dc
                    for j in range(H):
                        m = m_row[j]
                        dm = dhm_row[j] * (zo[j] if HAS_O else one)
                        dn[j] = dm if NOAF else dm * (one - m * m)
                    _normalize_backward(dn, gc, xc[t, b], ic[t, b], dgc, dbc, 1)
                for j in range(H):
                    i = zi[j] if HAS_I else one
                    f = zf[j] if HAS_F else one
                    if CIFG:
                        f = one - i
                    g = zg[j]
                    o = zo[j] if HAS_O else one
                    m = m_row[j]
                    dhj = dhm_row[j]
                    do = dhj * m
                    if LN:
                        dct = dc_row[j] + dn[j]
                    else:
                        dct = dc_row[j] + (dhj * o if NOAF else dhj * o * (one - m * m))
                    if FGR:
                        do += dao[j]
                    dzo = do * o * (one - o)
                    if HAS_O:
                        zo[j] = dzo
                        if PEEP:
                            dct += dzo * po[j]
                    di = dct * g
                    df = dct * c_prev[j]
                    if FGR:
                        di += dai[j]
                        df += daf[j]
                    if CIFG:
                        di -= df                           # f = 1 - i
                    dg = dct * i
                    zg[j] = dg if NIAF else dg * (one - g * g)
                    dcp = dct * f                          # dc_{t-1}
                    if HAS_I:
                        dzi = di * i * (one - i)
                        zi[j] = dzi
                        if PEEP:
                            dcp += dzi * pi[j]
                    if HAS_F:
                        dzf = df * f * (one - f)
                        zf[j] = dzf
                        if PEEP:
                            dcp += dzf * pf[j]
                    dc_row[j] = dcp
            if FGR:                                        # da_{t-1} = [dz_i, dz_f, dz_o] Rᵀ
                for b in range(B):
                    zr, out = z[t, b], dzr[t, b]
                    for k, gate, present in ((0, GI, HAS_I), (1, GF, HAS_F), (2, GO, HAS_O)):
                        for j in range(H):
                            out[k * H + j] = zr[gate * H + j] if present else 0.0
                gemm(dzr[t], RT, dabuf, 0.0)
                for b in range(B):
                    if not has_mask or mask[t, b]:
                        for j in range(3 * H):
                            da[b, j] = dabuf[b, j]
            if LN:                                         # dzh = LN backward of dz
                for b in range(B):
                    zr, dzr_h = z[t, b], dzh[t, b]
                    for j in range(GH):
                        dzr_h[j] = zr[j]                   # (zero on a padded row)
                    if not has_mask or mask[t, b]:
                        _normalize_backward(dzr_h, gh, xh[t, b], ih[t, b], dgh, dbh, NG)
                gemm(dzh[t], UT, dhbuf, 0.0)
            else:
                gemm(z[t], UT, dhbuf, 0.0)                 # (B, P) = dz Uᵀ
            grad_through_product(dhbuf, rmask, mask, t, dh)

    return forward_loop, backward_loop
