"""Batches from Python code, as Keras 3: ``PyDataset`` and ``timeseries_dataset_from_array``.

A ``PyDataset`` is a sequence of batches: ``__len__`` (how many) and ``__getitem__(i)``
(batch i: ``(x, y)``, ``(x, y, sample_weight)``, or ``x`` for predict), and optionally
``on_epoch_begin()`` / ``on_epoch_end()``. ``fit`` visits the batches in shuffled order when
``shuffle=True`` (as Keras does) and calls the hooks around every epoch. A Python generator
works too: give ``steps_per_epoch``, or it is read until it ends. ``dataset.take(n)``: its
first n batches, as tf.data's.

    timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None)

Window i starts at data[start_index + p_i], p_i = i · sequence_stride, and holds
``sequence_length`` rows taken every ``sampling_rate``; its target is targets[start_index + p_i].
There are end - start - (sequence_length - 1) · sampling_rate start positions (fewer if
targets is shorter). ``shuffle`` permutes the windows once, with ``seed`` (Keras also
shuffles within a buffer on every pass; the windows each epoch sees are the same).
"""
import numpy as np


class Batch(np.ndarray):
    """A batch as tf.data hands it out: a NumPy array that also has tf.Tensor's ``.numpy()``
    (Keras's timeseries tutorial calls ``inputs.numpy()`` on one)."""

    def numpy(self):
        return np.array(self)


def _batch(a):
    return a.view(Batch) if isinstance(a, np.ndarray) else a


class PyDataset:
    """Base class: subclass it and define ``__len__`` and ``__getitem__``."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers, self.use_multiprocessing, self.max_queue_size = workers, use_multiprocessing, max_queue_size

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__ (the number of batches)")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) -> a batch")

    @property
    def num_batches(self):
        """Batches per pass; None for an endless dataset (then fit needs steps_per_epoch)."""
        return len(self)

    def on_epoch_begin(self):
        """Called before every epoch (and every evaluation pass)."""

    def on_epoch_end(self):
        """Called after every epoch (and every evaluation pass)."""

    def __iter__(self):
        n = self.num_batches
        i = 0
        while n is None or i < n:
            yield self[i]
            i += 1

    def take(self, count):
        """The first ``count`` batches (tf.data's ``dataset.take``, as Keras's timeseries
        tutorials use it: ``for inputs, targets in dataset.take(1)``)."""
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f"take: count must be an int >= 0, received {count!r}")
        return _Taken(self, int(count))


Sequence = PyDataset                     # Keras 2's name


class _Taken:
    """The first batches of a PyDataset, iterable (again and again)."""

    def __init__(self, dataset, count):
        self.dataset, self.count = dataset, count

    def __iter__(self):
        n = self.dataset.num_batches
        for i in range(self.count if n is None else min(self.count, n)):
            yield self.dataset[i]

    def __len__(self):
        n = self.dataset.num_batches
        return self.count if n is None else min(self.count, n)


class TimeseriesDataset(PyDataset):
    """What ``timeseries_dataset_from_array`` returns: batches of windows (and targets)."""

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size):
        super().__init__()
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size = batch_size                 # None: single windows, no batch axis (as Keras)

    def __len__(self):
        return len(self.starts) if self.batch_size is None else -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        if self.batch_size is None:
            start = self.starts[index]
            window = _batch(self.data[start + self.offsets])                         # (sequence_length, ...)
            return window if self.targets is None else (window, _batch(self.targets[start]))
        starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = _batch(self.data[starts[:, None] + self.offsets])                 # (b, sequence_length, ...)
        return windows if self.targets is None else (windows, _batch(self.targets[starts]))


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
    data = np.asarray(data)
    n = len(data)
    for name, v in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                    ("sampling_rate", sampling_rate)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
            raise ValueError(f"timeseries_dataset_from_array: {name} must be an int > 0, received {v!r}")
    if sampling_rate >= n or sequence_stride >= n:
        raise ValueError(f"timeseries_dataset_from_array: sampling_rate and sequence_stride must be lower than "
                         f"the length of the data ({n}), received {sampling_rate} and {sequence_stride}")
    start = start_index or 0
    end = n if end_index is None else end_index
    if not 0 <= start < n or not start < end <= n:
        raise ValueError(f"timeseries_dataset_from_array: need 0 <= start_index < end_index <= {n}, "
                         f"received {start_index} and {end_index}")
    if batch_size is not None and (isinstance(batch_size, bool) or batch_size <= 0):
        raise ValueError(f"timeseries_dataset_from_array: batch_size must be > 0 or None, received {batch_size!r}")
    num = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num = min(num, len(targets) - start)
    if num <= 0:
        raise ValueError(f"timeseries_dataset_from_array: no window of {sequence_length} steps (every "
                         f"{sampling_rate}) fits between {start} and {end}")
    starts = np.arange(0, num, sequence_stride)
    if shuffle:
        np.random.RandomState(seed if seed is not None else np.random.default_rng().integers(10 ** 6)).shuffle(starts)
    return TimeseriesDataset(data, targets, start + starts, sequence_length, sampling_rate, batch_size)
