"""Seq2Seq on the date task against the same model in PyTorch, each run in its own process.

    python benchmarks/seq2seq_vs_torch.py [--rounds 3] [--epochs 2] [--pairs 30000] [--seeds 0]

The model (both sides): source Embedding(32) -> bidirectional LSTM(64) over the padded source;
bridge h = tanh([h_f, h_b] W_h + b), c = [c_f, c_b] W_c + b; target Embedding(32) -> LSTM(64)
decoder with teacher forcing; Luong "general" attention over the real source steps; out =
tanh([context, h] W_c + b); logits; cross-entropy over real target tokens; Adam(0.003),
clipnorm 5, batch 64, 2 threads. PyTorch is written as its seq2seq tutorial writes it
(nn.Embedding, nn.LSTM(bidirectional) over pack_padded_sequence, an nn.LSTMCell decoder in a
Python loop, eager mode), and again without packing. Reported: seconds per epoch (median
over rounds of each epoch's time, the first epoch included), exact match of greedy decoding
on 1,000 new dates after the last epoch, and the time of decoding those 1,000 dates: greedy
(the first call, then the median of 5 more) and beam search with 4 beams (median of 3).
Both sides run the same beam search: 2K candidates per source row each step, an end token
finishes a hypothesis (score Σ log p / len^0.7), the K best others go on, a row stops with K
finished (lstm_np's ``Seq2Seq.predict(beam_width=4)``, written again in torch).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))


def data(pairs, seed):
    from lstm_np.datasets import encode_pairs, make_dates
    sv, tv, S, T = encode_pairs(*make_dates(pairs, seed=seed))
    ts, tt = make_dates(1000, seed=seed + 1000)
    return sv, tv, S, T, sv.encode_batch(ts), tt


def exact(tv, pred, truth):
    return float(np.mean([tv.decode(list(p)) == t for p, t in zip(pred, truth)]))


def run_lstm_np(pairs, epochs, seed):
    from lstm_np import optimizers
    from lstm_np.models import Seq2Seq
    sv, tv, S, T, TS, TT = data(pairs, seed)
    model = Seq2Seq(len(sv), len(tv), 32, 64, bidirectional_encoder=True, attention="luong", seed=seed)
    model.compile(optimizers.Adam(0.003, clipnorm=5.0))
    times = []
    for _ in range(epochs):
        t = time.perf_counter()
        model.fit(S, T, epochs=1, batch_size=64, verbose=0)
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    pred = model.predict(TS, max_length=12)
    first = time.perf_counter() - t
    greedy = _timed(lambda: model.predict(TS, max_length=12), 5)
    beam = _timed(lambda: model.predict(TS, max_length=12, beam_width=4), 3)
    return {"epoch_s": times, "exact": exact(tv, pred, TT), "greedy_first_s": first, "greedy_1000_s": greedy,
            "beam4_1000_s": beam}


def _timed(f, rounds):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def beam_torch(model, src, K=4, max_length=12, alpha=0.7, start=1, end=2, pad=0):
    """The beam search of lstm_np's decoding.py, on the torch model's step."""
    import torch
    enc, keys, mask, (h, c) = model.encode(src)
    B = len(src)
    R = B * K
    rows = torch.arange(B).repeat_interleave(K)
    enc, keys, mask, state = enc[rows], keys[rows], mask[rows], (h[rows], c[rows])
    scores = torch.where(torch.arange(R) % K == 0, 0.0, -float("inf")).double()
    tokens = torch.zeros((R, 0), dtype=torch.long)
    y = torch.full((R,), start, dtype=torch.long)
    finished = [[] for _ in range(B)]
    alive = torch.ones(B, dtype=torch.bool)
    for step in range(max_length):
        lg, state = model.step(y, state, enc, keys, mask)
        logp = torch.log_softmax(lg.double(), -1)
        V = logp.shape[1]
        score, top = (scores[:, None] + logp).reshape(B, K * V).topk(2 * K, dim=1)   # sorted
        beam_of, tok = top // V, top % V
        ok = torch.isfinite(score) & alive[:, None]
        live = ok & (tok != end)
        before = live.cumsum(1) - live.long()
        read = ok & (before < K)
        parent = torch.arange(B)[:, None].mul(K).repeat(1, K)
        new_tok = torch.full((B, K), pad, dtype=torch.long)
        new_score = torch.full((B, K), -float("inf"), dtype=torch.double)
        b, j = (live & read).nonzero(as_tuple=True)
        slot = before[b, j]
        parent[b, slot], new_tok[b, slot], new_score[b, slot] = b * K + beam_of[b, j], tok[b, j], score[b, j]
        for b_, j_ in (read & ~live).nonzero().tolist():
            finished[b_].append((score[b_, j_].item() / (step + 1) ** alpha,
                                 tokens[b_ * K + beam_of[b_, j_]].tolist()))
        stop = alive & ((torch.tensor([len(f) for f in finished]) >= K) | ((live & read).sum(1) == 0))
        alive &= ~stop
        new_score[stop] = -float("inf")
        parent = parent.reshape(-1)
        state = (state[0][parent], state[1][parent])
        tokens = torch.cat([tokens[parent], new_tok.reshape(R, 1)], 1)
        scores, y = new_score.reshape(-1), new_tok.reshape(-1)
        if not alive.any():
            break
    out = []
    for b in range(B):
        if not finished[b]:
            p = b * K + int(scores[b * K:(b + 1) * K].argmax())
            finished[b].append((scores[p].item() / tokens.shape[1] ** alpha, tokens[p].tolist()))
        out.append(max(finished[b], key=lambda f: f[0])[1])
    return out


def run_torch(pairs, epochs, seed, packed):
    import torch
    from torch import nn
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    sv, tv, S, T, TS, TT = data(pairs, seed)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.src_emb, self.tgt_emb = nn.Embedding(len(sv), 32, padding_idx=0), nn.Embedding(len(tv), 32)
            self.encoder = nn.LSTM(32, 64, batch_first=True, bidirectional=True)
            self.bridge_h, self.bridge_c = nn.Linear(128, 64), nn.Linear(128, 64)
            self.cell = nn.LSTMCell(32, 64)
            self.keys = nn.Linear(128, 64, bias=False)
            self.combine, self.out = nn.Linear(192, 64), nn.Linear(64, len(tv))

        def encode(self, src):
            lengths = (src != 0).sum(1)
            x = self.src_emb(src)
            if packed:
                x = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            enc, (h, c) = self.encoder(x)
            if packed:
                enc, _ = nn.utils.rnn.pad_packed_sequence(enc, batch_first=True, total_length=src.shape[1])
            h = torch.tanh(self.bridge_h(torch.cat([h[0], h[1]], -1)))
            c = self.bridge_c(torch.cat([c[0], c[1]], -1))
            return enc, self.keys(enc), src != 0, (h, c)

        def step(self, y, state, enc, keys, mask):
            h, c = self.cell(self.tgt_emb(y), state)
            scores = torch.einsum("bu,bsu->bs", h, keys).masked_fill(~mask, float("-inf"))
            context = torch.einsum("bs,bse->be", torch.softmax(scores, -1), enc)
            return self.out(torch.tanh(self.combine(torch.cat([context, h], -1)))), (h, c)

        def forward(self, src, tgt):
            enc, keys, mask, state = self.encode(src)
            y = torch.full((src.shape[0],), 1, dtype=torch.long)
            logits = []
            for t in range(tgt.shape[1]):
                lg, state = self.step(y, state, enc, keys, mask)
                logits.append(lg)
                y = tgt[:, t]
            return torch.stack(logits, 1)

    model = Model()
    opt = torch.optim.Adam(model.parameters(), lr=0.003)
    loss_fn = nn.CrossEntropyLoss(ignore_index=0)
    S, T = torch.tensor(S), torch.tensor(T)
    gen = torch.Generator().manual_seed(seed)
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        for idx in torch.randperm(len(S), generator=gen).split(64):
            src, tgt = S[idx], T[idx]
            s_len, t_len = int((src != 0).any(0).nonzero().max()) + 1, int((tgt != 0).any(0).nonzero().max()) + 1
            src, tgt = src[:, :s_len], tgt[:, :t_len]
            logits = model(src, tgt)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
        times.append(time.perf_counter() - t0)
    src = torch.tensor(TS)

    def greedy():
        with torch.no_grad():
            enc, keys, mask, state = model.encode(src)
            y = torch.full((len(src),), 1, dtype=torch.long)
            out = []
            for _ in range(12):
                lg, state = model.step(y, state, enc, keys, mask)
                y = lg.argmax(-1)
                out.append(y)
            return torch.stack(out, 1).numpy()
    t0 = time.perf_counter()
    out = greedy()
    first = time.perf_counter() - t0
    pred = [row[:list(row).index(2)] if 2 in row else row for row in out.tolist()]
    with torch.no_grad():
        beam = _timed(lambda: beam_torch(model, src), 3)
    return {"epoch_s": times, "exact": exact(tv, pred, TT), "greedy_first_s": first,
            "greedy_1000_s": _timed(greedy, 5), "beam4_1000_s": beam}


def worker(which, pairs, epochs, seed):
    if which == "lstm_np":
        return run_lstm_np(pairs, epochs, seed)
    return run_torch(pairs, epochs, seed, packed=which == "torch_packed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=30000)
    ap.add_argument("--seeds", default="0", help="comma-separated; round r uses seed r mod len")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.pairs, args.epochs, args.seed)))
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    names = ["lstm_np", "torch_packed", "torch_unpacked"]
    runs = {n: [] for n in names}
    env = dict(os.environ, OMP_NUM_THREADS="2")
    for r in range(args.rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            out = subprocess.run([sys.executable, __file__, "--worker", name, "--pairs", str(args.pairs),
                                  "--epochs", str(args.epochs), "--seed", str(seeds[r % len(seeds)])],
                                 capture_output=True, text=True, env=env, check=True)
            res = json.loads(out.stdout.strip().splitlines()[-1])
            runs[name].append(res)
            print(f"round {r} {name:<15} s/epoch {[round(t, 1) for t in res['epoch_s']]}  exact {res['exact']:.3f}"
                  f"  1000 dates: greedy first {res['greedy_first_s']:.3f} s, then {res['greedy_1000_s']:.3f} s;"
                  f" beam 4 {res['beam4_1000_s']:.3f} s", flush=True)
    med = {n: float(np.median([t for res in runs[n] for t in res["epoch_s"]])) for n in names}
    print(f"\nmedian s/epoch: " + ", ".join(f"{n} {med[n]:.1f}" for n in names))
    print(f"lstm_np / torch packed {med['lstm_np'] / med['torch_packed']:.2f}, "
          f"/ torch unpacked {med['lstm_np'] / med['torch_unpacked']:.2f}")
    for key in ("greedy_first_s", "greedy_1000_s", "beam4_1000_s"):
        m = {n: float(np.median([res[key] for res in runs[n]])) for n in names}
        print(f"{key}: " + ", ".join(f"{n} {m[n]:.3f}" for n in names)
              + f"; lstm_np / torch packed {m['lstm_np'] / m['torch_packed']:.2f}, "
              f"/ unpacked {m['lstm_np'] / m['torch_unpacked']:.2f}")
        med[key] = m
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "seq2seq_vs_torch.json"), "w") as f:
        json.dump({"machine": describe(), "args": vars(args), "runs": runs, "medians": med}, f, indent=2)


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
