"""Pure functions: activations and the recurrences (forward + BPTT) in NumPy."""
from . import activations, lstm, simple_rnn

__all__ = ["activations", "lstm", "simple_rnn"]
