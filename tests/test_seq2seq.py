"""Seq2Seq: end-to-end gradient checks, decoding, attention, errors, save/load, datasets."""
import itertools

import numpy as np
import pytest

from helpers.gradients import assert_grads_ok
from lstm_np import gradcheck, optimizers
from lstm_np.datasets import (END, PAD, Vocabulary, encode_pairs, make_addition, make_dates,
                              make_reversal, make_sorting)
from lstm_np.models import Seq2Seq, load_model

SRC = np.array([[4, 5, 6, 0], [7, 8, 9, 5], [4, 0, 0, 0]])
TGT = np.array([[4, 5, 2, 0], [6, 7, 8, 2], [2, 0, 0, 0]])
TOL = 3e-5          # whole-model checks in float64 at eps = 1e-4 (see gradcheck)


@pytest.mark.parametrize("attention,bidirectional,num_layers",
                         list(itertools.product([None, "luong", "bahdanau"], [False, True], [1, 2])))
def test_seq2seq_gradients_end_to_end(attention, bidirectional, num_layers):
    model = Seq2Seq(10, 10, 4, 3, num_layers=num_layers, bidirectional_encoder=bidirectional,
                    attention=attention, dtype="float64", seed=1)
    errs = gradcheck.check_seq2seq(model, SRC, TGT)
    names = {k.split("/")[0] for k in errs}
    assert {"src_embedding", "tgt_embedding", "output"} <= names
    if attention:
        assert any(n.startswith("attention") for n in names)
    assert_grads_ok(errs, TOL)


def decisive(model):
    """Fed-back predictions are argmaxes: finite differences across a tie measure a jump, not a
    derivative. An untrained model's logits are nearly uniform (top-2 gaps ~1e-5, measured), so
    a spread output bias decides the argmax (gaps >= 0.2, far beyond any ε-perturbation)."""
    b = model.output_layer.params["bias"]
    b[...] = np.linspace(0.0, 0.2 * (len(b) - 1), len(b))
    return model


