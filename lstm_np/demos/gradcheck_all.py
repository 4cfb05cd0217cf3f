"""Finite-difference checks of every layer and model, printed as one table."""
import numpy as np

from .. import gradcheck, layers
from ..models import Seq2Seq, Sequential


def cases(rng):
    f64 = dict(dtype="float64")
    x = rng.standard_normal((3, 5, 4))
    mask = np.arange(5)[None] < np.array([[5], [3], [2]])
    yield "LSTM (return_sequences, masked)", lambda: gradcheck.check_layer(
        layers.LSTM(3, return_sequences=True, seed=0, **f64), x, mask=mask)
    yield "LSTM (go_backwards, return_state, initial_state)", lambda: gradcheck.check_layer(
        layers.LSTM(3, go_backwards=True, return_state=True, seed=0, **f64), x,
        initial_state=[rng.standard_normal((3, 3)), rng.standard_normal((3, 3))])
    yield "LSTM (dropout, recurrent_dropout)", lambda: gradcheck.check_layer(
        layers.LSTM(3, dropout=0.3, recurrent_dropout=0.3, seed=0, **f64), x, training=True)
    yield "GRU (masked)", lambda: gradcheck.check_layer(layers.GRU(3, return_sequences=True, seed=0, **f64), x, mask=mask)
    yield "SimpleRNN", lambda: gradcheck.check_layer(layers.SimpleRNN(3, return_sequences=True, seed=0, **f64), x)
    for mode in ("concat", "sum", "mul", "ave", None):
        yield f"Bidirectional(LSTM), merge_mode={mode!r}", lambda mode=mode: gradcheck.check_layer(
            layers.Bidirectional(layers.LSTM(3, return_sequences=True, seed=0, **f64), merge_mode=mode, **f64),
            x, mask=mask)
    yield "Dense (softmax, rank 3)", lambda: gradcheck.check_layer(layers.Dense(4, activation="softmax", seed=0, **f64), x)
    yield "TimeDistributed(Dense)", lambda: gradcheck.check_layer(
        layers.TimeDistributed(layers.Dense(2, activation="sigmoid", seed=0, **f64), **f64), x)
    yield "Embedding", lambda: gradcheck.check_layer(layers.Embedding(9, 3, seed=0, **f64), np.array([[1, 2, 8], [0, 3, 3]]))
    yield "RepeatVector", lambda: gradcheck.check_layer(layers.RepeatVector(3, **f64), rng.standard_normal((2, 4)))

    def model():
        m = Sequential([layers.Embedding(12, 4, mask_zero=True, input_length=6, seed=0, **f64),
                        layers.Bidirectional(layers.LSTM(5, return_sequences=True, seed=1, **f64), **f64),
                        layers.GRU(3, seed=2, **f64), layers.Dense(2, activation="softmax", seed=3, **f64)])
        m.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        ids = np.array([[3, 4, 5, 0, 0, 0], [1, 2, 3, 4, 5, 6], [7, 0, 0, 0, 0, 0]])
        return gradcheck.check_model(m, ids, np.array([0, 1, 1]))
    yield "Sequential: Embedding(mask_zero) + BiLSTM + GRU + Dense, loss", model
    src = np.array([[4, 5, 6, 0], [7, 8, 9, 5], [4, 0, 0, 0]])
    tgt = np.array([[4, 5, 2, 0], [6, 7, 8, 2], [2, 0, 0, 0]])
    for att in (None, "luong", "bahdanau"):
        yield f"Seq2Seq (bidirectional encoder, 2 layers, attention={att!r})", lambda att=att: gradcheck.check_seq2seq(
            Seq2Seq(10, 10, 4, 3, num_layers=2, bidirectional_encoder=True, attention=att, seed=1, **f64), src, tgt)
    yield "Seq2Seq (Bahdanau, teacher_forcing=0.5, dropout=0.2)", lambda: gradcheck.check_seq2seq(
        Seq2Seq(10, 10, 4, 3, attention="bahdanau", dropout=0.2, seed=1, **f64), src, tgt,
        teacher_forcing=0.5, training=True)


def run(seed=0, tol=1e-4, print_fn=print):
    """Every check; prints one line per parameter and returns True when all pass."""
    rng = np.random.default_rng(seed)
    all_ok = True
    print_fn(f"{'what':<64} {'parameter':<44} {'rel. error':>10}")
    for name, check in cases(rng):
        errs = check()
        for k, v in errs.items():
            ok = v < tol
            all_ok &= ok
            print_fn(f"{name:<64} {k:<44} {v:>10.1e}{'' if ok else '  <-- FAIL'}")
            name = ""
    print_fn(f"{'all gradients agree with central differences' if all_ok else 'SOME CHECKS FAILED'} "
             f"(tolerance {tol:g}, float64)")
    return all_ok
