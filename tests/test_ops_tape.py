"""The tape (lstm_np/ops): every differentiable op's VJP against central differences in float64
(random upstream gradients), a negative control that a wrong VJP is caught, the same functions
against torch autograd, and the rules around the tape (no tape: plain NumPy; np.* on a tensor)."""
import numpy as np
import pytest
import torch

from lstm_np import gradcheck, ops
from lstm_np.ops import elementwise, tape as tape_mod
from tests.helpers.gradients import assert_grads_ok


def _r(*shape, seed=0, low=None):
    a = np.random.default_rng(seed + len(shape)).standard_normal(shape)
    return np.abs(a) + low if low is not None else a


POSITIVE = dict(low=0.5)
OPS = {                                        # name: (function, arguments)
    "add (broadcast)": (ops.add, [_r(3, 4), _r(4)]),
    "subtract (broadcast)": (ops.subtract, [_r(3, 1), _r(3, 4, seed=1)]),
    "multiply": (ops.multiply, [_r(2, 3), _r(2, 3, seed=1)]),
    "divide": (ops.divide, [_r(2, 3), _r(2, 3, seed=1, **POSITIVE)]),
    "power": (ops.power, [_r(2, 3, **POSITIVE), _r(2, 3, seed=1)]),
    "negative": (ops.negative, [_r(5)]),
    "abs": (ops.abs, [_r(5) + 0.1]),
    "square": (ops.square, [_r(4)]),
    "sqrt": (ops.sqrt, [_r(4, **POSITIVE)]),
    "rsqrt": (ops.rsqrt, [_r(4, **POSITIVE)]),
    "reciprocal": (ops.reciprocal, [_r(4, **POSITIVE)]),
    "exp": (ops.exp, [_r(4)]),
    "expm1": (ops.expm1, [_r(4)]),
    "log": (ops.log, [_r(4, **POSITIVE)]),
    "log1p": (ops.log1p, [_r(4, **POSITIVE)]),
    "sin": (ops.sin, [_r(4)]),
    "cos": (ops.cos, [_r(4)]),
    "tanh": (ops.tanh, [_r(4)]),
    "maximum": (ops.maximum, [_r(3, 4), _r(3, 4, seed=5)]),
    "minimum": (ops.minimum, [_r(3, 4), _r(3, 4, seed=5)]),
    "clip": (lambda x: ops.clip(x, -0.5, 0.5), [_r(20)]),
    "where": (lambda a, b: ops.where(_r(3, 4, seed=9) > 0, a, b), [_r(3, 4), _r(4)]),
    "sigmoid": (ops.sigmoid, [_r(6)]),
    "relu": (ops.relu, [_r(6) + 0.05]),
    "relu6": (ops.relu6, [_r(6) * 4]),
    "leaky_relu": (ops.leaky_relu, [_r(6)]),
    "elu": (ops.elu, [_r(6)]),
    "selu": (ops.selu, [_r(6)]),
    "softplus": (ops.softplus, [_r(6)]),
    "softsign": (ops.softsign, [_r(6)]),
    "silu": (ops.silu, [_r(6)]),
    "log_sigmoid": (ops.log_sigmoid, [_r(6)]),
    "hard_sigmoid": (ops.hard_sigmoid, [_r(6) * 2]),
    "gelu (tanh)": (ops.gelu, [_r(6)]),
    "gelu (erf)": (lambda x: ops.gelu(x, approximate=False), [_r(6)]),
    "softmax": (ops.softmax, [_r(3, 5)]),
    "softmax (axis 0)": (lambda x: ops.softmax(x, axis=0), [_r(3, 5)]),
    "log_softmax": (ops.log_softmax, [_r(3, 5)]),
    "sum": (lambda x: ops.sum(x, axis=1), [_r(3, 4, 2)]),
    "sum (all)": (ops.sum, [_r(3, 4)]),
    "mean (keepdims)": (lambda x: ops.mean(x, axis=(0, 2), keepdims=True), [_r(3, 4, 2)]),
    "max": (lambda x: ops.max(x, axis=-1), [_r(3, 4)]),
    "min": (lambda x: ops.min(x, axis=0), [_r(3, 4)]),
    "prod": (lambda x: ops.prod(x, axis=1), [_r(3, 4)]),
    "prod (two axes)": (lambda x: ops.prod(x, axis=(0, 2)), [_r(2, 3, 2)]),
    "var": (lambda x: ops.var(x, axis=0), [_r(5, 2)]),
    "std": (lambda x: ops.std(x, axis=0), [_r(5, 2)]),
    "logsumexp": (lambda x: ops.logsumexp(x, axis=1), [_r(3, 4)]),
    "cumsum": (lambda x: ops.cumsum(x, axis=1), [_r(3, 4)]),
    "norm": (lambda x: ops.norm(x, axis=-1), [_r(3, 4)]),
    "matmul": (ops.matmul, [_r(3, 4), _r(4, 2)]),
    "matmul (batched, broadcast)": (ops.matmul, [_r(2, 3, 4), _r(4, 5)]),
    "matmul (vector)": (ops.matmul, [_r(4), _r(4, 3)]),
    "matmul (matrix · vector)": (ops.matmul, [_r(3, 4), _r(4)]),
    "dot (3-D)": (ops.dot, [_r(2, 3), _r(4, 3, 2)]),
    "einsum": (lambda a, b: ops.einsum("bij,jk->bik", a, b), [_r(2, 3, 4), _r(4, 5)]),
    "einsum (a summed axis)": (lambda a, b: ops.einsum("ij,k->i", a, b), [_r(3, 4), _r(2)]),
    "tensordot": (lambda a, b: ops.tensordot(a, b, axes=([1], [0])), [_r(3, 4), _r(4, 2)]),
    "outer": (ops.outer, [_r(3), _r(4)]),
    "reshape": (lambda x: ops.reshape(x, (4, 3)), [_r(3, 4)]),
    "expand_dims / squeeze": (lambda x: ops.squeeze(ops.expand_dims(x, 1) * 2, 1), [_r(3, 4)]),
    "transpose": (lambda x: ops.transpose(x, (2, 0, 1)), [_r(2, 3, 4)]),
    "swapaxes": (lambda x: ops.swapaxes(x, 0, 2), [_r(2, 3, 4)]),
    "moveaxis": (lambda x: ops.moveaxis(x, 0, -1), [_r(2, 3, 4)]),
    "broadcast_to": (lambda x: ops.broadcast_to(x, (3, 2, 4)), [_r(2, 1)]),
    "concatenate": (lambda a, b: ops.concatenate([a, b, a], axis=1), [_r(2, 3), _r(2, 1)]),
    "stack": (lambda a, b: ops.stack([a, b], axis=-1), [_r(2, 3), _r(2, 3, seed=3)]),
    "split": (lambda x: ops.split(x, 3, axis=1)[0] * ops.split(x, 3, axis=1)[2], [_r(2, 6)]),
    "unstack": (lambda x: ops.unstack(x, axis=1)[1] * 3, [_r(2, 3)]),
    "tile": (lambda x: ops.tile(x, (2, 3)), [_r(2, 3)]),
    "repeat": (lambda x: ops.repeat(x, 2, axis=1), [_r(2, 3)]),
    "flip": (lambda x: ops.flip(x, 1), [_r(2, 3)]),
    "roll": (lambda x: ops.roll(x, 1, 1), [_r(2, 3)]),
    "pad": (lambda x: ops.pad(x, [[1, 0], [2, 1]]), [_r(2, 3)]),
    "tril / triu": (lambda x: ops.tril(x) + 2 * ops.triu(x, 1), [_r(3, 3)]),
    "cast (float)": (lambda x: ops.cast(x, "float64") * 2, [_r(3)]),
    "getitem": (lambda x: x[1:, ::2] * x[0, 1], [_r(3, 4)]),
    "getitem (repeated ids)": (lambda x: x[np.array([0, 2, 0])], [_r(3, 4)]),
    "take": (lambda x: ops.take(x, np.array([[1, 1], [0, 2]]), axis=1), [_r(3, 4)]),
    "take_along_axis": (lambda x: ops.take_along_axis(x, np.array([[0, 0], [2, 1]]), axis=1), [_r(2, 3)]),
    "slice": (lambda x: ops.slice(x, (1, 0), (2, 2)), [_r(3, 4)]),
    "segment_sum": (lambda x: ops.segment_sum(x, np.array([0, 0, 2, 1])), [_r(4, 3)]),
    "segment_max": (lambda x: ops.segment_max(x, np.array([0, 0, 1, 1])), [_r(4, 3)]),
    "top_k": (lambda x: ops.top_k(x, 2)[0], [_r(3, 5)]),
    "binary_crossentropy": (lambda p: ops.binary_crossentropy(np.array([0.0, 1.0, 1.0]), p),
                            [np.array([0.2, 0.7, 0.4])]),
    "categorical_crossentropy (logits)": (
        lambda z: ops.categorical_crossentropy(np.eye(3)[[0, 2]], z, from_logits=True), [_r(2, 3)]),
    "sparse_categorical_crossentropy": (
        lambda p: ops.sparse_categorical_crossentropy(np.array([1, 0]), ops.softmax(p)), [_r(2, 3)]),
    "operators": (lambda a, b: (-a + 2) * b / (b * b + 1) - a @ b.T ** 2 + abs(a), [_r(3, 3), _r(3, 3, seed=7)]),
    "numpy ufuncs": (lambda a: np.tanh(a) * np.exp(a) + np.maximum(a, 0.1), [_r(3, 3)]),
}


