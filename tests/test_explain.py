"""lstm_np.explain: what it reads is what the engine computes (h, c and gates equal the layers'
outputs; the gradient norms equal a finite-difference probe), its errors are named, and the page
is self-contained. The page's behaviour in a real browser: tests/test_explain_browser.py."""
import json
import re

import numpy as np
import pytest

import lstm_np as keras
from lstm_np import layers

CHARS = list("ab [c]\n")


def char_model(kind=layers.LSTM, bidirectional=False, seed=0):
    rnn = kind(6, return_sequences=True, seed=seed + 1)
    if bidirectional:
        rnn = layers.Bidirectional(rnn)
    return keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(len(CHARS), 4, seed=seed),
                             rnn, layers.Dense(len(CHARS), activation="softmax", seed=seed + 2)], seed=seed)


@pytest.mark.parametrize("kind", [layers.LSTM, layers.GRU, layers.SimpleRNN], ids=["lstm", "gru", "simple_rnn"])
def test_the_states_are_the_layers_own(kind, each_backend):
    model = char_model(kind)
    text = "ab [c]\nba"
    e = keras.explain(model, text, vocabulary=CHARS)
    ids = np.array([[CHARS.index(c) for c in text]])
    rnn = model.layers[1]
    h_engine = rnn(model.layers[0](ids))[0]
    name = rnn.name
    np.testing.assert_allclose(e.series(name, "h"), h_engine, rtol=1e-5, atol=1e-6)
    if kind is layers.LSTM:
        full = layers.LSTM(6, return_sequences=True, return_state=True)
        full.build((None, None, 4))
        full.set_weights(rnn.get_weights())
        _, _, c_T = full(model.layers[0](ids))
        np.testing.assert_allclose(e.series(name, "c")[-1], c_T[0], rtol=1e-5, atol=1e-6)
        gates = [e.series(name, g) for g in ("input gate i", "forget gate f", "output gate o")]
        assert all(((g >= 0) & (g <= 1)).all() for g in gates)


def test_the_gradient_norms_are_the_bptt_of_the_chosen_output(rng):
    """|dL/dx_t| at the LSTM's input equals central differences of the chosen output."""
    model = keras.Sequential([keras.Input((7, 3)), layers.LSTM(5, return_sequences=True, seed=1, dtype="float64"),
                              layers.Dense(2, seed=2, dtype="float64")])
    x = rng.standard_normal((7, 3))
    e = keras.explain(model, x, output=(4, 1))
    assert e.data["explained"].startswith("output unit 1 at step 4")
    dx = e.layers[0]["gradient"]["dx"]
    eps, numeric = 1e-6, np.zeros((7, 3))
    for t in range(7):
        for d in range(3):
            xp, xm = x.copy(), x.copy()
            xp[t, d] += eps
            xm[t, d] -= eps
            numeric[t, d] = (model.predict(xp[None], verbose=0)[0, 4, 1] - model.predict(xm[None], verbose=0)[0, 4, 1]) / (2 * eps)
    np.testing.assert_allclose(dx, np.linalg.norm(numeric, axis=1), rtol=1e-6, atol=1e-9)
    assert dx[5] == 0 and dx[6] == 0                      # the future does not reach step 4
    dh = e.layers[0]["gradient"]["dh"]
    assert dh[4] > 0 and dh[0] > 0 and len(e.layers[0]["gradient"]["dc"]) == 7
    assert all(g.fill(0) is None and not g.any() for _, _, g, _ in model.weight_entries())   # nothing trained


def test_a_bidirectional_layer_shows_both_directions_in_time_order():
    model = char_model(layers.LSTM, bidirectional=True)
    e = keras.explain(model, "ab [c]", vocabulary=CHARS, output=3)
    name = model.layers[1].name
    dirs = [(l["name"], l["direction"]) for l in e.layers]
    assert dirs == [(name, "forward"), (name, "backward")]
    fwd, bwd = (e.layers[k]["gradient"]["dh"] for k in (0, 1))
    assert fwd[-1] > 0 and fwd[0] > 0                      # the forward direction carries x_0 to the end;
    assert bwd[-1] > 0 and not any(bwd[:-1])               # the backward one has read only x_T there
    ids = np.array([[CHARS.index(c) for c in "ab [c]"]])
    both = model.layers[1](model.layers[0](ids))[0]
    np.testing.assert_allclose(np.concatenate([e.series(name, "h", "forward"),
                                               e.series(name, "h", "backward")], axis=-1),
                               both, rtol=1e-5, atol=1e-6)


