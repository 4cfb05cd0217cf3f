# The Tokenizer + SpatialDropout1D + EarlyStopping text classifier of many blog posts.
import numpy as np
from lstm_np.models import Sequential
from lstm_np.layers import Dense, LSTM, SpatialDropout1D
from lstm_np.layers.embeddings import Embedding
from lstm_np.callbacks import EarlyStopping
from lstm_np.preprocessing.text import Tokenizer
from lstm_np.preprocessing.sequence import pad_sequences
texts = ["good movie", "bad movie", "great film", "awful film", "good good", "bad bad"] * 20
labels = np.array([1, 0, 1, 0, 1, 0] * 20)
tokenizer = Tokenizer(num_words=50, filters=r'!"#$%&()*+,-./:;<=>?@[\]^_`{|}~', lower=True)
tokenizer.fit_on_texts(texts)
word_index = tokenizer.word_index
X = tokenizer.texts_to_sequences(texts)
X = pad_sequences(X, maxlen=5)
Y = np.eye(2)[labels]
model = Sequential()
model.add(Embedding(50, 16, input_length=X.shape[1]))
model.add(SpatialDropout1D(0.2))
model.add(LSTM(16, dropout=0.2, recurrent_dropout=0.2))
model.add(Dense(2, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
history = model.fit(X, Y, epochs=5, batch_size=8, validation_split=0.1, callbacks=[EarlyStopping(monitor='val_loss', patience=3, min_delta=0.0001)], verbose=0)
accr = model.evaluate(X, Y)
print('Test set\n  Loss: {:0.3f}\n  Accuracy: {:0.3f}'.format(accr[0], accr[1]))
