"""The Keras example "Bidirectional LSTM on IMDB" (keras.io/examples/nlp/bidirectional_lstm_imdb),
written in the functional style, run on lstm_np.

The only change from the Keras script is the import lines marked below, and the data: the
original downloads the IMDB reviews, and this machine has no network, so the reviews here are
made up (``make_reviews`` below): random words with some sentiment words among them, where
"not" flips the word after it ("not good" is negative). The label is the sign of the sum, so
a model must read words in context, in both directions. Everything else is the Keras script:
``Input(shape=(None,), dtype="int32")`` -> ``Embedding`` -> two ``Bidirectional(LSTM)`` ->
``Dense`` sigmoid, ``pad_sequences``, Adam, binary cross-entropy, ``validation_data``.

Settings can be shortened with EXAMPLE_EPOCHS, EXAMPLE_SAMPLES, EXAMPLE_UNITS (the tests do).
"""
import os

import numpy as np

import lstm_np as keras            # was: import keras
from lstm_np import layers         # was: from keras import layers

max_features = 2000  # Only consider the top 2k words
maxlen = 40  # Only consider the first 40 words of each review
units = int(os.environ.get("EXAMPLE_UNITS", 32))
epochs = int(os.environ.get("EXAMPLE_EPOCHS", 4))
num_samples = int(os.environ.get("EXAMPLE_SAMPLES", 10000))

# ---- the data: made-up reviews (instead of keras.datasets.imdb.load_data) ---------------------
GOOD, BAD, NOT = range(10, 30), range(30, 50), 3        # word ids: 20 good words, 20 bad, "not"


def make_reviews(n, seed):
    """n reviews of 10-60 word ids and their labels (1 = positive)."""
    rng = np.random.default_rng(seed)
    reviews, labels = [], []
    for _ in range(n):
        length = int(rng.integers(10, 61))
        words = rng.integers(50, max_features, length)              # neutral words
        score = 0
        for pos in rng.choice(length, size=int(rng.integers(1, 4)), replace=False):
            good = rng.random() < 0.5
            words[pos] = rng.choice(GOOD if good else BAD)
            negated = pos > 0 and rng.random() < 0.4
            if negated:
                words[pos - 1] = NOT
            score += (1 if good else -1) * (-1 if negated else 1)
        if score == 0:                                              # break ties with one more word
            words[-1] = rng.choice(GOOD)
            score = 1
        reviews.append(words.tolist())
        labels.append(int(score > 0))
    return reviews, np.array(labels)


# Input for variable-length sequences of integers
inputs = keras.Input(shape=(None,), dtype="int32")
# Embed each integer in a 32-dimensional vector
x = layers.Embedding(max_features, 32)(inputs)
# Add 2 bidirectional LSTMs
x = layers.Bidirectional(layers.LSTM(units, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(units))(x)
# Add a classifier
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()

(x_train, y_train), (x_val, y_val) = make_reviews(num_samples, 0), make_reviews(num_samples // 4, 1)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
# Use pad_sequence to standardize sequence length:
# this will truncate sequences longer than 40 words and pad shorter ones.
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_data=(x_val, y_val))
