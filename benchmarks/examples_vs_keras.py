"""Run the functional-API examples on lstm_np and on Keras 3 (JAX backend), side by side.

Each example file in examples/ is run as it is for lstm_np; for Keras its import lines are
swapped back (``import lstm_np as keras`` -> ``import keras``), nothing else. A small prelude
adds a timing callback to every ``fit``. Each framework runs in its own process, the two
alternating, ``--rounds`` times. Reported: the median seconds per epoch (epoch 1 left out:
it holds JAX's and Numba's compilation) and the final validation accuracy of each run.

    python benchmarks/examples_vs_keras.py --example sentiment --rounds 3
    python benchmarks/examples_vs_keras.py --example seq2seq --rounds 3 --keras-python python

Keras 3 with JAX is optional (pip install keras jax); without it only lstm_np runs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = {"seq2seq": "lstm_seq2seq.py", "sentiment": "bidirectional_lstm_sentiment.py"}

PRELUDE = '''
import time as _time
class _Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self._t = _time.perf_counter()
    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        print(f"BENCH {epoch + 1} {_time.perf_counter() - self._t:.4f} "
              f"{logs.get('val_accuracy', float('nan')):.4f}", flush=True)
_fit = keras.Model.fit
def _timed_fit(self, *a, **k):
    k["callbacks"] = list(k.get("callbacks") or []) + [_Timer()]
    k["verbose"] = 0
    return _fit(self, *a, **k)
keras.Model.fit = _timed_fit
'''


def make_script(example, framework):
    src = open(os.path.join(HERE, "..", "examples", EXAMPLES[example])).read()
    if framework == "keras":
        src = src.replace("import lstm_np as keras            # was: import keras", "import keras")
        src = src.replace("from lstm_np import layers         # was: from keras import layers",
                          "from keras import layers")
    anchor = "import keras" if framework == "keras" else "import lstm_np as keras"
    head, tail = src.split(anchor, 1)
    line_end = tail.index("\n")
    return head + anchor + tail[:line_end] + "\n" + PRELUDE + tail[line_end:]


def run(example, framework, python, env_extra):
    env = dict(os.environ, KERAS_BACKEND="jax", **env_extra)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "script.py")
        with open(path, "w") as f:
            f.write(make_script(example, framework))
        out = subprocess.run([python, path], env=env, capture_output=True, text=True, cwd=d)
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{framework} failed on {example}")
    rows = [l.split() for l in out.stdout.splitlines() if l.startswith("BENCH")]
    times = [float(r[2]) for r in rows]
    return {"epoch_s": statistics.median(times[1:] or times), "val_accuracy": float(rows[-1][3]),
            "epochs": len(rows)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--example", choices=sorted(EXAMPLES), default="sentiment")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keras-python", default=sys.executable)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    env_extra = {} if args.epochs is None else {"EXAMPLE_EPOCHS": str(args.epochs)}
    try:
        subprocess.run([args.keras_python, "-c", "import keras, jax"], check=True, capture_output=True,
                       env=dict(os.environ, KERAS_BACKEND="jax"))
        frameworks = ["lstm_np", "keras"]
    except (subprocess.CalledProcessError, FileNotFoundError):
        print("Keras 3 + JAX not found: running lstm_np only")
        frameworks = ["lstm_np"]
    results = {f: [] for f in frameworks}
    for r in range(args.rounds):
        for f in frameworks if r % 2 == 0 else frameworks[::-1]:
            res = run(args.example, f, sys.executable if f == "lstm_np" else args.keras_python, env_extra)
            results[f].append(res)
            print(f"round {r + 1} {f:8s} {res['epoch_s']:.3f} s/epoch  val_accuracy {res['val_accuracy']:.4f}",
                  flush=True)
    summary = {f: {"epoch_s_median": statistics.median(x["epoch_s"] for x in v),
                   "val_accuracy": [x["val_accuracy"] for x in v], "epochs": v[0]["epochs"]}
               for f, v in results.items()}
    if "keras" in summary:
        summary["ratio_lstm_np_over_keras"] = (summary["lstm_np"]["epoch_s_median"]
                                               / summary["keras"]["epoch_s_median"])
    print(json.dumps(summary, indent=2))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, f"example_{args.example}_vs_keras.json"), "w") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
