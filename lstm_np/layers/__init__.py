"""Layers with Keras names and semantics (``keras.layers.*``). Keras 2's recurrent names
are added by ``lstm_np/compat/keras2``."""
from .attention import AdditiveAttention, Attention
from .base import Layer
from .bidirectional import Bidirectional
from .cells import GRUCell, LSTMCell, RNNCell, SimpleRNNCell
from .stacked_cells import StackedRNNCells
from .extras.conv_lstm import ConvLSTM1D, ConvLSTM2D
from .extras.convolutional import Conv1D, Conv2D, Conv3D
from .extras.lookup import IntegerLookup, StringLookup
from .core_layers import Activation, Dropout, Input, InputLayer, Masking, RepeatVector
from .dense import Dense
from .embedding import Embedding
from .lambda_layer import Lambda
from .op_layer import OpLayer  # noqa: F401  (keras.ops on symbolic tensors: a node of the graph)
from .extras.noise import GaussianNoise, LeakyReLU, ReLU, Softmax, SpatialDropout1D
from .extras.normalization import BatchNormalization, LayerNormalization
from .extras.pooling import AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D
from .extras.pooling_nd import (AveragePooling2D, AveragePooling3D, GlobalAveragePooling2D, GlobalAveragePooling3D,
                                GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling2D, MaxPooling3D)
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                      concatenate, dot, maximum, minimum, multiply, subtract)
from .recurrent import GRU, LSTM, RNN, SimpleRNN
from .reshaping import Flatten, Permute, Reshape
from .wrappers import TimeDistributed, Wrapper

__all__ = ["Layer", "Activation", "Input", "InputLayer", "Dropout", "Masking", "RepeatVector", "Dense",
           "Embedding", "LSTM", "GRU", "SimpleRNN", "RNN", "LSTMCell", "GRUCell", "SimpleRNNCell",
           "StackedRNNCells", "RNNCell", "TimeDistributed", "Wrapper", "Bidirectional",
           "Lambda", "Attention", "AdditiveAttention", "Concatenate", "Add", "Subtract", "Multiply",
           "Average", "Maximum", "Minimum", "Dot", "concatenate", "add", "subtract", "multiply",
           "average", "maximum", "minimum", "dot", "Conv1D", "Conv2D", "Conv3D", "MaxPooling2D", "MaxPooling3D",
           "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "GlobalMaxPooling2D", "GlobalMaxPooling3D", "OpLayer", "StringLookup", "IntegerLookup", "ConvLSTM1D", "ConvLSTM2D", "MaxPooling1D", "AveragePooling1D",
           "GlobalAveragePooling1D", "GlobalMaxPooling1D", "Flatten", "Reshape", "Permute", "LayerNormalization",
           "BatchNormalization", "SpatialDropout1D", "GaussianNoise", "ReLU", "LeakyReLU", "Softmax"]
