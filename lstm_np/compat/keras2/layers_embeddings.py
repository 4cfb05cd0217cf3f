"""Keras 2 import path ``keras.layers.embeddings``."""
from ...layers.embedding import Embedding

__all__ = ["Embedding"]
