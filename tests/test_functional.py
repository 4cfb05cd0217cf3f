"""The functional API: symbolic tensors, Model(inputs, outputs), shared layers, nested models,
merging and attention layers, gradients of whole graphs, multi-input/-output training, saving."""
import numpy as np
import pytest

import lstm_np as keras
from lstm_np import ops
from lstm_np import gradcheck, layers
from lstm_np.layers.graph import SymbolicTensor
from lstm_np.models import load_model
from helpers.gradients import GRAD_TOL, assert_grads_ok

F64 = dict(dtype="float64")
MODEL_TOL = 1e-7           # the bound for whole functional graphs


def lstm(units, seed, **kw):
    return layers.LSTM(units, seed=seed, **F64, **kw)


def dense(units, seed, **kw):
    return layers.Dense(units, seed=seed, **F64, **kw)


# -- symbolic tensors and the graph ------------------------------------------------------------------
def test_input_and_layer_calls_are_symbolic():
    x = keras.Input((None, 3), name="x")
    assert isinstance(x, SymbolicTensor) and x.shape == (None, None, 3) and x.dtype == np.float32
    assert keras.Input(batch_shape=(4, 7, 2)).shape == (4, 7, 2)
    assert keras.Input((5,), dtype="int32").dtype == np.int32
    y, h, c = layers.LSTM(4, return_state=True)(x)
    assert (y.shape, h.shape, c.shape) == ((None, 4), (None, 4), (None, 4))
    fwd, bwd = layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode=None)(x)
    assert fwd.shape == bwd.shape == (None, None, 2)
    with pytest.raises(TypeError, match="has no values"):
        np.asarray(x)


def test_model_structure_follows_keras():
    enc_in, dec_in = keras.Input((None, 4), name="enc_in"), keras.Input((None, 5), name="dec_in")
    encoder = layers.LSTM(3, return_state=True, name="encoder")
    _, h, c = encoder(enc_in)
    decoder = layers.LSTM(3, return_sequences=True, name="decoder")
    out = layers.Dense(5, name="char")(decoder(dec_in, initial_state=[h, c]))
    model = keras.Model([enc_in, dec_in], out, name="s2s")
    assert [l.name for l in model.layers] == ["enc_in", "dec_in", "encoder", "decoder", "char"]
    assert model.input == [enc_in, dec_in] and model.inputs == [enc_in, dec_in]
    assert model.output is out and model.outputs == [out]
    assert model.get_layer("decoder") is decoder and model.layers[2].output[1] is h
    assert decoder.input is dec_in
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text and "dec_in[0][0], encoder[0][1], encoder[0][2]" in text
    assert "Total params: " + f"{model.count_params():,}" in text


def test_graph_errors_are_clear():
    a, b = keras.Input((3,)), keras.Input((3,))
    y = layers.Dense(2)(b)
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, y)
    with pytest.raises(TypeError, match="mixed with ndarray"):
        layers.Add()([a, np.zeros((1, 3))])
    d = layers.Dense(2, name="twin")
    with pytest.raises(ValueError, match="unique"):
        keras.Model(a, layers.Dense(2, name="twin")(d(a)))
    with pytest.raises(ValueError, match="was built for inputs of shape"):
        d(keras.Input((4,)))
    m = keras.Model([a, b], layers.Add()([d(a), d(b)]))
    with pytest.raises(ValueError, match="2 inputs"):
        m.predict(np.zeros((2, 3)))


# -- gradients of whole graphs (both backends, float64) ----------------------------------------------
@pytest.fixture(params=["numpy", "numba"])
def backend(request):
    old = keras.get_backend()
    keras.set_backend(request.param)
    yield request.param
    keras.set_backend(old)


def check(model, x, y=None, tol=MODEL_TOL):
    errs = gradcheck.check_model(model, x, y)
    assert_grads_ok(errs, tol)
    return errs


