"""The decoder: public layers, run over the whole target at once or one step at a time.

    y_{t-1} ─ Embedding ─ [⊕ context (Bahdanau)] ─ LSTM × num_layers ─ h_t ─ attend ─ Dense ─ logits_t

``run_sequence``: with teacher forcing 1.0 every input y_{t-1} is known before the first step,
so each decoder LSTM runs over all T steps in one call (the compiled kernel, as the encoder)
and Luong attention, combine and output layers act on all steps at once — unless the
attention feeds the input (Bahdanau: its context comes from h_{t-1}), which needs steps.

``step``: one step, each LSTM's own cell stepped by hand (``LSTM`` *is* ``RNN(LSTMCell)``:
the same weights). Used for scheduled sampling (the next input depends on this output),
for Bahdanau, and for decoding. Every call goes on the tape, so backward can revisit it.
"""
import numpy as np

from ...layers import LSTM, Dense, Embedding
from .attention import ATTENTIONS


class Decoder:
    def __init__(self, vocab_size, embedding_dim, units, num_layers, enc_dim, attention, attention_score,
                 attention_units, dtype, seeds):
        self.embedding = Embedding(vocab_size, embedding_dim, dtype=dtype, seed=next(seeds), name="tgt_embedding")
        self.rnns = []
        for k in range(num_layers):
            lstm = LSTM(units, return_sequences=True, return_state=True, dtype=dtype, seed=next(seeds),
                        name=f"decoder_lstm_{k}")
            self.rnns.append(lstm)
        self.attention = ATTENTIONS[attention](units, enc_dim, dtype, seeds, attention_score, attention_units)
        for k, lstm in enumerate(self.rnns):
            lstm.build((None, None, embedding_dim + self.attention.context_dim if k == 0 else units))
        self.output = Dense(vocab_size, input_shape=(self.attention.output_dim,), dtype=dtype, seed=next(seeds),
                            name="output")
        self.embedding_dim = embedding_dim
        self.parallel = self.attention.context_dim == 0      # can the steps run all at once?

    @property
    def layers(self):
        return [self.embedding] + self.rnns + self.attention.layers + [self.output]

    # -- all steps at once (teacher forcing 1.0) ----------------------------------------------
    def run_sequence(self, tape, y_in, init, ctx, drop):
        """y_in (B, T) inputs (start, y_1, ..., y_{T-1}) -> logits (B, T, V), attention (B, T, S)."""
        emb, e_call = tape.call(self.embedding, y_in)                             # (B, T, Em)
        x = emb if drop is None else emb * drop[:, None, :]
        calls = []
        for k, rnn in enumerate(self.rnns):
            (x, _, _), call = tape.call(rnn, x, initial_state=list(init[k]))       # (B, T, U), one kernel call
            calls.append(call)
        out, weights, a_calls = self.attention.attend(tape, ctx, x)
        logits, o_call = tape.call(self.output, out)                                # (B, T, V)
        return logits, weights, (e_call, calls, a_calls, o_call)

    def backward_sequence(self, tape, ctx, handles, dlogits, drop):
        """dlogits (B, T, V) -> [(dh0, dc0)] per layer (into the encoder's final states)."""
        e_call, calls, a_calls, o_call = handles
        dout = tape.backward(o_call, dlogits)
        dx, _ = self.attention.attend_backward(tape, ctx, a_calls, dout)
        dinit = [None] * len(self.rnns)
        for k in reversed(range(len(self.rnns))):
            dx = tape.backward(calls[k], [dx, None, None])
            dinit[k] = tuple(self.rnns[k].initial_state_grads)
        tape.backward(e_call, dx if drop is None else dx * drop[:, None, :])
        return dinit

    # -- one step ------------------------------------------------------------------------
    def step(self, tape, y_prev, states, ctx, drop):
        """y_prev (B,) ids, states [(h, c)] per layer -> logits (B, V), new states,
        attention weights (B, S) or None, the handles for ``step_backward``."""
        emb, e_call = tape.call(self.embedding, y_prev)                           # (B, Em)
        if drop is not None:
            emb = emb * drop
        context, w_in, q_calls = self.attention.query(tape, ctx, states[-1][0])    # Bahdanau: from h_{t-1}
        x = emb if context is None else np.concatenate([emb, context], -1)
        new_states, calls = [], []
        for k, rnn in enumerate(self.rnns):
            (x, h, c), call = tape.call(rnn.cell, x, initial_state=list(states[k]))  # (B, U)
            new_states.append((h, c))
            calls.append(call)
        out, w_out, a_calls = self.attention.attend(tape, ctx, x[:, None], None if context is None else context[:, None])
        logits, o_call = tape.call(self.output, out[:, 0])                          # (B, V)
        weights = w_in if w_in is not None else (None if w_out is None else w_out[:, 0])
        return logits, new_states, weights, (e_call, q_calls, calls, a_calls, o_call)

    def step_backward(self, tape, ctx, handles, dlogits, dstates, drop):
        """dlogits (B, V) of this step, dstates [(dh, dc)] reaching its new states from the next
        step -> [(dh, dc)] for the states it started from."""
        e_call, q_calls, calls, a_calls, o_call = handles
        dout = tape.backward(o_call, dlogits)
        dtop, dcontext = self.attention.attend_backward(tape, ctx, a_calls, dout[:, None])
        dh = [d[0] for d in dstates]
        dc = [d[1] for d in dstates]
        dh[-1] = dh[-1] + dtop[:, 0]
        prev = [None] * len(self.rnns)
        for k in reversed(range(len(self.rnns))):
            dx, (dh_prev, dc_prev) = tape.backward(calls[k], None, [dh[k], dc[k]])
            prev[k] = [dh_prev, dc_prev]
            if k > 0:
                dh[k - 1] = dh[k - 1] + dx                     # layer k read layer k-1's h_t
        Em = self.embedding_dim
        demb = dx[:, :Em]
        if dcontext is not None:                               # the context joined the input too
            dctx_total = dcontext[:, 0] + dx[:, Em:]
            prev[-1][0] = prev[-1][0] + self.attention.query_backward(tape, ctx, q_calls, dctx_total)
        tape.backward(e_call, demb if drop is None else demb * drop)
        return [tuple(p) for p in prev]
