"""Seq2Seq composed of the public layers: model.py (the class), encoder.py, decoder.py,
attention.py, decoding.py (greedy, beam), tape.py (per-call records for the decoder's loop),
training.py (what it adds to the shared trainer)."""
from .model import Seq2Seq

__all__ = ["Seq2Seq"]