def test_gradcheck_two_inputs_shared_lstm_concatenate(backend, rng):
    a, b = keras.Input((5, 3)), keras.Input((5, 3))
    shared = lstm(4, 0, return_sequences=True)
    x = layers.Concatenate()([shared(a), shared(dense(3, 1)(b))])
    model = keras.Model([a, b], dense(2, 3)(lstm(3, 2)(x)))
    errs = check(model, [rng.standard_normal((3, 5, 3)), rng.standard_normal((3, 5, 3))])
    assert {"x/0", "x/1"} <= set(errs)


def test_gradcheck_encoder_decoder_with_initial_state(backend, rng):
    enc_in, dec_in = keras.Input((None, 3)), keras.Input((None, 4))
    _, h, c = lstm(5, 0, return_state=True)(enc_in)
    y, _, _ = lstm(5, 1, return_sequences=True, return_state=True)(dec_in, initial_state=[h, c])
    model = keras.Model([enc_in, dec_in], dense(4, 2, activation="softmax")(y))
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    target = np.eye(4)[rng.integers(0, 4, (2, 6))]
    check(model, [rng.standard_normal((2, 7, 3)), rng.standard_normal((2, 6, 4))], target)


def test_gradcheck_bidirectional_merge_none_to_two_heads(backend, rng):
    x_in = keras.Input((6, 2))
    fwd, bwd = layers.Bidirectional(lstm(3, 0, return_sequences=True), merge_mode=None, **F64)(x_in)
    model = keras.Model(x_in, [dense(1, 1)(lstm(2, 2)(fwd)), dense(2, 3)(bwd)])
    model.compile(loss=["mse", "mse"], optimizer="adam", loss_weights=[1.0, 0.3])
    check(model, rng.standard_normal((3, 6, 2)), [rng.standard_normal((3, 1)), rng.standard_normal((3, 6, 2))])


def test_gradcheck_nested_model_called_twice(backend, rng):
    inner_in = keras.Input((4, 2))
    inner = keras.Model(inner_in, lstm(3, 0)(inner_in), name="inner")
    a, b = keras.Input((4, 2)), keras.Input((4, 2))
    model = keras.Model([a, b], dense(1, 1)(layers.Multiply()([inner(a), inner(b)])))
    check(model, [rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 4, 2))])


@pytest.mark.parametrize("merge", ["add", "subtract", "multiply", "average", "maximum", "minimum",
                                   "concatenate_time", "dot", "dot_normalized"])
def test_gradcheck_merging_layers(merge, rng):
    a, b = keras.Input((3, 4)), keras.Input((3, 4))
    pa, pb = dense(4, 0)(a), dense(4, 1)(b)
    merged = {"add": layers.Add, "subtract": layers.Subtract, "multiply": layers.Multiply,
              "average": layers.Average, "maximum": layers.Maximum, "minimum": layers.Minimum,
              "concatenate_time": lambda: layers.Concatenate(axis=1),
              "dot": lambda: layers.Dot(axes=[2, 2]),
              "dot_normalized": lambda: layers.Dot(axes=2, normalize=True)}[merge]()([pa, pb])
    model = keras.Model([a, b], dense(2, 2)(merged))
    check(model, [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))])


@pytest.mark.parametrize("kind", ["luong", "luong_scaled_key", "luong_concat", "luong_concat_scaled", "bahdanau",
                                  "bahdanau_causal_scores"])
