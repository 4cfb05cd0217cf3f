"""Keras 2 import paths: ``keras.preprocessing.sequence`` (pad_sequences, TimeseriesGenerator),
``keras.preprocessing.text`` (Tokenizer), and ``timeseries_dataset_from_array``."""
from . import sequence, text
from ..utils import timeseries_dataset_from_array

__all__ = ["sequence", "text", "timeseries_dataset_from_array"]
