"""Exceptions of lstm_np beyond the built-in ValueError / TypeError."""


class NonFiniteError(FloatingPointError, ValueError):
    """The loss or a gradient became NaN or inf during training. Raised before the optimizer
    step, so the weights and the optimizer state stay at their last finite values.
    (A ValueError too, so ``except ValueError`` catches every refusal of bad data.)"""
