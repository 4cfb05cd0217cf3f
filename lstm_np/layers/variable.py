"""A layer's weight as Keras 3 hands it out: ``layer.kernel``, ``layer.weights[i]``,
``model.trainable_weights``.

    v = dense.kernel            Variable path="dense/kernel", shape (3, 2)
    v.numpy()                   a copy of the values
    v.assign(new)               write into the layer's own array (shape checked first)
    v * 2, np.tanh(v), v[0]     NumPy arithmetic on the values

A Variable holds no values of its own: it names one entry of ``layer.params`` and reads it
when asked, so it never goes stale (``set_weights`` and the optimizer write into the same
array).
"""
import numpy as np


class Variable(np.lib.mixins.NDArrayOperatorsMixin):
    def __init__(self, layer, key, trainable=True):
        self._layer, self._key, self.trainable = layer, key, trainable

    @property
    def value(self):
        """The layer's array itself (writes go to the layer)."""
        return self._layer.params[self._key]

    @property
    def name(self):
        return self._key.rsplit("/", 1)[-1]

    @property
    def path(self):
        return f"{self._layer.name}/{self._key}"

    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)

    def numpy(self):
        return self.value.copy()

    def assign(self, value):
        value = np.asarray(value)
        if value.shape != self.shape:
            raise ValueError(f"{self.path}: assign expects shape {self.shape}, received {value.shape}")
        self.value[...] = value
        return self

    def assign_add(self, delta):
        return self.assign(self.value + np.asarray(delta))

    def assign_sub(self, delta):
        return self.assign(self.value - np.asarray(delta))

    def __array__(self, dtype=None, copy=None):
        a = self.value
        if dtype is not None and np.dtype(dtype) != a.dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = [np.asarray(x) if isinstance(x, Variable) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(x.value if isinstance(x, Variable) else x for x in kwargs["out"])
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __getitem__(self, index):
        return self.value[index]

    def __setitem__(self, index, value):
        self.value[index] = value

    def __len__(self):
        return len(self.value)

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, value={self.value!r}>"


class SeedState:
    """The state of a layer's random generator, as Keras 3 lists a SeedGenerator's state among
    ``non_trainable_variables``: read-only here (set a layer's ``seed`` to choose it)."""
    trainable = False

    def __init__(self, layer):
        self._layer = layer

    @property
    def path(self):
        return f"{self._layer.name}/seed_generator_state"

    name = property(lambda self: "seed_generator_state")

    @property
    def value(self):
        """The generator's 128-bit state and increment as four uint64 words."""
        st = self._layer.rng.bit_generator.state["state"]
        words = [st["state"] & (2**64 - 1), st["state"] >> 64, st["inc"] & (2**64 - 1), st["inc"] >> 64]
        return np.array(words, dtype=np.uint64)

    shape = property(lambda self: (4,))
    dtype = property(lambda self: np.dtype(np.uint64))

    def numpy(self):
        return self.value

    def __repr__(self):
        return f"<SeedState path={self.path!r}>"
