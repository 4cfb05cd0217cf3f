"""Keras 2's recurrent names for classic scripts, as ``lstm_np.layers`` attributes
(``compat/keras2/__init__.py`` puts them there)."""
from ...layers.recurrent import GRU, LSTM, RNN

Recurrent = RNN          # the base class's name in Keras 1 / 2 (and this project's first version)


class CuDNNLSTM(LSTM):
    """Keras 2's GPU-only ``CuDNNLSTM``: the same recurrence as ``LSTM`` (tanh, sigmoid,
    unit_forget_bias), run here on the CPU kernels. (cuDNN keeps two bias vectors, so a Keras 2
    CuDNNLSTM weights file has 8·units biases: add them to load it.)"""


class CuDNNGRU(GRU):
    """Keras 2's GPU-only ``CuDNNGRU``: a ``GRU`` with reset_after=True, which is what cuDNN's
    GRU computes."""


NAMES = {"Recurrent": Recurrent, "CuDNNLSTM": CuDNNLSTM, "CuDNNGRU": CuDNNGRU}
