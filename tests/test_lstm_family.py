"""The LSTM family: every variant and option gradient-checked (with masks, go_backwards,
return_state, initial states, dropout, Bidirectional), parameter counts, and proj_size against
torch.nn.LSTM(proj_size=...)."""
import numpy as np
import pytest
import torch

import lstm_np as keras
from lstm_np import gradcheck, layers
from helpers.gradients import assert_grads_ok

F64 = dict(dtype="float64")
VARIANTS = ["NIG", "NFG", "NOG", "NIAF", "NOAF", "CIFG", "NP", "FGR"]
OPTIONS = {
    **{v: dict(variant=v) for v in VARIANTS},
    "peephole": dict(peephole=True),
    "proj_size": dict(proj_size=2),
    "layer_norm": dict(layer_norm=True),
    "everything": dict(peephole=True, proj_size=2, layer_norm=True, variant="FGR"),
    "peephole_cifg_ln": dict(peephole=True, layer_norm=True, variant="CIFG"),
}
TOL = 1e-7
FIVE = dict(points=5, eps=3e-5)      # five-point differences (error ∝ ε⁴, measured): 1e-7 needs them


def make(name, units=3, **kw):
    return layers.LSTM(units, seed=0, **F64, **OPTIONS[name], **kw)


def checked(name, **kw):
    """Layer norm over 3 units has a tiny variance and huge higher derivatives: finite
    differences there err by O(ε²) ≈ 1e-5 (measured: 1e-3 at ε = 1e-4, 1e-7 at 1e-6), so the
    checks give layer-norm variants 6 units."""
    return make(name, units=6 if OPTIONS[name].get("layer_norm") else 3, **kw)


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_variant_checks(name, each_backend, rng):
    # 4 input features: with 2, input dropout sometimes zeroes a whole row, and layer norm of
    # that row's all-zero pre-activations sits where finite differences cannot follow it.
    x = rng.standard_normal((3, 5, 4))
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool)
    assert_grads_ok(gradcheck.check_layer(checked(name, return_sequences=True), x, **FIVE), TOL)
    assert_grads_ok(gradcheck.check_layer(checked(name, return_sequences=True, go_backwards=True), x, mask=mask,
                                          **FIVE), TOL)
    layer = checked(name, return_state=True)
    P, H = layer.cell.output_size, layer.cell.units
    assert_grads_ok(gradcheck.check_layer(layer, x, mask=mask,
                                          initial_state=[rng.standard_normal((3, P)), rng.standard_normal((3, H))],
                                          **FIVE), TOL)
    assert_grads_ok(gradcheck.check_layer(checked(name, return_sequences=True, dropout=0.3, recurrent_dropout=0.3),
                                          x, training=True, **FIVE), TOL)
    bi = layers.Bidirectional(checked(name, return_sequences=True), merge_mode="concat")
    assert_grads_ok(gradcheck.check_layer(bi, x, mask=mask, **FIVE), TOL)


def test_gradcheck_catches_a_wrong_variant_gradient(rng, each_backend):
    """Negative control: a peephole gradient off by 10 % is caught (in the backend's own BPTT)."""
    import importlib
    F = importlib.import_module("lstm_np.core.lstm_family" if each_backend == "numpy"
                                else "lstm_np.fast.lstm_family")
    real = F.family_backward

    def wrong(*args):
        dx, dh, dc, grads = real(*args)
        grads["peephole_kernel"] = grads["peephole_kernel"] * 1.1
        return dx, dh, dc, grads
    F.family_backward = wrong
    try:
        errs = gradcheck.check_layer(make("peephole", return_sequences=True), rng.standard_normal((2, 4, 2)))
    finally:
        F.family_backward = real
    assert errs["peephole_kernel"] > 1e-2


