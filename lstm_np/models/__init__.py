"""Models: Model (a graph of layer calls), Sequential (a chain), Seq2Seq, load_model, clone_model."""
from .functional import Model
from .saving import clone_model, load_model, model_from_json, save_model
from .seq2seq import Seq2Seq
from .sequential import Sequential

Functional = Model             # keras.src.models.Functional: a Model built from inputs and outputs

__all__ = ["Model", "Functional", "Sequential", "Seq2Seq", "load_model", "save_model", "model_from_json", "clone_model"]
