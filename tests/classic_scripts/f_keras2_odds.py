# Keras 2 odds and ends in one script: Bidirectional(input_shape=), Adam(lr=, decay=), SGD(nesterov),
# metrics_names, predict_classes, ReduceLROnPlateau / EarlyStopping, a CNN-LSTM over TimeDistributed(Conv1D).
import numpy as np
import lstm_np as keras
from lstm_np.models import Sequential
from lstm_np.layers import LSTM, Dense, Bidirectional, GRU, Dropout, Activation, Flatten, Conv1D, MaxPooling1D, TimeDistributed
from lstm_np.optimizers import Adam, SGD, RMSprop
from lstm_np.callbacks import EarlyStopping, ReduceLROnPlateau
X = np.random.rand(64, 10, 3); y = np.random.rand(64, 1)
model = Sequential()
model.add(Bidirectional(LSTM(16, return_sequences=True), input_shape=(10, 3)))
model.add(Dropout(0.2))
model.add(LSTM(8, return_sequences=False))
model.add(Dense(1))
model.add(Activation('linear'))
opt = Adam(lr=0.01, decay=1e-6)
model.compile(loss='mean_squared_error', optimizer=opt, metrics=['mse', 'mae'])
h = model.fit(X, y, epochs=3, batch_size=16, validation_split=0.2, verbose=0, shuffle=False,
              callbacks=[EarlyStopping(monitor='val_loss', patience=2, verbose=1, mode='min'), ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=1, min_lr=1e-5, verbose=1)])
print(sorted(h.history.keys()))
print(model.metrics_names, model.evaluate(X, y, verbose=0))
sgd = SGD(lr=0.01, momentum=0.9, nesterov=True)
m2 = Sequential([GRU(8, input_shape=(10, 3), reset_after=True), Dense(2, activation='softmax')])
m2.compile(optimizer=sgd, loss='sparse_categorical_crossentropy', metrics=['accuracy'])
m2.fit(X, (y[:, 0] > 0.5).astype(int), epochs=1, verbose=0)
print(m2.predict_classes(X[:3]) if hasattr(m2, "predict_classes") else None)
# CNN-LSTM with TimeDistributed over Conv1D (4-D input)
X4 = np.random.rand(32, 2, 5, 1); y4 = np.random.rand(32, 1)
m3 = Sequential()
m3.add(TimeDistributed(Conv1D(filters=8, kernel_size=2, activation='relu'), input_shape=(None, 5, 1)))
m3.add(TimeDistributed(MaxPooling1D(pool_size=2)))
m3.add(TimeDistributed(Flatten()))
m3.add(LSTM(16, activation='relu'))
m3.add(Dense(1))
m3.compile(optimizer='adam', loss='mse')
m3.fit(X4, y4, epochs=2, verbose=0)
print("cnn-lstm", m3.predict(X4[:2], verbose=0).shape)
print(model.optimizer.learning_rate, keras.__version__ if hasattr(keras, "__version__") else "")