@pytest.mark.parametrize("name, count", [
    ("NP", 4 * ((2 + 3) * 3 + 3)), ("NIG", 3 * ((2 + 3) * 3 + 3)), ("CIFG", 3 * ((2 + 3) * 3 + 3)),
    ("peephole", 4 * ((2 + 3) * 3 + 3) + 9), ("proj_size", 4 * (2 * 3 + 2 * 3 + 3) + 3 * 2),
    ("layer_norm", 4 * ((2 + 3) * 3 + 3) + 2 * 12 * 2 + 2 * 3), ("FGR", 4 * ((2 + 3) * 3 + 3) + 9 * 9),
])
def test_parameter_counts_and_weight_order(name, count):
    layer = make(name)
    layer.build((None, 5, 2))
    assert layer.count_params() == count
    keys = [k for k in layer.cell.weight_names if k in layer.params]
    assert keys[:3] == ["kernel", "recurrent_kernel", "bias"]
    assert [w.shape for w in layer.get_weights()] == [layer.params[k].shape for k in keys]
    model = keras.Sequential([keras.Input((5, 2)), layer])
    text = model.summary(print_fn=lambda *_: None)
    assert f"{count:,}" in text


def test_plain_variant_np_is_the_plain_lstm(rng):
    a, b = make("NP"), layers.LSTM(3, seed=0, **F64)
    x = rng.standard_normal((2, 4, 2))
    a.build((None, 4, 2)), b.build((None, 4, 2))
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])
    np.testing.assert_allclose(a.forward(x), b.forward(x), rtol=1e-12)


def torch_proj(D, H, P, layers_, bidirectional, seed):
    torch.manual_seed(seed)
    return torch.nn.LSTM(D, H, num_layers=layers_, proj_size=P, bidirectional=bidirectional,
                         batch_first=True).double()


def weights_from_torch(module, k, suffix):
    get = lambda n: getattr(module, f"{n}_l{k}{suffix}").detach().numpy()
    return [get("weight_ih").T, get("weight_hh").T, get("bias_ih") + get("bias_hh"), get("weight_hr").T]


def grads_from_torch(module, k, suffix):
    get = lambda n: getattr(module, f"{n}_l{k}{suffix}").grad.numpy()
    return {"kernel": get("weight_ih").T, "recurrent_kernel": get("weight_hh").T, "bias": get("bias_ih"),
            "projection_kernel": get("weight_hr").T}


@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, False), (1, True), (2, True)],
                         ids=["one", "two", "bidirectional", "two_bidirectional"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_proj_size_equals_torch(num_layers, bidirectional, seed, each_backend):
    B, T, D, H, P = 3, 6, 4, 5, 2
    module = torch_proj(D, H, P, num_layers, bidirectional, seed)
    stack = []
    for k in range(num_layers):
        d_in = D if k == 0 else P * (2 if bidirectional else 1)
        layer = layers.LSTM(H, proj_size=P, return_sequences=True, **F64)
        if bidirectional:
            layer = layers.Bidirectional(layer)
        layer.build((None, T, d_in))
        suffixes = ["", "_reverse"] if bidirectional else [""]
        layer.set_weights([w for s in suffixes for w in weights_from_torch(module, k, s)])
        stack.append(layer)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, D))
    h = x
    for layer in stack:
        h = layer.forward(h)
    g = rng.standard_normal(h.shape)
    dx = g
    for layer in reversed(stack):
        dx = layer.backward(dx)
    xt = torch.tensor(x, requires_grad=True)
    yt, _ = module(xt)
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(h, yt.detach().numpy(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-6, atol=1e-12)
    for k, layer in enumerate(stack):
        subs = [(layer.forward_layer, ""), (layer.backward_layer, "_reverse")] if bidirectional else [(layer, "")]
        for sub, suffix in subs:
            for key, theirs in grads_from_torch(module, k, suffix).items():
                np.testing.assert_allclose(sub.grads[key], theirs, rtol=1e-6, atol=1e-12, err_msg=f"{k}{suffix} {key}")


def test_variants_save_load_and_train(tmp_path, rng):
    model = keras.Sequential([keras.Input((5, 2)), make("everything", return_sequences=True),
                              layers.LSTM(2, variant="CIFG", seed=1), layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = rng.standard_normal((6, 5, 2)), rng.standard_normal((6, 1))
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "family.keras")
    loaded = keras.models.load_model(tmp_path / "family.keras")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    with pytest.raises(ValueError, match="variant must be one of"):
        layers.LSTM(3, variant="XYZ")
