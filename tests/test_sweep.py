"""Sweeps on Dask: the same numbers as a loop, resumable, a killed worker loses nothing, threads
pinned, a real scheduler address works the same, and the command line."""
import json
import os

import pytest

from lstm_np import sweep
from lstm_np.cli import main

GRID = {"merge_mode": ["concat", "sum", "ave"], "units": [3], "epochs": [12]}


def probe(config, seed):
    """A cheap task that reports where and how it ran (the kernels' thread count: the one that
    matters; numba's own was set before and the kernels ran on 2 threads per worker)."""
    import lstm_np
    return {"value": config["a"] * 10 + config["b"] + (seed % 7), "threads": lstm_np.get_num_threads()}


def dies_once(config, seed):
    """Kills its worker the first time it runs a = 1 (the marker file says it did)."""
    marker = config["marker"]
    if config["a"] == 1 and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return {"value": config["a"]}


def test_a_sweep_gives_the_numbers_of_a_loop_and_resumes(tmp_path):
    result = sweep.run(sweep.tasks.merge_modes, GRID, out=str(tmp_path), print_fn=lambda *a: None)
    assert len(result.rows) == 3
    for row in result.rows:
        expected = sweep.tasks.merge_modes(row["params"], sweep.config_seed(row["params"]))
        assert row["metrics"]["accuracy"] == expected["accuracy"] and row["metrics"]["loss"] == expected["loss"]
    lines = open(tmp_path / "results.jsonl").read().splitlines()
    assert len(lines) == 3
    calls = []
    again = sweep.run(sweep.tasks.merge_modes, dict(GRID, units=[3, 4]), out=str(tmp_path),
                      print_fn=calls.append)
    assert "3 already done, 3 to run" in calls[0] and len(again.rows) == 6
    assert os.path.exists(tmp_path / "results.csv")


def test_threads_are_pinned_and_a_scheduler_address_works(tmp_path):
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = sweep.run(probe, {"a": [1, 2], "b": [0, 5]}, scheduler=cluster.scheduler_address,
                           out=str(tmp_path), print_fn=lambda *a: None)
    assert [r["metrics"]["threads"] for r in result.rows] == [1] * 4
    assert sorted(r["metrics"]["value"] for r in result.rows) == sorted(
        a * 10 + b + sweep.config_seed({"a": a, "b": b}) % 7 for a in (1, 2) for b in (0, 5))


def test_a_sweep_resumes_past_a_torn_last_line(tmp_path):
    """A process killed while writing results.jsonl leaves half a line: resuming raised
    JSONDecodeError. Now the torn row is dropped and its configuration runs again."""
    grid = {"a": [1, 2, 3], "b": [0]}
    first = sweep.run(probe, grid, out=str(tmp_path), print_fn=lambda *a: None)
    log = tmp_path / "results.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:2]) + lines[2][:len(lines[2]) // 2])      # the last row half-written
    calls = []
    again = sweep.run(probe, grid, out=str(tmp_path), print_fn=calls.append)
    assert "2 already done, 1 to run" in calls[0]
    assert sorted(r["metrics"]["value"] for r in again.rows) == sorted(r["metrics"]["value"] for r in first.rows)
    rows = [json.loads(line) for line in log.read_text().splitlines()]      # every line whole again
    assert len(rows) == 3


def test_a_worker_killed_mid_sweep_loses_no_result(tmp_path):
    marker = str(tmp_path / "died")
    result = sweep.run(dies_once, {"a": [0, 1, 2, 3], "marker": [marker]}, out=str(tmp_path / "out"),
                       print_fn=lambda *a: None)
    assert os.path.exists(marker)                               # a worker did die
    assert sorted(r["metrics"]["value"] for r in result.rows) == [0, 1, 2, 3]


def test_sweep_command_runs_a_config_and_plots(tmp_path, capsys):
    config = tmp_path / "s.toml"
    config.write_text('[sweep]\ntask = "merge_modes"\nworkers = 2\nplot = { x = "units", y = "accuracy", '
                      'hue = "merge_mode" }\n[grid]\nmerge_mode = ["concat", "mul"]\nunits = [2, 3]\nepochs = [5]\n')
    assert main(["sweep", str(config), "--out", str(tmp_path / "res")]) == 0
    assert (tmp_path / "res" / "results.png").stat().st_size > 1000
    assert len(open(tmp_path / "res" / "results.csv").read().splitlines()) == 5
    assert main(["sweep", "no_such_config"]) == 2
    assert sweep.load_config("merge_modes")["grid"]["merge_mode"] == ["concat", "sum", "mul", "ave"]
