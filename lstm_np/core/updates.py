"""The optimizer's per-tensor helpers in NumPy, as the compiled twins in ``lstm_np.fast.optim``
take them (``backend.IMPLEMENTATIONS["updates"]``). The readable Adam update itself is
``Adam.update_step`` in ``lstm_np/optimizers.py``; this is what the kernels shortcut."""
import numpy as np


def all_finite(a):
    """True when no element is NaN or ±inf."""
    return bool(np.all(np.isfinite(a)))


def adam_update(p, g, m, v, alpha, one_minus_b1, one_minus_b2, eps):
    """m += (g - m)(1 - β1);  v += (g² - v)(1 - β2);  p -= α m / (sqrt(v) + ε)  (in place)."""
    m += (g - m) * one_minus_b1
    v += (np.square(g) - v) * one_minus_b2
    p -= alpha * m / (np.sqrt(v) + eps)
