"""Runnable demonstrations (used by the ``lstm-np`` command)."""
