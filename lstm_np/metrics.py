"""Accuracy metrics, chosen from the loss as Keras does for ``"acc"``/``"accuracy"``."""
import numpy as np


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of [ (p > threshold) == y ] -> one value per sample."""
    return np.mean((y_pred > threshold) == (np.asarray(y_true) > threshold), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return (np.argmax(y_true, -1) == np.argmax(y_pred, -1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    y = np.asarray(y_true)
    if y.shape == y_pred.shape[:-1] + (1,):
        y = y[..., 0]
    return (y == np.argmax(y_pred, -1)).astype(np.float64)


def exact_accuracy(y_true, y_pred):
    return np.mean(np.asarray(y_true) == y_pred, axis=-1)


_FOR_LOSS = {
    "binary_crossentropy": binary_accuracy,
    "categorical_crossentropy": categorical_accuracy,
    "sparse_categorical_crossentropy": sparse_categorical_accuracy,
}
_BY_NAME = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
}


def get(name, loss_name):
    """Resolve a metric name into (history key, per-sample function)."""
    if not isinstance(name, str):
        raise TypeError(f"metrics must be names like 'acc', received {name!r}")
    if name in ("acc", "accuracy"):
        return name, _FOR_LOSS.get(loss_name, exact_accuracy)
    if name in _BY_NAME:
        return name, _BY_NAME[name]
    raise ValueError(f"unknown metric {name!r}; expected 'acc', 'accuracy' or one of {sorted(_BY_NAME)}")
