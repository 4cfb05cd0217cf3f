"""The kernels' plan (lstm_np/fast/plan.py): the micro-kernel's tile height is chosen by
measurement on this CPU, once per shape class, kept in a file, shown by kernels_plan() and
reset by it — and whatever it chooses, outputs and gradients are the same bit for bit (float64
and float32, 1 and 2 threads)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import lstm_np
from lstm_np import layers
from lstm_np.fast import microkernel, plan

pytestmark = pytest.mark.skipif(not microkernel.ENABLED, reason="the micro-kernel is off on this CPU (no AVX2)")


@pytest.fixture
def plan_file(tmp_path, monkeypatch):
    path = tmp_path / "plan.json"
    monkeypatch.setenv("LSTM_NP_PLAN", str(path))
    monkeypatch.setitem(plan._STATE, "entries", None)
    yield path
    plan._STATE["entries"] = None


def run_lstm(dtype, seed=0):
    rng = np.random.default_rng(seed)
    layer = layers.LSTM(96, return_sequences=True, dtype=dtype, seed=1)
    x = rng.standard_normal((20, 6, 8)).astype(dtype)
    y = layer.forward(x, training=True)
    dx = layer.backward(rng.standard_normal(y.shape).astype(dtype))
    return [y, dx] + [g.copy() for g in layer.grads.values()]


def test_the_plan_is_measured_once_kept_shown_and_reset(plan_file):
    lstm_np.set_backend("numba")
    run_lstm("float32")
    shown = lstm_np.kernels_plan()
    assert shown["path"] == str(plan_file) and shown["enabled"] and shown["entries"]
    for entry in shown["entries"].values():
        assert 1 <= entry["rows"] <= microkernel.R_MAX and entry["rows"] == int(min(entry["us"], key=entry["us"].get))
    saved = json.loads(plan_file.read_text())
    assert saved["cpu"] == plan.cpu_key() and saved["entries"] == shown["entries"]
    # another process reads the plan instead of measuring again
    code = ("import numpy as np, lstm_np; from lstm_np.fast import microkernel; microkernel.time_heights = None\n"
            "l = lstm_np.layers.LSTM(96, return_sequences=True, seed=1)\n"
            "l.forward(np.ones((20, 6, 8), 'float32'))\nprint('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, LSTM_NP_PLAN=str(plan_file)), timeout=300)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr[-2000:]
    assert lstm_np.kernels_plan(reset=True)["entries"] == {} and not plan_file.exists()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_tile_height_gives_the_same_numbers_bit_for_bit(plan_file, dtype, monkeypatch):
    lstm_np.set_backend("numba")
    results, before = [], lstm_np.get_num_threads()
    try:
        for threads in (1, 2):
            lstm_np.set_num_threads(threads)
            for R in range(1, microkernel.R_MAX + 1):
                monkeypatch.setattr(plan, "rows", lambda *a, R=R: R)
                results.append(run_lstm(dtype))
    finally:
        lstm_np.set_num_threads(before)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


def test_an_unreadable_or_foreign_plan_is_measured_again(plan_file):
    plan_file.write_text("{not json")
    assert plan.rows(np.float32, 16, 128, 512, microkernel.R_MAX, microkernel.time_heights) in \
        range(1, microkernel.R_MAX + 1)
    plan_file.write_text(json.dumps({"cpu": "another-cpu", "entries": {"f:16:128:512": {"rows": 1}}}))
    plan._STATE["entries"] = None
    assert plan._load() == {}                      # another CPU's plan is never read


def test_off_measures_nothing(monkeypatch):
    monkeypatch.setenv("LSTM_NP_PLAN", "off")
    assert plan.rows(np.float64, 16, 128, 512, 6, measure=None) == 6
