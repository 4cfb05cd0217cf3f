"""The ``lstm-np`` command (also ``python -m lstm_np``)."""
import argparse
import sys


def _demo_cumsum(args):
    from .demos import cumsum
    epochs = args.epochs if args.epochs is not None else (300 if args.quick else 1000)
    cumsum.run(epochs=epochs, seed=args.seed)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="lstm-np",
        description="lstm_np: LSTMs from scratch in NumPy. Run the classic experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="run a demonstration", description="Run a demonstration.")
    demos = demo.add_subparsers(dest="demo", metavar="DEMO")
    cs = demos.add_parser("cumsum", help="the classic cumulative-sum sequence-classification tutorial",
                          description="Train the tutorial's LSTM(20) + TimeDistributed(Dense) on "
                                      "fresh cumulative-sum sequences, one fit call per sequence, "
                                      "and print its accuracy on new sequences.")
    cs.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    cs.add_argument("--epochs", type=int, default=None,
                    help="number of single-sequence fit calls (default 1000; 300 with --quick)")
    cs.add_argument("--quick", action="store_true", help="a shorter run")
    cs.set_defaults(func=_demo_cumsum)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    if getattr(args, "epochs", None) is not None and args.epochs < 1:
        print("lstm-np: error: --epochs must be a positive integer", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
