"""Offline toy datasets with explicit seeds."""
from .cumsum import cumsum_batch, get_sequence

__all__ = ["get_sequence", "cumsum_batch"]
