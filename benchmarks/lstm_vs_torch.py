"""lstm_np (numba and numpy backends) against torch.nn.LSTM on the CPU, side by side
(``--cell gru`` / ``--cell rnn``: GRU against torch.nn.GRU, SimpleRNN against torch.nn.RNN).

Each framework runs in its own process (torch's OpenMP threads and NumPy's BLAS threads
would otherwise fight), all with the same thread count; the processes alternate over
several rounds and every figure is a median. float32, forward and forward+backward
(d/dx and every weight gradient), at the sizes (B, T, I, H) below.

    python benchmarks/lstm_vs_torch.py [--cell lstm] [--rounds 3] [--threads 2 | --threads 1,2]
                                       [--bidirectional] [--layers 2] [--hog] [--no-numpy]
                                       [--out benchmarks/results]

--bidirectional: Bidirectional(LSTM) (concat) against nn.LSTM(bidirectional=True); --layers 2:
two stacked layers against num_layers=2. --threads 1,2 measures every thread count (torch gets
the same count). --hog: each measurement is taken twice, the second time with a CPU-bound
process pinned to core 0, and each framework's slow-down (hog / quiet) is reported.

Prints ms, GFLOP/s and the ratio lstm_np / torch per size and their geometric mean;
writes <name>.json and <name>.png into --out (name from the options, e.g.
lstm_vs_torch, bilstm_vs_torch_t1, lstm2_vs_torch_hog).
"""
import argparse
import json
import os
import subprocess
import sys
import time

SIZES = [(1, 10, 1, 20), (16, 500, 32, 32), (32, 64, 64, 128), (64, 100, 128, 256), (128, 50, 256, 512)]
FRAMEWORKS = ["numba", "torch", "numpy"]
# cell: (lstm_np layer, torch module, gate blocks). Keras's GRU (reset_after=True) and
# torch's GRU are the same recurrence; SimpleRNN and torch's RNN are both tanh.
CELLS = {"lstm": ("LSTM", "LSTM", 4), "gru": ("GRU", "GRU", 3), "rnn": ("SimpleRNN", "RNN", 1)}


def _tick(size):
    """'(64, 100, 128, 256)' -> a two-line axis label that does not run into its neighbours."""
    B, T, I, H = [v.strip() for v in size.strip("()").split(",")]
    return f"B={B} T={T}\nI={I} H={H}"


def flops(B, T, I, H, gates=4, directions=1, layers=1):
    """GEMM flops of one forward: 2·T·B·(I + H)·gates·H per direction of the first layer, with
    I = directions·H for the layers above it. Backward does twice that."""
    total, inp = 0, I
    for _ in range(layers):
        total += directions * 2 * T * B * (inp + H) * gates * H
        inp = directions * H
    return total


