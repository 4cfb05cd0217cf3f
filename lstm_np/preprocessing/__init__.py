"""Keras 2 import paths: ``from lstm_np.preprocessing.sequence import pad_sequences``."""
from . import sequence

__all__ = ["sequence"]
