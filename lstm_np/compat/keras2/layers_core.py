"""Keras 2 import path ``keras.layers.core`` (``from keras.layers.core import Dense, Dropout``)."""
from ...layers.core_layers import Activation, Dropout, Masking, RepeatVector
from ...layers.dense import Dense
from ...layers.lambda_layer import Lambda
from ...layers.extras.noise import SpatialDropout1D
from ...layers.reshaping import Flatten, Permute, Reshape

__all__ = ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector", "Lambda",
           "Masking", "SpatialDropout1D"]
