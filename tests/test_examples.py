"""The Keras example scripts in examples/ run (short settings), each in its own process, in a
temporary directory (the seq2seq example saves and reloads its model there)."""
import ast
import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")


def run_example(name, tmp_path, **settings):
    env = dict(os.environ, **{k: str(v) for k, v in settings.items()})
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, name)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_character_level_seq2seq_example_runs(tmp_path):
    out = run_example("lstm_seq2seq.py", tmp_path, EXAMPLE_EPOCHS=2, EXAMPLE_SAMPLES=120, EXAMPLE_LATENT=16)
    assert (tmp_path / "s2s_model.keras").exists()
    assert out.count("Decoded sentence:") == 20
    assert "Input sentence:" in out


def test_functional_bilstm_sentiment_example_runs(tmp_path):
    out = run_example("bidirectional_lstm_sentiment.py", tmp_path, EXAMPLE_EPOCHS=1, EXAMPLE_SAMPLES=400,
                      EXAMPLE_UNITS=8)
    assert "Total params" in out and "400 Training sequences" in out


def test_seq2seq_functional_example_learns_dates(tmp_path):
    """The functional graph and the packaged Seq2Seq both learn (8,000 dates, 3 epochs, seeded:
    0.894 and 0.960 exact match; unseeded the functional model's ranged down to below 0.2)."""
    out = run_example("seq2seq_functional.py", tmp_path, EXAMPLE_SAMPLES=8000, EXAMPLE_EPOCHS=3)
    lines = [l for l in out.splitlines() if "exact match" in l]
    assert len(lines) == 2 and lines[0].startswith("functional model") and lines[1].startswith("Seq2Seq")
    assert all(float(l.split()[-1]) > 0.5 for l in lines), lines


@pytest.mark.parametrize("name", ["lstm_seq2seq.py", "bidirectional_lstm_sentiment.py", "addition_rnn.py",
                                  "lstm_text_generation.py", "stateful_lstm.py"])
def test_examples_differ_from_keras_only_in_imports(name):
    """Every line that names lstm_np is an import marked with the Keras line it replaces."""
    source = open(os.path.join(EXAMPLES, name)).read()
    docstring_end = ast.parse(source).body[0].end_lineno          # the module docstring
    code = [l for l in source.splitlines()[docstring_end:] if "lstm_np" in l and not l.lstrip().startswith("#")]
    assert code and all(l.startswith(("import lstm_np", "from lstm_np")) and "# was: " in l for l in code)


def test_text_generation_example_runs_offline_from_the_cache(tmp_path):
    """get_file finds the corpus where its error message says to put it; nothing is downloaded."""
    home = tmp_path / "keras_home"
    (home / "datasets").mkdir(parents=True)
    readme = os.path.join(EXAMPLES, "..", "README.md")
    (home / "datasets" / "nietzsche.txt").write_text(open(readme).read())
    out = run_example("lstm_text_generation.py", tmp_path, KERAS_HOME=home, EXAMPLE_EPOCHS=1,
                      EXAMPLE_CHARS=3000, EXAMPLE_MAXLEN=20)
    assert "Generating text after epoch: 0" in out and out.count("...Generated:") == 4


def test_stateful_example_beats_its_stateless_twin(tmp_path):
    out = run_example("stateful_lstm.py", tmp_path, EXAMPLE_EPOCHS=8, EXAMPLE_LENGTH=1000)
    line = [l for l in out.splitlines() if l.startswith("test RMSE")][0]
    stateful, stateless = (float(v.strip(",")) for v in line.split()[3::2])
    assert stateful < stateless, line
