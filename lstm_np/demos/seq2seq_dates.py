"""Date normalisation as a small translation task: "Sun 22 Nov 26" -> "2026-11-22".

A bidirectional-LSTM encoder, a Luong-attention LSTM decoder, teacher forcing; then
greedy and beam-search translations of held-out dates, and the attention heatmap of one.
"""
import os

import numpy as np

from .. import optimizers, plot
from ..datasets import END, encode_pairs, make_dates
from ..models import Seq2Seq
from .timing import EpochTimes


def run(out="lstm_np_out", seed=0, quick=False, print_fn=print):
    os.makedirs(out, exist_ok=True)
    n, epochs = (12000, 2) if quick else (30000, 2)
    src, tgt = make_dates(n, seed=seed)
    sv, tv, S, T = encode_pairs(src, tgt)
    model = Seq2Seq(len(sv), len(tv), 32, 64, bidirectional_encoder=True, attention="luong", seed=seed)
    model.compile(optimizer=optimizers.Adam(0.003, clipnorm=5.0), metrics=["acc"])
    timer = EpochTimes()
    hist = model.fit(S, T, epochs=epochs, batch_size=64, verbose=1, callbacks=[timer])
    vs, vt = make_dates(1000, seed=seed + 1)
    X = sv.encode_batch(vs)
    greedy = model.predict(X, max_length=12)
    acc = np.mean([tv.decode(p + [END]) == y for p, y in zip(greedy, vt)])
    beam = model.predict(X[:200], max_length=12, beam_width=3)
    acc_beam = np.mean([tv.decode(p + [END]) == y for p, y in zip(beam, vt[:200])])
    acc_greedy200 = np.mean([tv.decode(p + [END]) == y for p, y in zip(greedy[:200], vt[:200])])
    print_fn(f"trained on {n} dates for {epochs} epochs: {timer.summary()}; final loss {hist.history['loss'][-1]:.4f}")
    print_fn(f"exact match on 1000 held-out dates, greedy: {acc:.3f}; on the first 200, greedy "
             f"{acc_greedy200:.3f} vs beam search (width 3) {acc_beam:.3f}")
    for s_, p in list(zip(vs, greedy))[:8]:
        print_fn(f"   {s_:<28} -> {tv.decode(p + [END])}")
    model.predict(X[:1], max_length=12)
    weights = model.last_attention[0]
    out_tokens = list(tv.decode(greedy[0] + [END])) + ["<end>"]
    path = os.path.join(out, "seq2seq_attention.png")
    plot.attention_heatmap(weights, list(vs[0]), out_tokens, path,
                           title=f"Luong attention: {vs[0]!r} -> {tv.decode(greedy[0] + [END])!r}", close=True)
    print_fn(f"Attention heatmap: {path}")
    from ..explain import explain
    page = explain(model, np.asarray(X[0])[np.asarray(X[0]) != model.pad_token], source_vocabulary=sv.itos,
                   target_vocabulary=tv.itos, title=f"Inside the date translator: {vs[0]!r}").save(
        os.path.join(out, "seq2seq_explain.html"))
    print_fn(f"The explorer page (attention, encoder states and gates): {page}")
    return {"exact_match": float(acc), "beam_exact_match": float(acc_beam), "train_seconds": sum(timer.seconds)}
