"""StringLookup and IntegerLookup, as Keras 3: tokens (strings or integers) to ids and back.

    ids:  [mask token →] 0 if mask_token is set, then num_oov_indices out-of-vocabulary ids
          (a token not in the vocabulary: ``oov_token``), then the vocabulary in order
    StringLookup(vocabulary=["a", "b"])            "a" -> 1, "b" -> 2, "zzz" -> 0
    StringLookup(vocabulary=[...], invert=True)    ids -> tokens
    output_mode "int" (ids), "one_hot" / "multi_hot" / "count" (one row per id)

They compute no gradient (their inputs are tokens), run on NumPy arrays of any shape, and learn
a vocabulary with ``adapt(data)`` (most frequent first, as Keras; ``max_tokens`` caps it).
"""
import collections
import zlib

import numpy as np

from ..base import Layer


class _Lookup(Layer):
    token_kind = None                          # "string" or "int"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None, vocabulary=None,
                 invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False, **kwargs):
        for key in ("encoding", "salt", "idf_weights", "vocabulary_dtype"):
            kwargs.pop(key, None)
        super().__init__(**kwargs)
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"{type(self).__name__} output_mode must be 'int', 'one_hot', 'multi_hot' or 'count', "
                             f"received {output_mode!r}")
        if isinstance(num_oov_indices, bool) or not isinstance(num_oov_indices, int) or num_oov_indices < 0:
            raise ValueError(f"num_oov_indices must be an int >= 0, received {num_oov_indices!r}")
        self.max_tokens, self.num_oov_indices, self.mask_token = max_tokens, num_oov_indices, mask_token
        self.oov_token, self.invert, self.output_mode = oov_token, bool(invert), output_mode
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self._vocabulary = []
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # -- the vocabulary ------------------------------------------------------------------------
    def _specials(self):
        head = [] if self.mask_token is None else [self.mask_token]
        return head + [self.oov_token] * self.num_oov_indices

    def get_vocabulary(self, include_special_tokens=True):
        return (self._specials() if include_special_tokens else []) + list(self._vocabulary)

    def vocabulary_size(self):
        return len(self.get_vocabulary())

    def set_vocabulary(self, vocabulary, idf_weights=None):
        vocab = [v.item() if isinstance(v, np.generic) else v for v in np.asarray(vocabulary).ravel().tolist()]
        if len(set(vocab)) != len(vocab):
            repeated = sorted({v for v in vocab if vocab.count(v) > 1}, key=str)
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please uniquify your dataset. "
                             f"The repeated terms are: {repeated}")
        specials = set(self._specials())
        self._vocabulary = [v for v in vocab if v not in specials]
        self._index = {v: i + len(self._specials()) for i, v in enumerate(self._vocabulary)}

    def adapt(self, data, steps=None, batch_size=None):
        """Learn the vocabulary from ``data``: tokens by falling frequency (ties: first seen)."""
        counts = collections.Counter(np.asarray(data).ravel().tolist())
        specials = set(self._specials())
        order = [t for t, _ in counts.most_common() if t not in specials]
        if self.max_tokens is not None:
            order = order[:max(self.max_tokens - len(self._specials()), 0)]
        self.set_vocabulary(order)

    # -- the lookup ------------------------------------------------------------------------------
    def _ids(self, tokens):
        flat = tokens.ravel().tolist()
        n_oov = self.num_oov_indices
        base = 0 if self.mask_token is None else 1
        out = np.empty(len(flat), np.int64)
        for k, t in enumerate(flat):
            if self.mask_token is not None and t == self.mask_token:
                out[k] = 0
            elif t in self._index:
                out[k] = self._index[t]
            elif n_oov:
                out[k] = base + (zlib.crc32(str(t).encode()) % n_oov if n_oov > 1 else 0)   # stable
            else:
                raise KeyError(f"{type(self).__name__} {self.name!r}: {t!r} is not in the vocabulary "
                               "and num_oov_indices=0")
        return out.reshape(tokens.shape)

    def _encode(self, ids):
        if self.output_mode == "int":
            return ids
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()
        if self.output_mode == "one_hot":
            return np.eye(depth, dtype="float32")[ids]
        rows = ids.reshape(ids.shape[0], -1) if ids.ndim > 1 else ids[None]
        out = np.zeros((rows.shape[0], depth), "float32")
        for r, row in enumerate(rows):
            np.add.at(out[r], row, 1.0)
        if self.output_mode == "multi_hot":
            out = np.minimum(out, 1.0)
        return out if ids.ndim > 1 else out[0]

    def forward(self, x, training=False, mask=None, initial_state=None):
        tokens = np.asarray(x)
        if self.invert:
            vocab = self.get_vocabulary()
            ids = tokens.astype(np.int64)
            if ids.size and (ids.min() < 0 or ids.max() >= len(vocab)):
                raise ValueError(f"{type(self).__name__} {self.name!r}: ids must be in [0, {len(vocab)}), "
                                 f"received {ids.min()} .. {ids.max()}")
            return np.asarray(vocab, dtype=object)[ids]
        if tokens.dtype.kind == "S":
            tokens = np.char.decode(tokens, "utf-8")
        return self._encode(self._ids(tokens))

    def backward(self, grad_output):
        raise RuntimeError(f"{type(self).__name__} {self.name!r} maps tokens to ids: nothing to differentiate")

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int" or self.invert:
            return tuple(input_shape)
        return (input_shape[0], self.vocabulary_size())

    def output_dtype(self):
        return np.dtype(object) if self.invert else np.dtype(np.int64 if self.output_mode == "int" else np.float32)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(max_tokens=self.max_tokens, num_oov_indices=self.num_oov_indices, mask_token=self.mask_token,
                   oov_token=self.oov_token, vocabulary=list(self._vocabulary), invert=self.invert,
                   output_mode=self.output_mode, pad_to_max_tokens=self.pad_to_max_tokens)
        return cfg


class StringLookup(_Lookup):
    """Strings to ids (``oov_token`` "[UNK]")."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, **kwargs)


class IntegerLookup(_Lookup):
    """Integers to ids (``oov_token`` -1)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, **kwargs)