@pytest.mark.parametrize("name", list(OPS))
def test_op_gradient_matches_central_differences(name):
    fn, args = OPS[name]
    assert_grads_ok(gradcheck.check_function(fn, *[a.copy() for a in args]))


def test_a_wrong_vjp_is_caught(monkeypatch):
    """Negative control: tanh's VJP missing its (1 − y²) factor fails the same check."""
    def wrong_tanh(x):
        y = np.tanh(tape_mod.value(x))
        return tape_mod.record(y, [x], lambda g: [g], "tanh")
    monkeypatch.setattr(elementwise, "tanh", wrong_tanh)
    errors = gradcheck.check_function(lambda x: elementwise.tanh(x), _r(4))
    assert max(errors.values()) > 1e-2


TORCH = {                                       # name: (ours, torch's, arguments)
    "lstm-like step": (
        lambda x, w, u, b, h: ops.sigmoid(x @ w + h @ u + b) * ops.tanh(ops.matmul(h, u) - b),
        lambda x, w, u, b, h: torch.sigmoid(x @ w + h @ u + b) * torch.tanh(h @ u - b),
        [_r(2, 3), _r(3, 4), _r(4, 4, seed=2), _r(4, seed=3), _r(2, 4, seed=4)]),
    "softmax attention": (
        lambda q, k, v: ops.matmul(ops.softmax(ops.einsum("bqd,bkd->bqk", q, k) / 2.0), v),
        lambda q, k, v: torch.softmax(torch.einsum("bqd,bkd->bqk", q, k) / 2.0, -1) @ v,
        [_r(2, 3, 4), _r(2, 5, 4, seed=1), _r(2, 5, 2, seed=2)]),
    "reductions and shapes": (
        lambda x: ops.logsumexp(ops.reshape(ops.transpose(x, (1, 0, 2)), (3, -1)), axis=1)
        * ops.mean(ops.max(x, axis=0), axis=-1),
        lambda x: torch.logsumexp(x.permute(1, 0, 2).reshape(3, -1), 1) * x.max(0).values.mean(-1),
        [_r(2, 3, 4)]),
    "gather and concatenate": (
        lambda e: ops.concatenate([ops.take(e, np.array([[0, 3, 3]]), axis=0), e[None, :3]], axis=-1),
        lambda e: torch.cat([e[torch.tensor([[0, 3, 3]])], e[None, :3]], -1),
        [_r(5, 2)]),
}


