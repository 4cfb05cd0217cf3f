# Brownlee, "Text Generation With LSTM Recurrent Neural Networks": np_utils.to_categorical,
# ModelCheckpoint to .hdf5 (a whole model, Keras 2), load_weights from it; a short text.
import sys, numpy, os, tempfile
from lstm_np.models import Sequential
from lstm_np.layers.core import Dense, Dropout
from lstm_np.layers.recurrent import LSTM
from lstm_np.callbacks import ModelCheckpoint
from lstm_np.utils import np_utils
raw_text = ("alice was beginning to get very tired of sitting by her sister on the bank " * 20).lower()
chars = sorted(list(set(raw_text)))
char_to_int = dict((c, i) for i, c in enumerate(chars))
n_chars = len(raw_text); n_vocab = len(chars)
seq_length = 20
dataX = []; dataY = []
for i in range(0, n_chars - seq_length, 1):
    seq_in = raw_text[i:i + seq_length]; seq_out = raw_text[i + seq_length]
    dataX.append([char_to_int[char] for char in seq_in]); dataY.append(char_to_int[seq_out])
n_patterns = len(dataX)
X = numpy.reshape(dataX, (n_patterns, seq_length, 1))
X = X / float(n_vocab)
y = np_utils.to_categorical(dataY)
model = Sequential()
model.add(LSTM(64, input_shape=(X.shape[1], X.shape[2])))
model.add(Dropout(0.2))
model.add(Dense(y.shape[1], activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer='adam')
d = tempfile.mkdtemp()  # the tutorial writes next to the script
filepath = os.path.join(d, "weights-improvement-{epoch:02d}-{loss:.4f}.hdf5")
checkpoint = ModelCheckpoint(filepath, monitor='loss', verbose=1, save_best_only=True, mode='min')
callbacks_list = [checkpoint]
model.fit(X, y, epochs=2, batch_size=128, callbacks=callbacks_list, verbose=0)
files = sorted(os.listdir(d)); print(files)
model.load_weights(os.path.join(d, files[-1]))
model.compile(loss='categorical_crossentropy', optimizer='adam')
pattern = dataX[0]
for i in range(20):
    x = numpy.reshape(pattern, (1, len(pattern), 1)) / float(n_vocab)
    prediction = model.predict(x, verbose=0)
    index = numpy.argmax(prediction)
    pattern.append(index); pattern = pattern[1:len(pattern)]
print("ok")
