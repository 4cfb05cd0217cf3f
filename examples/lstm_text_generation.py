"""The Keras example "Character-level text generation with LSTM"
(keras.io/examples/generative/lstm_character_level_text_generation), run on lstm_np.

The only change from the Keras script is the import lines marked below. The corpus comes
through ``keras.utils.get_file`` as in the original: offline, put the text at the path its
error message names (the tests put a text there first). Settings can be shortened with
EXAMPLE_EPOCHS, EXAMPLE_MAXLEN, EXAMPLE_CHARS (the tests do).
"""
import io
import os
import random

import numpy as np

import lstm_np as keras            # was: import keras
from lstm_np import layers         # was: from keras import layers

path = keras.utils.get_file(
    "nietzsche.txt",
    origin="https://s3.amazonaws.com/text-datasets/nietzsche.txt",
)
with io.open(path, encoding="utf-8") as f:
    text = f.read().lower()
text = text.replace("\n", " ")  # We remove newlines chars for nicer display
text = text[: int(os.environ.get("EXAMPLE_CHARS", len(text)))]
print("Corpus length:", len(text))

chars = sorted(list(set(text)))
print("Total chars:", len(chars))
char_indices = dict((c, i) for i, c in enumerate(chars))
indices_char = dict((i, c) for i, c in enumerate(chars))

# cut the text in semi-redundant sequences of maxlen characters
maxlen = int(os.environ.get("EXAMPLE_MAXLEN", 40))
step = 3
sentences = []
next_chars = []
for i in range(0, len(text) - maxlen, step):
    sentences.append(text[i : i + maxlen])
    next_chars.append(text[i + maxlen])
print("Number of sequences:", len(sentences))

x = np.zeros((len(sentences), maxlen, len(chars)), dtype="bool")
y = np.zeros((len(sentences), len(chars)), dtype="bool")
for i, sentence in enumerate(sentences):
    for t, char in enumerate(sentence):
        x[i, t, char_indices[char]] = 1
    y[i, char_indices[next_chars[i]]] = 1

model = keras.Sequential(
    [
        keras.Input(shape=(maxlen, len(chars))),
        layers.LSTM(128),
        layers.Dense(len(chars), activation="softmax"),
    ]
)
optimizer = keras.optimizers.RMSprop(learning_rate=0.01)
model.compile(loss="categorical_crossentropy", optimizer=optimizer)


def sample(preds, temperature=1.0):
    # helper function to sample an index from a probability array
    preds = np.asarray(preds).astype("float64")
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    probas = np.random.multinomial(1, preds, 1)
    return np.argmax(probas)


epochs = int(os.environ.get("EXAMPLE_EPOCHS", 40))
batch_size = 128


def on_epoch_end(epoch, logs):
    # The Keras script trains epoch by epoch and samples after each; the same loop, as a
    # LambdaCallback (the classic Keras 2 form of this example).
    print()
    print("Generating text after epoch: %d" % epoch)

    start_index = random.randint(0, len(text) - maxlen - 1)
    for diversity in [0.2, 0.5, 1.0, 1.2]:
        print("...Diversity:", diversity)

        generated = ""
        sentence = text[start_index : start_index + maxlen]
        print('...Generating with seed: "' + sentence + '"')

        for i in range(40):
            x_pred = np.zeros((1, maxlen, len(chars)))
            for t, char in enumerate(sentence):
                x_pred[0, t, char_indices[char]] = 1.0
            preds = model.predict(x_pred, verbose=0)[0]
            next_index = sample(preds, diversity)
            next_char = indices_char[next_index]
            sentence = sentence[1:] + next_char
            generated += next_char

        print("...Generated: ", generated)
        print("-")


print_callback = keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)
model.fit(x, y, batch_size=batch_size, epochs=epochs, callbacks=[print_callback])
