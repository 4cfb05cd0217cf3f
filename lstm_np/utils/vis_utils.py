"""Keras 2 import path ``keras.utils.vis_utils``."""
from .diagram import plot_model

__all__ = ["plot_model"]
