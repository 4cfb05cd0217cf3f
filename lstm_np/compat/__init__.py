"""Compatibility, fenced off from the rooms a learner reads: import paths that moved, and
(as the redesign goes on) Keras 2's names and arguments. ``moved.install()`` runs when
``lstm_np`` is imported, so every old import path keeps working."""
from . import moved

moved.install()
