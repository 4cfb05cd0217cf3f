"""Masked timesteps, written once for every recurrence (Keras's mask: True where a step is
valid; padding is False). A masked step leaves the state as it was::

    forward    s_t = m_t ⊙ s_new + (1 − m_t) ⊙ s_{t−1}                          carry(m, s_new, s_prev)
    backward   ∂L/∂s_new    = m_t ⊙ ∂L/∂s_t         the step's own gradient      split(m, ds)
               ∂L/∂s_{t−1} += (1 − m_t) ⊙ ∂L/∂s_t   what passes straight through    -> (own, carried)

``m`` is the (B, 1) column ``mask[:, t, None]``, broadcast over the state's features.
"""
import numpy as np


def carry(m, new, old):
    """The state after a step: ``new`` where the step is valid, ``old`` where it is masked."""
    return np.where(m, new, old)


def split(m, d):
    """A state's gradient at a step -> (the part the step's maths receives, the part carried
    to the previous state unchanged)."""
    return np.where(m, d, 0), np.where(m, 0, d)
