"""Attention layers as Keras 3 has them: ``Attention`` (Luong, dot product) and
``AdditiveAttention`` (Bahdanau). Called on ``[query, value]`` or ``[query, value, key]``
(key defaults to value), with ``mask=[query_mask, value_mask]``:

    Attention:          S = s · Q Kᵀ                        (B, Tq, Tv), s a learned scalar if use_scale
    AdditiveAttention:  S_ij = Σ_d s_d tanh(q_id + k_jd)    s a learned (dim,) vector if use_scale
    S_ij -= 1e9 where value j is masked (and, with use_causal_mask, where j > i)
    W = softmax(S) along Tv;  W' = dropout(W) in training
    O = W' V                                                (B, Tq, dim);  O_i = 0 where query i is masked

Backward (G = d loss / d O, and d loss / d W' when the scores are returned too):

    dW' = G Vᵀ (+ G_scores);  dV = W'ᵀ G;  dW = dW' ⊙ dropout mask
    dS = W ⊙ (dW - Σ_j dW ⊙ W)                              the softmax's Jacobian
    Attention:          dQ = s dS K,  dK = s dSᵀ Q,  ds = Σ dS ⊙ Q Kᵀ
    AdditiveAttention:  dP = (dS ⊗ s) ⊙ (1 - tanh²),  dQ = Σ_j dP,  dK = Σ_i dP,  ds = Σ dS ⊗ tanh
"""
import numpy as np

from .. import initializers
from ..core import activations as A
from .base import Layer
from .checks import as_float_array, check_bool, check_rate
from ..core.dropout import dropout_mask

MASKED = 1e9


