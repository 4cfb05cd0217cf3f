"""Learning-rate schedules (``keras.optimizers.schedules``): the learning rate as a function
of the optimizer's step count, evaluated before each update (step = iterations so far).

    ExponentialDecay        lr(s) = lr0 · rate^(s / decay_steps)           (staircase: floor the exponent)
    InverseTimeDecay        lr(s) = lr0 / (1 + rate · s / decay_steps)     (staircase likewise)
    PiecewiseConstantDecay  lr(s) = values[i] for boundaries[i-1] < s <= boundaries[i]
    CosineDecay             warm-up (optional): lr0 -> warmup_target linearly over warmup_steps,
                            then lr(s) = top · ((1 - α) · ½(1 + cos(π · min(s, D) / D)) + α)

Keras computes them in float32; so do these (the same numbers to the last bit or so).
"""
import math

import numpy as np
from .registry import Registry

F32 = np.float32


class LearningRateSchedule:
    """Base class: ``schedule(step) -> learning rate``; ``get_config`` / ``from_config``."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self):
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _positive(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or value <= 0:
        raise ValueError(f"{what} must be > 0, received {value!r}")
    return value


class ExponentialDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.decay_rate = float(decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        p = F32(step) / F32(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return float(F32(self.initial_learning_rate) * F32(self.decay_rate) ** p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.decay_rate = float(decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        p = F32(step) / F32(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return float(F32(self.initial_learning_rate) / (F32(1) + F32(self.decay_rate) * p))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. "
                             f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                             f"values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return float(F32(v))
        return float(F32(self.values[-1]))

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.alpha = float(alpha)
        self.name = name
        self.warmup_target = None if warmup_target is None else float(warmup_target)
        self.warmup_steps = warmup_steps

    def _decay(self, step, top):
        fraction = F32(step) / F32(self.decay_steps)
        cosine = F32(0.5) * (F32(1) + np.cos(F32(math.pi) * fraction))
        return F32(top) * ((F32(1) - F32(self.alpha)) * cosine + F32(self.alpha))

    def __call__(self, step):
        step = F32(step)
        if self.warmup_target is None:
            return float(self._decay(min(step, F32(self.decay_steps)), self.initial_learning_rate))
        warmup = F32(self.warmup_steps)
        step = min(step, F32(self.decay_steps) + warmup)
        if step < warmup:
            delta = F32(self.warmup_target) - F32(self.initial_learning_rate)
            return float(delta * (step / warmup) + F32(self.initial_learning_rate))
        return float(self._decay(step - warmup, self.warmup_target))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


REGISTRY = Registry("learning-rate schedule",
                    classes=(ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, CosineDecay))


def serialize(schedule):
    return REGISTRY.serialize(schedule)


def deserialize(config):
    return REGISTRY.from_config(config)
