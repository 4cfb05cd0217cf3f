"""``keras.preprocessing.sequence`` (Keras 2 path) -> lstm_np.utils."""
from ..utils import pad_sequences

__all__ = ["pad_sequences"]
