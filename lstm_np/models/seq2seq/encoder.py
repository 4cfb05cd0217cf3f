"""The encoder: public layers, each called once per batch.

    src (B, S) ─ Embedding ─ LSTM × num_layers ─ enc (B, S, E)         E = U, or 2U bidirectional
                             (or Bidirectional(LSTM), merge "concat")
                             each layer's final (h, c) ─ the decoder's initial state of that layer;
                             bidirectional: h = tanh([h_f, h_b] W_h + b), c = [c_f, c_b] W_c + b
                             (the "bridge", two Dense layers per encoder layer)

The source mask (src != pad_token) goes to every LSTM: padded steps carry the state, so the
final states are those of each row's last real token.
"""
import numpy as np

from ...layers import LSTM, Bidirectional, Dense, Embedding


class Encoder:
    def __init__(self, vocab_size, embedding_dim, units, num_layers, bidirectional, dropout, dtype, seeds):
        self.bidirectional = bidirectional
        self.units = units
        self.embedding = Embedding(vocab_size, embedding_dim, dtype=dtype, seed=next(seeds), name="src_embedding")
        self.rnns, self.bridge_h, self.bridge_c = [], [], []
        width = embedding_dim
        for k in range(num_layers):
            lstm = LSTM(units, return_sequences=True, return_state=True, dropout=dropout, dtype=dtype,
                        seed=next(seeds), name=f"encoder_lstm_{k}")
            if bidirectional:
                lstm = Bidirectional(lstm, backward_layer=LSTM(units, return_sequences=True, return_state=True,
                                                               go_backwards=True, dropout=dropout, dtype=dtype,
                                                               seed=next(seeds), name=f"encoder_lstm_{k}_backward"),
                                     dtype=dtype, name=f"encoder_bidirectional_{k}")
                self.bridge_h.append(Dense(units, activation="tanh", input_shape=(2 * units,), dtype=dtype,
                                           seed=next(seeds), name=f"bridge_h_{k}"))
                self.bridge_c.append(Dense(units, input_shape=(2 * units,), dtype=dtype, seed=next(seeds),
                                           name=f"bridge_c_{k}"))
            lstm.build((None, None, width))
            self.rnns.append(lstm)
            width = 2 * units if bidirectional else units
        self.output_dim = width

    @property
    def layers(self):
        return [self.embedding] + self.rnns + self.bridge_h + self.bridge_c

    def forward(self, tape, src, mask, training):
        """src (B, S) ids, mask (B, S) -> enc (B, S, E), [(h, c)] per layer, the handles."""
        x, emb_call = tape.call(self.embedding, src)                          # (B, S, Em)
        init, calls = [], []
        for k, rnn in enumerate(self.rnns):
            out, rnn_call = tape.call(rnn, x, training=training, mask=mask)
            x = out[0]                                                        # (B, S, E)
            if self.bidirectional:
                hf, cf, hb, cb = out[1:]
                h, h_call = tape.call(self.bridge_h[k], np.concatenate([hf, hb], -1))
                c, c_call = tape.call(self.bridge_c[k], np.concatenate([cf, cb], -1))
                calls.append((rnn_call, h_call, c_call))
            else:
                h, c = out[1:]
                calls.append((rnn_call, None, None))
            init.append((h, c))
        return x, init, (emb_call, calls)

    def backward(self, tape, handles, denc, dinit):
        """denc (B, S, E) and [(dh, dc)] per layer -> every encoder gradient (on the tape)."""
        emb_call, calls = handles
        d_seq = denc
        for k in reversed(range(len(self.rnns))):
            rnn_call, h_call, c_call = calls[k]
            dh, dc = dinit[k]
            if self.bidirectional:
                U = self.units
                dhc = tape.backward(h_call, dh)                               # (B, 2U): [forward | backward]
                dcc = tape.backward(c_call, dc)
                grads = [d_seq, dhc[:, :U], dcc[:, :U], dhc[:, U:], dcc[:, U:]]
            else:
                grads = [d_seq, dh, dc]
            d_seq = tape.backward(rnn_call, grads)
        tape.backward(emb_call, d_seq)