class BaseAttention(Layer):
    supports_masking = True                 # Keras 3's value for this layer
    draws_random = property(lambda self: self.dropout > 0)      # Keras: a SeedGenerator when dropping
    weight_names = ("scale",)

    def __init__(self, use_scale=False, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = check_bool(use_scale, "use_scale")
        self.dropout = check_rate(dropout, "dropout")

    def _who(self):
        return f"{type(self).__name__} {self.name!r}"

    # Keras 3's own helpers, by their names (its tests call them)
    def _calculate_scores(self, query, key):
        """The scores (B, Tq, Tv) of query (B, Tq, dim) against key (B, Tv, dim)."""
        if not self.built:
            self.build([(None,) + np.shape(query)[1:], (None,) + np.shape(key)[1:]])
        return self._scores(np.asarray(query, self.dtype), np.asarray(key, self.dtype))[0]

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        """Where the scores count: the value mask (B, 1, Tv) and, with use_causal_mask, the lower
        triangle (1, Tq, Tv) — their AND; None when neither applies."""
        Tq, Tv = np.shape(scores)[-2:]
        causal = np.tril(np.ones((1, Tq, Tv), bool)) if use_causal_mask else None
        if v_mask is None:
            return causal
        v = np.asarray(v_mask, bool)[:, None, :]
        return v if causal is None else causal & v

    def _validate_inputs(self, inputs, mask=None):
        """Keras's checks of a call, with Keras's words (its tests read them)."""
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: inputs of type {type(inputs).__name__}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                             f"[query, value, key]. Received length: {len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                                 f"Received: mask of type {type(mask).__name__}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: {len(mask)} masks.")

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) not in (2, 3) or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"{self._who()} expects [query, value] or [query, value, key], "
                             f"received shapes {input_shape!r}")
        if self.use_scale:
            self._add_scale(input_shape[0][-1])
        super().build(input_shape)

    def _check_symbolic_call(self, shapes, initial_state, kwargs):
        unknown = set(kwargs) - {"return_attention_scores", "use_causal_mask"}
        if unknown:
            raise TypeError(f"{self._who()} got unexpected call arguments {sorted(unknown)}")

    def compute_output_shape(self, input_shape, return_attention_scores=False, use_causal_mask=False):
        q, v = input_shape[0], input_shape[1]
        out = tuple(q[:-1]) + (v[-1],)
        return [out, tuple(q[:-1]) + (v[1],)] if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            return None if mask[0] is None else np.asarray(mask[0], bool)
        return None

    # -- forward ------------------------------------------------------------------------------
    def forward(self, x, training=False, mask=None, initial_state=None, return_attention_scores=False,
                use_causal_mask=False):
        """[query (B, ..., Tq, dim), value (B, ..., Tv, dim)(, key)] -> output (B, ..., Tq, dim)
        (and the scores (B, ..., Tq, Tv)): leading axes beyond the batch are batch axes too."""
        self._validate_inputs(x, mask)
        lead = np.shape(x[0])[:-2]
        if len(lead) <= 1:
            self._lead = None
            return self._forward3(x, training, mask, return_attention_scores, use_causal_mask)
        flat = [np.reshape(a, (-1,) + np.shape(a)[-2:]) for a in x]
        masks = None if mask is None else [None if m is None else np.reshape(m, (-1, np.shape(m)[-1]))
                                           for m in mask]
        out = self._forward3(flat, training, masks, return_attention_scores, use_causal_mask)
        self._lead = lead
        back = lambda a: a.reshape(lead + a.shape[1:])                 # noqa: E731
        return (back(out[0]), back(out[1])) if return_attention_scores else back(out)

    def _forward3(self, x, training, mask, return_attention_scores, use_causal_mask):
        who = self._who()
        q, v = (as_float_array(a, self.dtype, who) for a in x[:2])
        k = v if len(x) == 2 else as_float_array(x[2], self.dtype, who)
        for name, a in (("query", q), ("value", v), ("key", k)):
            if a.ndim != 3:
                raise ValueError(f"{who} expects {name} of rank 3 (batch, steps, dim), received {a.shape}")
        if not self.built:
            self.build([(None,) + a.shape[1:] for a in ([q, v] if len(x) == 2 else [q, v, k])])
        if k.shape[:2] != v.shape[:2] or q.shape[0] != v.shape[0]:
            raise ValueError(f"{who}: key {k.shape} and value {v.shape} must share batch and steps, "
                             f"query {q.shape} the batch")
        q_mask = v_mask = None
        if isinstance(mask, (list, tuple)):
            q_mask = None if mask[0] is None else np.asarray(mask[0], bool)
            v_mask = None if len(mask) < 2 or mask[1] is None else np.asarray(mask[1], bool)
        S, score_cache = self._scores(q, k)                          # (B, Tq, Tv)
        valid = self._calculate_score_mask(S, v_mask, use_causal_mask)   # (B or 1, Tq or 1, Tv)
        if valid is not None:
            S = np.where(valid, S, S - MASKED)
        W = A.softmax(S)                                            # (B, Tq, Tv)
        drop = None
        if training and self.dropout > 0:
            drop = dropout_mask(self.rng, W.shape, self.dropout, self.dtype)
        Wd = W if drop is None else W * drop
        O = Wd @ v                                                  # (B, Tq, dim)
        if q_mask is not None:
            O = O * q_mask[..., None]
        self._cache = (q, v, k, len(x) == 2, score_cache, W, Wd, drop, q_mask, return_attention_scores)
        return (O, Wd) if return_attention_scores else O                # a tuple, as Keras

    # -- backward -----------------------------------------------------------------------------
    def backward(self, grad_output):
        lead = self.__dict__.get("_lead")
        if lead is None:
            return self._backward3(grad_output)
        flat = lambda g: None if g is None else np.reshape(g, (-1,) + np.shape(g)[len(lead):])   # noqa: E731
        grads = [flat(g) for g in grad_output] if isinstance(grad_output, (list, tuple)) else flat(grad_output)
        return [d.reshape(lead + d.shape[1:]) for d in self._backward3(grads)]

    def _backward3(self, grad_output):
        q, v, k, k_is_v, score_cache, W, Wd, drop, q_mask, with_scores = self._require_cache()
        if with_scores:
            g, g_scores = grad_output
        else:
            g, g_scores = grad_output, None
        g = np.zeros(q.shape[:2] + (v.shape[-1],), self.dtype) if g is None else np.asarray(g, self.dtype)
        if q_mask is not None:
            g = g * q_mask[..., None]
        dWd = g @ np.swapaxes(v, 1, 2)                              # (B, Tq, Tv)
        if g_scores is not None:
            dWd = dWd + np.asarray(g_scores, self.dtype)
        dv = np.swapaxes(Wd, 1, 2) @ g                              # (B, Tv, dim)
        dW = dWd if drop is None else dWd * drop
        dS = A.softmax_backward(W, dW)
        dq, dk = self._scores_backward(dS, q, k, score_cache)
        if k_is_v:
            return [dq, dv + dk]
        return [dq, dv, dk]

    def get_config(self):
        cfg = super().get_config()
        cfg.update(use_scale=self.use_scale, dropout=self.dropout)
        return cfg


