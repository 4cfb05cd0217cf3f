"""Layers with Keras names and semantics (``keras.layers.*``)."""
from .attention import AdditiveAttention, Attention
from .base import Layer
from .bidirectional import Bidirectional
from .cells import GRUCell, LSTMCell, RNNCell, SimpleRNNCell, StackedRNNCells
from .core_layers import Activation, Dropout, Input, InputLayer, Masking, RepeatVector
from .dense import Dense
from .embedding import Embedding
from .lambda_layer import Lambda
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                      concatenate, dot, maximum, minimum, multiply, subtract)
from .recurrent import GRU, LSTM, RNN, Recurrent, SimpleRNN
from .wrappers import TimeDistributed

__all__ = ["Layer", "Activation", "Input", "InputLayer", "Dropout", "Masking", "RepeatVector", "Dense",
           "Embedding", "LSTM", "GRU", "SimpleRNN", "Recurrent", "RNN", "LSTMCell", "GRUCell", "SimpleRNNCell",
           "StackedRNNCells", "RNNCell", "TimeDistributed", "Bidirectional",
           "Lambda", "Attention", "AdditiveAttention", "Concatenate", "Add", "Subtract", "Multiply",
           "Average", "Maximum", "Minimum", "Dot", "concatenate", "add", "subtract", "multiply",
           "average", "maximum", "minimum", "dot"]
