"""Layers with Keras names and semantics (``keras.layers.*``)."""
from .base import Layer
from .bidirectional import Bidirectional
from .core_layers import Activation, Dropout, Input, InputLayer, Masking, RepeatVector
from .dense import Dense
from .embedding import Embedding
from .recurrent import GRU, LSTM, Recurrent, SimpleRNN
from .wrappers import TimeDistributed

__all__ = ["Layer", "Activation", "Input", "InputLayer", "Dropout", "Masking", "RepeatVector", "Dense",
           "Embedding", "LSTM", "GRU", "SimpleRNN", "Recurrent", "TimeDistributed", "Bidirectional"]
