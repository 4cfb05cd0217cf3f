"""Loss gradients by finite differences; optimizer clipping rules; model-level gradchecks."""
import numpy as np
import pytest

from helpers.gradients import assert_grads_ok
from lstm_np import gradcheck, layers, losses, optimizers, set_floatx, floatx
from lstm_np.models import Sequential


def fd_grad(f, p, eps=1e-6):
    g = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        old = p[i]
        p[i] = old + eps
        lp = f()
        p[i] = old - eps
        lm = f()
        p[i] = old
        g[i] = (lp - lm) / (2 * eps)
    return g


@pytest.mark.parametrize("name,from_logits", [("binary_crossentropy", False), ("binary_crossentropy", True),
                                              ("categorical_crossentropy", False),
                                              ("categorical_crossentropy", True),
                                              ("sparse_categorical_crossentropy", False), ("mse", False)])
@pytest.mark.parametrize("masked", [False, True])
def test_loss_gradients(name, from_logits, masked, rng):
    loss = losses.get(name) if not from_logits else type(losses.get(name))(from_logits=True)
    shape = (3, 4, 5)
    p = rng.standard_normal(shape) if from_logits or name == "mse" else rng.uniform(0.05, 0.95, shape)
    if name == "binary_crossentropy":
        y = (rng.random(shape) > 0.5).astype(float)
    elif name == "sparse_categorical_crossentropy":
        y = rng.integers(0, 5, shape[:-1])
    elif name == "categorical_crossentropy":
        y = np.eye(5)[rng.integers(0, 5, shape[:-1])]
    else:
        y = rng.standard_normal(shape)
    mask = rng.random(shape[:-1]) > 0.3 if masked else None
    value, grad = loss.value_and_grad(y, p, mask=mask)
    num = fd_grad(lambda: loss(y, p, mask=mask), p)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-9)
    if masked:   # the mean over valid entries only
        per, _ = loss.per_sample(y if name != "sparse_categorical_crossentropy" else y, p)
        np.testing.assert_allclose(value, per[mask].mean(), rtol=1e-12)


