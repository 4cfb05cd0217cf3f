"""Seq2Seq's decoder step, compiled: embedding, the stacked LSTM cells, attention (Luong,
Bahdanau or none) and the output projection of every hypothesis row in one call, with no
Python between the pieces — and greedy decoding's whole loop on it. The composed layers
(``models/seq2seq/decoder.py``, one layer call each) stay the reference; this is tested equal
to them (``tests/test_decoder_step.py``).

One step, rows r (a shard's hypotheses), layers k = 0..L-1 of width U, source steps s:

    Bahdanau first (its context joins the input, from the top layer's h_{t-1}):
        q_r = h_{L-1,r} W_q ;   e_rs = Σ_a v_a tanh(q_ra + K_sa) ;   ctx_r = Σ_s softmax(e_r)_s enc_s
    layer 0:  z = X[y_r] (+ ctx_r W_x,ctx) + h_0 U_0       X = E W_x,emb: the embedding times
              the input kernel, one row per token, made once per decode (a gather, no GEMM)
    layer k:  z = h_{k-1,t} W_k + h_k U_k
    each:     [i f g o] = σ, σ, tanh, σ of z + b ;  c = f ⊙ c + i ⊙ g ;  h = o ⊙ tanh(c)
    Luong:    e_rs = h_t · K_s ;  ctx_r = Σ_s softmax(e_r)_s enc_s ;  out = tanh([ctx, h_t] W_c + b_c)
    Bahdanau: out = [h_t, ctx_r]           none: out = h_t
    logits = out W_o + b_o

A masked source step scores e - 1e9, as ``layers.Attention`` does. The encoder's keys K and
outputs enc are read through ``src`` (row r reads source row src[r]): beam search's K
hypotheses of one source share its arrays, nothing is copied.

    KIND_NONE, KIND_LUONG, KIND_BAHDANAU    which attention (an int: one compiled function)
    step(...)       one step over the rows, states in place
    greedy(...)     max_length steps of step + argmax; a row that emitted ``end`` feeds ``pad``;
                    returns the steps taken (all rows done: stop)
"""
import numpy as np
from numba import njit

from .blas import gemm
from .common import JIT, exp, tanh
from .lstm import _cell_rows_infer

KIND_NONE, KIND_LUONG, KIND_BAHDANAU = 0, 1, 2
MASKED = 1e9                       # what a masked score loses (layers.attention.MASKED)


@njit(fastmath=JIT["fastmath"], error_model="numpy", cache=True)
def _softmax_context(e, mask_r, enc_r, ctx_r):
    """e (S,) scores -> softmax in place (masked steps -1e9 first); ctx_r = Σ_s e_s enc_r[s]."""
    S = e.shape[0]
    for s in range(S):
        if not mask_r[s]:
            e[s] -= MASKED
    top = e[0]
    for s in range(1, S):
        top = max(top, e[s])
    total = e[0] - e[0]                                  # a zero of e's precision (e[0] is finite)
    for s in range(S):
        d = e[s] - top
        e[s] = exp(d) if d > -708.0 else 0.0             # exp clamps there: a masked step weighs 0
        total += e[s]
    for s in range(S):
        e[s] /= total
    E = ctx_r.shape[0]
    for j in range(E):
        ctx_r[j] = 0
    for s in range(S):
        w, row = e[s], enc_r[s]
        for j in range(E):
            ctx_r[j] += w * row[j]


@njit(fastmath=JIT["fastmath"], error_model="numpy", cache=True)
def _luong_row(h_r, keys_t, mask_r, enc_r, e, ctx_r):
    """e_s = h_r · K_s, then the weights and the context. keys_t (U, S) is K transposed: the
    loop over s is the inner one, so it runs in vector lanes (a dot product's running sum over
    u cannot without reassociation; each e_s still sums u in order)."""
    U, S = keys_t.shape
    for s in range(S):
        e[s] = h_r[0] * keys_t[0, s]
    for j in range(1, U):
        hj, k = h_r[j], keys_t[j]
        for s in range(S):
            e[s] += hj * k[s]
    _softmax_context(e, mask_r, enc_r, ctx_r)


@njit(fastmath=JIT["fastmath"], error_model="numpy", cache=True)
def _bahdanau_row(q_r, keys_t, scale, mask_r, enc_r, e, ctx_r):
    """e_s = Σ_a v_a tanh(q_a + K_sa), then the weights and the context (keys_t (A, S))."""
    A, S = keys_t.shape
    for s in range(S):
        e[s] = scale[0] * tanh(q_r[0] + keys_t[0, s])
    for a in range(1, A):
        qa, va, k = q_r[a], scale[a], keys_t[a]
        for s in range(S):
            e[s] += va * tanh(qa + k[s])
    _softmax_context(e, mask_r, enc_r, ctx_r)


