"""The classic Keras example "stateful_lstm.py" (Keras 2's examples/, written here with Keras 3's
``Input(batch_shape=...)``), run on lstm_np.

The only change for lstm_np is the import lines marked below. A noisy cosine is the input; the
target is the mean of the last ``lahead`` inputs. Each sample shows the model one step, so it
must remember the earlier steps in its carried state, across batches. Keras's contract: the
state of sample i in a batch starts sample i of the next batch — so the sequence is cut into
``batch_size`` streams, batch k holding step k of every stream, fed in order (``shuffle=False``),
the state reset after each pass. A stateless model with the same one-step windows cannot see
the past and does worse. Settings can be shortened with EXAMPLE_EPOCHS, EXAMPLE_LENGTH.
"""
import os

import numpy as np

import lstm_np as keras            # was: import keras
from lstm_np import layers         # was: from keras import layers

input_len = int(os.environ.get("EXAMPLE_LENGTH", 1000))  # length of the input sequence
tsteps = 1  # the window each sample shows the model
lahead = 5  # the target averages the input over this many steps
batch_size = 25
epochs = int(os.environ.get("EXAMPLE_EPOCHS", 20))
rng = np.random.default_rng(0)


def gen_uniform_amp(amp=1, xn=10000):
    """Random uniform values in [-amp, +amp], shape (xn, 1)."""
    return rng.uniform(-amp, amp, (xn, 1)).astype("float32")


# The input: a cosine plus noise; the target: its moving average over lahead steps.
t = np.arange(input_len + lahead)
data_input = (np.cos(2 * np.pi * t / 25)[:, None] + 0.5 * gen_uniform_amp(xn=input_len + lahead)).astype("float32")
expected_output = np.stack([data_input[i:i + lahead, 0].mean() for i in range(input_len)])[:, None]
x = data_input[lahead - 1: lahead - 1 + input_len].reshape(input_len, tsteps, 1)
y = expected_output.astype("float32")


def as_streams(a):
    """(n, ...) in time order -> batch_size streams, interleaved: row k·batch_size + i is step k
    of stream i, so sample i of each batch continues sample i of the batch before."""
    n = len(a) // batch_size * batch_size
    return a[:n].reshape((batch_size, n // batch_size) + a.shape[1:]).swapaxes(0, 1).reshape((n,) + a.shape[1:])


split = int(input_len * 0.8)
x_train, y_train = as_streams(x[:split]), as_streams(y[:split])
x_test, y_test = as_streams(x[split:]), as_streams(y[split:])
print("Input shape:", x.shape, "Output shape:", y.shape)


def create_model(stateful):
    model = keras.Sequential(
        [
            keras.Input(batch_shape=(batch_size, tsteps, 1)),
            layers.LSTM(20, stateful=stateful),
            layers.Dense(1),
        ]
    )
    model.compile(loss="mse", optimizer="adam")
    return model


print("Creating Stateful Model...")
model_stateful = create_model(stateful=True)
print("Training")
for i in range(epochs):
    print("Epoch", i + 1, "/", epochs)
    # The last state for sample i in a batch is the initial state for sample i in the next.
    model_stateful.fit(x_train, y_train, batch_size=batch_size, epochs=1, verbose=1,
                       validation_data=(x_test, y_test), shuffle=False)
    model_stateful.reset_states()

print("Predicting")
predicted_stateful = model_stateful.predict(x_test, batch_size=batch_size)
model_stateful.reset_states()

print("Creating Stateless Model...")
model_stateless = create_model(stateful=False)
print("Training")
model_stateless.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=1,
                    validation_data=(x_test, y_test), shuffle=False)
print("Predicting")
predicted_stateless = model_stateless.predict(x_test, batch_size=batch_size)

rmse_stateful = float(np.sqrt(np.mean((predicted_stateful - y_test) ** 2)))
rmse_stateless = float(np.sqrt(np.mean((predicted_stateless - y_test) ** 2)))
print(f"test RMSE: stateful {rmse_stateful:.4f}, stateless {rmse_stateless:.4f}")
