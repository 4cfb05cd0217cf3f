"""Properties every layer and model kind must have, checked over all of them in float32 and
float64 with the global floatx left at its default (float32):

- weights round-trip bit for bit in the layer's own dtype; a wrapper never changes its
  inner layers' dtype;
- ``trainable=False`` (at construction or set later, on a layer or on a wrapper) means no
  weight changes in ``fit`` and "Non-trainable params" in ``summary()``;
- a public method called out of order says what to call first.
"""
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_np import floatx, layers
from lstm_np.models import Sequential, Seq2Seq

T, D = 4, 2
DTYPES = ["float32", "float64"]


def recurrent(cls, **kw):
    return lambda dt, **outer: cls(3, dtype=dt, seed=0, **kw, **outer)


def bidirectional(cls, merge_mode):
    return lambda dt, **outer: layers.Bidirectional(cls(3, return_sequences=True, dtype=dt, seed=0),
                                                    merge_mode=merge_mode, **outer)


# name -> (make(dtype, **outer_kwargs) -> layer, input kind). Every layer kind that holds weights.
LAYER_KINDS = {
    "lstm": (recurrent(layers.LSTM), "seq"),
    "gru": (recurrent(layers.GRU), "seq"),
    "simple_rnn": (recurrent(layers.SimpleRNN), "seq"),
    "lstm_return_sequences": (recurrent(layers.LSTM, return_sequences=True), "seq"),
    **{f"bidirectional_lstm_{m}": (bidirectional(layers.LSTM, m), "seq")
       for m in ("concat", "sum", "mul", "ave")},
    "bidirectional_gru_concat": (bidirectional(layers.GRU, "concat"), "seq"),
    "bidirectional_simple_rnn_ave": (bidirectional(layers.SimpleRNN, "ave"), "seq"),
    "time_distributed_dense": (lambda dt, **outer: layers.TimeDistributed(layers.Dense(3, dtype=dt, seed=0),
                                                                          **outer), "seq"),
    "embedding": (lambda dt, **outer: layers.Embedding(10, 3, dtype=dt, seed=0, **outer), "ids"),
    "dense": (lambda dt, **outer: layers.Dense(3, dtype=dt, seed=0, **outer), "vec"),
}


def built(kind, dtype):
    make, inp = LAYER_KINDS[kind]
    layer = make(dtype)
    layer.build({"seq": (None, T, D), "ids": (None, T), "vec": (None, D)}[inp])
    return layer


def inner_layers(layer):
    out = []
    for sub in layer.sublayers():
        out += [sub] + inner_layers(sub)
    return out


def model_around(layer, kind, seed=0):
    """layer -> (a small Sequential that trains it, x, y)."""
    rng = np.random.default_rng(seed)
    inp = LAYER_KINDS[kind][1]
    if inp == "ids":
        x = rng.integers(0, 10, (8, T))
        stack = [layers.Input((T,), dtype="int32"), layer, layers.LSTM(2, seed=1)]
    elif inp == "vec":
        x = rng.standard_normal((8, D))
        stack = [layers.Input((D,)), layer]
    else:
        x = rng.standard_normal((8, T, D))
        stack = [layers.Input((T, D)), layer]
        if getattr(layer, "return_sequences", kind == "time_distributed_dense"):
            stack.append(layers.LSTM(2, seed=1))
    model = Sequential(stack + [layers.Dense(1, seed=2)], seed=seed)
    model.compile(loss="mse", optimizer="adam")
    return model, x, rng.standard_normal((8, 1))


# -- weights round-trip exactly, in the layer's own dtype ------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", sorted(LAYER_KINDS))
@given(seed=st.integers(0, 2**32 - 1))
def test_layer_weights_round_trip_bit_for_bit(kind, dtype, seed):
    assert floatx() == "float32"
    layer = built(kind, dtype)
    inner_dtypes = [l.dtype for l in inner_layers(layer)]
    w = [np.random.default_rng(seed).standard_normal(a.shape) for a in layer.get_weights()]
    layer.set_weights(w)
    got = layer.get_weights()
    for a, b in zip(got, w):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(a, b.astype(dtype))
    layer.set_weights(got)
    for a, b in zip(layer.get_weights(), got):
        np.testing.assert_array_equal(a, b)
    assert [l.dtype for l in inner_layers(layer)] == inner_dtypes == [np.dtype(dtype)] * len(inner_dtypes)


