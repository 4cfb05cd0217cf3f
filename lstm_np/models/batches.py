"""Where a pass's batches come from: arrays, a ``PyDataset``, or a generator — one interface
for the trainer.

    source.steps              batches per pass (None: a generator read until it ends)
    source.epoch(rng, shuffle) the batches of one pass, each (xs, ys, sws) checked by the
                              model's ``standardize`` (lists of arrays, one per input/target)
                              (a PyDataset's on_epoch_begin / on_epoch_end run around it)

Arrays are sliced in the model's shuffled order (with steps_per_epoch, across epochs as a
PyDataset's are). A PyDataset's batches are visited in shuffled
order when shuffle=True (as Keras 3 does); a generator's in the order it yields them, across
epochs when steps_per_epoch is given. A batch is ``(x, y)``, ``(x, y, sample_weight)`` or
``x`` alone (for predict).
"""
import numpy as np

from ..utils.datasets import PyDataset


def is_stream(x):
    """A PyDataset or an iterator (a generator): batches, not arrays."""
    return isinstance(x, PyDataset) or (hasattr(x, "__next__") and not isinstance(x, np.ndarray))


def take(arrays, idx):
    return [None if a is None else a[idx] for a in arrays]


def n_samples(arrays, who):
    sizes = {len(a) for a in arrays if a is not None}
    if len(sizes) != 1:
        raise ValueError(f"{who}: every input and target must have the same number of samples, "
                         f"received {sorted(sizes)}")
    return sizes.pop()


class ArrayBatches:
    """Arrays sliced into batches. With ``steps`` (steps_per_epoch) an epoch takes that many
    batches and the next goes on where it stopped, as Keras 3 walks arrays: a pass that runs out
    mid-epoch ends that epoch early, and the next epoch starts a new (reshuffled) pass. A fresh
    source with ``steps`` (evaluate, predict) reads the first ``steps`` batches of one pass."""

    def __init__(self, xs, ys, sws, batch_size, who, steps=None):
        self.xs, self.ys, self.sws, self.batch_size = xs, ys, sws, batch_size
        self.n = n_samples(xs + ys, who)
        self.per_pass = -(-self.n // batch_size)
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1):
            raise ValueError(f"{who}: steps must be an int >= 1 or None, received {steps!r}")
        self.given_steps = None if steps is None else int(steps)
        self.steps = self.per_pass if steps is None else min(int(steps), self.per_pass)
        self._order, self._next = None, self.per_pass        # no pass under way yet

    def _batch(self, step):
        sl = slice(step * self.batch_size, (step + 1) * self.batch_size)
        idx = self._order[sl] if self._order is not None else sl
        return take(self.xs, idx), take(self.ys, idx), take(self.sws, idx)

    def epoch(self, rng, shuffle):
        if self.given_steps is None or self._next >= self.per_pass:     # a new pass
            self._order = rng.permutation(self.n) if shuffle else None
            self._next = 0
        end = self.per_pass if self.given_steps is None else min(self._next + self.given_steps, self.per_pass)
        while self._next < end:
            self._next += 1
            yield self._batch(self._next - 1)


class StreamBatches:
    """Batches from a PyDataset or a generator, walked as Keras 3's EpochIterator walks them.

    With ``steps`` (steps_per_epoch) a pass over a PyDataset may span several epochs: the next
    epoch goes on where the last stopped, and a new (reshuffled) pass starts once all
    ``num_batches`` were seen. Without it an epoch is one whole pass. A PyDataset whose
    ``num_batches`` is None is endless and needs ``steps``.
    """

    def __init__(self, model, source, who, steps=None, class_weight=None, inputs_only=False):
        self.model, self.source, self.who, self.class_weight = model, source, who, class_weight
        self.inputs_only = inputs_only
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1):
            raise ValueError(f"{who}: steps must be an int >= 1 or None, received {steps!r}")
        self.given_steps = None if steps is None else int(steps)
        self.num_batches = None
        if isinstance(source, PyDataset):
            self.num_batches = source.num_batches
            if self.num_batches is None and steps is None:
                raise ValueError(f"{who}: the PyDataset is endless (num_batches is None); give "
                                 "steps_per_epoch (steps)")
            if self.num_batches is not None and self.num_batches < 1:
                raise ValueError(f"{who}: the PyDataset has no batches (num_batches {self.num_batches})")
        self.steps = self.given_steps if self.num_batches is None else min(self.given_steps or self.num_batches,
                                                                           self.num_batches)
        self.exhausted = False
        self._batches, self._seen = None, 0

    def _check(self, batch):
        """(xs, ys, sws) from one batch: (x,), (x, y), (x, y, sample_weight), or x alone."""
        if isinstance(batch, np.ndarray):
            batch = (batch,)
        if isinstance(batch, list):
            batch = tuple(batch)
        if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
            raise ValueError(f"{self.who}: each batch must be a tuple (x,), (x, y) or (x, y, sample_weight) "
                             f"(several inputs: ((x1, x2), y)), received {type(batch).__name__}"
                             + (f" of length {len(batch)}" if isinstance(batch, tuple) else ""))
        x = batch[0]
        y = None if self.inputs_only or len(batch) < 2 else batch[1]
        sw = None if self.inputs_only or len(batch) < 3 else batch[2]
        if sw is not None and self.class_weight is not None:
            raise ValueError(f"{self.who}: class_weight and batches that carry sample weights can't be "
                             "used together")
        return self.model.standardize(x, y, self.who, sample_weight=sw, class_weight=self.class_weight)

    def _pass(self, rng, shuffle):
        """One pass over a PyDataset's batches (shuffled order), or an endless one."""
        if self.num_batches is None:
            i = 0
            while True:
                yield self.source[i]
                i += 1
        order = rng.permutation(self.num_batches) if shuffle and rng is not None else range(self.num_batches)
        for i in order:
            yield self.source[int(i)]

    def epoch(self, rng, shuffle):
        if isinstance(self.source, PyDataset):
            self.source.on_epoch_begin()
            if self._batches is None or self.given_steps is None:
                self._batches, self._seen = self._pass(rng, shuffle), 0
            for _ in range(self.steps):
                if self.num_batches is not None and self._seen >= self.num_batches:
                    break
                self._seen += 1
                yield self._check(next(self._batches))
            if self.num_batches is not None and self._seen >= self.num_batches:
                self._batches = None
            self.source.on_epoch_end()
            return
        count = 0
        while self.steps is None or count < self.steps:
            try:
                batch = next(self.source)
            except StopIteration:
                self.exhausted = True
                return
            count += 1
            yield self._check(batch)



def make_source(model, x, y, who, batch_size, steps=None, sample_weight=None, class_weight=None,
                inputs_only=False):
    """ArrayBatches or StreamBatches for what the caller passed (checked before anything runs)."""
    if is_stream(x):
        for name, value in (("y", y), ("sample_weight", sample_weight), ("batch_size", batch_size)):
            if value is not None:
                raise ValueError(f"{who}: with x a PyDataset or a generator, {name} must not be given "
                                 "(each batch carries its own targets and size)")
        return StreamBatches(model, x, who, steps, class_weight, inputs_only)
    xs, ys, sws = model.standardize(x, y, who, sample_weight=sample_weight, class_weight=class_weight)
    return ArrayBatches(xs, ys, sws, batch_size, who, steps)
