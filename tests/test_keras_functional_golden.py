"""Keras 3 parity for functional models on the same weights, from golden values made by
golden/make_keras_functional_golden.py: outputs, three Adam steps, fit's History (keys and
values), model.layers' order, and the inference models of the encoder-decoder."""
import json
import os

import numpy as np
import pytest

import lstm_np as keras
from lstm_np import layers

G = np.load(os.path.join(os.path.dirname(__file__), "golden", "keras_functional_golden.npz"),
            allow_pickle=False)
RTOL, ATOL = 2e-5, 1e-6

pytestmark = pytest.mark.usefixtures("each_backend")


def load_weights(model, prefix):
    """Set every layer's weights by its name, as Keras stored them."""
    for layer in model.layers:
        n = sum(1 for k in G.files if k.startswith(f"{prefix}/w/{layer.name}/"))
        if n:
            layer.set_weights([G[f"{prefix}/w/{layer.name}/{i}"] for i in range(n)])


def assert_weights(model, prefix, rtol=RTOL):
    for layer in model.layers:
        for i, w in enumerate(layer.get_weights()):
            np.testing.assert_allclose(w, G[f"{prefix}/w/{layer.name}/{i}"], rtol=rtol, atol=ATOL,
                                       err_msg=f"{layer.name} weight {i}")


def layer_names(prefix):
    return json.loads(G[f"{prefix}/layers"].item())


def two_input_model():
    a, b = keras.Input((5, 3), name="a"), keras.Input((5, 2), name="b")
    shared = layers.LSTM(4, return_sequences=True, name="shared")
    x = layers.Concatenate(name="concat")([shared(a), shared(layers.Dense(3, name="proj")(b))])
    out1 = layers.Dense(1, activation="sigmoid", name="out1")(layers.LSTM(2, name="head1")(x))
    out2 = layers.Dense(3, activation="softmax", name="out2")(
        layers.Bidirectional(layers.LSTM(2), merge_mode="sum", name="head2")(x))
    return keras.Model([a, b], [out1, out2], name="two")


def test_two_input_model_predicts_and_trains_as_keras():
    model = two_input_model()
    assert [l.name for l in model.layers] == layer_names("two/init")
    load_weights(model, "two/init")
    xa, xb = G["two/xa"], G["two/xb"]
    for ours, theirs in zip(model.predict([xa, xb]), (G["two/predict/0"], G["two/predict/1"])):
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=["binary_crossentropy", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
                  metrics=[["acc"], ["accuracy"]])
    steps = [model.train_on_batch([xa, xb], [G["two/y1"], G["two/y2"]], return_dict=True) for _ in range(3)]
    assert sorted(steps[0]) == json.loads(G["two/steps/keys"].item())
    for key in steps[0]:
        np.testing.assert_allclose([s[key] for s in steps], G[f"two/steps/{key}"], rtol=RTOL, atol=ATOL,
                                   err_msg=key)
    assert_weights(model, "two/after3")


def test_two_input_fit_history_equals_keras():
    model = two_input_model()
    load_weights(model, "two/fit_init")
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss={"out1": "binary_crossentropy", "out2": "sparse_categorical_crossentropy"},
                  loss_weights={"out1": 1.0, "out2": 0.5}, metrics={"out1": ["acc"], "out2": ["accuracy"]})
    hist = model.fit({"a": G["two/xa"], "b": G["two/xb"]}, {"out1": G["two/y1"], "out2": G["two/y2"]},
                     batch_size=3, epochs=2, shuffle=False, validation_split=0.25, verbose=0)
    assert sorted(hist.history) == json.loads(G["two/fit/keys"].item())
    for key, values in hist.history.items():
        np.testing.assert_allclose(values, G[f"two/fit/{key}"], rtol=RTOL, atol=ATOL, err_msg=key)


def test_encoder_decoder_and_its_inference_models_equal_keras():
    E, D, U = 6, 7, 5
    enc_in = keras.Input((None, E), name="enc_in")
    _, h, c = layers.LSTM(U, return_state=True, name="encoder")(enc_in)
    dec_in = keras.Input((None, D), name="dec_in")
    dec_out, _, _ = layers.LSTM(U, return_sequences=True, return_state=True, name="decoder")(
        dec_in, initial_state=[h, c])
    model = keras.Model([enc_in, dec_in], layers.Dense(D, activation="softmax", name="char")(dec_out))
    assert [l.name for l in model.layers] == layer_names("s2s/init")
    load_weights(model, "s2s/init")
    xe, xd, yd = G["s2s/xe"], G["s2s/xd"], G["s2s/yd"]
    np.testing.assert_allclose(model.predict([xe, xd]), G["s2s/predict"], rtol=RTOL, atol=ATOL)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    losses = [model.train_on_batch([xe, xd], yd)[0] for _ in range(3)]
    np.testing.assert_allclose(losses, G["s2s/steps/loss"], rtol=RTOL, atol=ATOL)
    assert_weights(model, "s2s/after3")
    # The inference models, built from the trained model's tensors and layers.
    encoder_model = keras.Model(model.input[0], model.layers[2].output[1:])
    hs, cs = encoder_model.predict(xe)
    h_in, c_in = keras.Input((U,)), keras.Input((U,))
    o, h2, c2 = model.layers[3](model.input[1], initial_state=[h_in, c_in])
    decoder_model = keras.Model([model.input[1], h_in, c_in], [model.layers[4](o), h2, c2])
    np.testing.assert_allclose(hs, G["s2s/encoder_predict/0"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(cs, G["s2s/encoder_predict/1"], rtol=RTOL, atol=ATOL)
    for i, out in enumerate(decoder_model.predict([xd[:, :1], hs, cs])):
        np.testing.assert_allclose(out, G[f"s2s/decoder_predict/{i}"], rtol=RTOL, atol=ATOL)


def test_masked_attention_tagger_equals_keras():
    ids_in = keras.Input((None,), dtype="int32", name="ids")
    seq = layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bilstm")(
        layers.Embedding(12, 4, mask_zero=True, name="emb")(ids_in))
    luong = layers.Attention(use_scale=True, name="luong")([seq, seq])
    bahdanau = layers.AdditiveAttention(name="bahdanau")([seq, seq])
    out = layers.Dense(2, activation="softmax", name="tag")(layers.Concatenate(name="join")([seq, luong, bahdanau]))
    model = keras.Model(ids_in, out)
    assert [l.name for l in model.layers] == layer_names("tagger/init")
    load_weights(model, "tagger/init")
    ids, tags = G["tagger/ids"], G["tagger/tags"]
    np.testing.assert_allclose(model.predict(ids), G["tagger/predict"], rtol=RTOL, atol=ATOL)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    losses = [model.train_on_batch(ids, tags) for _ in range(3)]
    np.testing.assert_allclose(losses, G["tagger/steps/loss"], rtol=RTOL, atol=ATOL)
    assert_weights(model, "tagger/after3")
