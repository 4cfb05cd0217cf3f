"""The compiled decoder step (fast/decoder_step.py, models/seq2seq/compiled_step.py) equals the
composed layers (Decoder.step, the reference): greedy and beam search give the same tokens
and the same attention, for every attention, one or two layers, any shard cut; and beam
search's vectorised bookkeeping reads candidates as the by-hand loop does."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lstm_np.fast import threads
from lstm_np.fast.inference import inference_mode
from lstm_np.models import Seq2Seq
from lstm_np.models.seq2seq import decoding
from lstm_np.models.seq2seq.compiled_step import CompiledStep


def _model(att, layers, bidirectional, units, vocab, dtype="float64", seed=0):
    return Seq2Seq(vocab + 3, vocab + 3, 4, units, num_layers=layers, bidirectional_encoder=bidirectional,
                   attention=att, seed=seed, dtype=dtype)


def _source(rng, B, S, vocab):
    src = rng.integers(3, vocab + 3, (B, S))
    src[rng.random((B, S)) < 0.3] = 0                 # padding, anywhere (the mask is per step)
    src[:, 0] = 3
    return src


def _same(a, b, atol):
    assert a[0] == b[0]                               # the tokens
    assert len(a[1]) == len(b[1])
    for wa, wb in zip(a[1], b[1]):                    # the attention of every step
        assert wa.shape == wb.shape
        np.testing.assert_allclose(wa, wb, rtol=0, atol=atol)


ATTENTIONS = [None, "luong", "bahdanau"]


@settings(max_examples=25, deadline=None)
@given(att=st.sampled_from(ATTENTIONS), layers=st.integers(1, 2), bidirectional=st.booleans(),
       B=st.integers(1, 9), S=st.integers(1, 6), units=st.integers(1, 6), vocab=st.integers(1, 6),
       K=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_compiled_step_equals_the_layers(att, layers, bidirectional, B, S, units, vocab, K, seed):
    model = _model(att, layers, bidirectional, units, vocab, seed=seed % 7)
    src = model.trim(_source(np.random.default_rng(seed), B, S, vocab))
    with inference_mode():
        _same(decoding.greedy(model, src, 7, compiled=True), decoding.greedy(model, src, 7, compiled=False), 1e-12)
        if K > 1:
            _same(decoding.beam(model, src, 7, K, 0.7, compiled=True),
                  decoding.beam(model, src, 7, K, 0.7, compiled=False), 1e-12)


@pytest.mark.parametrize("att", ATTENTIONS)
def test_float32_and_luong_dot(att):
    model = Seq2Seq(20, 15, 8, 16, bidirectional_encoder=att != "luong", attention=att, seed=1,
                    attention_score="dot" if att == "luong" else "general")
    src = model.trim(_source(np.random.default_rng(2), 17, 9, 16))
    with inference_mode():
        _same(decoding.greedy(model, src, 10, compiled=True), decoding.greedy(model, src, 10, compiled=False), 2e-5)
        _same(decoding.beam(model, src, 10, 3, 0.7, compiled=True),
              decoding.beam(model, src, 10, 3, 0.7, compiled=False), 2e-5)


@pytest.mark.parametrize("att", ATTENTIONS)
def test_any_shard_cut_gives_the_same_numbers(att, monkeypatch):
    model = _model(att, 2, True, 5, 6, seed=4)
    src = model.trim(_source(np.random.default_rng(5), 21, 7, 6))
    with inference_mode():
        one = decoding.greedy(model, src, 8, compiled=True), decoding.beam(model, src, 8, 3, 0.7, compiled=True)
        monkeypatch.setattr(threads, "MIN_WORK", 0)          # shard whatever the work
        ctx, states, _ = model.encode(decoding.Tape(keep=False), src, training=False)
        cut = CompiledStep(model.decoder, ctx, states, np.arange(len(src)))
        assert len(cut.bounds) == min(2, threads.MAX_SHARDS)
        beam_cut = CompiledStep(model.decoder, ctx, states, np.repeat(np.arange(len(src)), 3), group=3)
        assert all(b.start % 3 == 0 and b.stop % 3 == 0 for b in beam_cut.bounds)   # a row's beams together
        many = decoding.greedy(model, src, 8, compiled=True), decoding.beam(model, src, 8, 3, 0.7, compiled=True)
        reference = (decoding.greedy(model, src, 8, compiled=False),
                     decoding.beam(model, src, 8, 3, 0.7, compiled=False))
    for a, b, c in zip(one, many, reference):
        _same(a, b, 0)                                        # bit for bit across cuts
        _same(b, c, 1e-12)


def test_predict_uses_the_compiled_step_only_where_it_can():
    import lstm_np
    model = _model("luong", 1, True, 4, 5)
    before = lstm_np.get_backend()
    try:
        lstm_np.set_backend("numba")
        assert CompiledStep.usable(model.decoder)
        lstm_np.set_backend("numpy")
        assert not CompiledStep.usable(model.decoder)         # the reference backend: the layers
    finally:
        lstm_np.set_backend(before)


def _extend_by_hand(end, pad, top, cand, V, K, length, alpha, tokens, finished, alive):
    """Beam search's reading of each row's sorted candidates, one at a time (the loop the
    vectorised ``decoding._extend`` replaced)."""
    B = top.shape[0]
    parent = np.repeat(np.arange(B)[:, None] * K, K, axis=1)
    new_tok = np.full((B, K), pad, np.int64)
    new_score = np.full((B, K), -np.inf)
    for b in np.flatnonzero(alive):
        n = 0
        for f in top[b]:
            sc = cand[b, f]
            if not np.isfinite(sc):
                break
            k, tok = divmod(int(f), V)
            p = b * K + k
            if tok == end:
                finished[b].append((sc / length ** alpha, tokens[p].tolist(), None))
            else:
                parent[b, n], new_tok[b, n], new_score[b, n] = p, tok, sc
                n += 1
                if n == K:
                    break
        if len(finished[b]) >= K or n == 0:
            alive[b] = False
            new_score[b] = -np.inf
    return parent.reshape(-1), new_tok.reshape(-1), new_score.reshape(-1)


class _Tokens:
    end_token, pad_token = 2, 0


@settings(max_examples=60, deadline=None)
@given(B=st.integers(1, 5), K=st.integers(1, 4), V=st.integers(3, 6), seed=st.integers(0, 2**16))
def test_vectorised_beam_bookkeeping_reads_as_by_hand(B, K, V, seed):
    rng = np.random.default_rng(seed)
    cand = rng.standard_normal((B, K * V))
    cand[rng.random((B, K * V)) < 0.3] = -np.inf                  # dead beams
    top = np.argsort(-cand, axis=1, kind="stable")[:, :2 * K]
    tokens = rng.integers(0, V, (B * K, 3))
    alive = rng.random(B) < 0.8
    already = [[(0.0, [], None)] * int(rng.integers(0, K)) for _ in range(B)]
    got_f, want_f = [list(f) for f in already], [list(f) for f in already]
    got_alive, want_alive = alive.copy(), alive.copy()
    got = decoding._extend(_Tokens, top, cand, V, K, 4, 0.7, tokens, None, got_f, got_alive)
    want = _extend_by_hand(2, 0, top, cand, V, K, 4, 0.7, tokens, want_f, want_alive)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(got_alive, want_alive)
    assert [[(s, t) for s, t, _ in f] for f in got_f] == [[(s, t) for s, t, _ in f] for f in want_f]
