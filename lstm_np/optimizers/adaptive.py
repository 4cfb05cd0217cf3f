"""Adam, AdamW, Nadam and Adamax: Keras 3's update rules (bias-corrected moment estimates)."""
import numpy as np

from .. import backend
from .base import Optimizer, _check_float


class Adam(Optimizer):
    slot_names = ("m", "v", "v_hat")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = _check_float(beta_1, "beta_1", high=1.0)
        self.beta_2 = _check_float(beta_2, "beta_2", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")
        self.amsgrad = bool(amsgrad)
        self._cached_key = None

    def _scalars(self, dt):
        """α_t = lr·sqrt(1-β2^t)/(1-β1^t) and the constants, in the parameter's precision
        (as Keras computes them), once per step and dtype."""
        key = (self.iterations, dt, self._lr_now)
        if self._cached_key != key:
            t = dt.type(self.iterations + 1)
            one = dt.type(1)
            b1t, b2t = dt.type(self.beta_1) ** t, dt.type(self.beta_2) ** t
            alpha = dt.type(self._lr_now) * np.sqrt(one - b2t) / (one - b1t)
            self._cached = (alpha, dt.type(1 - self.beta_1), dt.type(1 - self.beta_2), dt.type(self.epsilon))
            self._cached_key = key
        return self._cached

    def update_step(self, name, p, g):
        alpha, omb1, omb2, eps = self._scalars(p.dtype)
        m = self.slot("m", name, p)
        v = self.slot("v", name, p)
        if (not self.amsgrad and backend.compiled() and p.flags.c_contiguous
                and g.flags.c_contiguous and g.dtype == p.dtype):
            backend.implementation("updates").adam_update(p, g, m, v, alpha, omb1, omb2, eps)   # compiled
            return
        m += (g - m) * omb1
        v += (np.square(g) - v) * omb2
        if self.amsgrad:
            vh = self.slot("v_hat", name, p)
            np.maximum(vh, v, out=vh)
            v = vh
        p -= (m * alpha) / (np.sqrt(v) + eps)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): weight_decay defaults to 0.004."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW needs a weight_decay (a float); use Adam for none")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, **kwargs)


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat 2016), as Keras 3 computes it::

        u_t = β1 (1 - ½ 0.96^t),  u_{t+1} likewise,  Π_t = Π_{t-1} u_t
        m += (g - m)(1-β1);  v += (g² - v)(1-β2)
        m̂ = u_{t+1} m / (1 - Π_t u_{t+1}) + (1 - u_t) g / (1 - Π_t);   v̂ = v / (1 - β2^t)
        p -= lr m̂ / (sqrt(v̂) + ε)
    """

    slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = _check_float(beta_1, "beta_1", high=1.0)
        self.beta_2 = _check_float(beta_2, "beta_2", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")
        self.u_product = 1.0
        self._u_step = None

    def apply_gradients(self, pairs):
        t = self.iterations + 1                 # Π_t is updated once per step, before the updates
        self.u_product = float(np.float32(self.u_product) * np.float32(self.beta_1)
                               * (np.float32(1) - np.float32(0.5) * np.float32(0.96) ** np.float32(t)))
        super().apply_gradients(pairs)

    def update_step(self, name, p, g):
        dt = p.dtype.type
        t, t1 = dt(self.iterations + 1), dt(self.iterations + 2)
        b1, b2 = dt(self.beta_1), dt(self.beta_2)
        u_t = b1 * (dt(1) - dt(0.5) * dt(0.96) ** t)
        u_t1 = b1 * (dt(1) - dt(0.5) * dt(0.96) ** t1)
        prod = dt(self.u_product)
        m, v = self.slot("m", name, p), self.slot("v", name, p)
        m += (g - m) * (dt(1) - b1)
        v += (np.square(g) - v) * (dt(1) - b2)
        m_hat = u_t1 * m / (dt(1) - prod * u_t1) + (dt(1) - u_t) * g / (dt(1) - prod)
        v_hat = v / (dt(1) - b2 ** t)
        p -= m_hat * dt(self._lr_now) / (np.sqrt(v_hat) + dt(self.epsilon))

    def get_state(self):
        return {**super().get_state(), "u_product": np.array(self.u_product)}

    def _scalar_state(self):
        return {**super()._scalar_state(), "u_product": self.u_product}

    def set_state(self, state, params=None):
        state = dict(state)
        u = np.asarray(state.pop("u_product", 1.0))
        if u.shape != () or not np.issubdtype(u.dtype, np.number) or not np.isfinite(u):
            raise ValueError(f"optimizer Nadam: u_product must be a finite number, received {u!r}")
        super().set_state(state, params)
        self.u_product = float(u)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adamax(Optimizer):
    """Adamax (Kingma & Ba 2015, the infinity norm)::

        m += (g - m)(1-β1);   u = max(β2 u, |g|);   p -= lr m / ((1 - β1^t)(u + ε))
    """

    slot_names = ("m", "u")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = _check_float(beta_1, "beta_1", high=1.0)
        self.beta_2 = _check_float(beta_2, "beta_2", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")

    def update_step(self, name, p, g):
        dt = p.dtype.type
        b1t = dt(self.beta_1) ** dt(self.iterations + 1)
        m, u = self.slot("m", name, p), self.slot("u", name, p)
        m += (g - m) * (dt(1) - dt(self.beta_1))
        np.maximum(dt(self.beta_2) * u, np.abs(g), out=u)
        p -= dt(self._lr_now) * m / ((dt(1) - b1t) * (u + dt(self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
