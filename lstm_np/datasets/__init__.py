"""Offline toy datasets with explicit seeds, and a vocabulary for seq2seq."""
from .cumsum import cumsum_batch, get_sequence
from .tasks import encode_pairs, make_addition, make_dates, make_reversal, make_sorting
from .vocabulary import END, PAD, START, UNK, Vocabulary

__all__ = ["get_sequence", "cumsum_batch", "Vocabulary", "PAD", "START", "END", "UNK",
           "make_reversal", "make_sorting", "make_addition", "make_dates", "encode_pairs"]
