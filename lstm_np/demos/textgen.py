"""A character-level LSTM language model on *Hamlet*, trained the char-rnn way.

Truncated BPTT over long streams: the training text is cut into ``B`` parallel streams, and
batch k holds the k-th chunk of ``T`` characters of every stream, so a stateful LSTM carries
each stream's state from one batch to the next (gradients stop at chunk edges). States are
reset at each epoch's start (a ``LambdaCallback``), and at each epoch's end a second callback
measures bits per character on held-out text (the last 10 %) and samples a line at two
temperatures. Baselines: a unigram and a bigram model (add-one smoothing) on the same split.

    bits per character = cross-entropy in nats / ln 2
"""
import math
import os

import numpy as np

from .. import callbacks, optimizers
from ..datasets import load_text
from ..layers import LSTM, Dense, Embedding, Input
from ..models import Sequential


def streams(ids, batch, steps):
    """(x, y) arranged so that row k·batch + i is chunk k of stream i (and y is x shifted by one)."""
    length = (len(ids) - 1) // batch
    chunks = length // steps
    src = ids[:batch * length + 1]
    x = np.stack([src[i * length:(i + 1) * length] for i in range(batch)])           # (batch, length)
    y = np.stack([src[i * length + 1:(i + 1) * length + 1] for i in range(batch)])
    x = x[:, :chunks * steps].reshape(batch, chunks, steps).swapaxes(0, 1).reshape(-1, steps)
    y = y[:, :chunks * steps].reshape(batch, chunks, steps).swapaxes(0, 1).reshape(-1, steps)
    return x, y


def ngram_bits(train, val, vocab, order):
    """Cross-entropy in bits per character of an add-one-smoothed unigram (order 1) or bigram (2)."""
    if order == 1:
        p = (np.bincount(train, minlength=vocab) + 1.0) / (len(train) + vocab)
        return float(-np.mean(np.log2(p[val])))
    counts = np.ones((vocab, vocab))
    np.add.at(counts, (train[:-1], train[1:]), 1.0)
    p = counts / counts.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log2(p[val[:-1], val[1:]])))


def build(vocab, units, batch, steps, seed):
    model = Sequential([Input(batch_shape=(batch, steps), dtype="int32"),
                        Embedding(vocab, 32, seed=seed),
                        LSTM(units, return_sequences=True, stateful=True, seed=seed + 1),
                        Dense(vocab, activation="softmax", seed=seed + 2)], seed=seed)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizers.Adam(0.003, clipnorm=5.0))
    return model


def sample(weights, chars, vocab, units, prime, length, temperature, rng):
    """Feed ``prime``, then draw ``length`` characters one at a time (a batch-1 copy of the model)."""
    gen = build(vocab, units, 1, 1, 0)
    gen.set_weights(weights)
    index = {c: i for i, c in enumerate(chars)}
    probs = None
    for c in prime:
        probs = gen.predict(np.array([[index[c]]]))[0, -1]
    out = []
    for _ in range(length):
        logp = np.log(np.maximum(probs.astype(np.float64), 1e-12)) / temperature
        p = np.exp(logp - logp.max())
        k = int(rng.choice(vocab, p=p / p.sum()))
        out.append(chars[k])
        probs = gen.predict(np.array([[k]]))[0, -1]
    return "".join(out)


def run(out="lstm_np_out", seed=0, quick=False, print_fn=print, epochs=None):
    text = load_text("hamlet")
    if quick:
        text = text[:40000]
    chars = sorted(set(text))
    vocab = len(chars)
    ids = np.array([chars.index(c) for c in text]) if quick else \
        np.searchsorted(np.array(chars), np.array(list(text)))
    split = int(len(ids) * 0.9)
    train, val = ids[:split], ids[split:]
    batch, steps, units = (16, 32, 64) if quick else (32, 64, 256)
    epochs = epochs or (2 if quick else 15)
    x, y = streams(train, batch, steps)
    vx, vy = streams(val, batch, steps)
    model = build(vocab, units, batch, steps, seed)
    judge = build(vocab, units, batch, steps, seed)              # a twin for held-out text
    rng = np.random.default_rng(seed)
    val_bpc = []

    def end_of_epoch(epoch, logs):
        judge.set_weights(model.get_weights())
        judge.reset_states()
        val_bpc.append(judge.evaluate(vx, vy, batch_size=batch) / math.log(2))
        logs["val_bpc"] = val_bpc[-1]
        print_fn(f"epoch {epoch + 1}: train {logs['loss'] / math.log(2):.3f} bits/char, "
                 f"held-out {val_bpc[-1]:.3f} bits/char")
        for temperature in (0.5, 1.0):
            line = sample(model.get_weights(), chars, vocab, units, "HAMLET.\n", 60 if quick else 160,
                          temperature, rng)
            print_fn(f"  T={temperature}: {line!r}")

    hooks = [callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: model.reset_states(),
                                      on_epoch_end=end_of_epoch)]
    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0, callbacks=hooks)
    uni, bi = ngram_bits(train, val, vocab, 1), ngram_bits(train, val, vocab, 2)
    print_fn(f"held-out bits per character: unigram {uni:.3f}, bigram {bi:.3f}, "
             f"LSTM({units}) {val_bpc[-1]:.3f} after {epochs} epochs ({len(train):,} training characters)")
    os.makedirs(out, exist_ok=True)
    _plot(val_bpc, uni, bi, units, os.path.join(out, "textgen_bits_per_char.png"))
    return {"unigram": uni, "bigram": bi, "lstm": val_bpc}


def _plot(val_bpc, uni, bi, units, path):
    from matplotlib.figure import Figure       # no pyplot: the backend stays the user's
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    epochs = np.arange(1, len(val_bpc) + 1)
    ax.plot(epochs, val_bpc, "o-", label=f"LSTM({units}), stateful truncated BPTT")
    ax.axhline(uni, color="grey", ls="--", label=f"unigram {uni:.2f}")
    ax.axhline(bi, color="black", ls=":", label=f"bigram {bi:.2f}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("held-out bits per character")
    ax.set_title("Character-level language model on Hamlet")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
