"""Keras 2 import path ``keras.layers.core`` (``from keras.layers.core import Dense, Dropout``)."""
from .core_layers import Activation, Dropout, Masking, RepeatVector
from .dense import Dense
from .lambda_layer import Lambda
from .noise import SpatialDropout1D
from .reshaping import Flatten, Permute, Reshape

__all__ = ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector", "Lambda",
           "Masking", "SpatialDropout1D"]
