"""lstm_np (numba and numpy backends) against torch.nn.LSTM on the CPU, side by side
(``--cell gru`` / ``--cell rnn``: GRU against torch.nn.GRU, SimpleRNN against torch.nn.RNN).

Each framework runs in its own process (torch's OpenMP threads and NumPy's BLAS threads
would otherwise fight), all with the same thread count; the processes alternate over
several rounds and every figure is a median. float32, forward and forward+backward
(d/dx and every weight gradient), at the sizes (B, T, I, H) below.

    python benchmarks/lstm_vs_torch.py [--cell lstm] [--rounds 3] [--threads 2] [--out benchmarks/results]

Prints ms, GFLOP/s and the ratio lstm_np / torch per size and their geometric mean;
writes <cell>_vs_torch.json and <cell>_vs_torch.png into --out.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

SIZES = [(1, 10, 1, 20), (16, 500, 32, 32), (32, 64, 64, 128), (64, 100, 128, 256), (128, 50, 256, 512)]
FRAMEWORKS = ["numba", "torch", "numpy"]
# cell: (lstm_np layer, torch module, gate blocks). Keras's GRU (reset_after=True) and
# torch's GRU are the same recurrence; SimpleRNN and torch's RNN are both tanh.
CELLS = {"lstm": ("LSTM", "LSTM", 4), "gru": ("GRU", "GRU", 3), "rnn": ("SimpleRNN", "RNN", 1)}


def flops(B, T, I, H, gates=4):
    """GEMM flops of one forward: 2·T·B·(I + H)·gates·H. Backward does twice that."""
    return 2 * T * B * (I + H) * gates * H


def reps_for(B, T, I, H, framework):
    work = flops(B, T, I, H)                     # the LSTM's work: the same reps for every cell
    base = 3 if work > 5e9 else 10 if work > 2e8 else 50 if work > 1e6 else 300
    return max(2, base // 5) if framework == "numpy" and work > 2e8 else base


def worker(framework, threads, cell):
    """Runs in a child process: times every size, prints one JSON line."""
    ours, theirs, _ = CELLS[cell]
    import numpy as np
    rng = np.random.default_rng(0)
    out = {}
    for B, T, I, H in SIZES:
        x = rng.standard_normal((B, T, I)).astype(np.float32)
        g = rng.standard_normal((B, T, H)).astype(np.float32)
        if framework == "torch":
            import torch
            torch.set_num_threads(threads)
            m = getattr(torch.nn, theirs)(I, H, batch_first=True)
            xt = torch.tensor(x, requires_grad=True)
            gt = torch.tensor(g)

            def fwd():
                with torch.no_grad():
                    m(xt)

            def fwd_bwd():
                m.zero_grad(set_to_none=True)
                xt.grad = None
                y, _ = m(xt)
                y.backward(gt)
        else:
            import lstm_np
            lstm_np.set_backend(framework)
            layer = getattr(lstm_np.layers, ours)(H, return_sequences=True, seed=0)
            layer.build((None, T, I))

            def fwd():
                layer.forward(x)

            def fwd_bwd():
                layer.forward(x)
                layer.backward(g)
        res = {}
        for name, fn in (("forward", fwd), ("forward_backward", fwd_bwd)):
            fn()                                       # warm-up (JIT, allocator)
            times = []
            for _ in range(reps_for(B, T, I, H, framework)):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            res[name] = times
        out[str((B, T, I, H))] = res
    print(json.dumps(out))


def run_child(framework, threads, cell):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), NUMBA_NUM_THREADS=str(threads))
    p = subprocess.run([sys.executable, __file__, "--worker", framework, "--threads", str(threads), "--cell", cell],
                       env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{framework} worker failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def plot(summary, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    labels = [s for s in summary["sizes"]]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, kind in zip(axes, ("forward", "forward_backward")):
        xs = np.arange(len(labels))
        width = 0.27
        for k, fw in enumerate(FRAMEWORKS):
            ratios = [summary["ms"][lab][fw][kind] / summary["ms"][lab]["torch"][kind] for lab in labels]
            ax.bar(xs + (k - 1) * width, ratios, width, label=f"{'lstm_np ' + fw if fw != 'torch' else 'torch'}")
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels(["B,T,I,H\n" + lab.strip("()") for lab in labels], fontsize=7)
        ax.set_ylabel("time / torch time (log scale, lower is faster)")
        ax.set_title(f"{kind.replace('_', ' + ')}: time relative to torch.nn.{summary['torch_module']}\n"
                     "(CPU, float32)", fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(f"lstm_np vs PyTorch {summary['versions']['torch']} on {summary['machine']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", choices=FRAMEWORKS)
    ap.add_argument("--cell", choices=sorted(CELLS), default="lstm")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker, args.threads, args.cell)
    ours, theirs, gates = CELLS[args.cell]

    all_times = {fw: {} for fw in FRAMEWORKS}
    for r in range(args.rounds):                         # alternate the frameworks every round
        order = FRAMEWORKS if r % 2 == 0 else FRAMEWORKS[::-1]
        for fw in order:
            res = run_child(fw, args.threads, args.cell)
            for size, kinds in res.items():
                for kind, times in kinds.items():
                    all_times[fw].setdefault(size, {}).setdefault(kind, []).extend(times)
            print(f"round {r + 1}/{args.rounds}: {fw} done", file=sys.stderr, flush=True)

    import numpy
    import numba
    import torch
    summary = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
               "threads": args.threads, "rounds": args.rounds, "cell": ours, "torch_module": theirs,
               "versions": {"numpy": numpy.__version__, "numba": numba.__version__, "torch": torch.__version__},
               "sizes": [str(s) for s in SIZES], "ms": {}, "gflops": {}, "ratio_vs_torch": {}}
    print(f"\nlstm_np {ours} vs torch.nn.{theirs}, float32, {args.threads} threads, medians of {args.rounds} alternating rounds")
    print(f"{'(B, T, I, H)':<22}{'pass':<18}{'numba ms':>10}{'numpy ms':>10}{'torch ms':>10}"
          f"{'numba GF/s':>11}{'torch GF/s':>11}{'numba/torch':>12}")
    logs = {"forward": [], "forward_backward": []}
    for s in SIZES:
        key = str(s)
        summary["ms"][key], summary["gflops"][key], summary["ratio_vs_torch"][key] = {}, {}, {}
        for fw in FRAMEWORKS:
            summary["ms"][key][fw] = {k: 1e3 * median(v) for k, v in all_times[fw][key].items()}
        for kind, mult in (("forward", 1), ("forward_backward", 3)):
            ms = {fw: summary["ms"][key][fw][kind] for fw in FRAMEWORKS}
            gf = {fw: mult * flops(*s, gates) / (ms[fw] * 1e-3) / 1e9 for fw in FRAMEWORKS}
            ratio = ms["numba"] / ms["torch"]
            logs[kind].append(ratio)
            summary["gflops"][key][kind] = gf
            summary["ratio_vs_torch"][key][kind] = {"numba": ratio, "numpy": ms["numpy"] / ms["torch"]}
            print(f"{key:<22}{kind.replace('_', '+'):<18}{ms['numba']:>10.3f}{ms['numpy']:>10.3f}{ms['torch']:>10.3f}"
                  f"{gf['numba']:>11.1f}{gf['torch']:>11.1f}{ratio:>12.2f}")
    import math
    summary["geomean_ratio"] = {k: math.exp(sum(map(math.log, v)) / len(v)) for k, v in logs.items()}
    print(f"geometric mean numba/torch: forward {summary['geomean_ratio']['forward']:.2f}, "
          f"forward+backward {summary['geomean_ratio']['forward_backward']:.2f}")
    os.makedirs(args.out, exist_ok=True)
    name = f"{args.cell}_vs_torch"
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump(summary, f, indent=1)
    plot(summary, os.path.join(args.out, name + ".png"))
    print(f"wrote {args.out}/{name}.json and .png")


if __name__ == "__main__":
    main()