@pytest.mark.parametrize("wrapper_dtype", [None, "float32", "float64"])
@pytest.mark.parametrize("inner_dtype", DTYPES)
def test_a_wrapper_keeps_its_inner_layers_dtype(inner_dtype, wrapper_dtype):
    for wrapper in (layers.Bidirectional(layers.LSTM(3, dtype=inner_dtype), dtype=wrapper_dtype),
                    layers.TimeDistributed(layers.Dense(3, dtype=inner_dtype), dtype=wrapper_dtype)):
        wrapper.build((None, T, D))
        for sub in inner_layers(wrapper):
            assert sub.dtype == np.dtype(inner_dtype)
            assert all(p.dtype == np.dtype(inner_dtype) for p in sub.params.values())


@pytest.mark.parametrize("dtype", DTYPES)
@given(seed=st.integers(0, 2**32 - 1))
def test_model_weights_round_trip_bit_for_bit(dtype, seed):
    model = Sequential([layers.Input((T, D)), layers.Bidirectional(layers.LSTM(3, return_sequences=True, dtype=dtype)),
                        layers.GRU(2, dtype=dtype), layers.Dense(1, dtype=dtype)])
    w = [np.random.default_rng(seed).standard_normal(a.shape) for a in model.get_weights()]
    model.set_weights(w)
    for a, b in zip(model.get_weights(), w):
        np.testing.assert_array_equal(a, b.astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bidirectional", [False, True], ids=["unidirectional", "bidirectional"])
def test_seq2seq_weights_round_trip_bit_for_bit(dtype, bidirectional):
    model = Seq2Seq(7, 8, 3, 4, bidirectional_encoder=bidirectional, attention="luong", dtype=dtype, seed=0)
    w = [np.random.default_rng(1).standard_normal(a.shape) for a in model.get_weights()]
    model.set_weights(w)
    for a, b in zip(model.get_weights(), w):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(a, b.astype(dtype))


# -- trainable=False means frozen ------------------------------------------------------------------
def non_trainable_in_summary(model):
    lines = []
    model.summary(print_fn=lines.append)
    return int(re.search(r"Non-trainable params: ([\d,]+)", "\n".join(lines)).group(1).replace(",", ""))


@pytest.mark.parametrize("how", ["constructor", "set_later"])
@pytest.mark.parametrize("kind", sorted(LAYER_KINDS))
def test_frozen_layer_does_not_change_in_fit(kind, how):
    make, _ = LAYER_KINDS[kind]
    layer = make("float32", trainable=False) if how == "constructor" else make("float32")
    model, x, y = model_around(layer, kind)
    if how == "set_later":
        layer.trainable = False
    assert layer.trainable is False
    frozen = layer.get_weights()
    others = [l.get_weights() for l in model.layers if l is not layer]
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    for a, b in zip(layer.get_weights(), frozen):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for l, ws in zip([l for l in model.layers if l is not layer], others)
               for a, b in zip(l.get_weights(), ws)), "the trainable layers should have moved"
    assert non_trainable_in_summary(model) == layer.count_params()


def test_freezing_one_direction_of_a_bidirectional_freezes_only_it():
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True, seed=0))
    model, x, y = model_around(bi, "bidirectional_lstm_concat")
    bi.backward_layer.trainable = False
    fwd, bwd = bi.forward_layer.get_weights(), bi.backward_layer.get_weights()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(bi.backward_layer.get_weights(), bwd))
    assert not all(np.array_equal(a, b) for a, b in zip(bi.forward_layer.get_weights(), fwd))
    assert non_trainable_in_summary(model) == bi.backward_layer.count_params()


def test_frozen_seq2seq_part_does_not_change():
    rng = np.random.default_rng(0)
    model = Seq2Seq(7, 8, 3, 4, attention="bahdanau", seed=0)
    model.compile(optimizer="adam")
    model.src_embedding.trainable = False
    before = model.src_embedding.get_weights()
    other = model.output_layer.get_weights()
    src = rng.integers(3, 7, (6, 5))
    tgt = np.concatenate([rng.integers(3, 8, (6, 3)), np.full((6, 1), 2)], axis=1)
    model.fit(src, tgt, epochs=1, batch_size=3, verbose=0)
    np.testing.assert_array_equal(model.src_embedding.get_weights()[0], before[0])
    assert not np.array_equal(model.output_layer.get_weights()[0], other[0])


