"""The decoder's attention, chosen once in the constructor: ``ATTENTIONS[name](...)``.

Each is made of public layers (``Dense``, ``layers.Attention``, ``layers.AdditiveAttention``)
and answers the same questions, so the decoder never asks which one it has:

    output_dim       width of what the output layer reads
    context_dim      width of the context joining the decoder's input (Bahdanau's; else 0)
    prepare          once per batch: what depends on the encoder only (the keys), as ``ctx``
    query            before a step, from h_{t-1}: Bahdanau's context, which joins the decoder's
                     input; the others return None
    attend           after the step(s), from h_t (B, T, U) — one step or all at once: Luong's
                     out = tanh([context, h_t] W_c + b); Bahdanau's [h_t, context]; none: h_t
    *_backward       the same, backwards; what reaches the encoder collects in ``ctx``

Luong (2015), "general":  score(h_t, enc_s) = h_t · (enc_s W_k)   — Dense(U, no bias) keys + Attention
          "dot":          score(h_t, enc_s) = h_t · enc_s
Bahdanau (2015):          score(h_{t-1}, enc_s) = v · tanh(h_{t-1} W_q + enc_s W_v)
                          — Dense(A) on both sides + AdditiveAttention(use_scale=True), v its scale
Both: a = softmax over the real source steps; context = Σ_s a_s enc_s.
"""
import numpy as np

from ...layers import AdditiveAttention, Attention, Dense


def _context(tape, enc, keys, mask, keys_call):
    """What a batch's steps read; with a backward to come (the tape keeps), the sums of what
    they send back to enc and the keys."""
    ctx = {"enc": enc, "keys": keys, "mask": mask, "keys_call": keys_call}
    if tape.keep:
        ctx.update(denc=np.zeros_like(enc), dkeys=np.zeros_like(keys))
    return ctx


class NoAttention:
    context_dim = 0          # width of the context that joins the decoder's input (Bahdanau)

    def __init__(self, units, enc_dim, dtype, seeds, score=None, attention_units=None):
        self.output_dim = units
        self.layers = []

    def prepare(self, tape, enc, mask):
        return {"enc": enc, "mask": mask}

    def prepare_backward(self, tape, ctx, denc):
        pass

    def query(self, tape, ctx, h_prev):
        return None, None, None

    def attend(self, tape, ctx, h, context=None):
        return h, None, None

    def attend_backward(self, tape, ctx, handles, dout):
        return dout, None


class Luong(NoAttention):
    def __init__(self, units, enc_dim, dtype, seeds, score="general", attention_units=None):
        if score == "dot" and enc_dim != units:
            raise ValueError("Luong 'dot' attention needs encoder outputs of the decoder's size; "
                             "with a bidirectional encoder use attention_score='general'")
        self.enc_dim, self.output_dim = enc_dim, units
        self.keys = None if score == "dot" else Dense(units, use_bias=False, input_shape=(enc_dim,), dtype=dtype,
                                                      seed=next(seeds), name="attention_keys")
        self.attention = Attention(dtype=dtype, name="attention")
        self.combine = Dense(units, activation="tanh", input_shape=(enc_dim + units,), dtype=dtype,
                             seed=next(seeds), name="attention_combine")
        self.layers = [l for l in (self.keys, self.combine) if l is not None]

    def prepare(self, tape, enc, mask):
        """ctx: enc (B, S, E), keys (B, S, U), the source mask."""
        keys, handle = (enc, None) if self.keys is None else tape.call(self.keys, enc)
        return _context(tape, enc, keys, mask, handle)

    def prepare_backward(self, tape, ctx, denc):
        """Adds what the attention sent to enc (through the keys too) into denc."""
        denc += ctx["denc"]
        if self.keys is None:
            denc += ctx["dkeys"]
        else:
            denc += tape.backward(ctx["keys_call"], ctx["dkeys"])

    def attend(self, tape, ctx, h, context=None):
        """h (B, T, U) decoder outputs (T = 1 for one step) -> out (B, T, U), weights (B, T, S)."""
        (context, weights), a_call = tape.call(self.attention, [h, ctx["enc"], ctx["keys"]],
                                               mask=[None, ctx["mask"]], return_attention_scores=True)
        out, c_call = tape.call(self.combine, np.concatenate([context, h], -1))
        return out, weights, (a_call, c_call)

    def attend_backward(self, tape, ctx, handles, dout):
        """dout (B, T, U) -> dh (B, T, U); what reaches enc and keys is kept in ctx."""
        a_call, c_call = handles
        dcat = tape.backward(c_call, dout)
        E = self.enc_dim
        dq, dv, dk = tape.backward(a_call, [dcat[..., :E], None])
        ctx["denc"] += dv
        ctx["dkeys"] += dk
        return dcat[..., E:] + dq, None


class Bahdanau(NoAttention):
    def __init__(self, units, enc_dim, dtype, seeds, score=None, attention_units=None):
        A = attention_units or units
        self.enc_dim, self.output_dim, self.context_dim = enc_dim, units + enc_dim, enc_dim
        self.values = Dense(A, use_bias=False, input_shape=(enc_dim,), dtype=dtype, seed=next(seeds),
                            name="attention_values")
        self.query_layer = Dense(A, use_bias=False, input_shape=(units,), dtype=dtype, seed=next(seeds),
                                 name="attention_query")
        self.attention = AdditiveAttention(use_scale=True, dtype=dtype, seed=next(seeds), name="attention")
        self.attention.build([(None, 1, A), (None, None, enc_dim), (None, None, A)])
        self.layers = [self.values, self.query_layer, self.attention]

    def prepare(self, tape, enc, mask):
        keys, handle = tape.call(self.values, enc)                          # enc W_v (B, S, A)
        return _context(tape, enc, keys, mask, handle)

    def prepare_backward(self, tape, ctx, denc):
        denc += ctx["denc"] + tape.backward(ctx["keys_call"], ctx["dkeys"])

    def query(self, tape, ctx, h_prev):
        """h_{t-1} (B, U) of the top decoder layer -> context (B, E), weights (B, S)."""
        q, q_call = tape.call(self.query_layer, h_prev)                       # (B, A)
        (context, weights), a_call = tape.call(self.attention, [q[:, None], ctx["enc"], ctx["keys"]],
                                               mask=[None, ctx["mask"]], return_attention_scores=True)
        return context[:, 0], weights[:, 0], (q_call, a_call)

    def query_backward(self, tape, ctx, handles, dcontext):
        """dcontext (B, E) -> d h_{t-1} (B, U)."""
        q_call, a_call = handles
        dq, dv, dk = tape.backward(a_call, [dcontext[:, None], None])
        ctx["denc"] += dv
        ctx["dkeys"] += dk
        return tape.backward(q_call, dq[:, 0])

    def attend(self, tape, ctx, h, context=None):
        """h (B, T, U), context (B, T, E) -> [h, context] (B, T, U + E)."""
        return np.concatenate([h, context], -1), None, None

    def attend_backward(self, tape, ctx, handles, dout):
        U = dout.shape[-1] - self.enc_dim
        return dout[..., :U], dout[..., U:]


ATTENTIONS = {None: NoAttention, "luong": Luong, "bahdanau": Bahdanau}
