"""``keras.preprocessing.sequence`` (Keras 2 paths): pad_sequences, and the TimeseriesGenerator
of the classic time-series tutorials.

    gen = TimeseriesGenerator(series, series, length=3, batch_size=8)
    model.fit(gen, epochs=50)                # or fit_generator(gen, ...), as Keras 2 wrote it

Sample k of the pass ends just before row r_k = start_index + length + k·stride:
``x = data[r - length : r : sampling_rate]``, ``y = targets[r]`` — the window predicts the
step after it. Keras 2's rules: rows up to ``end_index`` (default len(data) - 1) included;
``shuffle=True`` draws each batch's rows at random (with replacement, batch_size of them).
"""
import numpy as np

from ..utils import pad_sequences, timeseries_dataset_from_array
from ..utils.datasets import PyDataset

__all__ = ["pad_sequences", "TimeseriesGenerator", "timeseries_dataset_from_array"]


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"TimeseriesGenerator: {name} must be an int >= 1, received {value!r}")
    return int(value)


class TimeseriesGenerator(PyDataset):
    """``TimeseriesGenerator(data, targets, length, sampling_rate=1, stride=1, start_index=0,
    end_index=None, shuffle=False, reverse=False, batch_size=128)`` as Keras 2's; ``seed``
    (lstm_np's) makes shuffled draws reproducible without NumPy's global generator."""

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0, end_index=None,
                 shuffle=False, reverse=False, batch_size=128, seed=None, **kwargs):
        super().__init__(**kwargs)
        if len(data) != len(targets):
            raise ValueError(f"Data and targets have to be of same length. Data length is {len(data)} "
                             f"while target length is {len(targets)}")
        self.data, self.targets = data, targets
        self.length = _positive(length, "length")
        self.sampling_rate = _positive(sampling_rate, "sampling_rate")
        self.stride = _positive(stride, "stride")
        self.batch_size = _positive(batch_size, "batch_size")
        self.start_index = start_index + self.length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse = shuffle, reverse
        self.rng = np.random.default_rng(seed)
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > end_index={self.end_index}` is "
                             "disallowed, as no part of the sequence would be left to be used as current step.")

    def __len__(self):
        step = self.batch_size * self.stride
        return (self.end_index - self.start_index + step) // step

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"TimeseriesGenerator has {len(self)} batches, asked for batch {index}")
        if self.shuffle:
            rows = self.rng.integers(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1), self.stride)
        samples = np.array([self.data[r - self.length:r:self.sampling_rate] for r in rows])
        targets = np.array([self.targets[r] for r in rows])
        return (samples[:, ::-1, ...], targets) if self.reverse else (samples, targets)
