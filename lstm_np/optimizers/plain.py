"""SGD (with momentum, Nesterov), RMSprop, Adagrad and Adadelta: Keras 3's update rules."""
import numpy as np

from .base import Optimizer, _check_float


class SGD(Optimizer):
    slot_names = ("momentum",)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = _check_float(momentum, "momentum", high=1.0)
        self.nesterov = bool(nesterov)

    def update_step(self, name, p, g):
        lr = self._lr_now
        if self.momentum == 0:
            p -= g * lr
            return
        m = self.slot("momentum", name, p)
        m[...] = m * self.momentum - g * lr
        if self.nesterov:
            p += m * self.momentum - g * lr
        else:
            p += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    slot_names = ("velocity", "momentum", "average_gradient")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = _check_float(rho, "rho", high=1.0)
        self.momentum = _check_float(momentum, "momentum", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")
        self.centered = bool(centered)

    def update_step(self, name, p, g):
        rho, lr = self.rho, self._lr_now
        v = self.slot("velocity", name, p)
        v[...] = rho * v + (1 - rho) * np.square(g)
        if self.centered:
            a = self.slot("average_gradient", name, p)
            a[...] = rho * a + (1 - rho) * g
            denominator = v - np.square(a) + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = lr * g / np.sqrt(denominator)
        if self.momentum > 0:
            m = self.slot("momentum", name, p)
            m[...] = self.momentum * m + increment
            p -= m
        else:
            p -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = _check_float(initial_accumulator_value,
                                                      "initial_accumulator_value")
        self.epsilon = _check_float(epsilon, "epsilon")

    def update_step(self, name, p, g):
        a = self.slot("accumulator", name, p, self.initial_accumulator_value)
        a += np.square(g)
        p -= self._lr_now * g / np.sqrt(a + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012)::

        a = ρ a + (1-ρ) g²;   Δ = -sqrt(d + ε) g / sqrt(a + ε);   d = ρ d + (1-ρ) Δ²;   p += lr Δ
    """

    slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = _check_float(rho, "rho", high=1.0)
        self.epsilon = _check_float(epsilon, "epsilon")

    def update_step(self, name, p, g):
        dt = p.dtype.type
        rho, eps = dt(self.rho), dt(self.epsilon)
        a, d = self.slot("accumulated_grad", name, p), self.slot("accumulated_delta_var", name, p)
        a[...] = rho * a + (dt(1) - rho) * np.square(g)
        delta = -(np.sqrt(d + eps) * g) / np.sqrt(a + eps)
        d[...] = rho * d + (dt(1) - rho) * np.square(delta)
        p += dt(self._lr_now) * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
