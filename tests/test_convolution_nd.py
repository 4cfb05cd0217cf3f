"""Conv2D / Conv3D and 2-D / 3-D pooling (core/convolution.py): forward and backward against
PyTorch on the same weights (float64), the layers' gradients by central differences, shapes as
Keras's (padding, strides, dilation), and their checks."""
import numpy as np
import pytest
import torch

import lstm_np as keras
from lstm_np import gradcheck, layers
from helpers.gradients import assert_grads_ok

CASES = [  # rank, kernel, strides, dilation, padding, spatial
    (2, (3, 2), (1, 1), (1, 1), "valid", (7, 6)),
    (2, (3, 3), (2, 2), (1, 1), "same", (7, 6)),
    (2, (2, 3), (1, 1), (2, 1), "same", (5, 6)),
    (2, (1, 1), (1, 1), (1, 1), "valid", (1, 1)),
    (3, (2, 2, 2), (1, 2, 1), (1, 1, 1), "valid", (4, 5, 3)),
    (3, (3, 1, 2), (1, 1, 1), (1, 1, 1), "same", (3, 4, 2)),
]
IDS = [f"{r}d-k{k}-s{s}-d{d}-{p}" for r, k, s, d, p, _ in CASES]


def _torch_pads(layer, spatial):
    from lstm_np.core.convolution import output_size
    pads = []
    for n, k, s, d in reversed(list(zip(spatial, layer.kernel_size, layer.strides, layer.dilation_rate))):
        _, lo, hi = output_size(n, k, s, d, layer.padding)
        pads += [lo, hi]
    return pads


@pytest.mark.parametrize("rank, kernel, strides, dilation, padding, spatial", CASES, ids=IDS)
def test_conv_equals_torch_forward_and_backward(rank, kernel, strides, dilation, padding, spatial, rng):
    Conv = layers.Conv2D if rank == 2 else layers.Conv3D
    layer = Conv(4, kernel, strides=strides, dilation_rate=dilation, padding=padding, dtype="float64")
    x = rng.standard_normal((2,) + spatial + (3,))
    y = layer(x)
    assert y.shape[1:] == layer.compute_output_shape((None,) + spatial + (3,))[1:]
    W, b = (torch.tensor(w) for w in layer.get_weights())
    xt = torch.tensor(np.moveaxis(x, -1, 1), requires_grad=True)
    Wt = W.permute(rank + 1, rank, *range(rank)).contiguous().requires_grad_(True)
    bt = b.clone().requires_grad_(True)
    f = torch.nn.functional.conv2d if rank == 2 else torch.nn.functional.conv3d
    yt = f(torch.nn.functional.pad(xt, _torch_pads(layer, spatial)), Wt, bt, stride=strides, dilation=dilation)
    np.testing.assert_allclose(y, np.moveaxis(yt.detach().numpy(), 1, -1), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(np.moveaxis(g, -1, 1)))
    dx = layer.backward(g)
    np.testing.assert_allclose(dx, np.moveaxis(xt.grad.numpy(), 1, -1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["kernel"], Wt.grad.permute(*range(2, rank + 2), 1, 0).numpy(),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], bt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rank, kernel, strides, dilation, padding, spatial", CASES[:3] + CASES[4:5],
                         ids=IDS[:3] + IDS[4:5])
def test_conv_gradients_check(rank, kernel, strides, dilation, padding, spatial, rng):
    Conv = layers.Conv2D if rank == 2 else layers.Conv3D
    layer = Conv(2, kernel, strides=strides, dilation_rate=dilation, padding=padding, activation="tanh",
                 dtype="float64")
    assert_grads_ok(gradcheck.check_layer(layer, rng.standard_normal((2,) + spatial + (2,))))


POOLS = [(layers.MaxPooling2D, torch.nn.functional.max_pool2d, 2), (layers.AveragePooling2D, None, 2),
         (layers.MaxPooling3D, torch.nn.functional.max_pool3d, 3), (layers.AveragePooling3D, None, 3)]


