"""Greedy decoding of a Seq2Seq in one compiled loop: every step of every row — the target
embedding, the decoder LSTMs, the attention (Luong, Bahdanau or none), the output layer and the
argmax — without a Python call per layer per step. The same equations as the decoder's composed
step (``models/seq2seq/decoder.py``, ``attention.py``), which stays the reference and is tested
equal to this (tokens, attention weights).

    y_0 = start;  per step t, rows b in parallel:
      x     = E[y_{t-1}]                          (Bahdanau: ⊕ context from h_{t-1} of the top layer)
      layer k: z = x W_k + h_k U_k + b_k;  i, f, o = σ(z);  g = tanh(z_c)
               c_k = f c_k + i g;  h_k = o tanh(c_k);  x = h_k
      Luong:   a = softmax_s(h · key_s) over the real source steps;  context = Σ_s a_s enc_s
               out = tanh([context, h] W_c + b_c)
      Bahdanau: a = softmax_s(v · tanh(h_{t-1} W_q + enc_s W_v));  out = [h, context]
      logits = out W_o + b_o;  y_t = argmax (padding once a row has emitted end)
"""
import numpy as np
from numba import njit
from numba.typed import List

from .blas import gemm
from .common import JIT, sigmoid, tanh

MASKED = 1e9                      # a masked score is lowered by this, as layers.Attention does

NONE, LUONG, BAHDANAU = 0, 1, 2


@njit(**JIT)
def _softmax_context(scores, mask, enc, w, context):
    """Row-wise masked softmax of scores (B, S) into w, and context = w · enc (B, E)."""
    B, S = scores.shape
    E = enc.shape[2]
    for b in range(B):
        m = -np.inf
        for s in range(S):
            if not mask[b, s]:
                scores[b, s] -= MASKED
            if scores[b, s] > m:
                m = scores[b, s]
        total = 0.0
        for s in range(S):
            e = np.exp(scores[b, s] - m)
            w[b, s] = e
            total += e
        for s in range(S):
            w[b, s] /= total
        for j in range(E):
            acc = 0.0
            for s in range(S):
                acc += w[b, s] * enc[b, s, j]
            context[b, j] = acc


@njit(**JIT)
def _greedy(E, Ws, Us, bs, hs, cs, kind, enc, keys, mask, Wq, scale, Wc, bc, Wo, bo,
            start, end, pad, max_len, tokens, weights, x0, zs, q, scores, w, context, comb, out, logits, done):
    B = hs[0].shape[0]
    L = len(Ws)
    Em = E.shape[1]
    Ectx = enc.shape[2]
    S = enc.shape[1]
    y = np.full(B, start, np.int64)
    steps = 0
    for t in range(max_len):
        for b in range(B):                                                  # x = E[y]
            for j in range(Em):
                x0[b, j] = E[y[b], j]
        if kind == BAHDANAU:                                                # context from h_{t-1}
            gemm(hs[L - 1], Wq, q, 0.0)                                     # (B, A)
            A = q.shape[1]
            for b in range(B):
                for s in range(S):
                    acc = 0.0
                    for a in range(A):
                        acc += scale[a] * tanh(q[b, a] + keys[b, s, a])
                    scores[b, s] = acc
            _softmax_context(scores, mask, enc, w, context)
            for b in range(B):
                for j in range(Ectx):
                    x0[b, Em + j] = context[b, j]
        x = x0
        for k in range(L):
            z, h, c = zs[k], hs[k], cs[k]
            U = h.shape[1]
            gemm(x, Ws[k], z, 0.0)
            gemm(h, Us[k], z, 1.0)                                          # z = x W + h U
            bk = bs[k]
            for b in range(B):
                for j in range(U):
                    i_g = sigmoid(z[b, j] + bk[j])
                    f_g = sigmoid(z[b, U + j] + bk[U + j])
                    g_g = tanh(z[b, 2 * U + j] + bk[2 * U + j])
                    o_g = sigmoid(z[b, 3 * U + j] + bk[3 * U + j])
                    c[b, j] = f_g * c[b, j] + i_g * g_g
                    h[b, j] = o_g * tanh(c[b, j])
            x = h
        top = hs[L - 1]
        U = top.shape[1]
        if kind == LUONG:
            for b in range(B):
                for s in range(S):
                    acc = 0.0
                    for j in range(U):
                        acc += top[b, j] * keys[b, s, j]
                    scores[b, s] = acc
            _softmax_context(scores, mask, enc, w, context)
            for b in range(B):                                              # [context, h]
                for j in range(Ectx):
                    comb[b, j] = context[b, j]
                for j in range(U):
                    comb[b, Ectx + j] = top[b, j]
            gemm(comb, Wc, out, 0.0)
            for b in range(B):
                for j in range(out.shape[1]):
                    out[b, j] = tanh(out[b, j] + bc[j])
        elif kind == BAHDANAU:                                              # [h, context]
            for b in range(B):
                for j in range(U):
                    out[b, j] = top[b, j]
                for j in range(Ectx):
                    out[b, U + j] = context[b, j]
        else:
            for b in range(B):
                for j in range(U):
                    out[b, j] = top[b, j]
        gemm(out, Wo, logits, 0.0)
        V = logits.shape[1]
        all_done = True
        for b in range(B):
            best, arg = -np.inf, 0
            for v in range(V):
                val = logits[b, v] + bo[v]
                if val > best:
                    best, arg = val, v
            y[b] = pad if done[b] else arg
            tokens[b, t] = y[b]
            if kind != NONE:
                for s in range(S):
                    weights[b, t, s] = w[b, s]
            if y[b] == end:
                done[b] = True
            if not done[b]:
                all_done = False
        steps = t + 1
        if all_done:
            break
    return steps