def test_saturation_is_the_fraction_of_steps_under_and_over():
    model = char_model()
    e = keras.explain(model, "aaaa bbbb", vocabulary=CHARS)
    f = e.series(model.layers[1].name, "forget gate f")
    sat = e.layers[0]["saturation"]["forget gate f"]
    np.testing.assert_allclose(sat["low"], (f < 0.1).mean(axis=0))
    np.testing.assert_allclose(sat["high"], (f > 0.9).mean(axis=0))


def test_the_page_is_one_file_with_no_network_and_json_has_the_data():
    e = keras.explain(char_model(), "ab [c]", vocabulary=CHARS)
    page = e.to_html()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script src" not in page and "<link" not in page
    data = json.loads(e.to_json())
    assert data["tokens"] == list("ab [c]") and set(data["series"]) == set(e.arrays)
    assert "<iframe" in e._repr_html_()


def test_seq2seq_attention_page():
    model = keras.models.Seq2Seq(12, 10, 8, 8, attention="luong", seed=0)
    src = np.array([3, 4, 5, 6])
    e = keras.explain(model, src, source_vocabulary=[f"s{i}" for i in range(12)],
                      target_vocabulary=[f"t{i}" for i in range(10)])
    att = e.data["attention"][0]
    w = np.array(att["weights"])
    assert w.shape[1] == 4 and np.allclose(w.sum(axis=1), 1, atol=1e-4)
    assert att["source"] == ["s3", "s4", "s5", "s6"] and len(att["target"]) == len(w)
    assert e.layers[0]["name"] == "encoder_lstm_0" and e.series("encoder_lstm_0", "h").shape == (4, 8)


def test_bad_input_is_named_before_any_work():
    model = char_model()
    with pytest.raises(ValueError, match="outside the vocabulary: \\['z'\\]"):
        keras.explain(model, "abz", vocabulary=CHARS)
    with pytest.raises(ValueError, match="needs vocabulary="):
        keras.explain(model, "ab")
    with pytest.raises(ValueError, match="output must be"):
        keras.explain(model, "ab", vocabulary=CHARS, output=99)
    dense = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="no recurrent layer"):
        keras.explain(dense, np.zeros(4))
    seq = keras.Sequential([keras.Input((5, 3)), layers.LSTM(2)])
    with pytest.raises(ValueError, match="expects one input of shape \\(5, 3\\)"):
        keras.explain(seq, np.zeros((4, 3)))
    with pytest.raises(TypeError, match="needs a Model"):
        keras.explain(object(), "ab")


@pytest.mark.parametrize("units", [64, 128])
def test_a_long_input_makes_a_small_page(units):
    """10,000 characters through LSTM(64) or LSTM(128): the page stays under 5 MB (8-bit codes,
    4-bit where 8 would not fit, compressed)."""
    model = keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(len(CHARS), 8),
                              layers.LSTM(units, return_sequences=True), layers.Dense(len(CHARS), activation="softmax")])
    text = "".join(np.random.default_rng(0).choice(CHARS, 10000))
    page = keras.explain(model, text, vocabulary=CHARS).to_html()
    assert len(page.encode()) < 5e6


def test_the_cli_writes_the_page(tmp_path):
    from lstm_np import cli
    model = char_model()
    model.save(tmp_path / "m.keras")
    (tmp_path / "v.json").write_text(json.dumps(CHARS))
    out = tmp_path / "page.html"
    assert cli.main(["explain", str(tmp_path / "m.keras"), "--text", "ab [c]", "--vocabulary",
                     str(tmp_path / "v.json"), "--out", str(out)]) == 0
    assert out.stat().st_size > 1000
    (tmp_path / "more.txt").write_text("[ab] c\nba")
    assert cli.main(["explain", str(tmp_path / "m.keras"), "--text", "ab [c]", "--vocabulary", str(tmp_path / "v.json"),
                     "--dataset", str(tmp_path / "more.txt"), "--out", str(out)]) == 0
    assert '"dataset": [[' in out.read_text()
    assert cli.main(["explain", str(tmp_path / "m.keras"), "--text", "zz", "--vocabulary",
                     str(tmp_path / "v.json"), "--out", str(out)]) == 2


def test_a_dataset_is_run_and_checked_first():
    model = char_model()
    e = keras.explain(model, "ab [c]", vocabulary=CHARS, dataset=["[ab]", "c c"])
    assert e.data["dataset"] == [list("[ab]"), list("c c")]
    assert e.arrays[f"dataset1|{model.layers[1].name}/forward/h"].shape == (3, 6)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        keras.explain(model, "ab", vocabulary=CHARS, dataset=["ab", "xyz"])