def reps_for(B, T, I, H, framework):
    work = flops(B, T, I, H)                     # the LSTM's work: the same reps for every cell
    base = 3 if work > 5e9 else 10 if work > 2e8 else 50 if work > 1e6 else 300
    return max(2, base // 5) if framework == "numpy" and work > 2e8 else base


def worker(framework, threads, cell, bidirectional=False, layers=1):
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
            m = getattr(torch.nn, theirs)(I, H, batch_first=True, bidirectional=bidirectional, num_layers=layers)
            if bidirectional:
                g = rng.standard_normal((B, T, 2 * H)).astype(np.float32)
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
            stack, width = [], I
            for k in range(layers):
                layer = getattr(lstm_np.layers, ours)(H, return_sequences=True, seed=k)
                if bidirectional:
                    layer = lstm_np.layers.Bidirectional(layer)
                layer.build((None, T, width))
                stack.append(layer)
                width = H * (2 if bidirectional else 1)
            if bidirectional:
                g = rng.standard_normal((B, T, 2 * H)).astype(np.float32)

            def fwd():                                 # inference, as torch's no_grad
                h = x
                with lstm_np.inference_mode():
                    for layer in stack:
                        h = layer.forward(h, training=False)

            def fwd_bwd():
                h = x
                for layer in stack:
                    h = layer.forward(h, training=True)
                d = g
                for layer in reversed(stack):
                    d = layer.backward(d)
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


def run_child(framework, threads, cell, bidirectional, layers, hog=False):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), NUMBA_NUM_THREADS=str(threads), LSTM_NP_NUM_THREADS=str(threads))
    cmd = [sys.executable, __file__, "--worker", framework, "--threads", str(threads), "--cell", cell,
           "--layers", str(layers)] + (["--bidirectional"] if bidirectional else [])
    hogger = None
    if hog:                                            # a CPU-bound process pinned to core 0
        hogger = subprocess.Popen([sys.executable, "-c", "import os\nos.sched_setaffinity(0, {0})\nwhile True: pass"])
        time.sleep(0.2)
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    finally:
        if hogger is not None:
            hogger.kill()
            hogger.wait()
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
    counts = summary["thread_counts"]
    ours = [fw for fw in summary["frameworks"] if fw != "torch"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, kind in zip(axes, ("forward", "forward_backward")):
        xs = np.arange(len(labels))
        bars = []                                      # (label, ms table) per bar group
        for n in counts:
            for fw in ours:
                runs = summary["by_threads"][str(n)]
                tag = f"lstm_np {fw}, {n} thread{'s' if n > 1 else ''} (torch too)"
                bars.append((tag + (", quiet" if "hog" in runs else ""), fw, runs["ms"]))
                if "hog" in runs:
                    bars.append((tag + ", CPU hog on core 0", fw, runs["hog"]["ms"]))
        width = 0.8 / len(bars)
        for k, (tag, fw, ms) in enumerate(bars):
            ratios = [ms[lab][fw][kind] / ms[lab]["torch"][kind] for lab in labels]
            ax.bar(xs + (k - (len(bars) - 1) / 2) * width, ratios, width, label=tag)
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([_tick(lab) for lab in labels], fontsize=7)
        ax.set_ylabel("time / torch time, same threads (log, lower is faster)")
        ax.set_title(f"{kind.replace('_', ' + ')}: {summary['model']} vs torch\n(CPU, float32)", fontsize=10)
        ax.legend(fontsize=7)
    fig.suptitle(f"lstm_np vs PyTorch {summary['versions']['torch']} on {summary['machine']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def measure(frameworks, threads, args, hog):
    """{framework: {size: {pass: [seconds, ...]}}} over alternating rounds."""
    times = {fw: {} for fw in frameworks}
    for r in range(args.rounds):                         # alternate the frameworks every round
        for fw in (frameworks if r % 2 == 0 else frameworks[::-1]):
            res = run_child(fw, threads, args.cell, args.bidirectional, args.layers, hog)
            for size, kinds in res.items():
                for kind, t in kinds.items():
                    times[fw].setdefault(size, {}).setdefault(kind, []).extend(t)
            print(f"{threads} threads{' + hog' if hog else ''}, round {r + 1}/{args.rounds}: {fw} done",
                  file=sys.stderr, flush=True)
    return times


def summarize(times, frameworks, gates, args, label):
    """ms, GF/s and ratios per size for one thread count; prints the table."""
    import math
    out = {"ms": {}, "gflops": {}, "ratio_vs_torch": {}}
    print(f"\n{label}")
    print(f"{'(B, T, I, H)':<22}{'pass':<18}" + "".join(f"{fw + ' ms':>11}" for fw in frameworks)
          + f"{'numba GF/s':>11}{'torch GF/s':>11}{'numba/torch':>12}")
    logs = {"forward": [], "forward_backward": []}
    for s in SIZES:
        key = str(s)
        out["ms"][key] = {fw: {k: 1e3 * median(v) for k, v in times[fw][key].items()} for fw in frameworks}
        out["gflops"][key], out["ratio_vs_torch"][key] = {}, {}
        for kind, mult in (("forward", 1), ("forward_backward", 3)):
            ms = {fw: out["ms"][key][fw][kind] for fw in frameworks}
            work = mult * flops(*s, gates, 2 if args.bidirectional else 1, args.layers)
            gf = {fw: work / (ms[fw] * 1e-3) / 1e9 for fw in frameworks}
            ratio = ms["numba"] / ms["torch"]
            logs[kind].append(ratio)
            out["gflops"][key][kind] = gf
            out["ratio_vs_torch"][key][kind] = {fw: ms[fw] / ms["torch"] for fw in frameworks if fw != "torch"}
            print(f"{key:<22}{kind.replace('_', '+'):<18}" + "".join(f"{ms[fw]:>11.3f}" for fw in frameworks)
                  + f"{gf['numba']:>11.1f}{gf['torch']:>11.1f}{ratio:>12.2f}")
    out["geomean_ratio"] = {k: math.exp(sum(map(math.log, v)) / len(v)) for k, v in logs.items()}
    print(f"geometric mean numba/torch: forward {out['geomean_ratio']['forward']:.2f}, "
          f"forward+backward {out['geomean_ratio']['forward_backward']:.2f}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", choices=FRAMEWORKS)
    ap.add_argument("--cell", choices=sorted(CELLS), default="lstm")
    ap.add_argument("--threads", default="2", help="a count, or several: 1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bidirectional", action="store_true")
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--hog", action="store_true")
    ap.add_argument("--no-numpy", action="store_true", help="skip the (slow) NumPy reference backend")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--replot", metavar="JSON", help="only redraw the PNG of a results file")
    args = ap.parse_args()
    if args.replot:
        with open(args.replot) as f:
            plot(json.load(f), args.replot[:-len(".json")] + ".png")
        return None
    counts = [int(n) for n in str(args.threads).split(",")]
    if args.worker:
        return worker(args.worker, counts[0], args.cell, args.bidirectional, args.layers)
    ours, theirs, gates = CELLS[args.cell]
    frameworks = [fw for fw in FRAMEWORKS if not (args.no_numpy and fw == "numpy")]
    model = ("Bidirectional(" + ours + ")" if args.bidirectional else ours) + (f" x{args.layers}" if args.layers > 1 else "")

    import numpy
    import numba
    import torch
    summary = {"machine": describe(),
               "rounds": args.rounds, "cell": ours, "torch_module": theirs, "model": model,
               "bidirectional": args.bidirectional, "layers": args.layers, "hog": args.hog,
               "frameworks": frameworks, "thread_counts": counts,
               "versions": {"numpy": numpy.__version__, "numba": numba.__version__, "torch": torch.__version__},
               "sizes": [str(s) for s in SIZES], "by_threads": {}}
    for n in counts:
        label = f"lstm_np {model} vs torch.nn.{theirs}, float32, {n} threads, medians of {args.rounds} alternating rounds"
        summary["by_threads"][str(n)] = summarize(measure(frameworks, n, args, False), frameworks, gates, args, label)
        if args.hog:
            hogged = summarize(measure(frameworks, n, args, True), frameworks, gates, args, label + ", CPU hog on core 0")
            quiet = summary["by_threads"][str(n)]
            slow = {key: {fw: {k: hogged["ms"][key][fw][k] / quiet["ms"][key][fw][k] for k in hogged["ms"][key][fw]}
                          for fw in frameworks} for key in hogged["ms"]}
            quiet["hog"], quiet["slowdown_with_hog"] = hogged, slow
            print("slow-down with the hog (hog ms / quiet ms), forward+backward: "
                  + "; ".join(f"{key}: " + ", ".join(f"{fw} {slow[key][fw]['forward_backward']:.2f}" for fw in frameworks)
                              for key in slow))
    os.makedirs(args.out, exist_ok=True)
    name = (f"{'bi' if args.bidirectional else ''}{args.cell}{args.layers if args.layers > 1 else ''}_vs_torch"
            + (f"_t{args.threads.replace(',', '_')}" if counts != [2] else "") + ("_hog" if args.hog else ""))
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump(summary, f, indent=1)
    plot(summary, os.path.join(args.out, name + ".png"))
    print(f"wrote {args.out}/{name}.json and .png")


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
