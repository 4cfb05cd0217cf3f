"""Callbacks with Keras 3's names, arguments and rules: the Callback hooks (fit, evaluate and
predict call every one of them), History (returned by fit), EarlyStopping, ModelCheckpoint,
ReduceLROnPlateau, LearningRateScheduler, CSVLogger, LambdaCallback, TerminateOnNaN."""
from .base import HOOKS, Callback, CallbackList, History  # noqa: F401  (HOOKS: the hook names)
from .monitor import MonitorCallback, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau
from .scheduling import LearningRateScheduler, CSVLogger, LambdaCallback, ProgbarLogger, TerminateOnNaN

__all__ = ['Callback', 'CallbackList', 'History', 'MonitorCallback', 'EarlyStopping', 'ModelCheckpoint', 'ReduceLROnPlateau', 'LearningRateScheduler', 'CSVLogger', 'LambdaCallback', 'ProgbarLogger', 'TerminateOnNaN']