def supported(model):
    """Can this model decode on the compiled loop? (the decoder's LSTMs with Keras's default
    activations, float32 / float64)."""
    dec = model.decoder
    if model.dtype not in (np.float32, np.float64):
        return False
    for rnn in dec.rnns:
        cell = rnn.cell
        if getattr(cell, "family", None) is not None or cell.activation != "tanh" or \
                cell.recurrent_activation != "sigmoid":
            return False
    return type(dec.attention).__name__ in ("NoAttention", "Luong", "Bahdanau")


def greedy(model, ctx, states, max_length):
    """-> tokens (B, steps) and attention weights (B, steps, S) or None, from the encoder's
    context and the decoder's initial states, as the composed greedy loop computes them."""
    dec, att = model.decoder, model.decoder.attention
    dt = model.dtype
    enc = np.ascontiguousarray(ctx["enc"], dt)
    B, S, _ = enc.shape
    kind = {"NoAttention": NONE, "Luong": LUONG, "Bahdanau": BAHDANAU}[type(att).__name__]
    keys = np.ascontiguousarray(ctx.get("keys", enc), dt)
    mask = np.ascontiguousarray(ctx["mask"], np.bool_)
    empty2 = np.zeros((0, 0), dt)
    Ws, Us, bs, hs, cs, zs = List(), List(), List(), List(), List(), List()
    for rnn, (h, c) in zip(dec.rnns, states):
        p = rnn.cell.params
        Ws.append(np.ascontiguousarray(p["kernel"], dt))
        Us.append(np.ascontiguousarray(p["recurrent_kernel"], dt))
        bs.append(np.ascontiguousarray(p["bias"], dt))
        hs.append(np.array(h, dt))
        cs.append(np.array(c, dt))
        zs.append(np.empty((B, p["kernel"].shape[1]), dt))
    U = hs[0].shape[1]
    Wq = np.ascontiguousarray(att.query_layer.params["kernel"], dt) if kind == BAHDANAU else empty2
    scale = np.ascontiguousarray(att.attention.params["scale"], dt) if kind == BAHDANAU else np.zeros(0, dt)
    Wc = np.ascontiguousarray(att.combine.params["kernel"], dt) if kind == LUONG else empty2
    bc = np.ascontiguousarray(att.combine.params["bias"], dt) if kind == LUONG else np.zeros(0, dt)
    Wo, bo = np.ascontiguousarray(dec.output.params["kernel"], dt), np.ascontiguousarray(dec.output.params["bias"], dt)
    E = np.ascontiguousarray(dec.embedding.params["embeddings"], dt)
    Ectx = enc.shape[2]
    x0 = np.zeros((B, E.shape[1] + (Ectx if kind == BAHDANAU else 0)), dt)
    q = np.empty((B, Wq.shape[1]), dt) if kind == BAHDANAU else empty2
    tokens = np.empty((B, max_length), np.int64)
    weights = np.zeros((B, max_length, S), dt) if kind != NONE else np.zeros((B, max_length, 0), dt)
    steps = _greedy(E, Ws, Us, bs, hs, cs, kind, enc, keys, mask, Wq, scale, Wc, bc, Wo, bo,
                    model.start_token, model.end_token, model.pad_token, max_length, tokens, weights, x0, zs, q,
                    np.empty((B, S), dt), np.zeros((B, S), dt), np.empty((B, Ectx), dt),
                    np.empty((B, Ectx + U), dt) if kind == LUONG else empty2,
                    np.empty((B, Wo.shape[0]), dt), np.empty((B, Wo.shape[1]), dt), np.zeros(B, np.bool_))
    return tokens[:, :steps], (weights[:, :steps] if kind != NONE else None)
