"""Embedding: integer token ids (B, T) -> vectors (B, T, output_dim)."""
import numpy as np

from .. import initializers
from .base import Layer
from .checks import check_bool, check_positive_int, check_token_ids


class Embedding(Layer):
    """Lookup table E (input_dim, output_dim): y[b, t] = E[x[b, t]].

    Backward scatters: dE[x[b, t]] += dy[b, t]. With ``mask_zero=True`` id 0 is padding
    and the layer emits the mask ``x != 0`` for the layers after it.
    ``weights=[matrix]`` loads pretrained vectors; ``trainable=False`` freezes them.
    """

    weight_names = ("embeddings",)

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 mask_zero=False, input_length=None, weights=None, embeddings_regularizer=None,
                 embeddings_constraint=None, **kwargs):
        self.input_dim = check_positive_int(input_dim, "Embedding input_dim")
        self.output_dim = check_positive_int(output_dim, "Embedding output_dim")
        if input_length is not None:
            input_length = check_positive_int(input_length, "Embedding input_length")
        # An Embedding always knows its input's rank: (batch, timesteps), the length maybe None.
        kwargs.setdefault("input_shape", (input_length,))
        self.input_length = input_length
        super().__init__(**kwargs)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.set_weight_options(embeddings_regularizer=embeddings_regularizer,
                                embeddings_constraint=embeddings_constraint)
        self.mask_zero = check_bool(mask_zero, "mask_zero")
        self._mask = None
        # The table does not depend on the input shape: build at once, as Keras does.
        self.build((None,) + self.input_shape_arg)
        if weights is not None:
            self.set_weights(weights)

    def token_vocabulary(self):
        return self.input_dim

    def build(self, input_shape):
        if not self.built:
            self.add_weight("embeddings", (self.input_dim, self.output_dim),
                            self.embeddings_initializer)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        """Keras: the ids that are not 0 (mask_zero=True), else no mask."""
        if not self.mask_zero:
            return None
        if isinstance(inputs, np.ndarray):
            return inputs != 0
        return self._mask                                 # the last call's (a graph passes no ids)

    @property
    def supports_masking(self):
        return self.mask_zero

    def output_mask_for(self, ids):
        return (ids != 0) if self.mask_zero else None

    def forward(self, x, training=False, mask=None, initial_state=None):
        who = f"Embedding {self.name!r}"
        ids = check_token_ids(x, self.input_dim, who)
        if ids.ndim < 1:
            raise ValueError(f"{who} expects ids of rank >= 1, received a scalar")
        self._cache = ids
        self._mask = self.output_mask_for(ids)
        return self.params["embeddings"][ids]                 # (B, T, output_dim)

    def backward(self, grad_output):
        ids = self._require_cache()
        g = self.grads["embeddings"]
        g.fill(0)
        if self.trainable and ids.size:                       # scatter-add the rows of dy into g[ids]
            dy = np.asarray(grad_output, self.dtype).reshape(-1, self.output_dim)
            flat = ids.reshape(-1)
            order = np.argsort(flat, kind="stable")           # equal ids side by side, then one sum
            ordered = flat[order]                             # per run (3-7x faster than np.add.at)
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            g[ordered[starts]] = np.add.reduceat(dy[order], starts, axis=0)
        return None                                           # ids have no gradient

    def get_config(self):
        cfg = super().get_config()
        cfg.update(input_dim=self.input_dim, output_dim=self.output_dim, mask_zero=self.mask_zero,
                   input_length=self.input_length,
                   embeddings_initializer=initializers.serialize(self.embeddings_initializer))
        if self.input_shape_arg == (self.input_length,):
            cfg.pop("input_shape", None)                      # implied by input_length
        return cfg
