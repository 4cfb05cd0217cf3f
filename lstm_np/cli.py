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


# name -> (module in lstm_np.demos, one-line help, description). Each module has
# run(out=, seed=, quick=, ...) and writes its plots into out.
DEMOS = {
    "cumsum": ("cumsum", "the classic cumulative-sum tutorial: LSTM vs reversed LSTM vs BiLSTM, merge modes",
               "The classic BiLSTM tutorial on the cumulative-sum sequence-classification problem: trains the "
               "tutorial's LSTM(20) one sequence per fit call and prints its accuracy, then compares an LSTM, "
               "an LSTM on reversed input (go_backwards) and a Bidirectional LSTM over 250 single-sequence "
               "epochs, then the four merge modes (concat, sum, mul, ave). Writes learning-curve PNGs and a "
               "CSV of the curves. Under a minute."),
    "vanishing": ("vanishing", "SimpleRNN vs LSTM: how far back the gradient of the last output reaches",
                  "Plots the norm of the gradient of a last-step loss with respect to the state at every "
                  "earlier step, for a SimpleRNN and an LSTM: why the slides say to use LSTMs."),
    "seq2seq": ("seq2seq_dates", "date normalisation with attention: translations and an attention heatmap",
                "Trains a bidirectional encoder and a Luong-attention decoder to turn dates like "
                "'Sun 22 Nov 26' into '2026-11-22'; prints greedy and beam-search results on held-out dates "
                "and saves the attention heatmap of one."),
    "stacked": ("stacked", "1 vs 2 vs 4 stacked LSTMs on a task where depth helps",
                "Trains 1, 2 and 4 stacked LSTM(16) layers on per-step labels 'is the running sum in an odd "
                "unit interval' (memory plus a sharply non-linear readout) and plots held-out accuracy."),
    "airline": ("airline", "forecast the airline passengers (real data): LSTMs against persistence and seasonal naive",
                "The classic univariate forecasting tutorial on Box & Jenkins' airline passengers (shipped with "
                "the package): the tutorial's LSTM(4) with look-back 1, a 12-month look-back, a stacked "
                "bidirectional variant and an LSTM on seasonal differences, each over several seeds, against "
                "persistence and seasonal naive; test RMSE in passengers and a plot of the forecasts."),
    "textgen": ("textgen", "a character-level LSTM language model on Hamlet, stateful truncated BPTT",
                "Trains a stateful character-level LSTM on Hamlet (shipped with the package) over long "
                "parallel streams, samples with two temperatures after each epoch, and compares held-out "
                "bits per character with unigram and bigram baselines; plots the curve."),
    "variants": ("variants", "a miniature of Greff et al.'s 'LSTM: A Search Space Odyssey': each part switched off",
                 "Trains the plain LSTM, the one with peepholes and Greff et al.'s eight ablations (NIG, NFG, NOG, "
                 "NIAF, NOAF, CIFG, FGR) over 5 seeds on the adding problem, a delayed-recall task and monthly "
                 "sunspots; prints median test losses relative to the plain LSTM and plots every seed. ~4 min."),
    "explain": ("explain", "look inside a trained character LSTM: units that track brackets, line position",
                "Trains a character LSTM on Hamlet, runs lstm_np.explain on held-out text, prints the units "
                "whose cell state best tracks 'inside a stage direction [...]' and 'position in the line' "
                "(their correlations), and writes the explorer page explain.html (one file, no network) "
                "with the model and its vocabulary for 'lstm-np explain'."),
    "embedding": ("embedding", "pretrain an embedding, reuse it frozen (trainable=False) on a small task",
                  "Trains Embedding + LSTM on a large task, keeps only the Embedding, loads it with "
                  "weights=[...] and trainable=False into a model for a small related task, and compares "
                  "with training from scratch."),
}


