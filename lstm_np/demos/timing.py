"""Timings the demos print, with the first use's compilation reported apart.

The first call of a compiled kernel compiles it (seconds) or loads it from numba's cache;
a figure that folds that in says nothing about the speed of the next call.

    timer = EpochTimes(); model.fit(..., callbacks=[timer]); timer.summary()
        -> "epoch 1 took 5.1 s (it compiles the kernels on first use), the others 1.2 s each"
"""
import time

from ..callbacks import Callback


class EpochTimes(Callback):
    """Seconds per epoch of one ``fit``."""

    def __init__(self):
        super().__init__()
        self.seconds = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)

    def summary(self):
        if not self.seconds:
            return "no epoch ran"
        first = f"epoch 1 took {self.seconds[0]:.1f} s (it compiles the kernels, or loads them, on first use)"
        if len(self.seconds) == 1:
            return first
        rest = self.seconds[1:]
        return first + f", the others {sum(rest) / len(rest):.1f} s each"