@pytest.mark.parametrize("Pool, torch_pool, rank", POOLS, ids=["max2d", "avg2d", "max3d", "avg3d"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling_equals_torch_and_checks(Pool, torch_pool, rank, padding, rng):
    spatial = (5, 4) if rank == 2 else (3, 5, 4)
    x = rng.standard_normal((2,) + spatial + (3,))
    layer = Pool(pool_size=2, strides=(1,) + (2,) * (rank - 1), padding=padding, dtype="float64")
    y = layer(x)
    assert y.shape[1:] == layer.compute_output_shape((None,) + spatial + (3,))[1:]
    if torch_pool is not None:
        pads = []
        from lstm_np.core.convolution import output_size
        for n, k, s in reversed(list(zip(spatial, layer.pool_size, layer.strides))):
            _, lo, hi = output_size(n, k, s, 1, padding)
            pads += [lo, hi]
        xt = torch.tensor(np.moveaxis(x, -1, 1), requires_grad=True)
        yt = torch_pool(torch.nn.functional.pad(xt, pads, value=-1e300), layer.pool_size, layer.strides)
        np.testing.assert_allclose(y, np.moveaxis(yt.detach().numpy(), 1, -1), rtol=1e-12)
        g = rng.standard_normal(y.shape)
        yt.backward(torch.tensor(np.moveaxis(g, -1, 1)))
        np.testing.assert_allclose(layer.backward(g), np.moveaxis(xt.grad.numpy(), 1, -1), rtol=1e-12)
    assert_grads_ok(gradcheck.check_layer(layer, x))


def test_average_pooling_same_counts_only_the_pixels_inside():
    """Keras's "same" average: a corner window of 2x2 with one pixel inside averages that pixel."""
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y = layers.AveragePooling2D(2, strides=2, padding="same", dtype="float64")(x)
    np.testing.assert_allclose(y[0, :, :, 0], [[2.0, 3.5], [6.5, 8.0]])


@pytest.mark.parametrize("Global, rank", [(layers.GlobalAveragePooling2D, 2), (layers.GlobalMaxPooling2D, 2),
                                          (layers.GlobalAveragePooling3D, 3), (layers.GlobalMaxPooling3D, 3)],
                         ids=["avg2d", "max2d", "avg3d", "max3d"])
def test_global_pooling_checks(Global, rank, rng):
    x = rng.standard_normal((2,) + (3,) * rank + (4,))
    layer = Global(dtype="float64")
    y = layer(x)
    ref = x.mean(axis=tuple(range(1, rank + 1))) if "Average" in Global.__name__ else x.max(axis=tuple(range(1, rank + 1)))
    np.testing.assert_allclose(y, ref)
    assert_grads_ok(gradcheck.check_layer(layer, x))
    assert Global(keepdims=True)(x).shape == (2,) + (1,) * rank + (4,)


def test_a_cnn_trains_and_saves(tmp_path, rng):
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu", seed=0),
                              layers.MaxPooling2D(), layers.Conv2D(4, 2, padding="same", seed=1),
                              layers.GlobalAveragePooling2D(), layers.Dense(2, activation="softmax", seed=2)])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = rng.standard_normal((16, 8, 8, 1)), rng.integers(0, 2, 16)
    h = model.fit(x, y, epochs=3, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    model.save(tmp_path / "cnn.keras")
    again = keras.models.load_model(tmp_path / "cnn.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_bad_conv_arguments_and_inputs_are_named():
    with pytest.raises(ValueError, match="kernel_size must be an int or 2 ints"):
        layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        layers.Conv3D(2, 2, padding="causal")
    with pytest.raises(ValueError, match="strides > 1 and dilation_rate > 1"):
        layers.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="rank 4"):
        layers.Conv2D(2, 3)(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        layers.Conv2D(2, 5)(np.zeros((1, 3, 3, 1)))
