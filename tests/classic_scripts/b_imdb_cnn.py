# Brownlee, "Sequence Classification with LSTM Recurrent Neural Networks": CNN + LSTM, with
# Keras 2 import paths (keras.layers.convolutional / .embeddings, keras.preprocessing.sequence);
# random token lists stand in for IMDB (offline).
import numpy
from lstm_np.models import Sequential
from lstm_np.layers import Dense
from lstm_np.layers import LSTM
from lstm_np.layers.convolutional import Conv1D
from lstm_np.layers.convolutional import MaxPooling1D
from lstm_np.layers.embeddings import Embedding
from lstm_np.preprocessing import sequence
numpy.random.seed(7)
top_words = 500
rng = numpy.random.default_rng(0)
X_train = [list(rng.integers(1, top_words, rng.integers(5, 40))) for _ in range(200)]
y_train = numpy.array([int(sum(x) % 2) for x in X_train])
max_review_length = 50
X_train = sequence.pad_sequences(X_train, maxlen=max_review_length)
embedding_vecor_length = 32
model = Sequential()
model.add(Embedding(top_words, embedding_vecor_length, input_length=max_review_length))
model.add(Conv1D(filters=32, kernel_size=3, padding='same', activation='relu'))
model.add(MaxPooling1D(pool_size=2))
model.add(LSTM(100, dropout=0.2, recurrent_dropout=0.2))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
model.summary()
model.fit(X_train, y_train, epochs=2, batch_size=64, verbose=0)
scores = model.evaluate(X_train, y_train, verbose=0)
print("Accuracy: %.2f%%" % (scores[1]*100))
