"""Normalisation over the features axis, as Keras 3 (axis=-1).

LayerNormalization, per sample (and step)::

    μ = mean_d x_d,  σ² = mean_d (x_d - μ)²,  x̂ = (x - μ) / sqrt(σ² + ε),  y = γ ⊙ x̂ + β
    backward: dx = (1/sqrt(σ² + ε)) (dx̂ - mean_d dx̂ - x̂ mean_d(dx̂ ⊙ x̂)),  dx̂ = dy ⊙ γ

BatchNormalization, per feature over every other axis, with weights w (the mask, or ones)::

    training:  μ = Σ w x / (Σ w + e),  σ² = Σ w (x - μ)² / (Σ w + e)   (e = 1e-7 with a mask, else 0)
               moving_mean ← momentum · moving_mean + (1 - momentum) · μ   (and the same for σ²)
    inference: μ, σ² = moving_mean, moving_variance
    y = γ (x - μ) / sqrt(σ² + ε) + β          moving statistics are weights, never trained

Backward in training goes through μ and σ² too (every output depends on them, masked or not).
"""
import numpy as np

from ... import initializers
from ..base import Layer
from ..checks import as_float_array, check_bool, check_last_dim, check_rate

EPSILON_MASKED = 1e-7            # keras.backend.epsilon(), added to Σ w when a mask is given


def _check_axis(axis, who):
    if axis not in (-1, [-1], (-1,)):
        raise ValueError(f"{who} supports axis=-1 (the features axis), received {axis!r}")


class _FeatureNorm(Layer):
    supports_masking = True                 # Keras 3's value for this layer
    def _input(self, x):
        who = f"{type(self).__name__} {self.name!r}"
        x = as_float_array(x, self.dtype, who)
        if x.ndim < 2:
            raise ValueError(f"{who} expects inputs of rank >= 2 (batch, ..., features), received {x.shape}")
        self._ensure_built(x)
        check_last_dim(x, self.input_shape[-1], who)
        return x

    def _affine_weights(self, D):
        if self.scale:
            self.add_weight("gamma", (D,), self.gamma_initializer)
        if self.center:
            self.add_weight("beta", (D,), self.beta_initializer)

    def _affine(self, xhat):
        y = xhat * self.params["gamma"] if self.scale else xhat.copy()
        return y + self.params["beta"] if self.center else y

    def _affine_backward(self, dy, xhat, axes):
        """dγ, dβ into grads; returns dx̂."""
        if self.scale:
            self.grads["gamma"][...] = np.sum(dy * xhat, axis=axes)
        if self.center:
            self.grads["beta"][...] = np.sum(dy, axis=axes)
        return dy * self.params["gamma"] if self.scale else dy


class LayerNormalization(_FeatureNorm):
    weight_names = ("gamma", "beta")

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        _check_axis(axis, "LayerNormalization")
        if rms_scaling:
            raise ValueError("LayerNormalization: rms_scaling=True is not supported")
        self.epsilon = float(epsilon)
        self.center, self.scale = check_bool(center, "center"), check_bool(scale, "scale")
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.set_weight_options(beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                                beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    def build(self, input_shape):
        self._affine_weights(input_shape[-1])
        super().build(input_shape)

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = self._input(x)
        mu = x.mean(axis=-1, keepdims=True)
        inv = 1.0 / np.sqrt(((x - mu) ** 2).mean(axis=-1, keepdims=True) + x.dtype.type(self.epsilon))
        xhat = (x - mu) * inv
        self._cache = (xhat, inv)
        return self._affine(xhat)

    def backward(self, grad_output):
        xhat, inv = self._require_cache()
        dy = np.asarray(grad_output, self.dtype)
        dxhat = self._affine_backward(dy, xhat, tuple(range(dy.ndim - 1)))
        return inv * (dxhat - dxhat.mean(axis=-1, keepdims=True)
                      - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True))

    def get_config(self):
        cfg = super().get_config()
        cfg.update(axis=-1, epsilon=self.epsilon, center=self.center, scale=self.scale,
                   beta_initializer=initializers.serialize(self.beta_initializer),
                   gamma_initializer=initializers.serialize(self.gamma_initializer))
        return cfg


class BatchNormalization(_FeatureNorm):
    weight_names = ("gamma", "beta", "moving_mean", "moving_variance")

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        _check_axis(axis, "BatchNormalization")
        self.momentum = 1.0 - check_rate(1.0 - float(momentum), "BatchNormalization 1 - momentum")
        self.epsilon = float(epsilon)
        self.center, self.scale = check_bool(center, "center"), check_bool(scale, "scale")
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.set_weight_options(beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                                beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        if self.input_shape_arg is not None:
            self.build((None,) + self.input_shape_arg)

    def build(self, input_shape):
        D = input_shape[-1]
        self._affine_weights(D)
        self.add_weight("moving_mean", (D,), self.moving_mean_initializer)
        self.add_weight("moving_variance", (D,), self.moving_variance_initializer)
        super().build(input_shape)

    def weight_entries(self):
        """The moving statistics are weights the optimizer never touches (Keras: non-trainable)."""
        return [(k, self.params[k], self.grads[k], self.trainable and not k.startswith("moving"))
                for k in self.params]

    def forward(self, x, training=False, mask=None, initial_state=None):
        x = self._input(x)
        dt = x.dtype
        axes = tuple(range(x.ndim - 1))
        if training and self.trainable:
            w = np.ones(x.shape[:-1] + (1,), dt) if mask is None else \
                np.asarray(mask, bool).reshape(x.shape[:-1] + (1,)).astype(dt)
            e = dt.type(0 if mask is None else EPSILON_MASKED)
            count = w.sum() + e
            mu = (w * x).sum(axis=axes) / count                            # (D,)
            var = (w * (x - mu) ** 2).sum(axis=axes) / count
            m = dt.type(self.momentum)
            self.params["moving_mean"][...] = self.params["moving_mean"] * m + mu * (1 - m)
            self.params["moving_variance"][...] = self.params["moving_variance"] * m + var * (1 - m)
        else:
            mu, var, w, count = self.params["moving_mean"], self.params["moving_variance"], None, None
        inv = 1.0 / np.sqrt(var + dt.type(self.epsilon))
        xhat = (x - mu) * inv
        self._cache = (xhat, inv, w, count, axes)
        return self._affine(xhat)

    def backward(self, grad_output):
        xhat, inv, w, count, axes = self._require_cache()
        dy = np.asarray(grad_output, self.dtype)
        dxhat = self._affine_backward(dy, xhat, axes)
        if w is None:                                                      # inference: μ, σ² are constants
            return dxhat * inv
        # x̂ = (x - μ) r with r = (σ² + ε)^-1/2; μ and σ² read x through the weights w
        xc = xhat / inv                                                    # x - μ
        dvar = -0.5 * np.sum(dxhat * xc, axis=axes) * inv ** 3
        dmu = -np.sum(dxhat, axis=axes) * inv - dvar * 2 * np.sum(w * xc, axis=axes) / count
        return dxhat * inv + w * (dmu + 2 * dvar * xc) / count

    def get_config(self):
        cfg = super().get_config()
        cfg.update(axis=-1, momentum=self.momentum, epsilon=self.epsilon, center=self.center, scale=self.scale,
                   beta_initializer=initializers.serialize(self.beta_initializer),
                   gamma_initializer=initializers.serialize(self.gamma_initializer),
                   moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
                   moving_variance_initializer=initializers.serialize(self.moving_variance_initializer))
        return cfg
