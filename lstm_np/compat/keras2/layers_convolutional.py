"""Keras 2 import path ``keras.layers.convolutional``: Conv1D, and the pooling layers the
tutorials imported from it too."""
from ...layers.extras.convolutional import Conv1D
from ...layers.extras.pooling import AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D

__all__ = ["Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D"]
