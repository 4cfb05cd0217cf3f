"""Keras 2 import path ``keras.layers.embeddings``."""
from .embedding import Embedding

__all__ = ["Embedding"]