def test_gradcheck_attention_with_masks(kind, backend, rng):
    ids = keras.Input((5,), dtype="int32")
    seq = layers.Bidirectional(lstm(3, 0, return_sequences=True), **F64)(
        layers.Embedding(9, 4, mask_zero=True, seed=1, **F64)(ids))
    q = dense(6, 2)(seq)
    if kind == "luong":
        att = layers.Attention(**F64)([q, seq])
    elif kind == "luong_scaled_key":
        att = layers.Attention(use_scale=True, seed=3, **F64)([q, seq, dense(6, 4)(seq)])
    elif kind.startswith("luong_concat"):                # Keras's score_mode="concat"
        att = layers.Attention(score_mode="concat", use_scale=kind.endswith("scaled"), seed=3, **F64)([q, seq])
    elif kind == "bahdanau":
        att = layers.AdditiveAttention(seed=3, **F64)([q, seq])
    else:
        att, scores = layers.AdditiveAttention(seed=3, **F64)([q, seq], return_attention_scores=True,
                                                               use_causal_mask=True)
    outs = [dense(2, 5)(att)] + ([dense(1, 6)(scores)] if kind == "bahdanau_causal_scores" else [])
    model = keras.Model(ids, outs)
    tokens = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5], [7, 0, 0, 0, 0]])
    # The project's usual bound: the query projection's gradient here is ~1e-3 of the loss's
    # scale, so finite-difference round-off alone reaches ~1e-6 of it (measured; not a bug).
    check(model, tokens, tol=GRAD_TOL)


def test_lambda_trains_with_its_own_backward(rng):
    x_in = keras.Input((4, 3))
    last = layers.Lambda(lambda x: x[:, -1], backward=lambda x, y, g: np.concatenate(
        [np.zeros_like(x[:, :-1]), g[:, None]], axis=1))
    model = keras.Model(x_in, dense(1, 1)(last(lstm(2, 0, return_sequences=True)(x_in))))
    assert last.output.shape == (None, 2)
    check(model, rng.standard_normal((2, 4, 3)))


@pytest.mark.parametrize("f", [lambda x: x[:, -1], lambda x: x[:, ::-1, ::-1], lambda x: np.transpose(x, (0, 2, 1)),
                               lambda x: np.repeat(x[:, -2:], 2, axis=1), lambda x: x.reshape(len(x), -1),
                               lambda x: 2 * x - 1, lambda x: x.max(axis=1), lambda x: np.tanh(x) * x,
                               lambda x: ops.softmax(ops.sum(x, axis=-1))],
                         ids=["last step", "reversed", "transposed", "repeated", "flattened", "scaled and shifted",
                              "max", "numpy ufuncs", "keras.ops"])
def test_a_lambda_is_differentiated_for_you(f, rng):
    """Keras scripts write Lambda(lambda x: x[:, -1]) or Lambda(lambda x: 2 * x) with no backward:
    the function runs on the tape, whose reverse walk is its backward."""
    x_in = keras.Input((4, 3))
    h = layers.Lambda(f)(lstm(2, 0, return_sequences=True)(x_in))
    model = keras.Model(x_in, dense(1, 1)(h) if len(h.shape) == 2 else h)
    check(model, rng.standard_normal((2, 4, 3)))


def test_a_lambda_the_tape_cannot_follow_predicts_and_asks_for_a_backward():
    layer = layers.Lambda(lambda x: np.sort(x, axis=1))
    x = np.random.default_rng(0).random((2, 4, 3))
    np.testing.assert_array_equal(layer.forward(x), np.sort(x, axis=1))
    with pytest.raises(RuntimeError, match="np.sort.*backward="):
        layer.backward(np.ones((2, 4, 3)))


def test_gradcheck_catches_a_wrong_shared_gradient(rng):
    """Negative control: a shared layer whose second call's gradient were dropped is caught."""
    a, b = keras.Input((3,)), keras.Input((3,))
    shared = dense(2, 0)
    model = keras.Model([a, b], layers.Add()([shared(a), shared(b)]))
    model.graph.shared_grads.clear()                     # sabotage: keep only the last call's gradient
    errs = gradcheck.check_model(model, [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))])
    assert errs[f"{shared.name}/kernel"] > 1e-2


# -- training with several inputs and outputs -------------------------------------------------------
def two_headed(seed=0):
    a, b = keras.Input((4, 2), name="a"), keras.Input((4, 3), name="b")
    x = layers.Concatenate()([layers.LSTM(3, seed=seed)(a), layers.LSTM(3, seed=seed + 1)(b)])
    return keras.Model({"a": a, "b": b}, [layers.Dense(1, activation="sigmoid", name="yes")(x),
                                          layers.Dense(3, activation="softmax", name="cls")(x)], seed=seed)


