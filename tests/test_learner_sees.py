"""What a learner sees is true: a library call never switches matplotlib's backend (a
notebook's inline figures would vanish), demos announce themselves at once and say when a run
is a smoke run, and the vanishing-gradient demo shows the regime its words describe."""
import subprocess
import sys
import textwrap

import numpy as np

from lstm_np.cli import main

SCRIPT = textwrap.dedent("""
    import matplotlib
    matplotlib.use("svg")                       # a backend lstm_np must leave alone
    import numpy as np
    import lstm_np as keras
    from lstm_np import plot, sweep
    from lstm_np.demos import airline, variants
    from lstm_np.utils import plot_model
    out = {out!r}
    plot.learning_curves({{"a": [3, 2, 1]}}, out + "/c.png")
    plot.bar_chart({{"x": 0.5, "y": 0.7}}, out + "/b.png", groups={{"x": "g1", "y": "g2"}})
    plot.attention_heatmap(np.eye(3), list("abc"), list("xyz"), out + "/h.png")
    layer = keras.layers.LSTM(3, seed=0)
    layer.build((None, 4, 2))
    plot.lstm_internals(layer, np.zeros((1, 4, 2)), out + "/i.png")
    variants._plot({{"task": {{"LSTM": [1.0, 1.1], "NIG": [1.2, 1.3]}}}}, out + "/v.png")
    model = keras.Sequential([keras.Input((4, 2)), keras.layers.LSTM(3), keras.layers.Dense(1)])
    plot_model(model, to_file=out + "/m.png")
    print(matplotlib.get_backend())
""")


def test_no_library_call_switches_the_matplotlib_backend(tmp_path):
    p = subprocess.run([sys.executable, "-c", SCRIPT.format(out=str(tmp_path))], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "svg"
    assert all((tmp_path / f).stat().st_size > 1000 for f in ("c.png", "b.png", "h.png", "i.png", "v.png", "m.png"))


def test_a_demo_announces_itself_first_and_a_quick_run_says_it_is_a_smoke_run(tmp_path, capsys):
    assert main(["demo", "vanishing", "--quick", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("lstm-np demo vanishing: ")
    assert lines[1].startswith("--quick: a smoke run") and "not the results the README reports" in lines[1]


def test_the_vanishing_demo_shows_both_regimes(tmp_path):
    from lstm_np.demos import vanishing
    curves = vanishing.run(out=str(tmp_path), quick=True, print_fn=lambda *a: None)
    simple = curves.pop("SimpleRNN")
    (init_name, init), (near_name, near) = curves.items()
    assert "mean f = 0.7" in init_name and "mean f = 0.99" in near_name
    back = lambda v, k: v[len(v) - 1 - k]                          # noqa: E731  k steps before the loss
    assert back(init, 10) < back(simple, 10)                       # Keras's init: no better near the loss
    assert back(init, 29) < 1e-2 * back(init, 0)                   # and it still vanishes
    assert back(near, 29) > 0.1 * back(near, 0)                    # forget gate near 1: it reaches back
    assert np.isfinite(simple).all()


def test_the_gradcheck_a_learner_types_runs_and_leaves_the_layer_alone():
    from lstm_np import gradcheck, layers
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    lstm = layers.LSTM(4, return_sequences=True, seed=0)          # float32, as a learner makes it
    lstm.build((None, 5, 3))
    before = lstm.get_weights()
    errors = gradcheck.check_layer(lstm, x)
    assert gradcheck.report(errors, print_fn=lambda *a: None)
    assert set(errors) == {"kernel", "recurrent_kernel", "bias", "x"}
    assert all(np.array_equal(a, b) and a.dtype == np.float32 for a, b in zip(before, lstm.get_weights()))


def test_progress_bars_need_no_widgets(monkeypatch):
    import tqdm.std

    from lstm_np.utils import progress
    monkeypatch.setitem(sys.modules, "ipywidgets", None)           # not installed: importing it fails
    assert progress.tqdm_class() is tqdm.std.tqdm                   # no "IProgress not found" in a notebook


def test_keras_attributes_a_script_reaches_for():
    import lstm_np as keras
    assert keras.backend.backend() == "numpy"
    assert keras.backend.floatx() == "float32"
    assert callable(keras.datasets.make_dates)
