"""Greedy and beam-search decoding on the decoder's step.

Greedy: every row of the batch steps together; a row that emitted end_token feeds padding.

Beam search: K hypotheses per source row, all B·K of them stepped as one batch. Each step
scores every (hypothesis, token) by Σ log p, takes the 2K best per row with ``argpartition``
(then sorts those 2K), moves the ones ending in end_token to the row's finished list and keeps
the K best others. A row stops when it has K finished hypotheses. The winner maximises

    Σ log p / len^α        len = tokens emitted, end_token included (α = length_penalty)

— plain length normalisation; GNMT's ((5 + len) / 6)^α (Wu et al. 2016) differs by a constant
at α = 0 and ranks differently for short outputs. A row with nothing finished after
``max_length`` steps returns its best live hypothesis, scored the same way.
"""
import numpy as np

from ...core import activations as A
from .compiled_step import CompiledStep
from .tape import Tape


def _check_int(value, name, who, low=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{who}: {name} must be an int >= {low}, received {value!r}")
    return int(value)


def decode(model, src, max_length, beam_width, length_penalty, batch_size):
    who = "Seq2Seq.predict"
    src = model.check_src(src, who)
    max_length = _check_int(max_length, "max_length", who)
    beam_width = _check_int(beam_width, "beam_width", who)
    batch_size = _check_int(batch_size, "batch_size", who)
    if isinstance(length_penalty, bool) or not isinstance(length_penalty, (int, float)) or length_penalty < 0:
        raise ValueError(f"{who}: length_penalty must be a number >= 0, received {length_penalty!r}")
    # Rows sorted by source length, so each batch runs only as long as its own longest source
    # (padded steps are computed, then discarded); results go back in the caller's order.
    order = np.argsort(-(src != model.pad_token).sum(1), kind="stable")
    out, attn = [None] * len(src), [None] * len(src)
    for k in range(0, len(src), batch_size):
        rows = order[k:k + batch_size]
        s = model.trim(src[rows])
        if beam_width == 1:
            seqs, weights = greedy(model, s, max_length)
        else:
            seqs, weights = beam(model, s, max_length, beam_width, float(length_penalty))
        for i, r in enumerate(rows):
            out[r] = seqs[i]
            if weights:
                attn[r] = weights[i]
    model.last_attention = attn if model.attention else None
    return out


def greedy(model, src, max_length, compiled=None):
    """-> token lists (cut at end_token) and, per row, its attention (steps + 1, S) or nothing.
    compiled: the compiled step (``compiled_step.py``) when the numba backend runs; False: the
    composed layers (the reference)."""
    tape = Tape(keep=False)
    ctx, states, _ = model.encode(tape, src, training=False)
    if CompiledStep.usable(model.decoder) if compiled is None else compiled:
        step = CompiledStep(model.decoder, ctx, states, np.arange(len(src)))
        tokens, w = step.greedy(model.start_token, model.end_token, model.pad_token, max_length)
    else:
        tokens, w = _greedy_composed(model, tape, ctx, states, max_length)
    ends = np.where((tokens == model.end_token).any(1), (tokens == model.end_token).argmax(1), tokens.shape[1])
    seqs = [tokens[b, :n].tolist() for b, n in enumerate(ends)]
    if w is None:
        return seqs, []
    return seqs, [w[b, :n + 1] for b, n in enumerate(ends)]


def _greedy_composed(model, tape, ctx, states, max_length):
    """-> tokens (B, steps), attention (B, steps, S) or None: a layer call per piece per step."""
    B = len(states[0][0])
    y = np.full(B, model.start_token, np.int64)
    done = np.zeros(B, bool)
    tokens, weights = [], []
    for _ in range(max_length):
        logits, states, a, _ = model.decoder.step(tape, y, states, ctx, None)
        y = np.where(done, model.pad_token, logits.argmax(-1))
        tokens.append(y)
        weights.append(a)
        done |= y == model.end_token
        if done.all():
            break
    return np.stack(tokens, 1), (None if weights[0] is None else np.stack(weights, 1))


class _ComposedStep:
    """The reference step: the decoder's layers, one call each (``Decoder.step``), over the
    hypotheses' copies of the encoder's context."""

    def __init__(self, model, tape, ctx, states, rows):
        B = len(states[0][0])
        self.model, self.tape = model, tape
        self.ctx = {k: (v[rows] if isinstance(v, np.ndarray) and v.shape[:1] == (B,) else v) for k, v in ctx.items()}
        self.states = [(h[rows], c[rows]) for h, c in states]

    def step(self, y):
        logits, self.states, a, _ = self.model.decoder.step(self.tape, y, self.states, self.ctx, None)
        return logits, a

    def reorder(self, parent):
        self.states = [(h[parent], c[parent]) for h, c in self.states]


def beam(model, src, max_length, K, alpha, compiled=None):
    tape = Tape(keep=False)
    ctx, states, _ = model.encode(tape, src, training=False)
    B = len(src)
    R = B * K                                                                      # every hypothesis
    rows = np.repeat(np.arange(B), K)                                              # its source row
    if CompiledStep.usable(model.decoder) if compiled is None else compiled:
        stepper = CompiledStep(model.decoder, ctx, [(h[rows], c[rows]) for h, c in states], rows, group=K)
    else:
        stepper = _ComposedStep(model, tape, ctx, states, rows)
    scores = np.where(np.arange(R) % K == 0, 0.0, -np.inf)                         # one live hypothesis per row
    tokens = np.zeros((R, 0), np.int64)
    history = None                                                                 # attention (R, steps, S)
    y = np.full(R, model.start_token, np.int64)
    finished = [[] for _ in range(B)]                                              # (score / len^α, tokens, attention)
    alive = np.ones(B, bool)
    for step in range(max_length):
        logits, a = stepper.step(y)
        if a is not None:
            history = a[:, None] if history is None else np.concatenate([history, a[:, None]], 1)
        logp = A.log_softmax(logits.astype(np.float64))                            # (R, V)
        V = logp.shape[1]
        cand = (scores[:, None] + logp).reshape(B, K * V)
        top = np.argpartition(-cand, 2 * K - 1, axis=1)[:, :2 * K] if K * V > 2 * K else \
            np.broadcast_to(np.arange(K * V), (B, K * V))
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(cand, top, 1), axis=1, kind="stable"), 1)
        parent, new_tok, new_score = _extend(model, top, cand, V, K, step + 1, alpha, tokens, history, finished, alive)
        stepper.reorder(parent)
        tokens = np.concatenate([tokens[parent], new_tok[:, None]], 1)
        history = None if history is None else history[parent]
        scores, y = new_score, new_tok
        if not alive.any():
            break
    return _best_of(finished, scores, tokens, history, B, K, alpha)


