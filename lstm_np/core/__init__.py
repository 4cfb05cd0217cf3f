"""Pure functions: activations and the recurrences (forward + BPTT) in NumPy."""
from . import activations, gru, lstm, simple_rnn

__all__ = ["activations", "gru", "lstm", "simple_rnn"]
