"""Models: Sequential (compile, fit, predict, save) and load_model."""
from .saving import load_model, save_model
from .sequential import Sequential

__all__ = ["Sequential", "load_model", "save_model"]
