"""The Callback hooks (fit, evaluate and predict call every one of them), the list that calls
them, and History (what fit returns)."""

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
    """The callbacks of one fit/evaluate/predict call (History last, as Keras 3 adds it, so it
    records what the others add to the logs, e.g. "learning_rate")."""

    def __init__(self, callbacks, model, history=True):
        self.history = History() if history else None
        self.callbacks = list(callbacks) + ([self.history] if history else [])
        for cb in self.callbacks:
            cb.set_model(model)
        if history:
            model.history = self.history

    def has(self, cls):
        return any(isinstance(cb, cls) for cb in self.callbacks)

    def call(self, hook, *args):
        """Call ``hook`` on every callback with (index, logs) or (logs), as Keras does: logs is
        always passed (a dict), so user functions of two arguments work for every hook."""
        wants = 2 if ("epoch" in hook or "batch" in hook) else 1
        args = args + ({},) * (wants - len(args))
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
