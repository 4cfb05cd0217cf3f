"""The scaling chart of the README: GFLOP/s and speed-up from 1 to 2 threads, per size, for
lstm_np and torch, from the JSON that ``lstm_vs_torch.py --threads 1,2`` writes, with this
machine's sgemm peaks from ``gemm_peak.py`` as reference lines.

    python benchmarks/plot_scaling.py [--results benchmarks/results]
"""
import argparse
import json
import os

from lstm_vs_torch import _tick        # the same axis labels as the benchmark's own charts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = ap.parse_args()
    with open(os.path.join(args.results, "lstm_vs_torch_t1_2.json")) as f:
        summary = json.load(f)
    peaks = {}
    peak_path = os.path.join(args.results, "gemm_peak.json")
    if os.path.exists(peak_path):
        with open(peak_path) as f:
            peaks = json.load(f)["gflops"]
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sizes = summary["sizes"]
    counts = [str(n) for n in summary["thread_counts"]]
    xs = np.arange(len(sizes))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
    bars = [(fw, n) for fw in ("numba", "torch") for n in counts]
    width = 0.8 / len(bars)
    colors = {("numba", "1"): "#9ecae1", ("numba", "2"): "#2171b5", ("torch", "1"): "#fdae6b", ("torch", "2"): "#d94801"}
    for k, (fw, n) in enumerate(bars):
        gf = [summary["by_threads"][n]["gflops"][s]["forward_backward"][fw] for s in sizes]
        ax1.bar(xs + (k - (len(bars) - 1) / 2) * width, gf, width, color=colors.get((fw, n)),
                label=f"{'lstm_np' if fw == 'numba' else 'torch'}, {n} thread{'s' if n != '1' else ''}")
    for name, style in (("kernels' BLAS, 1 core", ":"), ("numpy, 2 threads", "--")):
        for key, value in peaks.items():
            if key.startswith(name):
                ax1.axhline(value, color="k", lw=0.8, ls=style, label=f"sgemm 2048 peak: {key} ({value:.0f})")
    for key, value in peaks.items():
        if key.startswith("kernels' BLAS") and "cores" in key:
            ax1.axhline(value, color="k", lw=1.2, ls="-", label=f"sgemm 2048 peak: {key} ({value:.0f})")
    ax1.set_xticks(xs)
    ax1.set_xticklabels([_tick(s) for s in sizes], fontsize=7)
    ax1.set_ylabel("GFLOP/s, forward + backward (higher is better)")
    ax1.set_title("LSTM forward + backward, float32: GFLOP/s", fontsize=10)
    top = max([b.get_height() for b in ax1.patches] + list(peaks.values()) + [1.0])
    ax1.set_ylim(0, 1.5 * top)                         # room for the legend above bars and lines
    ax1.legend(fontsize=6.5, loc="upper left", ncol=2)
    for k, (fw, kind, color) in enumerate((("numba", "forward", "#6baed6"), ("numba", "forward_backward", "#08519c"),
                                           ("torch", "forward", "#fd8d3c"), ("torch", "forward_backward", "#a63603"))):
        speedup = [summary["by_threads"]["1"]["ms"][s][fw][kind] / summary["by_threads"]["2"]["ms"][s][fw][kind]
                   for s in sizes]
        ax2.bar(xs + (k - 1.5) * 0.2, speedup, 0.2, color=color,
                label=f"{'lstm_np' if fw == 'numba' else 'torch'} {kind.replace('_', ' + ')}")
    ax2.axhline(2.0, color="k", lw=0.8, ls="--", label="2x: both cores fully used")
    ax2.axhline(1.0, color="gray", lw=0.8)
    ax2.set_xticks(xs)
    ax2.set_xticklabels([_tick(s) for s in sizes], fontsize=7)
    ax2.set_ylabel("time on 1 thread / time on 2 threads")
    ax2.set_title("speed-up from 1 to 2 threads (each framework against itself)", fontsize=10)
    ax2.set_ylim(0, 2.6)
    ax2.legend(fontsize=7, loc="upper left", ncol=3)
    fig.suptitle(f"lstm_np vs PyTorch {summary['versions']['torch']} on {summary['machine']}: "
                 f"medians of {summary['rounds']} alternating rounds", fontsize=10)
    fig.tight_layout()
    path = os.path.join(args.results, "lstm_scaling.png")
    fig.savefig(path, dpi=110)
    print("wrote", path)


if __name__ == "__main__":
    main()
