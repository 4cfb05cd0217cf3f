"""Finite-difference checks of every layer and every option (float64, random upstream)."""
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.gradients import assert_grads_ok
from lstm_np import gradcheck, layers

pytestmark = pytest.mark.usefixtures("each_backend")

RECURRENT = {"LSTM": layers.LSTM, "SimpleRNN": layers.SimpleRNN}
N_STATES = {"LSTM": 2, "SimpleRNN": 1}
OPTIONS = list(itertools.product([False, True], repeat=4))   # seq, state, backwards, masked


@pytest.mark.parametrize("kind", sorted(RECURRENT))
@pytest.mark.parametrize("return_sequences,return_state,go_backwards,masked", OPTIONS)
def test_recurrent_options(kind, return_sequences, return_state, go_backwards, masked, rng):
    B, T, D, H = 3, 5, 4, 3
    layer = RECURRENT[kind](H, return_sequences=return_sequences, return_state=return_state,
                            go_backwards=go_backwards, dtype="float64", seed=0)
    x = rng.standard_normal((B, T, D))
    mask = None
    if masked:
        mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 1]], bool)
    errs = gradcheck.check_layer(layer, x, mask=mask)
    assert set(errs) == {"kernel", "recurrent_kernel", "bias", "x"}
    assert_grads_ok(errs)


@pytest.mark.parametrize("kind", sorted(RECURRENT))
def test_zero_output_for_mask(kind, rng):
    layer = RECURRENT[kind](3, return_sequences=True, zero_output_for_mask=True, dtype="float64", seed=0)
    x = rng.standard_normal((2, 5, 2))
    mask = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)
    np.testing.assert_array_equal(layer.forward(x, mask=mask)[~mask], 0.0)
    assert_grads_ok(gradcheck.check_layer(layer, x, mask=mask))


@pytest.mark.parametrize("kind", sorted(RECURRENT))
@pytest.mark.parametrize("go_backwards", [False, True])
def test_initial_state_gradients(kind, go_backwards, rng):
    B, T, D, H = 2, 4, 3, 5
    layer = RECURRENT[kind](H, return_sequences=True, return_state=True, go_backwards=go_backwards,
                            dtype="float64", seed=0)
    x = rng.standard_normal((B, T, D))
    states = [rng.standard_normal((B, H)) for _ in range(N_STATES[kind])]
    errs = gradcheck.check_layer(layer, x, initial_state=states)
    assert {f"initial_state/{i}" for i in range(len(states))} <= set(errs)
    assert_grads_ok(errs)


@pytest.mark.parametrize("kind", sorted(RECURRENT))
def test_dropout_with_masks_held_fixed(kind, rng):
    layer = RECURRENT[kind](4, dropout=0.3, recurrent_dropout=0.4, return_sequences=True,
                            dtype="float64", seed=3)
    x = rng.standard_normal((3, 6, 5))
    assert_grads_ok(gradcheck.check_layer(layer, x, training=True))
    # The masks really are active in training (outputs differ from inference).
    assert not np.allclose(layer.forward(x, training=True), layer.forward(x, training=False))


@pytest.mark.parametrize("activation,recurrent_activation",
                         [("tanh", "hard_sigmoid"), ("relu", "sigmoid"), ("linear", "sigmoid")])
def test_lstm_other_activations(activation, recurrent_activation, rng):
    layer = layers.LSTM(3, activation=activation, recurrent_activation=recurrent_activation,
                        return_sequences=True, dtype="float64", seed=0)
    assert_grads_ok(gradcheck.check_layer(layer, rng.standard_normal((2, 4, 3)) * 0.5))


def test_lstm_without_bias(rng):
    layer = layers.LSTM(3, use_bias=False, dtype="float64", seed=0)
    errs = gradcheck.check_layer(layer, rng.standard_normal((2, 4, 3)))
    assert "bias" not in errs
    assert_grads_ok(errs)


@given(B=st.integers(1, 4), T=st.integers(1, 5), D=st.integers(1, 4), H=st.integers(1, 4),
       seq=st.booleans(), back=st.booleans(), kind=st.sampled_from(sorted(RECURRENT)),
       seed=st.integers(0, 2**16))
def test_recurrent_hypothesis_shapes(B, T, D, H, seq, back, kind, seed):
    rng = np.random.default_rng(seed)
    layer = RECURRENT[kind](H, return_sequences=seq, go_backwards=back, dtype="float64", seed=seed)
    x = rng.standard_normal((B, T, D))
    mask = rng.random((B, T)) < 0.7
    out = layer.forward(x)
    assert out.shape == ((B, T, H) if seq else (B, H))
    assert_grads_ok(gradcheck.check_layer(layer, x, mask=mask, n_entries=8))


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu", "softmax"])
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (2, 2, 3, 3)])
def test_dense_any_rank(activation, shape, rng):
    layer = layers.Dense(4, activation=activation, dtype="float64", seed=0)
    x = rng.standard_normal(shape)
    assert layer.forward(x).shape == shape[:-1] + (4,)
    assert_grads_ok(gradcheck.check_layer(layer, x))


def test_time_distributed_dense(rng):
    layer = layers.TimeDistributed(layers.Dense(2, activation="sigmoid", dtype="float64", seed=0), dtype="float64", seed=0)
    assert_grads_ok(gradcheck.check_layer(layer, rng.standard_normal((3, 4, 5))))


def test_repeat_vector(rng):
    layer = layers.RepeatVector(3, dtype="float64", seed=0)
    x = rng.standard_normal((2, 4))
    assert layer.forward(x).shape == (2, 3, 4)
    assert_grads_ok(gradcheck.check_layer(layer, x))


def test_dropout_layer(rng):
    layer = layers.Dropout(0.5, dtype="float64", seed=1)
    assert_grads_ok(gradcheck.check_layer(layer, rng.standard_normal((3, 4, 5)), training=True))


def test_masking_layer(rng):
    """Masking is x ⊙ mask with the mask a constant; at padded steps d/dx is zero."""
    layer = layers.Masking(0.0, dtype="float64", seed=0)
    x = rng.standard_normal((2, 4, 3))
    x[0, 2:] = 0.0
    y = layer.forward(x)
    np.testing.assert_array_equal(layer.compute_mask(None), [[1, 1, 0, 0], [1, 1, 1, 1]])
    np.testing.assert_array_equal(y, x)
    g = rng.standard_normal(x.shape)
    expected = g.copy()
    expected[0, 2:] = 0.0
    np.testing.assert_array_equal(layer.backward(g), expected)
    # Away from the padding the finite differences agree (only valid entries perturbed).
    x2 = rng.standard_normal((2, 4, 3))
    assert_grads_ok(gradcheck.check_layer(layer, x2))


def test_embedding(rng):
    layer = layers.Embedding(7, 3, dtype="float64", seed=0)
    ids = np.array([[1, 2, 2, 0], [6, 0, 1, 1]])
    errs = gradcheck.check_layer(layer, ids)
    assert set(errs) == {"embeddings"}
    assert_grads_ok(errs)


@pytest.mark.parametrize("activation", ["softmax", "tanh", "sigmoid", "relu", "linear"])
def test_activation_layer(activation, rng):
    layer = layers.Activation(activation, dtype="float64")
    x = rng.standard_normal((2, 3, 4)) + 0.01
    assert_grads_ok(gradcheck.check_layer(layer, x))
    with pytest.raises(ValueError, match="unknown activation"):
        layers.Activation("swishy")
