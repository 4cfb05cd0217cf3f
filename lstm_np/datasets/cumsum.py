"""The cumulative-sum sequence-classification problem of the classic BiLSTM tutorial.

x_t ~ U[0, 1]; the label y_t flips from 0 to 1 once the running sum Σ_{s<=t} x_s passes
a quarter of the sequence length (the tutorial's ``limit = n_timesteps / 4.0``).
"""
import numpy as np


def get_sequence(n_timesteps, rng):
    """One sequence shaped for an LSTM: X (1, T, 1) floats, y (1, T, 1) ints."""
    return cumsum_batch(1, n_timesteps, rng)


def cumsum_batch(batch, n_timesteps, rng):
    """``batch`` independent sequences: X (B, T, 1), y (B, T, 1)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), received {rng!r}")
    X = rng.random((batch, n_timesteps, 1))
    limit = n_timesteps / 4.0
    y = (np.cumsum(X, axis=1) > limit).astype("int32")   # the tutorial: 0 if x < limit else 1
    return X, y
