"""Losses with Keras's formulas and mean ("sum over batch size") reduction.

Each loss returns the scalar value and the gradient with respect to ``y_pred``.
On probabilities (``from_logits=False``, the Keras default) the predictions are
clipped to [ε, 1 - ε] with ε = 1e-7 exactly as Keras does, so saturated outputs give
finite losses; the gradient is zero where the clip is active, as in Keras.

    binary_crossentropy       l = -mean_k [ y log p + (1 - y) log(1 - p) ]
    categorical_crossentropy  l = -Σ_k y_k log(p_k / Σ_j p_j)
    sparse_categorical        l = -log(p_y / Σ_j p_j)
    mse                       l = mean_k (p - y)²
    mae, huber, log_cosh, kl_divergence, poisson, binary_focal_crossentropy: see their classes
    a function of your own    fn(y_true, y_pred) with keras.ops: differentiated by the tape

The per-sample losses (one per element of every axis but the last) are averaged.
With ``sample_weight`` (e.g. a padding mask) the weighted per-sample losses are summed
and divided by the number of samples, like Keras.
"""
import numpy as np

from .core.activations import log_softmax, sigmoid, softmax
from .registry import Registry

EPSILON = 1e-7


def _clip(p):
    return np.clip(p, EPSILON, 1.0 - EPSILON)


def _clip_grad(p):
    """Gradient of clip: 1 inside [ε, 1-ε], 0 where clipped."""
    return ((p >= EPSILON) & (p <= 1.0 - EPSILON)).astype(p.dtype)


class Loss:
    name = "loss"

    def __init__(self, from_logits=False, reduction="sum_over_batch_size", name=None, dtype=None):
        if reduction not in ("sum_over_batch_size", "mean", "auto", None) :
            raise ValueError(f"{type(self).__name__}: only the Keras default reduction "
                             f"'sum_over_batch_size' is supported, received {reduction!r}")
        self.from_logits = bool(from_logits)
        if name is not None:
            self.name = name

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
        scale = self.weights_over_n(per, sample_weight, mask)
        value = float(np.sum(per * scale))
        # d value / d per = w / n, then chain through the per-sample gradient.
        grad = dper * scale[..., None]
        return value, grad.astype(y_pred.dtype, copy=False)

    @staticmethod
    def weights_over_n(per, sample_weight, mask):
        """w / n: what each per-sample loss counts for in the mean (value = Σ per ⊙ w / n)."""
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
        return w / n

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


class MeanAbsoluteError(Loss):
    """l = mean_k |p - y|;  dl/dp = sign(p - y) / K."""
    name = "mean_absolute_error"

    def per_sample(self, y, p):
        d = p - y
        return np.mean(np.abs(d), -1), np.sign(d) / p.shape[-1]

    def get_config(self):
        return {}