@njit(**JIT)
def step(kind, y, src, h, c, hn, table, w_ctx, W, Uk, bias, keys, enc, mask, w_q, scale, w_c, b_c, w_o, b_o,
         gates, q, weights, context, cat, out, logits):
    """One step for every row: y (R,) previous tokens; h, c (L, R, U) in place (hn: scratch);
    weights (R, S) and logits (R, V) written. Shapes: table (V, 4U), w_ctx (E, 4U) or empty,
    W (L-1, U, 4U), Uk (L, U, 4U), bias (L, 4U); keys (B, U or A, S) — K transposed —, enc (B, S, E), mask (B, S)
    — source rows, read through src (R,); w_q (U, A), scale (A,); w_c (E + U, U), b_c (U,);
    w_o (out width, V), b_o (V,); scratch gates (R, 4U), q (R, A), context (R, E), cat (R, width)."""
    L, R, Un = h.shape
    top = L - 1
    if kind == KIND_BAHDANAU:                                    # context from h_{t-1}, before the cells
        gemm(h[top], w_q, q, 0.0)                                # (R, A)
        for r in range(R):
            b = src[r]
            _bahdanau_row(q[r], keys[b], scale, mask[b], enc[b], weights[r], context[r])
    for r in range(R):                                           # z = X[y]  (the embedding's GEMM, done once)
        g, x = gates[r], table[y[r]]
        for j in range(g.shape[0]):
            g[j] = x[j]
    if kind == KIND_BAHDANAU:
        gemm(context, w_ctx, gates, 1.0)                         # + ctx W_x,ctx
    for k in range(L):
        if k > 0:
            gemm(hn[k - 1], W[k - 1], gates, 0.0)                # z = h_{k-1,t} W_k
        gemm(h[k], Uk[k], gates, 1.0)                            # + h_k U_k
        ck = c[k]
        for r in range(R):
            _cell_rows_infer(gates, bias[k], ck, hn[k], r)       # c in place, h_t into hn
    h_top = hn[top]
    if kind == KIND_LUONG:
        E = context.shape[1]
        for r in range(R):
            b = src[r]
            _luong_row(h_top[r], keys[b], mask[b], enc[b], weights[r], context[r])
            for j in range(E):
                cat[r, j] = context[r, j]
            for j in range(Un):
                cat[r, E + j] = h_top[r, j]
        gemm(cat, w_c, out, 0.0)                                 # tanh([ctx, h_t] W_c + b_c)
        for r in range(R):
            for j in range(out.shape[1]):
                out[r, j] = tanh(out[r, j] + b_c[j])
        gemm(out, w_o, logits, 0.0)
    elif kind == KIND_BAHDANAU:
        E = context.shape[1]
        for r in range(R):
            for j in range(Un):
                cat[r, j] = h_top[r, j]
            for j in range(E):
                cat[r, Un + j] = context[r, j]
        gemm(cat, w_o, logits, 0.0)                              # [h_t, ctx] W_o
    else:
        gemm(h_top, w_o, logits, 0.0)
    for r in range(R):
        for j in range(logits.shape[1]):
            logits[r, j] += b_o[j]
    for k in range(L):                                           # h_t becomes h_{t-1}
        for r in range(R):
            for j in range(Un):
                h[k, r, j] = hn[k, r, j]


@njit(**JIT)
def greedy(kind, y, src, h, c, hn, table, w_ctx, W, Uk, bias, keys, enc, mask, w_q, scale, w_c, b_c, w_o, b_o,
           gates, q, weights, context, cat, out, logits, end, pad, tokens, history):
    """Greedy decoding of the rows: tokens (R, max_length) and, with attention, history
    (R, max_length, S) written; returns the steps taken."""
    R, steps = tokens.shape
    done = np.zeros(R, np.bool_)
    for t in range(steps):
        step(kind, y, src, h, c, hn, table, w_ctx, W, Uk, bias, keys, enc, mask, w_q, scale, w_c, b_c, w_o, b_o,
             gates, q, weights, context, cat, out, logits)
        left = 0
        for r in range(R):
            row = logits[r]
            best = 0
            for j in range(1, row.shape[0]):                     # argmax: the first of equal maxima
                if row[j] > row[best]:
                    best = j
            tok = pad if done[r] else best
            y[r] = tok
            tokens[r, t] = tok
            if tok == end:
                done[r] = True
            if not done[r]:
                left += 1
        if history.shape[0] > 0:
            for r in range(R):
                for s in range(weights.shape[1]):
                    history[r, t, s] = weights[r, s]
        if left == 0:
            return t + 1
    return steps
