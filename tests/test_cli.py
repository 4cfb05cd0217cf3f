"""The lstm-np command: the main demo, its files, and one-line errors for bad arguments."""
import subprocess
import sys


from lstm_np.cli import main


def test_demo_cumsum_quick_writes_plots_and_csv(tmp_path, capsys):
    assert main(["demo", "cumsum", "--quick", "--out", str(tmp_path), "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "accuracy on 500 new sequences" in out and "merge modes" in out
    for name in ("cumsum_lstm_vs_bidirectional.png", "cumsum_merge_modes.png", "cumsum_accuracy.png",
                 "cumsum_curves.csv"):
        assert (tmp_path / name).stat().st_size > 1000
    header = (tmp_path / "cumsum_curves.csv").read_text().splitlines()[0]
    assert header.startswith("epoch,LSTM,") and "merge mul" in header


def test_demo_accuracy_is_what_the_tutorial_reports(tmp_path):
    from lstm_np.demos import cumsum
    res = cumsum.run(out=str(tmp_path), quick=True, print_fn=lambda *a: None, show_progress=False)
    assert res["tutorial"] > 0.85


def test_unwritable_out_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    p = subprocess.run([sys.executable, "-m", "lstm_np", "demo", "cumsum", "--quick", "--out",
                        str(blocker / "sub")], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "not a writable directory" in p.stderr
    assert "Traceback" not in p.stderr


def test_unknown_demo_and_bad_numbers_exit_nonzero_without_traceback():
    for args in (["demo", "nosuchdemo"], ["demo", "cumsum", "--epochs", "-3"], ["frobnicate"]):
        p = subprocess.run([sys.executable, "-m", "lstm_np"] + args, capture_output=True, text=True)
        assert p.returncode == 2 and "error" in p.stderr and "Traceback" not in p.stderr


def test_help_explains_itself():
    p = subprocess.run([sys.executable, "-m", "lstm_np", "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "demo" in p.stdout
    p = subprocess.run([sys.executable, "-m", "lstm_np", "demo", "cumsum", "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "--quick" in p.stdout and "cumulative-sum" in p.stdout


def test_demo_vanishing_writes_its_plot(tmp_path, capsys):
    assert main(["demo", "vanishing", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "vanishing_gradients.png").stat().st_size > 1000      # its claims: test_learner_sees.py


def test_gradcheck_command_passes(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "all gradients agree" in out and "Seq2Seq" in out and "merge_mode='mul'" in out


def test_demo_seq2seq_quick(tmp_path, capsys):
    assert main(["demo", "seq2seq", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "exact match on 1000 held-out dates" in out
    assert (tmp_path / "seq2seq_attention.png").stat().st_size > 1000
    assert '"attention": [{' in (tmp_path / "seq2seq_explain.html").read_text()      # the explorer page


def test_demo_embedding_pretrained_frozen_beats_scratch(tmp_path, capsys):
    assert main(["demo", "embedding", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "embedding_transfer.png").stat().st_size > 1000
    from lstm_np.demos import embedding
    res = embedding.run(out=str(tmp_path), quick=True, print_fn=lambda *a: None)
    assert res["pretrained, frozen"] > res["from scratch"] + 0.05


def test_bench_runs_a_benchmark_script(tmp_path):
    p = subprocess.run([sys.executable, "-m", "lstm_np", "bench", "tutorial_loop", "--quick", "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "ms / fit" in p.stdout and (tmp_path / "tutorial_loop.json").exists()


def test_demo_stacked_depth_helps(tmp_path, capsys):
    assert main(["demo", "stacked", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "stacked_depth.png").stat().st_size > 1000
    from lstm_np.demos import stacked
    final = stacked.run(out=str(tmp_path), quick=True, print_fn=lambda *a: None)
    assert max(final[2], final[4]) > final[1]


def test_demo_airline_quick_compares_with_the_baselines(tmp_path, capsys):
    assert main(["demo", "airline", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "seasonal naive" in out and "persistence" in out
    assert (tmp_path / "airline_forecast.png").stat().st_size > 10000
    rows = open(tmp_path / "airline_rmse.csv").read().splitlines()
    assert len(rows) == 7 and rows[1].startswith("persistence,48.0")    # 48.0: fixed by the data


def test_demo_textgen_quick_beats_the_unigram(tmp_path, capsys):
    from lstm_np.demos import textgen
    res = textgen.run(out=str(tmp_path), quick=True, print_fn=lambda *a: None)
    assert res["bigram"] < res["unigram"] and res["lstm"][-1] < res["unigram"]
    assert (tmp_path / "textgen_bits_per_char.png").exists()


def test_demo_variants_quick_trains_every_variant_it_names(tmp_path, capsys):
    assert main(["demo", "variants", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("NP (plain)") == 3 and "delayed recall" in out
    assert (tmp_path / "lstm_variants.png").stat().st_size > 10000


def test_demo_explain_quick_writes_the_page_and_the_model(tmp_path, capsys):
    """lstm-np demo explain --quick: trains, names the units it found, writes the page, the model
    and its vocabulary; lstm-np explain then writes a page from those files."""
    assert main(["demo", "explain", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "position in line: best unit of c is" in out and "correlation" in out
    page = (tmp_path / "explain.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and '"focus"' in page
    assert main(["explain", str(tmp_path / "char_model.keras"), "--text", "[Enter.]\nHam. Ay",
                 "--vocabulary", str(tmp_path / "vocabulary.json"), "--out", str(tmp_path / "again.html")]) == 0
    assert (tmp_path / "again.html").stat().st_size > 10000
