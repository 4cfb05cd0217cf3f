"""The seed's long-sentence problem, shown and solved: an encoder–decoder with and
without attention, trained on the same data, scored by exact match against input length.

Task: reverse a random string over 10 symbols (the answer depends on the whole input,
so the fixed-size context of a plain encoder–decoder must hold all of it).

    python benchmarks/attention_vs_length.py [--epochs 5] [--quick]

All three models see the same data for the same number of epochs.

Writes attention_vs_length.json and .png into benchmarks/results.
"""
import argparse
import json
import os
import time

import numpy as np

from lstm_np import optimizers
from lstm_np.datasets import END, Vocabulary, make_reversal
from lstm_np.models import Seq2Seq

BUCKETS = [(4, 8), (9, 14), (15, 19), (20, 24), (25, 30)]


def train_and_score(attention, epochs, n_train, seed, max_len):
    src, tgt = make_reversal(n_train, min_len=4, max_len=max_len, seed=seed)
    vocab = Vocabulary.from_texts(src)
    S, T = vocab.encode_batch(src), vocab.encode_batch(tgt, add_end=True)
    model = Seq2Seq(len(vocab), len(vocab), 16, 64, bidirectional_encoder=True, attention=attention, seed=seed)
    model.compile(optimizers.Adam(0.003, clipnorm=5.0))
    t0 = time.perf_counter()
    model.fit(S, T, epochs=epochs, batch_size=64, verbose=0)
    train_s = time.perf_counter() - t0
    scores = {}
    for lo, hi in BUCKETS:
        if lo > max_len:
            continue
        s, t = make_reversal(200, min_len=lo, max_len=min(hi, max_len), seed=seed + 100 + lo)
        pred = model.predict(vocab.encode_batch(s), max_length=hi + 2)
        scores[f"{lo}-{hi}"] = float(np.mean([vocab.decode(p + [END]) == y for p, y in zip(pred, t)]))
    return {"epochs": epochs, "train_seconds": train_s, "exact_match": scores}


def plot(res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, r in res.items():
        labels = list(r["exact_match"])
        ax.plot(labels, [100 * v for v in r["exact_match"].values()], marker="o",
                label=f"{name} ({r['epochs']} epochs, {r['train_seconds']:.0f} s)")
    ax.set_xlabel("input length (characters)")
    ax.set_ylabel("exact-match accuracy (%)")
    ax.set_ylim(-3, 103)
    ax.set_title("Reversing strings: long inputs need attention")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=5, help="training epochs per model (20,000 strings each)")
    ap.add_argument("--quick", action="store_true", help="2 epochs of 4,000 strings, lengths up to 14")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = ap.parse_args()
    epochs, max_len, n = (2, 14, 4000) if args.quick else (args.epochs, 30, 20000)
    res = {}
    for name, attention in (("no attention", None), ("Luong attention", "luong"), ("Bahdanau attention", "bahdanau")):
        res[name] = train_and_score(attention, epochs, n, args.seed, max_len)
        print(f"{name:<20} {res[name]['epochs']} epochs in {res[name]['train_seconds']:.0f} s: "
              + "  ".join(f"len {k}: {100 * v:.1f}%" for k, v in res[name]["exact_match"].items()), flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "attention_vs_length.json"), "w") as f:
        json.dump(res, f, indent=1)
    plot(res, os.path.join(args.out, "attention_vs_length.png"))
    print(f"wrote {args.out}/attention_vs_length.json and .png")


if __name__ == "__main__":
    main()