class Attention(BaseAttention):
    """Luong attention, ``Attention(use_scale=False, score_mode="dot", dropout=0.0)`` as Keras 3::

        dot      S_ij = σ · q_i · k_j                          (σ = scale, a weight, if use_scale)
        concat   S_ij = c · Σ_d tanh(σ · (q_i + k_j))_d         (c = concat_score_weight, a weight)
    """

    weight_names = ("scale", "concat_score_weight")

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, **kwargs):
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                             f"Received: score_mode={score_mode}")
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)
        self.score_mode = score_mode

    def _add_scale(self, dim):
        self.add_weight("scale", (), initializers.get("ones"))

    def build(self, input_shape):
        super().build(input_shape)
        if self.score_mode == "concat" and "concat_score_weight" not in self.params:
            self.add_weight("concat_score_weight", (), initializers.get("ones"))

    def _scores(self, q, k):
        if self.score_mode == "concat":
            P = q[:, :, None, :] + k[:, None, :, :]                 # (B, Tq, Tv, dim)
            T = np.tanh(P * self.params["scale"] if self.use_scale else P)
            return self.params["concat_score_weight"] * T.sum(-1), (P, T)
        qk = q @ np.swapaxes(k, 1, 2)                               # (B, Tq, Tv)
        if not self.use_scale:
            return qk, qk
        return qk * self.params["scale"], qk

    def _scores_backward(self, dS, q, k, cache):
        if self.score_mode == "concat":
            P, T = cache
            self.grads["concat_score_weight"][...] = np.sum(dS * T.sum(-1))
            dU = dS[..., None] * self.params["concat_score_weight"] * (1 - T * T)   # d / d(σ P)
            if self.use_scale:
                self.grads["scale"][...] = np.sum(dU * P)
                dU = dU * self.params["scale"]
            return dU.sum(axis=2), dU.sum(axis=1)
        s = self.params["scale"] if self.use_scale else self.dtype.type(1)
        if self.use_scale:
            self.grads["scale"][...] = np.sum(dS * cache)
        return (dS @ k) * s, (np.swapaxes(dS, 1, 2) @ q) * s

    def get_config(self):
        cfg = super().get_config()
        cfg["score_mode"] = self.score_mode
        return cfg


class AdditiveAttention(BaseAttention):
    """Additive (Bahdanau) attention: ``AdditiveAttention(use_scale=True, dropout=0.0)``."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def _add_scale(self, dim):
        self.add_weight("scale", (dim,), initializers.get("glorot_uniform"))

    def _scores(self, q, k):
        T = np.tanh(q[:, :, None, :] + k[:, None, :, :])           # (B, Tq, Tv, dim)
        s = self.params["scale"] if self.use_scale else np.ones(q.shape[-1], self.dtype)
        return T @ s, T

    def _scores_backward(self, dS, q, k, T):
        s = self.params["scale"] if self.use_scale else np.ones(q.shape[-1], self.dtype)
        if self.use_scale:
            self.grads["scale"][...] = np.einsum("bij,bijd->d", dS, T)
        dP = dS[..., None] * s * (1 - T * T)                       # (B, Tq, Tv, dim)
        return dP.sum(axis=2), dP.sum(axis=1)
