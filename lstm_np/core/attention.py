"""Attention for the seq2seq decoder, forward and backward, in plain NumPy.

Shapes: B batch, S source steps, E encoder features, U decoder units, A attention units.
``mask`` (B, S) is True on real source tokens; padded steps get zero weight.

Masked softmax over the source steps::

    a_s = exp(e_s - max) [mask_s] / Σ_s' exp(e_s' - max) [mask_s']
    backward: de = a ⊙ (da - Σ_s a_s da_s)

Luong (multiplicative), for the decoder output h_t (B, U)::

    dot:      e_s = h_t · enc_s                        (needs E == U)
    general:  e_s = h_t · (enc_s W_aᵀ) = h_t · K_s,   K = enc W_aᵀ precomputed (B, S, U)
    context   c_t = Σ_s a_s enc_s                      (B, E)

Bahdanau (additive), for the previous decoder state s (B, U)::

    e_s = v · tanh(s W + enc_s V)                      W (U, A), V (E, A), v (A,)
    c_t = Σ_s a_s enc_s                                (B, E)
"""
import numpy as np


def masked_softmax(e, mask):
    """Softmax over axis 1 of e (B, S) where mask is True; exactly 0 elsewhere."""
    e = np.where(mask, e, -np.inf)
    m = np.max(e, axis=1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    w = np.exp(e - m) * mask
    return w / np.maximum(w.sum(axis=1, keepdims=True), np.finfo(w.dtype).tiny)


def softmax_backward(a, da):
    """de for a = softmax(e) (masked entries have a = 0, so they get de = 0)."""
    return a * (da - np.sum(a * da, axis=1, keepdims=True))


# -- Luong -----------------------------------------------------------------------------
def luong_forward(h, keys, enc, mask):
    """h (B, U); keys (B, S, U) = enc (dot) or enc W_aᵀ (general); enc (B, S, E).

    Returns context (B, E), weights a (B, S), cache."""
    e = np.einsum("bu,bsu->bs", h, keys)                      # (B, S) scores
    a = masked_softmax(e, mask)                               # (B, S)
    context = np.einsum("bs,bse->be", a, enc)                 # (B, E)
    return context, a, (h, keys, enc, a)


def luong_backward(dcontext, cache):
    """Returns dh (B, U), dkeys (B, S, U), denc (B, S, E) from dcontext (B, E)."""
    h, keys, enc, a = cache
    da = np.einsum("be,bse->bs", dcontext, enc)               # (B, S)
    denc = a[:, :, None] * dcontext[:, None, :]               # (B, S, E)
    de = softmax_backward(a, da)                              # (B, S)
    dh = np.einsum("bs,bsu->bu", de, keys)                    # (B, U)
    dkeys = de[:, :, None] * h[:, None, :]                    # (B, S, U)
    return dh, dkeys, denc


# -- Bahdanau --------------------------------------------------------------------------
def bahdanau_forward(s, proj_enc, enc, W, v, mask):
    """s (B, U) previous decoder state; proj_enc (B, S, A) = enc V precomputed; enc (B, S, E);
    W (U, A); v (A,). Returns context (B, E), weights a (B, S), cache."""
    q = s @ W                                                 # (B, A)
    t = np.tanh(q[:, None, :] + proj_enc)                     # (B, S, A)
    e = t @ v                                                 # (B, S)
    a = masked_softmax(e, mask)                               # (B, S)
    context = np.einsum("bs,bse->be", a, enc)                 # (B, E)
    return context, a, (s, t, enc, a, W, v)


def bahdanau_backward(dcontext, cache):
    """Returns ds (B, U), dproj_enc (B, S, A), denc (B, S, E), dW (U, A), dv (A,)."""
    s, t, enc, a, W, v = cache
    da = np.einsum("be,bse->bs", dcontext, enc)               # (B, S)
    denc = a[:, :, None] * dcontext[:, None, :]               # (B, S, E)
    de = softmax_backward(a, da)                              # (B, S)
    dv = np.einsum("bs,bsa->a", de, t)                        # (A,)
    dpre = de[:, :, None] * v[None, None, :] * (1 - t * t)    # (B, S, A)  through tanh
    dq = dpre.sum(axis=1)                                     # (B, A)
    return dq @ W.T, dpre, denc, s.T @ dq, dv