def data(rng, n=12):
    return ({"a": rng.standard_normal((n, 4, 2)), "b": rng.standard_normal((n, 4, 3))},
            {"yes": rng.integers(0, 2, (n, 1)), "cls": rng.integers(0, 3, n)})


def test_fit_with_dicts_lists_validation_and_per_output_names(rng):
    model = two_headed()
    model.compile("adam", loss={"yes": "binary_crossentropy", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"yes": 2.0, "cls": 1.0}, metrics={"yes": ["accuracy"], "cls": ["acc"]})
    x, y = data(rng)
    h = model.fit(x, y, epochs=2, batch_size=5, validation_split=0.25, verbose=0)
    assert set(h.history) == {"loss", "yes_loss", "cls_loss", "yes_accuracy", "cls_acc", "val_loss",
                              "val_yes_loss", "val_cls_loss", "val_yes_accuracy", "val_cls_acc"}
    logs = model.evaluate([x["a"], x["b"]], [y["yes"], y["cls"]], return_dict=True)
    assert logs["loss"] == pytest.approx(2 * logs["yes_loss"] + logs["cls_loss"], rel=1e-5)
    h2 = model.fit([x["a"], x["b"]], [y["yes"], y["cls"]], epochs=1, verbose=0,
                   validation_data=([x["a"], x["b"]], [y["yes"], y["cls"]]))
    assert "val_cls_acc" in h2.history
    p_yes, p_cls = model.predict(x)
    assert p_yes.shape == (12, 1) and p_cls.shape == (12, 3)
    with pytest.raises(ValueError, match="missing"):
        model.fit({"a": x["a"]}, y, verbose=0)
    with pytest.raises(ValueError, match="2 outputs"):
        model.fit(x, y["yes"], verbose=0)


def test_model_is_callable_as_a_layer_and_trains_inside_another(rng):
    inner_in = keras.Input((5, 2))
    inner = keras.Model(inner_in, layers.LSTM(3, seed=0)(inner_in), name="encoder")
    outer_in = keras.Input((5, 2))
    outer = keras.Model(outer_in, layers.Dense(1, seed=1)(inner(outer_in)))
    assert inner.count_params() + 4 == outer.count_params()
    x = rng.standard_normal((6, 5, 2)).astype("float32")
    np.testing.assert_allclose(outer.predict(x), outer.layers[-1](inner(x)), rtol=1e-6)
    before = inner.get_weights()
    outer.compile("adam", "mse")
    outer.fit(x, rng.standard_normal((6, 1)), epochs=1, verbose=0)
    assert not np.array_equal(before[0], inner.get_weights()[0])      # the inner model trained


def test_a_frozen_shared_layer_stays_frozen(rng):
    a, b = keras.Input((3,)), keras.Input((3,))
    shared = layers.Dense(2, seed=0)
    model = keras.Model([a, b], layers.Dense(1, seed=1)(layers.Add()([shared(a), shared(b)])))
    shared.trainable = False
    before = shared.get_weights()
    model.compile("adam", "mse")
    model.fit([rng.random((8, 3)), rng.random((8, 3))], rng.random((8, 1)), epochs=2, verbose=0)
    for w0, w1 in zip(before, shared.get_weights()):
        np.testing.assert_array_equal(w0, w1)


# -- saving ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".keras", ".npz", ".h5", ".hdf5"])
def test_save_load_round_trips_shared_layers_and_many_inputs(tmp_path, rng, suffix):
    model = two_headed()
    model.compile("adam", loss=["binary_crossentropy", "sparse_categorical_crossentropy"], metrics=[["acc"], []])
    x, y = data(rng)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    path = tmp_path / f"model{suffix}"
    model.save(path)
    loaded = load_model(path)
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    for w0, w1 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    for p0, p1 in zip(model.predict(x), loaded.predict(x)):
        np.testing.assert_array_equal(p0, p1)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)      # optimizer state and shuffling resume
    loaded.fit(x, y, epochs=2, batch_size=4, verbose=0)
    for w0, w1 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_h5_model_files_as_keras2_scripts_write_them(tmp_path, rng):
    """model.save("m.h5") holds the whole model; load_weights reads its weights (as Keras 2
    did); a weights-only .h5 given to load_model is a clear error."""
    model = two_headed()
    model.save(tmp_path / "m.h5")
    fresh = two_headed()
    fresh.load_weights(tmp_path / "m.h5")
    for w0, w1 in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="a weights file. use load_weights"):
        load_model(tmp_path / "w.weights.h5")