def _extend(model, top, cand, V, K, length, alpha, tokens, history, finished, alive):
    """Every row's best candidates at once (``top`` (B, 2K), best first). Read in order, as
    one would by hand: an end token finishes a hypothesis (scored score / length^α), any other
    fills the row's next live beam, until K are live; a non-finite score ends the row's list.
    Rows that are done, or have K finished or no live beam left, stop (``alive`` updated).
    -> parent (R,), the new tokens (R,) and scores (R,)."""
    B = top.shape[0]
    score = np.take_along_axis(cand, top, 1)                                       # (B, 2K)
    beam_of, tok = np.divmod(top, V)
    ok = np.isfinite(score) & alive[:, None]
    live = ok & (tok != model.end_token)
    before = np.cumsum(live, 1) - live                                             # live ones ahead of it
    read = ok & (before < K)                                                       # reached before K were live
    parent = np.repeat(np.arange(B)[:, None] * K, K, axis=1)                        # (B, K): dead beams stay in row
    new_tok = np.full((B, K), model.pad_token, np.int64)
    new_score = np.full((B, K), -np.inf)
    b, j = np.nonzero(live & read)
    slot = before[b, j]
    parent[b, slot] = b * K + beam_of[b, j]
    new_tok[b, slot] = tok[b, j]
    new_score[b, slot] = score[b, j]
    for b, j in zip(*np.nonzero(read & ~live)):                                    # finished, in reading order
        p = b * K + beam_of[b, j]
        finished[b].append((score[b, j] / length ** alpha, tokens[p].tolist(), None if history is None else history[p]))
    n_live = (live & read).sum(1)
    stop = alive & ((np.array([len(f) for f in finished]) >= K) | (n_live == 0))
    alive &= ~stop
    new_score[stop] = -np.inf
    return parent.reshape(-1), new_tok.reshape(-1), new_score.reshape(-1)


def _best_of(finished, scores, tokens, history, B, K, alpha):
    """Each row's best finished hypothesis (or its best live one when none ended)."""
    seqs, weights = [], []
    for b in range(B):
        if not finished[b]:                                                        # nothing ended: best live one
            p = b * K + int(np.argmax(scores[b * K:(b + 1) * K]))
            finished[b].append((scores[p] / tokens.shape[1] ** alpha, tokens[p].tolist(),
                                None if history is None else history[p]))
        best = max(finished[b], key=lambda f: f[0])
        seqs.append(best[1])
        if history is not None:
            weights.append(best[2])
    return seqs, weights
