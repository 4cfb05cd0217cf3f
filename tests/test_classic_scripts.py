"""Classic Keras 2 tutorial scripts (tests/classic_scripts/) run with only their imports
changed — Keras 2 import paths (keras.layers.core, .embeddings, .wrappers, .convolutional,
keras.utils.np_utils), Tokenizer, ModelCheckpoint to .hdf5 — shortened to a few epochs."""
import os
import runpy

import numpy as np
import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "classic_scripts")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.endswith(".py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_classic_script_runs(script, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace = runpy.run_path(os.path.join(HERE, script), run_name="__main__")
    out = capsys.readouterr().out
    assert out.strip(), f"{script} printed nothing"
    if "yhat" in namespace:
        assert np.all(np.isfinite(namespace["yhat"]))
    if script == "c_textgen.py":
        assert "ok" in out and ".hdf5" in out
    assert len(SCRIPTS) == 6
