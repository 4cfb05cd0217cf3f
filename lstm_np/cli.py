"""The ``lstm-np`` command (also ``python -m lstm_np``)."""
import argparse
import os
import sys
import tempfile


def _writable_dir(path):
    """Create ``path`` if needed and check a file can be written there."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"--out {path!r} is not a writable directory ({exc.strerror or exc})")
    return path


def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return v


def _demo_cumsum(args):
    from .demos import cumsum
    cumsum.run(out=args.out, seed=args.seed, quick=args.quick, epochs=args.epochs)
    return 0


def _demo_vanishing(args):
    from .demos import vanishing
    vanishing.run(out=args.out, seed=args.seed, quick=args.quick)
    return 0


def _demo_seq2seq(args):
    from .demos import seq2seq_dates
    seq2seq_dates.run(out=args.out, seed=args.seed, quick=args.quick)
    return 0


def _demo_stacked(args):
    from .demos import stacked
    stacked.run(out=args.out, seed=args.seed, quick=args.quick)
    return 0


def _demo_embedding(args):
    from .demos import embedding
    embedding.run(out=args.out, seed=args.seed, quick=args.quick)
    return 0


def _gradcheck(args):
    from .demos import gradcheck_all
    return 0 if gradcheck_all.run(seed=args.seed) else 1


BENCHMARKS = {
    "lstm_vs_torch": (["--rounds", "1"], []),
    "tutorial_loop": (["--calls", "200"], []),
    "jit_compile": ([], []),
    "memory": (["--size", "32,200,64,128"], []),
    "attention_vs_length": (["--quick"], []),
}


def _bench(args):
    """Run the scripts of benchmarks/ (they live in the source checkout, beside the package)."""
    import subprocess
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
    if not os.path.isdir(root):
        print("lstm-np: error: the benchmark scripts are in the source repository's benchmarks/ "
              "folder; run this from a checkout (pip install -e .)", file=sys.stderr)
        return 2
    names = [args.which] if args.which != "all" else list(BENCHMARKS)
    status = 0
    for name in names:
        quick_args, full_args = BENCHMARKS[name]
        cmd = [sys.executable, os.path.join(root, f"{name}.py")] + (quick_args if args.quick else full_args)
        if name in ("lstm_vs_torch", "tutorial_loop", "attention_vs_length"):
            cmd += ["--out", args.out]
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        status |= subprocess.call(cmd)
    return 1 if status else 0


def _common(p):
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", type=str, default="lstm_np_out", metavar="DIR",
                   help="directory for plots and CSV files (default ./lstm_np_out)")
    p.add_argument("--quick", action="store_true", help="a shorter run with smaller settings")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="lstm-np",
        description="lstm_np: LSTMs, BiLSTMs and seq2seq from scratch in NumPy. "
                    "Run the classic experiments and see their plots.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="run a demonstration (see 'lstm-np demo --help')",
                          description="Run a demonstration; each writes its plots into --out.")
    demos = demo.add_subparsers(dest="demo", metavar="DEMO")
    cs = demos.add_parser(
        "cumsum", help="the classic cumulative-sum tutorial: LSTM vs reversed LSTM vs BiLSTM, merge modes",
        description="The classic BiLSTM tutorial on the cumulative-sum sequence-classification problem: "
                    "trains the tutorial's LSTM(20) one sequence per fit call and prints its accuracy, then "
                    "compares an LSTM, an LSTM on reversed input (go_backwards) and a Bidirectional LSTM "
                    "over 250 single-sequence epochs, then the four merge modes (concat, sum, mul, ave). "
                    "Writes learning-curve PNGs and a CSV of the curves. Under a minute.")
    _common(cs)
    cs.add_argument("--epochs", type=_positive_int, default=None,
                    help="fit calls for the tutorial's model (default 1000; 300 with --quick)")
    cs.set_defaults(func=_demo_cumsum)
    vg = demos.add_parser(
        "vanishing", help="SimpleRNN vs LSTM: how far back the gradient of the last output reaches",
        description="Plots the norm of the gradient of a last-step loss with respect to the state at every "
                    "earlier step, for a SimpleRNN and an LSTM: why the slides say to use LSTMs.")
    _common(vg)
    vg.set_defaults(func=_demo_vanishing)
    sq = demos.add_parser(
        "seq2seq", help="date normalisation with attention: translations and an attention heatmap",
        description="Trains a bidirectional encoder and a Luong-attention decoder to turn dates like "
                    "'Sun 22 Nov 26' into '2026-11-22'; prints greedy and beam-search results on held-out "
                    "dates and saves the attention heatmap of one.")
    _common(sq)
    sq.set_defaults(func=_demo_seq2seq)
    st = demos.add_parser(
        "stacked", help="1 vs 2 vs 4 stacked LSTMs on a task where depth helps",
        description="Trains 1, 2 and 4 stacked LSTM(16) layers on per-step labels 'is the running sum in an "
                    "odd unit interval' (memory plus a sharply non-linear readout) and plots held-out accuracy.")
    _common(st)
    st.set_defaults(func=_demo_stacked)
    em = demos.add_parser(
        "embedding", help="pretrain an embedding, reuse it frozen (trainable=False) on a small task",
        description="Trains Embedding + LSTM on a large task, keeps only the Embedding, loads it with "
                    "weights=[...] and trainable=False into a model for a small related task, and compares "
                    "with training from scratch.")
    _common(em)
    em.set_defaults(func=_demo_embedding)
    bn = sub.add_parser("bench", help="run the benchmark scripts (lstm_np vs PyTorch, the tutorial loop, ...)",
                        description="Runs the scripts in benchmarks/: lstm_vs_torch (lstm_np vs torch.nn.LSTM, "
                                    "each in its own process), tutorial_loop (ms per fit call), jit_compile, "
                                    "memory, attention_vs_length. JSON and PNG results go to --out.")
    _common(bn)
    bn.add_argument("which", nargs="?", default="all", choices=["all"] + list(BENCHMARKS),
                    help="one benchmark, or all (default)")
    bn.set_defaults(func=_bench)
    gc = sub.add_parser("gradcheck", help="check every layer's and model's gradients by finite differences",
                        description="Runs the finite-difference gradient checks of every layer and model "
                                    "(float64, central differences) and prints the relative error of each "
                                    "parameter. Exits 1 if any check fails.")
    _common(gc)
    gc.set_defaults(func=_gradcheck)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        if getattr(args, "command", None) == "demo":
            parser.parse_args(["demo", "--help"])
        parser.print_help()
        return 2
    try:
        _writable_dir(args.out)
    except argparse.ArgumentTypeError as exc:
        print(f"lstm-np: error: {exc}", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
