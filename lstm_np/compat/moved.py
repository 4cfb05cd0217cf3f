"""Import paths that moved: the old name resolves to the module that lives on under the new one
(the same object, so ``lstm_np.core.kernels.lstm is lstm_np.fast.lstm``).

    lstm_np.core.kernels[.x]    ->  lstm_np.fast[.x]       the compiled kernels left core/, which is
    lstm_np.core.threads        ->  lstm_np.fast.threads    the maths only: core/ holds the NumPy
    lstm_np.core.openblas       ->  lstm_np.fast.openblas   reference, fast/ what makes it fast
    lstm_np.core.inference      ->  lstm_np.fast.inference
    lstm_np.layers.core, .merge, .embeddings, .advanced_activations, .convolutional
                                ->  lstm_np.compat.keras2.layers_*   (Keras 2's paths)
    lstm_np.layers.pooling, .normalization, .noise, .conv_lstm
                                ->  lstm_np.layers.extras.*   (beyond the recurrent family)
"""
import importlib
import importlib.abc
import importlib.util
import sys

MOVED = {                    # old prefix -> new prefix (a prefix also maps its submodules)
    "lstm_np.core.kernels": "lstm_np.fast",
    "lstm_np.core.threads": "lstm_np.fast.threads",
    "lstm_np.core.openblas": "lstm_np.fast.openblas",
    "lstm_np.core.inference": "lstm_np.fast.inference",
    # Keras 2's layer modules, fenced off (their names sat beside layers/core_layers.py, merging.py, ...)
    "lstm_np.layers.core": "lstm_np.compat.keras2.layers_core",
    "lstm_np.layers.merge": "lstm_np.compat.keras2.layers_merge",
    "lstm_np.layers.embeddings": "lstm_np.compat.keras2.layers_embeddings",
    "lstm_np.layers.advanced_activations": "lstm_np.compat.keras2.layers_advanced_activations",
    "lstm_np.layers.convolutional": "lstm_np.compat.keras2.layers_convolutional",
    # Keras's module path keras.optimizers.schedules (the schedules live in lstm_np/schedules.py)
    "lstm_np.optimizers.schedules": "lstm_np.schedules",
    # the layers beyond the recurrent family, in their own sub-package
    "lstm_np.layers.pooling": "lstm_np.layers.extras.pooling",
    "lstm_np.layers.normalization": "lstm_np.layers.extras.normalization",
    "lstm_np.layers.noise": "lstm_np.layers.extras.noise",
    "lstm_np.layers.conv_lstm": "lstm_np.layers.extras.conv_lstm",
}


_OWN_SPECS = {}


def new_name(fullname):
    for old, new in MOVED.items():
        if fullname == old or fullname.startswith(old + "."):
            return new + fullname[len(old):]
    return None


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        target_name = new_name(fullname)
        if target_name is None or importlib.util.find_spec(target_name) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(new_name(spec.name))
        _OWN_SPECS[module.__name__] = module.__spec__
        return module

    def exec_module(self, module):
        # the import machinery set the alias's spec on the module: give it its own back (it ran
        # under its new name)
        module.__spec__ = _OWN_SPECS[module.__name__]


def install():
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias())      # before the path finder: it would load the file again