def test_saturated_probabilities_give_finite_loss_and_gradient():
    p = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    y = np.array([[1.0, 0.0], [1.0, 0.0]], np.float32)
    for name in ("binary_crossentropy", "categorical_crossentropy"):
        with np.errstate(all="raise"):
            v, g = losses.get(name).value_and_grad(y, p)
        assert np.isfinite(v) and np.all(np.isfinite(g))
    z = np.array([[1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        v, g = losses.BinaryCrossentropy(from_logits=True).value_and_grad(np.array([[0.0, 1.0]]), z)
    np.testing.assert_allclose(v, 1e4)


def test_clipnorm_is_per_tensor_and_global_clipnorm_is_joint():
    g1, g2 = np.array([3.0, 4.0]), np.array([0.0, 0.5])
    a, b = optimizers.SGD(clipnorm=1.0).clip_gradients([g1, g2])
    np.testing.assert_allclose(a, [0.6, 0.8])
    np.testing.assert_allclose(b, g2)
    a, b = optimizers.SGD(global_clipnorm=1.0).clip_gradients([g1, g2])
    scale = 1.0 / np.sqrt(25.25)
    np.testing.assert_allclose(a, g1 * scale)
    np.testing.assert_allclose(b, g2 * scale)
    a, = optimizers.SGD(clipvalue=0.5).clip_gradients([np.array([-2.0, 0.1, 3.0])])
    np.testing.assert_allclose(a, [-0.5, 0.1, 0.5])


def test_backward_returns_raw_gradients_even_with_clipping_optimizer(rng):
    model = Sequential([layers.LSTM(3, input_shape=(4, 2)), layers.Dense(1)])
    model.compile(loss="mse", optimizer=optimizers.Adam(clipnorm=1e-6))
    x, y = rng.random((5, 4, 2)), rng.random((5, 1)) * 100
    model.train_on_batch(x, y)
    assert np.linalg.norm(model.layers[1].grads["kernel"]) > 1e-3   # raw, not clipped


def test_floatx_switch():
    assert floatx() == "float32"
    try:
        set_floatx("float64")
        assert layers.LSTM(2).dtype == np.float64
    finally:
        set_floatx("float32")
    assert layers.LSTM(2).dtype == np.float32
    with pytest.raises(ValueError):
        set_floatx("float16")


@pytest.mark.parametrize("training", [False, True])
def test_whole_model_gradcheck_with_loss_masks_and_dropout(training, rng):
    model = Sequential([layers.Embedding(12, 4, mask_zero=True, input_length=6, dtype="float64", seed=0),
                        layers.LSTM(5, return_sequences=True, dropout=0.2, recurrent_dropout=0.2,
                                    dtype="float64", seed=1),
                        layers.SimpleRNN(3, return_sequences=True, go_backwards=True, dtype="float64", seed=2),
                        layers.TimeDistributed(layers.Dense(2, activation="softmax", dtype="float64", seed=0),
                                               dtype="float64", seed=0)])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    ids = np.array([[3, 4, 5, 0, 0, 0], [1, 2, 3, 4, 5, 6], [7, 0, 0, 0, 0, 0]])
    y = rng.integers(0, 2, (3, 6))
    assert_grads_ok(gradcheck.check_model(model, ids, y, training=training))
    assert_grads_ok(gradcheck.check_model(model, ids, training=training))


def test_model_gradcheck_addition_architecture(rng):
    model = Sequential([layers.Input((5, 4), dtype="float64", seed=0), layers.LSTM(6, dtype="float64", seed=0),
                        layers.RepeatVector(3, dtype="float64", seed=0),
                        layers.LSTM(6, return_sequences=True, dtype="float64", seed=0),
                        layers.Dense(4, activation="softmax", dtype="float64", seed=0)])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    x = rng.random((2, 5, 4))
    y = np.eye(4)[rng.integers(0, 4, (2, 3))]
    errs = gradcheck.check_model(model, x, y)
    assert "x" in errs
    assert_grads_ok(errs)


def test_stateful_layer_carries_state_across_calls(rng):
    x = rng.standard_normal((2, 8, 3))
    whole = layers.LSTM(4, return_sequences=True, seed=5)
    y_whole = whole(x)
    part = layers.LSTM(4, return_sequences=True, stateful=True, seed=5)
    y1, y2 = part(x[:, :5]), part(x[:, 5:])
    np.testing.assert_allclose(np.concatenate([y1, y2], 1), y_whole, rtol=1e-6)
    part.reset_states()
    np.testing.assert_allclose(part(x[:, :5]), y1, rtol=1e-6)
    with pytest.raises(ValueError, match="batch size"):
        part(x[:1, 5:])


@pytest.mark.parametrize("module, name, kind", [
    ("metrics", "Precision", "Precision"), ("metrics", "AUC", "AUC"), ("optimizers", "ADAM", "Adam"),
    ("regularizers", "L2", "L2"), ("constraints", "Max_Norm", "MaxNorm"), ("losses", "mse", "MeanSquaredError"),
], ids=["metric-case", "auc", "optimizer-case", "regularizer-case", "constraint-case", "loss"])
def test_one_registry_finds_every_kind_by_name(module, name, kind):
    import importlib
    assert type(importlib.import_module(f"lstm_np.{module}").get(name)).__name__ == kind


def test_an_unknown_name_lists_the_known_ones():
    from lstm_np import losses, optimizers
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamm'; expected one of \['adadelta'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match=r"unknown loss 'msee'.*'mse'"):
        losses.get("msee")


def test_keras3_initializers_and_keras_style_callables():
    """Identity (the IRNN's), TruncatedNormal, Lecun*, and an initializer written Keras's way —
    f(shape, dtype=None) or an Initializer whose __call__ takes no generator — all build weights."""
    import lstm_np as keras
    from lstm_np import initializers, layers
    rnn = layers.SimpleRNN(3, recurrent_initializer=initializers.Identity(gain=0.5),
                           kernel_initializer=lambda shape, dtype=None: np.full(shape, 0.1))
    rnn.build((None, 4, 2))
    np.testing.assert_array_equal(rnn.get_weights()[1], 0.5 * np.eye(3))
    np.testing.assert_array_equal(rnn.get_weights()[0], np.full((2, 3), 0.1, np.float32))

    class Halves(keras.initializers.Initializer):
        def __call__(self, shape, dtype=None, **kwargs):
            return np.full(shape, 0.5)
    dense = layers.Dense(2, kernel_initializer=Halves())
    dense.build((None, 3))
    assert (dense.get_weights()[0] == 0.5).all()
    for name in ("truncated_normal", "lecun_uniform", "lecun_normal", "identity"):
        w = initializers.get(name)((4, 4), "float64", np.random.default_rng(0))
        assert w.shape == (4, 4) and np.isfinite(w).all()
    t = initializers.TruncatedNormal(stddev=0.1, seed=1)((1000,), "float64", None)
    assert np.abs(t).max() <= 0.2 and initializers.serialize(initializers.Identity())["class_name"] == "Identity"
    with pytest.raises(ValueError, match="only be used for 2D"):
        initializers.Identity()((2, 2, 2), "float32", None)
