"""Callbacks in Keras's shape: the Callback hooks, History (returned by fit), EarlyStopping,
ModelCheckpoint, TerminateOnNaN. ``fit``/``evaluate``/``predict`` call every hook."""

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end")


class Callback:
    """Override any of these hooks; ``self.model`` is set by ``fit``."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass


class CallbackList:
    """The callbacks of one fit/evaluate/predict call (History first, for fit)."""

    def __init__(self, callbacks, model, history=True):
        self.history = History() if history else None
        self.callbacks = ([self.history] if history else []) + list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
        if history:
            model.history = self.history

    def has(self, cls):
        return any(isinstance(cb, cls) for cb in self.callbacks)

    def call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)


class History(Callback):
    """``history.history`` maps "loss", "acc", "val_loss", ... to per-epoch lists."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


def _better(mode, monitor):
    if mode == "auto":
        mode = "max" if ("acc" in monitor or monitor.startswith("fmeasure")) else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', received {mode!r}")
    return mode


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs;
    with ``restore_best_weights`` the best epoch's weights come back at the end."""

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be a non-negative int, received {patience!r}")
        self.patience = patience
        self.verbose = verbose
        self.mode = _better(mode, monitor)
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = float("inf") if self.mode == "min" else -float("inf")
        self.best_weights = None
        self.best_epoch = 0

    def _improved(self, value, reference):
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which fit did not log; "
                             f"available: {sorted(logs)}")
        if epoch < self.start_from_epoch:
            return
        value = float(logs[self.monitor])
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch:
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (``model.save``, atomic) after each epoch, or only when ``monitor``
    improves with ``save_best_only``. ``filepath`` may hold ``{epoch}`` and log keys,
    e.g. ``"ckpt-{epoch:02d}-{val_loss:.3f}.npz"``."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, mode="auto"):
        super().__init__()
        self.filepath = str(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.mode = _better(mode, monitor)
        self.best = float("inf") if self.mode == "min" else -float("inf")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            if self.monitor not in logs:
                raise ValueError(f"ModelCheckpoint monitors {self.monitor!r}, which fit did not log; "
                                 f"available: {sorted(logs)}")
            value = float(logs[self.monitor])
            better = value < self.best if self.mode == "min" else value > self.best
            if not better:
                return
            self.best = value
        self.model.save(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved {path}")


class TerminateOnNaN(Callback):
    """With this callback, a NaN/inf loss or gradient ends training quietly (weights at their
    last finite values) instead of raising FloatingPointError."""
