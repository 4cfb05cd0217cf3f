"""Metrics as Keras 3 has them: stateful objects that accumulate over the batches of an epoch.

    metric.update_state(y_true, y_pred, sample_weight=None)    add a batch
    metric.result()                                             the value so far
    metric.reset_state()                                        start again (each epoch)

Mean metrics average a per-sample value v, weighted: Σ v·w / Σ w (w = sample weight, with a
mask's padded steps at 0, as Keras applies masks to metrics):

    binary_accuracy          mean_k [ (p > 0.5) == y ]          categorical_accuracy   argmax p == argmax y
    sparse_categorical_acc.  argmax p == y                       top_k_categorical_acc. y's class among the k largest p
    mae / mse                mean_k |p - y|  /  mean_k (p - y)²

Confusion metrics count true/false positives and negatives at thresholds (a prediction is
positive when p > threshold): ``Precision`` = TP/(TP+FP), ``Recall`` = TP/(TP+FN), ``AUC``
the area under the ROC (or PR) curve over ``num_thresholds`` thresholds, by interpolation.
"""
import functools

import numpy as np

from .registry import Registry

EPSILON = 1e-7


def _weights(values, sample_weight):
    """Broadcast a sample weight (None, (B,), (B, T), …) against per-sample values."""
    if sample_weight is None:
        return np.ones_like(values, dtype=np.float64)
    w = np.asarray(sample_weight, np.float64)
    while w.ndim < values.ndim:
        w = w[..., None]
    while w.ndim > values.ndim and w.shape[-1] == 1:
        w = w[..., 0]
    return np.broadcast_to(w, values.shape)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of [ (p > threshold) == y ] -> one value per sample."""
    y = np.asarray(y_true)
    if y.ndim == y_pred.ndim - 1:
        y = y[..., None]
    return np.mean((y_pred > threshold) == (y > threshold), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return (np.argmax(y_true, -1) == np.argmax(y_pred, -1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    y = np.asarray(y_true)
    if y.shape == y_pred.shape[:-1] + (1,):
        y = y[..., 0]
    return (y == np.argmax(y_pred, -1)).astype(np.float64)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the true class (argmax y) is among the k largest predictions."""
    true = np.argmax(y_true, -1)
    score = np.take_along_axis(y_pred, true[..., None], axis=-1)
    better = np.sum(y_pred > score, axis=-1)                     # classes strictly above the truth
    return (better < k).astype(np.float64)


def mean_absolute_error(y_true, y_pred):
    return np.mean(np.abs(y_pred - np.asarray(y_true, y_pred.dtype)), axis=-1)