@pytest.mark.parametrize("name", list(TORCH))
def test_tape_equals_torch_autograd(name):
    ours, theirs, args = TORCH[name]
    rng = np.random.default_rng(1)
    with ops.Tape() as tape:
        leaves = [tape.leaf(a) for a in args]
        y = ours(*leaves)
    G = rng.standard_normal(y.shape)
    grads = tape.gradient([y], [G], leaves)
    ts = [torch.tensor(a, requires_grad=True) for a in args]
    ty = theirs(*ts)
    np.testing.assert_allclose(y.value, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    ty.backward(torch.tensor(G))
    for g, t in zip(grads, ts):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_without_a_tape_ops_are_numpy():
    y = ops.tanh(ops.matmul(np.ones((2, 3)), np.ones((3, 1))))
    assert type(y) is np.ndarray and np.allclose(y, np.tanh(3.0))


def test_a_numpy_function_the_tape_cannot_differentiate_is_refused():
    with ops.Tape() as tape:
        x = tape.leaf(_r(3))
        with pytest.raises(TypeError, match="np.arctan.*lstm_np.ops"):
            np.arctan(x)
        assert np.asarray(x) is x.value                     # its value, on purpose, is fine
        assert (x > 0).dtype == bool                        # comparisons carry no gradient


def test_an_unused_input_gets_no_gradient_and_value_and_grad_gives_zeros():
    with ops.Tape() as tape:
        a, b = tape.leaf(_r(2)), tape.leaf(_r(2))
        y = ops.sum(a * a)
    assert tape.gradient([y], [1.0], [a, b])[1] is None
    val, (da, db) = ops.value_and_grad(lambda a, b: ops.sum(a * a), argnums=(0, 1))(_r(2), _r(2))
    assert np.allclose(da, 2 * _r(2)) and np.all(db == 0)
    with pytest.raises(ValueError, match="must return a scalar"):
        ops.grad(lambda a: a * 2)(_r(2))


def test_a_watched_array_is_differentiated_where_it_is_read():
    w = _r(3, 2)
    with ops.Tape() as tape:
        leaf = tape.watch(w)
        y = ops.sum(ops.matmul(np.ones((1, 3)), w) ** 2)
    (dw,) = tape.gradient([y], [1.0], [leaf])
    assert np.allclose(dw, 2 * np.ones((3, 1)) * (np.ones((1, 3)) @ w))