class Huber(Loss):
    """x = p - y;  l = mean_k (½x² if |x| <= δ else δ|x| - ½δ²);  dl/dp = clip(x, -δ, δ) / K."""
    name = "huber_loss"

    def __init__(self, delta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.delta = float(delta)

    def per_sample(self, y, p):
        x = p - y
        a, d = np.abs(x), p.dtype.type(self.delta)
        loss = np.where(a <= d, 0.5 * x * x, d * a - 0.5 * d * d)
        return loss.mean(-1), np.clip(x, -d, d) / p.shape[-1]

    def get_config(self):
        return {"delta": self.delta}


class LogCosh(Loss):
    """x = p - y;  l = mean_k log cosh x = mean_k (x + softplus(-2x) - log 2);  dl/dp = tanh(x) / K."""
    name = "log_cosh"

    def per_sample(self, y, p):
        x = p - y
        softplus = np.maximum(-2 * x, 0) + np.log1p(np.exp(-np.abs(2 * x)))
        return np.mean(x + softplus - np.log(p.dtype.type(2)), -1), np.tanh(x) / p.shape[-1]

    def get_config(self):
        return {}


class KLDivergence(Loss):
    """y, q = clip(y, ε, 1), clip(p, ε, 1);  l = Σ_k y log(y / q);  dl/dp = -y / q where p is unclipped."""
    name = "kl_divergence"

    def per_sample(self, y, p):
        yc = np.clip(y, EPSILON, 1)
        q = np.clip(p, EPSILON, 1)
        grad = np.where((p >= EPSILON) & (p <= 1), -yc / q, 0)
        return np.sum(yc * np.log(yc / q), -1), grad.astype(p.dtype)

    def get_config(self):
        return {}


class Poisson(Loss):
    """l = mean_k (p - y log(p + ε));  dl/dp = (1 - y / (p + ε)) / K."""
    name = "poisson"

    def per_sample(self, y, p):
        return np.mean(p - y * np.log(p + EPSILON), -1), (1 - y / (p + EPSILON)) / p.shape[-1]

    def get_config(self):
        return {}


class BinaryFocalCrossentropy(Loss):
    """Focal loss (Lin et al. 2017) as Keras 3 computes it:

        p = σ(z) with from_logits;  p_t = y p + (1 - y)(1 - p);  f = (1 - p_t)^γ
        l = mean_k w f · bce(y, p)      w = y α + (1 - y)(1 - α) with apply_class_balancing, else 1
        dl/dp = w [ -γ (1 - p_t)^(γ-1) (2y - 1) · bce + f · d bce/dp ] / K
    """
    name = "binary_focal_crossentropy"

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, **kwargs):
        super().__init__(from_logits=from_logits, **kwargs)
        self.apply_class_balancing = bool(apply_class_balancing)
        self.alpha, self.gamma, self.label_smoothing = float(alpha), float(gamma), float(label_smoothing)

    def per_sample(self, y, z):
        if self.label_smoothing:
            y = y * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        p = sigmoid(z) if self.from_logits else z
        q = _clip(p)
        bce = -(y * np.log(q) + (1 - y) * np.log(1 - q))
        dbce = -(y / q - (1 - y) / (1 - q)) * _clip_grad(p)
        pt = y * p + (1 - y) * (1 - p)
        g = self.gamma
        f = (1 - pt) ** g
        df = -g * (1 - pt) ** (g - 1) * (2 * y - 1) if g else np.zeros_like(p)
        w = y * self.alpha + (1 - y) * (1 - self.alpha) if self.apply_class_balancing else 1.0
        loss = w * f * bce
        dp = w * (df * bce + f * dbce)
        if self.from_logits:
            dp = dp * p * (1 - p)
        return loss.mean(-1), dp / p.shape[-1]

    def get_config(self):
        return {"apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha, "gamma": self.gamma,
                "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class LossFunctionWrapper(Loss):
    """A loss function as a Loss: ``fn(y_true, y_pred)`` returns the per-sample loss (one value
    per sample, as Keras's loss functions do: y_pred's shape without its last axis; any shape
    is averaged). Written with ``keras.ops`` (or NumPy's operators), it is differentiated by the
    tape (``lstm_np.ops``): the weighted mean Σ fn ⊙ w / n is recorded and run backwards. Or
    give ``gradient(y_true, y_pred)``, its derivative w.r.t. y_pred (y_pred's shape: entry
    [..., k] is d loss[...] / d y_pred[..., k])."""

    def __init__(self, fn, gradient=None, name=None):
        super().__init__()
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper needs a callable, received {type(fn).__name__}")
        gradient = gradient if gradient is not None else getattr(fn, "gradient", None)
        if gradient is not None and not callable(gradient):
            raise TypeError(f"the gradient of loss {getattr(fn, '__name__', fn)!r} must be callable "
                            f"(y_true, y_pred) -> d loss / d y_pred, received {type(gradient).__name__}")
        self.fn, self.gradient = fn, gradient
        self.name = name or getattr(fn, "__name__", "loss")

    def check_target_shape(self, y_shape, pred_shape):
        pass                                    # the user's function knows its targets

    def value_and_grad(self, y_true, y_pred, sample_weight=None, mask=None):
        if self.gradient is not None:
            return super().value_and_grad(y_true, y_pred, sample_weight, mask)
        from .ops.tape import Tape, value
        y_pred = np.asarray(y_pred)
        y_true = np.asarray(y_true)
        y_true = y_true.astype(y_pred.dtype, copy=False) if y_true.dtype.kind in "fb" else y_true
        try:
            with Tape() as tape:
                p = tape.leaf(y_pred)
                per = self.fn(y_true, p)
        except TypeError as e:
            raise TypeError(f"loss {self.name!r}: {e}. Or pass losses.LossFunctionWrapper(fn, gradient=dfn), "
                            "dfn(y_true, y_pred) -> d loss / d y_pred") from None
        per_value = np.asarray(value(per), y_pred.dtype)
        if per_value.ndim == 0 and (sample_weight is not None or mask is not None):
            raise ValueError(f"loss {self.name!r} returned one number for the batch, so sample weights or "
                             "a mask cannot weigh its samples: return one loss per sample")
        scale = self.weights_over_n(per_value, sample_weight, mask)
        (grad,) = tape.gradient([per], [scale], [p])
        grad = np.zeros_like(y_pred) if grad is None else grad
        return float(np.sum(per_value * scale)), np.asarray(grad, y_pred.dtype)

    def per_sample(self, y, p):
        per = np.asarray(self.fn(y, p), p.dtype)
        grad = np.asarray(self.gradient(y, p), p.dtype)
        if per.shape != p.shape[:-1]:
            raise ValueError(f"loss {self.name!r} must return one value per sample, shape {p.shape[:-1]}, "
                             f"received {per.shape}")
        if grad.shape != p.shape:
            raise ValueError(f"the gradient of loss {self.name!r} must have y_pred's shape {p.shape}, "
                             f"received {grad.shape}")
        return per, grad

    def get_config(self):
        raise TypeError(f"loss {self.name!r} is a Python function, which cannot be saved without pickle")


REGISTRY = Registry("loss", {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "huber": Huber, "huber_loss": Huber,
    "log_cosh": LogCosh, "logcosh": LogCosh,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence,
    "poisson": Poisson,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
})
for _cls in set(REGISTRY.names.values()):
    REGISTRY.add_class(_cls)


def get(identifier):
    """A Keras loss name or a Loss instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        return REGISTRY.create(identifier)
    if isinstance(identifier, dict):
        return REGISTRY.get_class(identifier["class_name"])(**identifier["config"])
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise TypeError(f"loss must be a name, a Loss or a function, received {type(identifier).__name__}")


def serialize(loss):
    return REGISTRY.serialize(loss)


# Keras's functional aliases.
binary_crossentropy = "binary_crossentropy"
categorical_crossentropy = "categorical_crossentropy"
sparse_categorical_crossentropy = "sparse_categorical_crossentropy"
mse = mean_squared_error = "mse"
mae = mean_absolute_error = "mae"
huber = "huber"
log_cosh = logcosh = "log_cosh"
kl_divergence = kld = "kl_divergence"
poisson = "poisson"
binary_focal_crossentropy = "binary_focal_crossentropy"