@pytest.mark.parametrize("attention", [None, "luong", "bahdanau"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_seq2seq_gradients_without_teacher_forcing_and_with_dropout(attention, num_layers):
    model = decisive(Seq2Seq(10, 10, 4, 3, num_layers=num_layers, bidirectional_encoder=True, attention=attention,
                             dropout=0.3, dtype="float64", seed=2))
    for tf in (0.0, 0.5):
        assert_grads_ok(gradcheck.check_seq2seq(model, SRC, TGT, teacher_forcing=tf, training=True), TOL)


def test_luong_dot_score_gradients():
    model = Seq2Seq(10, 10, 4, 3, attention="luong", attention_score="dot", dtype="float64", seed=3)
    assert model.decoder.attention.keys is None
    assert_grads_ok(gradcheck.check_seq2seq(model, SRC, TGT), TOL)


def test_seq2seq_gradcheck_catches_a_wrong_gradient():
    model = Seq2Seq(10, 10, 4, 3, attention="bahdanau", dtype="float64", seed=4)
    real = model.backward_loss

    def wrong(scale=1.0):
        real(scale)
        model.decoder.attention.attention.grads["scale"] *= 1.01
    model.backward_loss = wrong
    errs = gradcheck.check_seq2seq(model, SRC, TGT)
    assert errs["attention/scale"] > 1e-3


def small_dates(n, seed):
    s, t = make_dates(n, seed=seed)
    return s, t


@pytest.fixture(scope="module")
def trained_dates():
    s, t = make_dates(3000, seed=0)
    sv, tv, S, T = encode_pairs(s, t)
    model = Seq2Seq(len(sv), len(tv), 16, 48, bidirectional_encoder=True, attention="luong", seed=0)
    model.compile(optimizer=optimizers.Adam(0.005, clipnorm=5.0), metrics=["acc"])
    hist = model.fit(S, T, epochs=4, batch_size=32, verbose=0)
    vs, vt = make_dates(200, seed=1)
    return model, sv, tv, vs, vt, hist


def exact(model, tv, pred, truth):
    return np.mean([tv.decode(p + [END]) == y for p, y in zip(pred, truth)])


def test_seq2seq_learns_date_normalisation(trained_dates):
    model, sv, tv, vs, vt, hist = trained_dates
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.history["acc"][-1] > 0.9
    greedy = model.predict(sv.encode_batch(vs), max_length=12)
    acc = exact(model, tv, greedy, vt)
    assert acc > 0.9, acc


def test_beam_search_at_least_as_good_and_width_one_is_greedy(trained_dates):
    model, sv, tv, vs, vt, _ = trained_dates
    X = sv.encode_batch(vs[:60])
    greedy = model.predict(X, max_length=12)
    assert model.predict(X, max_length=12, beam_width=1) == greedy
    beam = model.predict(X, max_length=12, beam_width=4)
    assert exact(model, tv, beam, vt[:60]) >= exact(model, tv, greedy, vt[:60]) - 1e-9
    assert all(END not in seq for seq in beam)


def test_attention_weights_for_plotting(trained_dates):
    model, sv, tv, vs, vt, _ = trained_dates
    X = sv.encode_batch(vs[:5])
    pred = model.predict(X, max_length=12)
    assert len(model.last_attention) == 5
    for b, w in enumerate(model.last_attention):
        n_src = int(np.sum(X[b] != PAD))
        assert w.shape[0] == len(pred[b]) + 1                      # one row per emitted token (+ end)
        np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-5)
        assert np.all(w[:, n_src:] == 0.0)                         # padding never attended


def test_seq2seq_validation_errors():
    model = Seq2Seq(10, 10, 4, 3, seed=0)
    model.compile("adam")
    with pytest.raises(ValueError, match=r"src ids must be in \[0, 9\].*-1"):
        model.fit(np.array([[1, -1]]), np.array([[2, 0]]), verbose=0)
    with pytest.raises(ValueError, match=r"tgt ids must be in \[0, 9\].*12"):
        model.fit(np.array([[4, 5]]), np.array([[12, 2]]), verbose=0)
    with pytest.raises(ValueError, match="empty"):
        model.fit(np.array([[4, 5], [0, 0]]), np.array([[4, 2], [5, 2]]), verbose=0)
    with pytest.raises(ValueError, match="no end_token=2"):
        model.fit(np.array([[4, 5]]), np.array([[4, 5]]), verbose=0)
    with pytest.raises(ValueError, match=r"teacher_forcing must be a probability in \[0, 1\]"):
        model.fit(np.array([[4, 5]]), np.array([[4, 2]]), teacher_forcing=1.5, verbose=0)
    with pytest.raises(ValueError, match="beam_width must be an int >= 1"):
        model.predict(np.array([[4, 5]]), beam_width=0)
    with pytest.raises(ValueError, match="attention must be one of"):
        Seq2Seq(10, 10, 4, 3, attention="dot")
    with pytest.raises(ValueError, match="attention_score='general'"):
        Seq2Seq(10, 10, 4, 3, bidirectional_encoder=True, attention="luong", attention_score="dot")
    with pytest.raises(TypeError, match="integer token ids"):
        model.predict(np.array([[4.0, 5.0]]))


def test_seq2seq_save_load_round_trip_and_resume(tmp_path):
    sv, tv, S, T = encode_pairs(*make_reversal(64, seed=0))
    def make():
        m = Seq2Seq(len(sv), len(tv), 8, 12, bidirectional_encoder=True, attention="bahdanau", dropout=0.1, seed=5)
        m.compile(optimizers.Adam(0.01), metrics=["acc"])
        return m
    model = make()
    model.fit(S, T, epochs=1, batch_size=16, verbose=0, teacher_forcing=0.8)
    model.save(tmp_path / "s2s.npz")
    loaded = load_model(tmp_path / "s2s.npz")
    assert isinstance(loaded, Seq2Seq) and loaded.attention == "bahdanau"
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.predict(S[:8]) == loaded.predict(S[:8])
    model.fit(S, T, epochs=1, batch_size=16, verbose=0, teacher_forcing=0.8)
    loaded.fit(S, T, epochs=1, batch_size=16, verbose=0, teacher_forcing=0.8)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_seq2seq_history_and_evaluate():
    sv, tv, S, T = encode_pairs(*make_sorting(40, seed=0))
    model = Seq2Seq(len(sv), len(tv), 8, 8, seed=0)
    model.compile("adam", metrics=["acc"])
    h = model.fit(S, T, epochs=2, batch_size=10, verbose=0, validation_data=(S[:10], T[:10]))
    assert set(h.history) == {"loss", "acc", "val_loss", "val_acc"}
    loss, acc = model.evaluate(S, T)
    assert np.isfinite(loss) and 0 <= acc <= 1


# -- datasets -------------------------------------------------------------------------------
def test_vocabulary_round_trip_and_specials():
    v = Vocabulary.from_texts(["hello world", "hi"], level="char")
    assert v.itos[:4] == ["<pad>", "<start>", "<end>", "<unk>"]
    ids = v.encode("hello", add_end=True)
    assert ids[-1] == END and v.decode(ids) == "hello"
    assert v.decode(v.encode("hz")) == "h<unk>"
    w = Vocabulary.from_texts(["the cat sat", "the dog"], level="word")
    assert w.decode(w.encode("the dog sat")) == "the dog sat"
    batch = w.encode_batch(["the cat", "dog"], add_end=True)
    assert batch.shape == (2, 3) and batch[1, 2] == PAD


def test_task_generators_are_correct_and_seeded():
    s, t = make_addition(50, seed=3)
    assert all(str(sum(map(int, a.split("+")))) == b for a, b in zip(s, t))
    assert make_addition(5, seed=3) == make_addition(5, seed=3)
    s, t = make_reversal(20, seed=1)
    assert all(a[::-1] == b for a, b in zip(s, t))
    s, t = make_sorting(20, seed=1)
    assert all("".join(sorted(a)) == b for a, b in zip(s, t))
    s, t = make_dates(300, seed=2)
    import datetime
    for a, b in zip(s, t):
        datetime.date.fromisoformat(b)
    assert any("/" in a for a in s) and any("," in a for a in s) and any("." in a for a in s)


# -- defects of the monolithic Seq2Seq, each checked here (all failed or were absent before) -------
def leading_correlations(model):
    """|corr| of the leading entries of every pair of weight matrices: two layers drawn from the
    same seed give proportional leading entries (corr 1) even when their shapes differ."""
    ws = {f"{layer.name}/{k}": p.ravel() for layer in model.layers for k, p, _, _ in layer.weight_entries()
          if p.ndim == 2}
    names = sorted(ws)
    out = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            n = min(ws[a].size, ws[b].size)
            if n >= 16:
                out[(a, b)] = abs(np.corrcoef(ws[a][:n], ws[b][:n])[0, 1])
    return out


@pytest.mark.parametrize("seed", [0, 7])
def test_every_sub_layer_starts_from_its_own_seed(seed):
    """Before: encoder layer k took seed+10+k and a Bidirectional's backward twin seed+1, so
    layer 0's backward LSTM and layer 1's forward LSTM started from the same numbers."""
    model = Seq2Seq(12, 12, 6, 5, num_layers=3, bidirectional_encoder=True, attention="bahdanau", seed=seed)
    corr = leading_correlations(model)
    assert len(corr) > 50
    worst = max(corr, key=corr.get)
    assert corr[worst] < 0.9, (worst, corr[worst])


def test_set_weights_is_all_or_nothing():
    model = Seq2Seq(10, 10, 4, 3, bidirectional_encoder=True, attention="luong", seed=0)
    before = model.get_weights()
    bad = [w + 1 for w in before]
    bad[-1] = bad[-1] * np.nan                          # the last array is bad: nothing may change
    with pytest.raises(ValueError, match="non-finite"):
        model.set_weights(bad)
    wrong_shape = [w + 1 for w in before]
    wrong_shape[-2] = np.zeros((1, 1))
    with pytest.raises(ValueError, match="expects shape"):
        model.set_weights(wrong_shape)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.set_weights([w + 1 for w in before])
    np.testing.assert_array_equal(model.get_weights()[0], before[0] + 1)


def test_train_on_batch_checks_inputs_as_fit_does():
    model = Seq2Seq(10, 10, 4, 3, seed=0)
    model.compile("adam")
    before = model.get_weights()
    for src, tgt, match in [(np.array([[4, 5]]), np.array([[4, 5]]), "no end_token"),
                            (np.array([[4, 11]]), np.array([[4, 2]]), r"src ids must be in \[0, 9\]"),
                            (np.array([[4.0, 5.0]]), np.array([[4, 2]]), "integer token ids"),
                            (np.array([[4, 5]]), np.array([[4, 2]] * 2), "same number of rows")]:
        with pytest.raises((ValueError, TypeError), match=match):
            model.train_on_batch(src, tgt)
    with pytest.raises(ValueError, match="teacher_forcing"):
        model.train_on_batch(np.array([[4, 5]]), np.array([[4, 2]]), teacher_forcing=2)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_predict_rejects_bad_decoding_arguments():
    model = Seq2Seq(10, 10, 4, 3, seed=0)
    for kw, match in [(dict(max_length=0), "max_length must be an int >= 1"),
                      (dict(max_length=2.5), "max_length must be an int >= 1"),
                      (dict(beam_width=2, length_penalty=-1), "length_penalty must be a number >= 0"),
                      (dict(batch_size=0), "batch_size must be an int >= 1")]:
        with pytest.raises(ValueError, match=match):
            model.predict(np.array([[4, 5]]), **kw)


def test_beam_search_uses_one_length_penalty(monkeypatch):
    """Every hypothesis, finished or not, is ranked by Σ log p / len^α with len counting the
    end token. A model that can only say 'end' (or one other token) checks the arithmetic."""
    from lstm_np.core import activations as A
    model = Seq2Seq(10, 6, 4, 3, seed=0)
    model.output_layer.params["kernel"][...] = 0.0
    bias = np.full(6, -50.0)
    bias[[2, 4]] = [np.log(0.4), np.log(0.6)]           # p(end) = 0.4, p(4) = 0.6 at every step
    model.output_layer.params["bias"][...] = bias
    logp_end, logp_4 = A.log_softmax(bias[None])[0, [2, 4]]
    for alpha in (0.0, 0.7, 2.0):
        # "end": 1 token, "4 end": 2, "4 4 end": 3 — then the row has K = 3 finished hypotheses
        # and stops; the best normalised score among them wins
        scores = [(k * logp_4 + logp_end) / (k + 1) ** alpha for k in range(3)]
        want = [4] * int(np.argmax(scores))
        got = model.predict(np.array([[4, 5]]), max_length=4, beam_width=3, length_penalty=alpha)[0]
        assert got == want, (alpha, scores)


@pytest.mark.parametrize("attention", ["none", "luong", "bahdanau"])
def test_models_saved_by_the_monolithic_seq2seq_compute_the_same(attention):
    """The composed Seq2Seq is the same function as the monolith it replaced: files that one
    saved (tests/golden/make_seq2seq_v1_golden.py) load, and give its loss to 1e-12 and its
    greedy and beam outputs."""
    import json
    import os
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "seq2seq_v1")
    expected = json.load(open(os.path.join(here, "expected.json")))
    src, tgt = np.array(expected["src"]), np.array(expected["tgt"])
    want = expected["models"][attention]
    model = load_model(os.path.join(here, f"{attention}.keras"))
    loss, acc = model.forward_loss(src, tgt, 1.0, training=False)
    assert loss == pytest.approx(want["loss"], rel=1e-12) and acc == want["accuracy"]
    assert model.predict(src, max_length=6) == want["greedy"]
    assert model.predict(src, max_length=6, beam_width=3) == want["beam"]
