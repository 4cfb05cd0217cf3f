"""Layers beyond the recurrent family, for the models the classic tutorials build around an
LSTM: convolutions (``Conv1D``), pooling, normalization, noise and activation layers, and
``ConvLSTM1D`` / ``ConvLSTM2D`` (whose recurrence is ``core/conv_lstm.py``). ``lstm_np.layers``
exports them all; the files here are not on a learner's path to the LSTM."""
