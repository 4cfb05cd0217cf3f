"""Losses with Keras's formulas and mean ("sum over batch size") reduction.

Each loss returns the scalar value and the gradient with respect to ``y_pred``.
On probabilities (``from_logits=False``, the Keras default) the predictions are
clipped to [ε, 1 - ε] with ε = 1e-7 exactly as Keras does, so saturated outputs give
finite losses; the gradient is zero where the clip is active, as in Keras.

    binary_crossentropy       l = -mean_k [ y log p + (1 - y) log(1 - p) ]
    categorical_crossentropy  l = -Σ_k y_k log(p_k / Σ_j p_j)
    sparse_categorical        l = -log(p_y / Σ_j p_j)
    mse                       l = mean_k (p - y)²

The per-sample losses (one per element of every axis but the last) are averaged.
With ``sample_weight`` (e.g. a padding mask) the weighted per-sample losses are summed
and divided by the number of samples, like Keras.
"""
import numpy as np

from .core.activations import log_softmax, sigmoid, softmax

EPSILON = 1e-7


def _clip(p):
    return np.clip(p, EPSILON, 1.0 - EPSILON)


def _clip_grad(p):
    """Gradient of clip: 1 inside [ε, 1-ε], 0 where clipped."""
    return ((p >= EPSILON) & (p <= 1.0 - EPSILON)).astype(p.dtype)


class Loss:
    name = "loss"

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def per_sample(self, y_true, y_pred):
        """Per-sample loss (shape y_pred.shape[:-1]) and its gradient w.r.t. y_pred."""
        raise NotImplementedError

    def check_target_shape(self, y_shape, pred_shape):
        """Targets must have the model output's shape (batch axis included)."""
        if tuple(y_shape) != tuple(pred_shape):
            raise ValueError(f"{self.name} expects targets of shape {tuple(pred_shape)} "
                             f"(the model's output), received {tuple(y_shape)}")

    def check_targets(self, y_true, y_pred):
        self.check_target_shape(y_true.shape, y_pred.shape)

    def __call__(self, y_true, y_pred, sample_weight=None, mask=None):
        return self.value_and_grad(y_true, y_pred, sample_weight, mask)[0]

    def value_and_grad(self, y_true, y_pred, sample_weight=None, mask=None):
        """Scalar loss and d loss / d y_pred.

        mask (shape y_pred.shape[:-1]): Keras's rule, valid entries weigh total/valid, so the
        result is the mean over the valid entries only.
        """
        y_pred = np.asarray(y_pred)
        y_true = np.asarray(y_true)
        self.check_targets(y_true, y_pred)
        per, dper = self.per_sample(y_true.astype(y_pred.dtype, copy=False), y_pred)
        n = per.size
        if sample_weight is None:
            w = np.ones_like(per)
        else:
            w = np.asarray(sample_weight, per.dtype)
            while w.ndim < per.ndim:            # (B,) weighs every step of a sequence output
                w = w[..., None]
            while w.ndim > per.ndim and w.shape[-1] == 1:
                w = w[..., 0]
            w = np.broadcast_to(w, per.shape)
        if mask is not None:
            mask = np.broadcast_to(np.asarray(mask, bool), per.shape)
            valid = int(mask.sum())
            w = w * np.where(mask, n / valid if valid else 0.0, 0.0).astype(per.dtype)
        value = float(np.sum(per * w) / n)
        # d value / d per = w / n, then chain through the per-sample gradient.
        grad = dper * (w / n)[..., None]
        return value, grad.astype(y_pred.dtype, copy=False)

    def get_config(self):
        return {"from_logits": self.from_logits}


class BinaryCrossentropy(Loss):
    name = "binary_crossentropy"

    def per_sample(self, y, p):
        K = p.shape[-1]
        if self.from_logits:
            # log σ(z) = -softplus(-z): stable for any z.
            z = p
            loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
            return loss.mean(-1), (sigmoid(z) - y) / K
        q = _clip(p)
        loss = -(y * np.log(q) + (1 - y) * np.log(1 - q))
        dq = -(y / q - (1 - y) / (1 - q))
        return loss.mean(-1), dq * _clip_grad(p) / K


class CategoricalCrossentropy(Loss):
    name = "categorical_crossentropy"

    def per_sample(self, y, p):
        if self.from_logits:
            return -np.sum(y * log_softmax(p), -1), softmax(p) * y.sum(-1, keepdims=True) - y
        s = p.sum(-1, keepdims=True)
        r = p / s                                              # renormalised, as Keras
        q = _clip(r)
        loss = -np.sum(y * np.log(q), -1)
        dr = -(y / q) * _clip_grad(r)
        dp = (dr - np.sum(dr * r, -1, keepdims=True)) / s      # through r = p / Σp
        return loss, dp


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    name = "sparse_categorical_crossentropy"

    def check_target_shape(self, y_shape, pred_shape):
        shape = tuple(pred_shape[:-1])
        if tuple(y_shape) not in (shape, shape + (1,)):
            raise ValueError(f"{self.name} expects integer targets of shape {shape} "
                             f"(or {shape + (1,)}), received {tuple(y_shape)}")

    def check_targets(self, y_true, y_pred):
        self.check_target_shape(y_true.shape, y_pred.shape)
        if y_true.size and (y_true.min() < 0 or y_true.max() >= y_pred.shape[-1]
                            or np.any(y_true != np.round(y_true))):
            raise ValueError(f"{self.name} expects class ids in [0, {y_pred.shape[-1] - 1}], "
                             f"received values from {y_true.min()} to {y_true.max()}")

    def per_sample(self, y, p):
        if y.shape != p.shape[:-1]:
            y = y[..., 0]
        onehot = np.zeros_like(p)
        np.put_along_axis(onehot, y.astype(np.int64)[..., None], 1.0, axis=-1)
        return super().per_sample(onehot, p)


class MeanSquaredError(Loss):
    name = "mse"

    def per_sample(self, y, p):
        d = p - y
        return np.mean(d * d, -1), 2 * d / p.shape[-1]

    def get_config(self):
        return {}


_BY_NAME = {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
}
_CLASSES = {c.__name__: c for c in _BY_NAME.values()}


def get(identifier):
    """A Keras loss name or a Loss instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"unknown loss {identifier!r}; expected one of {sorted(_BY_NAME)}")
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict):
        return _CLASSES[identifier["class_name"]](**identifier["config"])
    raise TypeError(f"loss must be a name or a Loss, received {type(identifier).__name__}")


def serialize(loss):
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


# Keras's functional aliases.
binary_crossentropy = "binary_crossentropy"
categorical_crossentropy = "categorical_crossentropy"
sparse_categorical_crossentropy = "sparse_categorical_crossentropy"
mse = mean_squared_error = "mse"