def test_shared_layer_and_nested_model_survive_saving(tmp_path, rng):
    a, b = keras.Input((4, 2)), keras.Input((4, 2))
    shared = layers.LSTM(3, seed=0)
    inner_in = keras.Input((3,))
    inner = keras.Model(inner_in, layers.Dense(2, seed=1)(inner_in), name="head")
    model = keras.Model([a, b], layers.Concatenate()([inner(shared(a)), inner(shared(b))]))
    path = tmp_path / "nested.keras"
    model.save(path)
    loaded = load_model(path)
    x = [rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 2))]
    np.testing.assert_array_equal(model.predict(x), loaded.predict(x))
    lstm_layer = [l for l in loaded.layers if isinstance(l, layers.LSTM)][0]
    assert len(lstm_layer._inbound_nodes) == 2                  # still one layer, called twice


def test_saving_refuses_unknown_suffixes_and_foreign_keras_files(tmp_path):
    import zipfile
    model = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"\.keras .*, \.npz .* or \.h5 / \.hdf5"):
        model.save(tmp_path / "model.pkl")
    assert not list(tmp_path.iterdir())
    with zipfile.ZipFile(tmp_path / "theirs.keras", "w") as z:     # what Keras itself writes
        z.writestr("metadata.json", '{"keras_version": "3.15.1"}')
        z.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="not written by lstm_np"):
        load_model(tmp_path / "theirs.keras")
    model.save(tmp_path / "ours.keras")
    with zipfile.ZipFile(tmp_path / "ours.keras") as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.npz"]


def test_sequential_is_a_model_whose_graph_is_a_chain(rng):
    model = keras.Sequential([keras.Input((4, 2)), layers.LSTM(3), layers.Dense(1)])
    assert isinstance(model, keras.Model)
    assert [type(l).__name__ for l in model.layers] == ["LSTM", "Dense"]
    assert len(model.graph.nodes) == 2 and model.inputs[0].shape == (None, 4, 2)
    functional = keras.Model(model.inputs, model.outputs)          # the same layers, shared
    x = rng.random((3, 4, 2))
    np.testing.assert_array_equal(functional.predict(x), model.predict(x))


@pytest.mark.parametrize("merge", [layers.Multiply, layers.Maximum, layers.Minimum, layers.Add],
                         ids=["multiply", "maximum", "minimum", "add"])
def test_a_masked_merge_computes_as_keras_and_its_gradient_checks(merge, rng):
    """With masks, Multiply / Maximum / Minimum compute Keras 3's way (on the tape); the model's
    gradient checks through it."""
    a, b = keras.Input((4,), dtype="int64"), keras.Input((4,), dtype="int64")
    embed = [layers.Embedding(5, 3, mask_zero=True, seed=k, dtype="float64") for k in (1, 2)]
    merged = merge()([embed[0](a), embed[1](b)])                 # masks from padding id 0
    model = keras.Model([a, b], layers.LSTM(2, seed=0, dtype="float64")(merged))
    ids_a, ids_b = np.array([[1, 0, 2, 3], [0, 4, 4, 1]]), np.array([[2, 3, 0, 1], [0, 1, 0, 2]])
    errs = gradcheck.check_model(model, [ids_a, ids_b], check_input=False)
    assert_grads_ok(errs, MODEL_TOL)
    assert {f"{e.name}/embeddings" for e in embed} <= set(errs)