def _demo(args):
    import importlib
    print(f"lstm-np demo {args.demo}: {DEMOS[args.demo][1]}", flush=True)      # a first line at once
    if args.quick:
        print("--quick: a smoke run with smaller settings; its numbers show that the demo works, not the "
              "results the README reports", flush=True)
    from .fast import kernels_cached
    if not kernels_cached():
        print("(the first run in a new environment compiles the kernels once, ~20-40 s; numba caches "
              "them for the next runs)", flush=True)
    module = importlib.import_module(f"lstm_np.demos.{DEMOS[args.demo][0]}")
    extra = {"epochs": args.epochs} if args.demo == "cumsum" else {}
    module.run(out=args.out, seed=args.seed, quick=args.quick, **extra)
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
    for name, (_, help_, description) in DEMOS.items():
        p = demos.add_parser(name, help=help_, description=description)
        _common(p)
        if name == "cumsum":
            p.add_argument("--epochs", type=_positive_int, default=None,
                           help="fit calls for the tutorial's model (default 1000; 300 with --quick)")
        p.set_defaults(func=_demo)
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
    ex = sub.add_parser("explain", help="write the explorer page of a saved model for one input",
                        description="Runs a saved model (.keras) on one input and writes a self-contained HTML "
                                    "page: its LSTM/GRU states and gates over time, the gradient flowing back "
                                    "from one output, and the units that are on across a span you select.")
    ex.add_argument("model", help="a saved model file (.keras / .npz)")
    given = ex.add_mutually_exclusive_group(required=True)
    given.add_argument("--text", help="the input text (needs --vocabulary)")
    given.add_argument("--input", help="a .npy file with one input: (T, D) features or (T,) token ids")
    ex.add_argument("--vocabulary", help="a JSON list: the token of each id (the characters, in order)")
    ex.add_argument("--output", type=int, default=None, help="the output unit to explain (default: the predicted one)")
    ex.add_argument("--dataset", help="a text file (with --text) the page also searches for a selected pattern")
    ex.add_argument("--out", dest="page", default="explain.html", help="the page to write (default explain.html)")
    ex.set_defaults(func=_explain)
    sw = sub.add_parser("sweep", help="run an experiment sweep on a Dask cluster (a TOML config)",
                        description="Trains every configuration of a TOML config's [grid] as one Dask task, "
                                    "on a LocalCluster (default) or --scheduler tcp://host:8786; resumable; "
                                    "writes results.csv, results.jsonl and a plot. Ready-made configs: "
                                    "merge_modes, stacked_depth.")
    sw.add_argument("config", help="a TOML file, or the name of a ready-made config")
    sw.add_argument("--scheduler", default=None, help="a Dask scheduler address (default: a LocalCluster)")
    sw.add_argument("--out", default=None, help="where results go (default: the config's [sweep] out)")
    sw.set_defaults(func=_sweep)
    return parser


def _explain(args):
    import json
    import numpy as np
    from .explain import explain
    from .models import load_model
    try:
        vocab = None
        if args.vocabulary:
            with open(args.vocabulary, encoding="utf-8") as f:
                vocab = json.load(f)
            if not isinstance(vocab, list):
                raise ValueError(f"--vocabulary must hold a JSON list of tokens, {args.vocabulary} holds "
                                 f"{type(vocab).__name__}")
        x = args.text if args.text is not None else np.load(args.input, allow_pickle=False)
        model = load_model(args.model)
        dataset = None
        if args.dataset:
            with open(args.dataset, encoding="utf-8") as f:
                dataset = f.read()
        page = explain(model, x, output=args.output, vocabulary=vocab, dataset=dataset).save(args.page)
    except (OSError, ValueError, TypeError) as exc:
        print(f"lstm-np explain: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {page}")
    return 0


def _sweep(args):
    from . import sweep
    try:
        config = sweep.load_config(args.config)
    except (FileNotFoundError, ValueError) as exc:
        print(f"lstm-np: error: {exc}", file=sys.stderr)
        return 2
    out = args.out or config["sweep"].get("out", "sweep_out")
    result = sweep.run_config(args.config, out=out, scheduler=args.scheduler)
    print(f"{len(result.rows)} configurations; results in {os.path.join(out, 'results.csv')}")
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        if getattr(args, "command", None) == "demo":
            parser.parse_args(["demo", "--help"])
        parser.print_help()
        return 2
    try:
        if getattr(args, "out", None) is not None:
            _writable_dir(args.out)
    except argparse.ArgumentTypeError as exc:
        print(f"lstm-np: error: {exc}", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
