"""Numba versions of the optimizer's per-tensor updates (the NumPy code in
``lstm_np.optimizers`` is the reference). For tiny models, as in the classic tutorial's
batch-1 loop, NumPy's per-call overhead on ten small ufuncs per tensor dominates a
training step; one compiled call per tensor removes it. Same arithmetic, same precision:
the scalars arrive in the parameter's dtype."""
import numpy as np
from numba import njit

from .common import JIT


@njit(**JIT)
def all_finite(a):
    """True when no element is NaN or ±inf (one pass, no temporary array)."""
    flat = a.reshape(-1)
    for k in range(flat.size):
        v = flat[k]
        if not (v - v == 0):          # NaN - NaN and inf - inf are NaN
            return False
    return True


@njit(**JIT)
def adam_update(p, g, m, v, alpha, one_minus_b1, one_minus_b2, eps):
    """m += (g - m)(1 - β1);  v += (g² - v)(1 - β2);  p -= α m / (sqrt(v) + ε)."""
    pf, gf, mf, vf = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
    for k in range(pf.size):
        gk = gf[k]
        mk = mf[k] + (gk - mf[k]) * one_minus_b1
        vk = vf[k] + (gk * gk - vf[k]) * one_minus_b2
        mf[k] = mk
        vf[k] = vk
        pf[k] -= (mk * alpha) / (np.sqrt(vk) + eps)
