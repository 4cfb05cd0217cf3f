"""The decoder's layers as arrays for the compiled step (``fast/decoder_step.py``), used by
greedy and beam decoding when the numba backend runs; the composed layers stay the reference.

    CompiledStep.usable(decoder)            the built-in decoder, in float32/float64, on numba?
    CompiledStep(decoder, ctx, states, src) one decode's weights, the encoder's context, the
                                            hypotheses' states (each reads source row src[r])
      .greedy(start, end, pad, max_length)  -> tokens (R, steps), attention (R, steps, S) or None
      .step(y)                              -> logits (R, V), attention (R, S) or None
      .reorder(parent)                      hypothesis r continues parent[r] (beam search)

Rows are cut into shards (``fast/threads.py``): each shard has its own states and scratch and
runs on its own core — greedy a shard's whole loop, beam search one step — reading the shared
encoder arrays. A shard's rows never meet another's, so the numbers do not depend on the cut.
"""
import numpy as np

from ... import backend
from ...fast import decoder_step as kernel
from ...fast import threads
from .attention import Bahdanau, Luong

_KINDS = {Luong: kernel.KIND_LUONG, Bahdanau: kernel.KIND_BAHDANAU}


def _c(a, dt):
    return np.ascontiguousarray(a, dt)


class _Shard:
    """One shard's states (L, R, U) and scratch."""

    def __init__(self, src, states, widths, dt):
        R = len(src)
        self.src = np.ascontiguousarray(src, np.int64)
        self.h = np.ascontiguousarray(np.stack([h for h, _ in states]), dt)
        self.c = np.ascontiguousarray(np.stack([c for _, c in states]), dt)
        self.hn = np.empty_like(self.h)
        self.scratch = [np.empty((R, w), dt) for w in widths]   # gates, q, weights, context, cat, out, logits

    def reorder(self, local):
        self.src = self.src[local]
        self.h = np.ascontiguousarray(self.h[:, local])
        self.c = np.ascontiguousarray(self.c[:, local])


class CompiledStep:
    @staticmethod
    def usable(decoder):
        cells = [rnn.cell for rnn in decoder.rnns]
        combine = getattr(decoder.attention, "combine", None)
        return (backend.compiled() and decoder.output.dtype in (np.float32, np.float64)
                and all((c.activation, c.recurrent_activation) == ("tanh", "sigmoid") for c in cells)
                and decoder.output.activation == "linear" and (combine is None or combine.activation == "tanh"))

    def __init__(self, decoder, ctx, states, src, group=1):
        """states [(h, c)] per layer, (R, U) each; src (R,) the source row of each hypothesis;
        group: hypotheses that must share a shard (beam search's K of one source row)."""
        dt = decoder.output.dtype
        att = decoder.attention
        self.kind = _KINDS.get(type(att), kernel.KIND_NONE)
        cells = [rnn.cell for rnn in decoder.rnns]
        U = cells[0].units
        Em = decoder.embedding_dim
        k0 = cells[0].params["kernel"]                                           # (Em [+ E], 4U)
        self.table = _c(decoder.embedding.params["embeddings"] @ k0[:Em], dt)     # (V, 4U)
        self.w_ctx = _c(k0[Em:], dt) if self.kind == kernel.KIND_BAHDANAU else np.empty((0, 4 * U), dt)
        self.W = _c(np.stack([c.params["kernel"] for c in cells[1:]]) if len(cells) > 1
                    else np.empty((0, U, 4 * U)), dt)
        self.Uk = _c(np.stack([c.params["recurrent_kernel"] for c in cells]), dt)
        self.bias = _c(np.stack([c._bias() for c in cells]), dt)                  # (L, 4U)
        S = ctx["mask"].shape[1]
        self.mask = np.ascontiguousarray(ctx["mask"], np.bool_)
        self.enc = _c(ctx["enc"], dt) if self.kind else np.empty((1, 1, 1), dt)
        self.keys = _c(np.swapaxes(ctx["keys"], 1, 2), dt) if self.kind else np.empty((1, 1, 1), dt)   # (B, ., S)
        empty2 = np.empty((0, 0), dt)
        if self.kind == kernel.KIND_BAHDANAU:
            self.w_q, self.scale = _c(att.query_layer.params["kernel"], dt), _c(att.attention.params["scale"], dt)
        else:
            self.w_q, self.scale = empty2, np.empty(0, dt)
        if self.kind == kernel.KIND_LUONG:
            self.w_c, self.b_c = _c(att.combine.params["kernel"], dt), _c(att.combine.params["bias"], dt)
        else:
            self.w_c, self.b_c = empty2, np.empty(0, dt)
        self.w_o, self.b_o = _c(decoder.output.params["kernel"], dt), _c(decoder.output.params["bias"], dt)
        E = self.enc.shape[2] if self.kind else 0
        A = self.w_q.shape[1]
        V = self.w_o.shape[1]
        cat = E + U if self.kind else 0                  # Luong's [ctx, h_t], Bahdanau's [h_t, ctx]
        widths = [4 * U, A, S if self.kind else 0, E, cat, U, V]
        self.S, self.V, self.dt = S, V, dt
        R = len(src)
        flops = 2 * R * (self.Uk.size + self.W.size + self.w_c.size + self.w_o.size + self.w_ctx.size
                         + self.w_q.size + S * 2 * (E + U))
        groups = threads.shard_bounds(R // group, 10 * flops)     # ~10 steps' work per hand-off
        self.bounds = [slice(g.start * group, g.stop * group) for g in groups]
        self.shards = [_Shard(src[b], [(h[b], c[b]) for h, c in states], widths, dt) for b in self.bounds]

    def _args(self, sh):
        return (self.kind, sh.src, sh.h, sh.c, sh.hn, self.table, self.w_ctx, self.W, self.Uk, self.bias,
                self.keys, self.enc, self.mask, self.w_q, self.scale, self.w_c, self.b_c, self.w_o, self.b_o,
                *sh.scratch)

    def greedy(self, start, end, pad, max_length):
        R = sum(len(sh.src) for sh in self.shards)
        tokens = np.full((R, max_length), pad, np.int64)
        history = np.empty((R, max_length, self.S) if self.kind else (0, 0, 0), self.dt)

        def run(k, rows):
            sh = self.shards[k]
            y = np.full(len(sh.src), start, np.int64)
            args = self._args(sh)
            return kernel.greedy(args[0], y, *args[1:], end, pad, tokens[rows],
                                 history[rows] if self.kind else history)
        steps = max(threads.run(run, self.bounds))
        return tokens[:, :steps], (history[:, :steps] if self.kind else None)

    def step(self, y):
        y = np.ascontiguousarray(y, np.int64)

        def run(k, rows):
            sh = self.shards[k]
            args = self._args(sh)
            kernel.step(args[0], y[rows], *args[1:])
            return sh.scratch[6], sh.scratch[2]
        parts = threads.run(run, self.bounds)
        logits = np.concatenate([p[0] for p in parts])
        return logits, (np.concatenate([p[1] for p in parts]) if self.kind else None)

    def reorder(self, parent):
        for sh, b in zip(self.shards, self.bounds):
            sh.reorder(parent[b] - b.start)
