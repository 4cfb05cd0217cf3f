"""Run the Keras number-addition example on lstm_np and on Keras, side by side.

The example file (examples/addition_rnn.py) is run as it is for lstm_np; for Keras its
two import lines are swapped back to Keras's. Each framework runs in its own process
with the same thread count; the script reports seconds per epoch and the final
validation accuracy of each.

    python benchmarks/addition_vs_keras.py --epochs 10 [--keras-python /path/to/python]

Keras 3 (JAX backend) is optional; without it only lstm_np runs.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "examples", "addition_rnn.py")

TIMING = '''
import time as _time
_fit = model.fit
_times, _accs = [], []
def _timed_fit(*a, **k):
    _t = _time.perf_counter()
    h = _fit(*a, **dict(k, verbose=0))
    _times.append(_time.perf_counter() - _t)
    _accs.append(h.history["val_accuracy"][-1])
    print(f"BENCH epoch {len(_times)} {_times[-1]:.2f} s val_accuracy {_accs[-1]:.4f}", flush=True)
    return h
model.fit = _timed_fit
'''


def make_script(framework, epochs):
    src = open(EXAMPLE).read()
    if framework == "keras":
        src = src.replace("import lstm_np as keras            # was: import keras", "import keras")
        src = src.replace("from lstm_np import layers         # was: from keras import layers",
                          "from keras import layers")
    src = src.replace("epochs = 30", f"epochs = {epochs + 1}")
    src = src.replace("model.summary()", "model.summary()" + TIMING)
    src = "import numpy as _np\n_np.random.seed(42)\n" + src
    return src


def run(framework, python, epochs, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), KERAS_BACKEND="jax",
               XLA_FLAGS=f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'}")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(make_script(framework, epochs))
    out = subprocess.run([python, f.name], env=env, capture_output=True, text=True)
    os.unlink(f.name)
    lines = [l for l in out.stdout.splitlines() if l.startswith("BENCH")]
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"{framework} failed")
    times = [float(l.split()[3]) for l in lines]
    accs = [float(l.split()[-1]) for l in lines]
    return times, accs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--keras-python", default=None, help="a python that has keras and jax installed")
    args = p.parse_args()
    results = {"lstm_np": run("lstm_np", sys.executable, args.epochs, args.threads)}
    if args.keras_python:
        results["keras"] = run("keras", args.keras_python, args.epochs, args.threads)
    print(f"{'framework':<10} {'s/epoch (median)':>17} {'total s':>8}  val_accuracy by epoch")
    for name, (times, accs) in results.items():
        med = sorted(times)[len(times) // 2]
        print(f"{name:<10} {med:17.2f} {sum(times):8.1f}  " + " ".join(f"{a:.3f}" for a in accs))


if __name__ == "__main__":
    import os, sys  # noqa: E401
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import describe
    print(describe(), flush=True)                  # the CPU every figure below was measured on
    main()
