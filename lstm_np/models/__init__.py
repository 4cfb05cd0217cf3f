"""Models: Sequential (compile, fit, predict, save) and load_model."""
from .saving import load_model, save_model
from .seq2seq import Seq2Seq
from .sequential import Sequential

__all__ = ["Sequential", "Seq2Seq", "load_model", "save_model"]
