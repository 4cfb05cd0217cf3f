"""Data: the real series and text that ship with the package, offline toy datasets with
explicit seeds, forecasting helpers, and a vocabulary for seq2seq."""
from .cumsum import cumsum_batch, get_sequence
from .real import (MinMaxScaler, load_airline_passengers, load_sunspots, load_text, split_by_time,
                   timeseries_windows)
from .tasks import encode_pairs, make_addition, make_dates, make_reversal, make_running_parity, make_sorting
from .vocabulary import END, PAD, START, UNK, Vocabulary

__all__ = ["get_sequence", "cumsum_batch", "Vocabulary", "PAD", "START", "END", "UNK",
           "make_reversal", "make_sorting", "make_addition", "make_dates", "encode_pairs",
           "load_airline_passengers", "load_sunspots", "load_text", "timeseries_windows", "split_by_time",
           "MinMaxScaler", "make_running_parity"]