def mean_squared_error(y_true, y_pred):
    return np.mean(np.square(y_pred - np.asarray(y_true, y_pred.dtype)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 · mean |(y - ŷ) / max(|y|, ε)| over the last axis (Keras's mape, ε = 1e-7)."""
    y = np.asarray(y_true, y_pred.dtype)
    return 100.0 * np.mean(np.abs((y - y_pred) / np.maximum(np.abs(y), EPSILON)), axis=-1)


def exact_accuracy(y_true, y_pred):
    return np.mean(np.asarray(y_true) == y_pred, axis=-1)


class Metric:
    """Base class. ``direction`` is "up" when larger is better (monitoring callbacks read it)."""

    direction = "up"

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.reset_state()

    def reset_state(self):
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The value on this batch alone (the state is left as it was)."""
        saved = self.__dict__.copy()
        self.reset_state()
        self.update_state(y_true, y_pred, sample_weight)
        value = self.result()
        self.__dict__.update(saved)
        return value


class Mean(Metric):
    """Weighted mean of the values given to ``update_state(values, sample_weight)``."""

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def update_state(self, values, sample_weight=None):
        v = np.asarray(values, np.float64)
        w = _weights(v, sample_weight)
        self.total += float(np.sum(v * w))
        self.count += float(np.sum(w))

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """A per-sample function ``fn(y_true, y_pred) -> values``, averaged with weights."""

    def __init__(self, fn, name=None, direction="up", **fn_kwargs):
        self.fn, self.fn_kwargs, self.direction = fn, fn_kwargs, direction
        super().__init__(name=name or fn.__name__)

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self.fn(y_true, np.asarray(y_pred), **self.fn_kwargs), sample_weight)


def _wrapper(fn, default_name, direction="up"):
    class Wrapped(MeanMetricWrapper):
        def __init__(self, name=default_name, dtype=None, **kwargs):
            super().__init__(fn, name=name, direction=direction, **kwargs)
    return Wrapped


class BinaryAccuracy(_wrapper(binary_accuracy, "binary_accuracy")):
    pass


class CategoricalAccuracy(_wrapper(categorical_accuracy, "categorical_accuracy")):
    pass


class SparseCategoricalAccuracy(_wrapper(sparse_categorical_accuracy, "sparse_categorical_accuracy")):
    pass


class TopKCategoricalAccuracy(_wrapper(top_k_categorical_accuracy, "top_k_categorical_accuracy")):
    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(name=name, k=k)


class MeanAbsoluteError(_wrapper(mean_absolute_error, "mean_absolute_error", "down")):
    pass


class MeanSquaredError(_wrapper(mean_squared_error, "mean_squared_error", "down")):
    pass


class MeanAbsolutePercentageError(_wrapper(mean_absolute_percentage_error, "mean_absolute_percentage_error",
                                           "down")):
    pass


class Accuracy(_wrapper(exact_accuracy, "accuracy")):
    """How often y_pred equals y_true exactly (Keras's ``metrics.Accuracy``; ``"accuracy"`` as a
    string picks the accuracy that fits the loss instead)."""


class RootMeanSquaredError(Mean):
    """√(weighted mean of (ŷ - y)² over every entry), accumulated over the batches."""

    direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred)
        super().update_state(np.square(y_pred - np.asarray(y_true, y_pred.dtype)), sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


class _Confusion(Metric):
    """True/false positives/negatives at each threshold (p > threshold is positive)."""

    def _positive_and_weights(self, y_true, y_pred, sample_weight):
        p = np.asarray(y_pred, np.float64)
        y = np.asarray(y_true, np.float64)
        if y.shape != p.shape:
            y = np.broadcast_to(y.reshape(y.shape + (1,) * (p.ndim - y.ndim)), p.shape)
        w = _weights(p, sample_weight)
        return y.reshape(-1) > 0.5, p.reshape(-1), w.reshape(-1)

    def reset_state(self):
        n = len(self.thresholds)
        self.tp, self.fp, self.tn, self.fn = (np.zeros(n) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        truth, p, w = self._positive_and_weights(y_true, y_pred, sample_weight)
        above = p[None, :] > np.asarray(self.thresholds)[:, None]          # (thresholds, N)
        self.tp += np.sum((above & truth) * w, axis=1)
        self.fp += np.sum((above & ~truth) * w, axis=1)
        self.fn += np.sum((~above & truth) * w, axis=1)
        self.tn += np.sum((~above & ~truth) * w, axis=1)


def _div(a, b):
    return np.divide(a, b, out=np.zeros_like(np.asarray(a, np.float64)), where=np.asarray(b) != 0)


class Precision(_Confusion):
    """TP / (TP + FP) at ``thresholds`` (default 0.5)."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        if top_k is not None or class_id is not None:
            raise ValueError(f"{type(self).__name__}: top_k and class_id are not supported")
        self.thresholds = [0.5] if thresholds is None else list(np.atleast_1d(thresholds))
        self._single = thresholds is None or np.ndim(thresholds) == 0
        super().__init__(name=name)

    def result(self):
        r = _div(self.tp, self.tp + self.fp)
        return float(r[0]) if self._single else r

    def get_config(self):
        return {"thresholds": None if self._single and self.thresholds == [0.5] else self.thresholds,
                "name": self.name}


class Recall(Precision):
    """TP / (TP + FN) at ``thresholds`` (default 0.5)."""

    def result(self):
        r = _div(self.tp, self.tp + self.fn)
        return float(r[0]) if self._single else r


class AUC(_Confusion):
    """Area under the ROC (default) or PR curve, approximated over ``num_thresholds``
    thresholds evenly spaced in (0, 1) plus -ε and 1 + ε, as Keras computes it."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, label_weights=None, from_logits=False):
        if curve.upper() not in ("ROC", "PR"):
            raise ValueError(f"AUC curve must be 'ROC' or 'PR', received {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"unknown AUC summation_method {summation_method!r}")
        if multi_label or label_weights is not None:
            raise ValueError("AUC: multi_label and label_weights are not supported")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: {num_thresholds}")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.thresholds = [0.0 - EPSILON] + inner + [1.0 + EPSILON]
        self.num_thresholds = len(self.thresholds)
        self.curve, self.summation_method, self.from_logits = curve.upper(), summation_method, from_logits
        super().__init__(name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        p = np.asarray(y_pred, np.float64)
        super().update_state(y_true, 1 / (1 + np.exp(-p)) if self.from_logits else p, sample_weight)

    def get_config(self):
        return {"thresholds": self.thresholds[1:-1], "curve": self.curve,
                "summation_method": self.summation_method, "name": self.name, "from_logits": self.from_logits}

    def _pr_interpolated(self):
        tp, fp, fn = self.tp, self.fp, self.fn
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), _div(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return float(np.sum(_div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))))

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._pr_interpolated()
        recall = _div(self.tp, self.tp + self.fn)
        if self.curve == "ROC":
            x, y = _div(self.fp, self.fp + self.tn), recall
        else:
            x, y = recall, _div(self.tp, self.tp + self.fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return float(np.sum((x[:-1] - x[1:]) * heights))


def _snake(name):
    return "".join("_" + c.lower() if c.isupper() and i and not name[i - 1].isupper() else c.lower()
                   for i, c in enumerate(name))


_FOR_LOSS = {
    "binary_crossentropy": binary_accuracy,
    "binary_focal_crossentropy": binary_accuracy,
    "categorical_crossentropy": categorical_accuracy,
    "sparse_categorical_crossentropy": sparse_categorical_accuracy,
}
REGISTRY = Registry("metric", classes=(BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                                        TopKCategoricalAccuracy, MeanAbsoluteError, MeanSquaredError,
                                        MeanAbsolutePercentageError, Accuracy, RootMeanSquaredError,
                                        Precision, Recall, AUC))
for _names, _fn, _direction in (
        (("acc", "accuracy"), exact_accuracy, "up"),              # compile picks the one its loss implies
        (("binary_accuracy",), binary_accuracy, "up"),
        (("categorical_accuracy",), categorical_accuracy, "up"),
        (("sparse_categorical_accuracy",), sparse_categorical_accuracy, "up"),
        (("top_k_categorical_accuracy",), top_k_categorical_accuracy, "up"),
        (("mae", "mean_absolute_error"), mean_absolute_error, "down"),
        (("mse", "mean_squared_error"), mean_squared_error, "down"),
        (("mape", "mean_absolute_percentage_error"), mean_absolute_percentage_error, "down")):
    for _name in _names:
        REGISTRY.add(_name, functools.partial(MeanMetricWrapper, _fn, name=_name, direction=_direction))
for _name, _cls in (("rmse", RootMeanSquaredError), ("root_mean_squared_error", RootMeanSquaredError),
                    ("auc", AUC), ("precision", Precision), ("recall", Recall)):
    REGISTRY.add(_name, functools.partial(_cls, name=_name) if _cls is RootMeanSquaredError else _cls)


def get(identifier, loss_name=None):
    """A new Metric for a Keras metric name ("acc", "mae", …), a Metric (used as given) or a
    function ``fn(y_true, y_pred) -> per-sample values`` (named after the function)."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in ("acc", "accuracy"):
            return MeanMetricWrapper(_FOR_LOSS.get(loss_name, exact_accuracy), name=identifier)
        if identifier.lower() in ("auc", "precision", "recall"):     # any case: "AUC", "Precision"
            return REGISTRY.create(identifier.lower())
        return REGISTRY.create(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise TypeError(f"metrics must be names like 'acc', Metric objects or functions, received {identifier!r}")


def serialize(identifier):
    """A saveable description of what compile was given: a name stays a name; a Metric object
    becomes its class and settings; a function cannot be saved without pickle (its name is
    kept, and loading it asks for the function)."""
    if isinstance(identifier, str):
        return identifier
    if isinstance(identifier, Metric) and type(identifier).__name__ in REGISTRY.classes:
        config = identifier.get_config() if hasattr(identifier, "get_config") else {"name": identifier.name}
        return {"class_name": type(identifier).__name__, "config": config}
    return getattr(identifier, "__name__", getattr(identifier, "name", "metric"))


def deserialize(spec):
    if isinstance(spec, dict):
        return REGISTRY.get_class(spec["class_name"])(**spec["config"])
    return spec


# Keras's functional aliases.
mae = mean_absolute_error
mse = mean_squared_error
mape = mean_absolute_percentage_error
