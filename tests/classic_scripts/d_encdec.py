# Brownlee's encoder-decoder LSTM (RepeatVector + TimeDistributed), Keras 2 paths.
from numpy import array
from lstm_np.models import Sequential
from lstm_np.layers import LSTM, Dense, RepeatVector
from lstm_np.layers.wrappers import TimeDistributed
X = array([[10, 20, 30], [20, 30, 40], [30, 40, 50], [40, 50, 60]]).reshape((4, 3, 1))
y = array([[40, 50], [50, 60], [60, 70], [70, 80]]).reshape((4, 2, 1))
model = Sequential()
model.add(LSTM(100, activation='relu', input_shape=(3, 1)))
model.add(RepeatVector(2))
model.add(LSTM(100, activation='relu', return_sequences=True))
model.add(TimeDistributed(Dense(1)))
model.compile(optimizer='adam', loss='mse')
model.fit(X, y, epochs=20, verbose=0)
print(model.predict(array([70, 80, 90]).reshape((1, 3, 1)), verbose=0).ravel())
