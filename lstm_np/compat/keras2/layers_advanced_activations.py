"""Keras 2 import path ``keras.layers.advanced_activations``."""
from ...layers.extras.noise import LeakyReLU, ReLU, Softmax

__all__ = ["LeakyReLU", "ReLU", "Softmax"]
