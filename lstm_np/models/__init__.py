"""Models: Model (a graph of layer calls), Sequential (a chain), Seq2Seq, load_model, clone_model."""
from .functional import Model
from .saving import clone_model, load_model, model_from_json, save_model
from .seq2seq import Seq2Seq
from .sequential import Sequential

__all__ = ["Model", "Sequential", "Seq2Seq", "load_model", "save_model", "model_from_json", "clone_model"]
