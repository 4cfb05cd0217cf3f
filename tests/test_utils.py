"""Keras's data helpers: the values Keras 3.15 gives (see the comments), and bad input."""
import numpy as np
import pytest

import lstm_np as keras
from lstm_np.preprocessing.sequence import pad_sequences


def test_pad_sequences_matches_keras():
    seqs = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    # keras.utils.pad_sequences(seqs, maxlen=4)
    assert keras.utils.pad_sequences(seqs, maxlen=4).tolist() == [[0, 1, 2, 3], [0, 0, 0, 4], [6, 7, 8, 9]]
    # ... padding="post", truncating="post"
    assert pad_sequences(seqs, maxlen=4, padding="post", truncating="post").tolist() == \
        [[1, 2, 3, 0], [4, 0, 0, 0], [5, 6, 7, 8]]
    assert pad_sequences([[1, 2, 3], [4]]).tolist() == [[1, 2, 3], [0, 0, 4]]
    assert pad_sequences([[1, 2], []], value=-1).tolist() == [[1, 2], [-1, -1]]
    with pytest.raises(ValueError, match="'pre' or 'post'"):
        pad_sequences(seqs, padding="middle")
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences(seqs, maxlen=-1)


def test_to_categorical_matches_keras():
    # keras.utils.to_categorical(np.array([[1], [0], [2]]))
    np.testing.assert_array_equal(keras.utils.to_categorical(np.array([[1], [0], [2]])),
                                  [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    assert keras.utils.to_categorical([[0, 1], [2, 0]], num_classes=3).shape == (2, 2, 3)
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        keras.utils.to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="non-integral"):
        keras.utils.to_categorical([0.5])