# -- out of order: a clear error naming what to call first ------------------------------------------
@pytest.mark.parametrize("kind", sorted(LAYER_KINDS) + ["masking", "activation", "dropout"])
def test_backward_before_forward_says_call_forward_first(kind):
    if kind in LAYER_KINDS:
        layer = built(kind, "float32")
    else:
        layer = {"masking": layers.Masking(), "activation": layers.Activation("tanh"),
                 "dropout": layers.Dropout(0.5)}[kind]
    with pytest.raises(RuntimeError, match="backward needs a forward first"):
        layer.backward(np.zeros((2, T, 3), "float32"))


def test_model_methods_out_of_order_say_what_to_call_first():
    x, y = np.zeros((4, T, D)), np.zeros((4, 1))
    model = Sequential([layers.LSTM(3), layers.Dense(1)])          # no input shape: not built
    for call in (model.get_weights, model.summary, lambda: model.set_weights([])):
        with pytest.raises(ValueError, match="input shape|input_shape|build"):
            call()
    for call in (lambda: model.fit(x, y, verbose=0), lambda: model.evaluate(x, y),
                 lambda: model.train_on_batch(x, y), lambda: model.test_on_batch(x, y)):
        with pytest.raises(ValueError, match=r"compile\("):
            call()
    with pytest.raises(RuntimeError, match="forward first"):
        model.backward(np.zeros((4, 1)))
    assert model.predict(x).shape == (4, 1)                       # predict builds, as in Keras
    s2s = Seq2Seq(5, 6, 2, 3, seed=0)
    with pytest.raises(ValueError, match=r"compile\("):
        s2s.fit(np.ones((2, 3), int), np.full((2, 2), 2), verbose=0)
    with pytest.raises(RuntimeError, match="forward"):
        s2s.backward_loss()


# -- functional models ------------------------------------------------------------------------------
def functional(dtype, **outer):
    a, b = layers.Input((T, D)), layers.Input((T, D))
    shared = layers.LSTM(3, return_sequences=True, dtype=dtype, seed=0)
    x = layers.Concatenate()([shared(a), shared(b)])
    out = layers.Dense(1, dtype=dtype, seed=1)(layers.Bidirectional(layers.GRU(2, dtype=dtype, seed=2))(x))
    from lstm_np.models import Model
    return Model([a, b], out, **outer), shared


@pytest.mark.parametrize("dtype", DTYPES)
@given(seed=st.integers(0, 2**32 - 1))
def test_functional_model_weights_round_trip_bit_for_bit(dtype, seed):
    model, _ = functional(dtype)
    w = [np.random.default_rng(seed).standard_normal(a.shape) for a in model.get_weights()]
    model.set_weights(w)
    for a, b in zip(model.get_weights(), w):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(a, b.astype(dtype))


@pytest.mark.parametrize("how", ["constructor", "set_later", "shared_layer"])
def test_frozen_functional_model_or_layer_does_not_change_in_fit(how):
    rng = np.random.default_rng(0)
    model, shared = functional("float32", trainable=(how != "constructor"))
    if how == "set_later":
        model.trainable = False
    if how == "shared_layer":
        shared.trainable = False
    frozen = (model if how != "shared_layer" else shared).get_weights()
    model.compile(loss="mse", optimizer="adam")
    x = [rng.standard_normal((8, T, D)), rng.standard_normal((8, T, D))]
    model.fit(x, rng.standard_normal((8, 1)), epochs=2, batch_size=4, verbose=0)
    for a, b in zip((model if how != "shared_layer" else shared).get_weights(), frozen):
        np.testing.assert_array_equal(a, b)
    expected = model.count_params() if how != "shared_layer" else shared.count_params()
    assert non_trainable_in_summary(model) == expected


def test_functional_model_out_of_order_says_what_to_call_first():
    model, _ = functional("float32")
    x = [np.zeros((2, T, D)), np.zeros((2, T, D))]
    with pytest.raises(ValueError, match=r"compile\("):
        model.fit(x, np.zeros((2, 1)), verbose=0)
    with pytest.raises(RuntimeError, match="forward first"):
        model.backward(np.zeros((2, 1)))
