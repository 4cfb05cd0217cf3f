"""Keras 2's import paths for classic scripts (``from keras.layers.core import Dense``): each
module here re-exports the layers from where they live now; ``compat/moved.py`` resolves the
old path (``lstm_np.layers.core``) to it, so no shim sits beside the real modules."""
