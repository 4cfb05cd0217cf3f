"""What ``Seq2Seq`` packages, written out as a Keras functional model: an attention
encoder–decoder for date normalisation ("3 March 1987", "03/03/87" -> "1987-03-03").

    source ids ─ Embedding(mask_zero) ─ Bidirectional(LSTM(return_sequences, return_state))
                                              │ enc (B, S, 2U)      │ h_f, c_f, h_b, c_b
                                              │                     └ Concatenate -> decoder's (h, c)
    decoder ids (START, y_1, …) ─ Embedding ─ LSTM(2U, initial_state) ─ h (B, T, 2U)
                                              Attention()([h, enc]) ─ context
                                              Concatenate([context, h]) ─ Dense(tanh) ─ Dense(softmax)

Teacher forcing is the data: the decoder reads the true previous tokens. The masks come from
``Embedding(mask_zero=True)`` and flow through the graph: attention never looks at source
padding, and the loss leaves target padding out. Decoding runs the trained model on the
growing output, one token at a time (greedy). The same model as ``Seq2Seq(...,
bidirectional_encoder=True, attention="luong")`` trains at the end, for comparison: it
differs in its bridge (a Dense per state instead of concatenation) and its attention score
(Luong "general": keys = enc W).

Settings can be shortened with EXAMPLE_SAMPLES, EXAMPLE_EPOCHS (the tests do).
"""
import os
import time

import numpy as np

import lstm_np as keras
from lstm_np.datasets import END, PAD, START, encode_pairs, make_dates
from lstm_np.models import Seq2Seq

samples = int(os.environ.get("EXAMPLE_SAMPLES", 12000))
epochs = int(os.environ.get("EXAMPLE_EPOCHS", 3))
units, embedding_dim = 64, 32

# ---- data: ids padded with PAD = 0; every target ends with END ----------------------------------
keras.utils.set_random_seed(0)                              # the same weights and batches on every run
sources, targets = make_dates(samples, seed=0)
src_vocab, tgt_vocab, src_ids, tgt_ids = encode_pairs(sources, targets)
decoder_inputs = np.concatenate([np.full((samples, 1), START), tgt_ids[:, :-1]], axis=1)   # shifted right
decoder_inputs[decoder_inputs == END] = PAD                 # END is an output, never an input here

# ---- the model ----------------------------------------------------------------------------------
encoder_in = keras.Input(shape=(None,), dtype="int32", name="source")
x = keras.layers.Embedding(len(src_vocab), embedding_dim, mask_zero=True)(encoder_in)
enc, h_f, c_f, h_b, c_b = keras.layers.Bidirectional(
    keras.layers.LSTM(units, return_sequences=True, return_state=True))(x)
state_h = keras.layers.Concatenate()([h_f, h_b])            # (B, 2U): the decoder is 2U wide
state_c = keras.layers.Concatenate()([c_f, c_b])

decoder_in = keras.Input(shape=(None,), dtype="int32", name="target_so_far")
y = keras.layers.Embedding(len(tgt_vocab), embedding_dim, mask_zero=True)(decoder_in)
h, _, _ = keras.layers.LSTM(2 * units, return_sequences=True, return_state=True)(y, initial_state=[state_h, state_c])
context = keras.layers.Attention()([h, enc])                 # Luong dot score; source padding masked
z = keras.layers.Dense(2 * units, activation="tanh")(keras.layers.Concatenate()([context, h]))
probs = keras.layers.Dense(len(tgt_vocab), activation="softmax")(z)

model = keras.Model([encoder_in, decoder_in], probs)
model.compile(optimizer=keras.optimizers.Adam(0.003, clipnorm=5.0), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.summary()
start = time.perf_counter()
model.fit([src_ids, decoder_inputs], tgt_ids, batch_size=64, epochs=epochs, validation_split=0.1, verbose=2)
print(f"functional model: {(time.perf_counter() - start) / epochs:.1f} s per epoch")


def decode(source_ids, max_length=12):
    """Greedy: feed START, take the most likely next token, append it, run again."""
    out = np.full((len(source_ids), 1), START)
    done = np.zeros(len(source_ids), bool)
    for _ in range(max_length):
        p = model.predict([source_ids, out], verbose=0)[:, -1]               # (B, V) at the last step
        nxt = np.where(done, PAD, p.argmax(-1))
        done |= nxt == END
        out = np.concatenate([out, np.where(nxt == END, PAD, nxt)[:, None]], axis=1)
        if done.all():
            break
    return [[t for t in row[1:] if t != PAD] for row in out]


test_sources, test_targets = make_dates(500, seed=1)
test_ids = src_vocab.encode_batch(test_sources)
predicted = decode(test_ids)
exact = np.mean([tgt_vocab.decode(p) == t for p, t in zip(predicted, test_targets)])
for s, p in list(zip(test_sources, predicted))[:3]:
    print(f"{s!r:>24} -> {tgt_vocab.decode(p)}")
print(f"functional model: exact match on 500 new dates {exact:.3f}")

# ---- the same, packaged ------------------------------------------------------------------------------
packaged = Seq2Seq(len(src_vocab), len(tgt_vocab), embedding_dim, units, bidirectional_encoder=True,
                   attention="luong", seed=0)
packaged.compile(optimizer=keras.optimizers.Adam(0.003, clipnorm=5.0), metrics=["acc"])
start = time.perf_counter()
packaged.fit(src_ids, tgt_ids, batch_size=64, epochs=epochs, verbose=0)
print(f"Seq2Seq: {(time.perf_counter() - start) / epochs:.1f} s per epoch")
predicted = packaged.predict(test_ids, max_length=12)
exact = np.mean([tgt_vocab.decode(p) == t for p, t in zip(predicted, test_targets)])
print(f"Seq2Seq: exact match on 500 new dates {exact:.3f}")
