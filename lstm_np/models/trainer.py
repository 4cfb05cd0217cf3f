"""The one training loop: epochs, batches, shuffling, validation, callbacks, progress, History.

Every model (``Model``, ``Sequential``, ``Seq2Seq``) trains through ``fit`` below. A model
provides these, on lists of arrays (one per input / target / sample-weight array):

    model.standardize(x, y, who, sample_weight, class_weight) -> (xs, ys, sws), checked
                                              before anything changes
    model.reset_metrics()                     start the running means (each epoch, each evaluation)
    model.train_step(xs, ys, sws, **kw)       one optimizer step -> the running logs
    model.test_step(xs, ys, sws)              no update -> the running logs
    model.predict_step(xs)                    -> list of output arrays

The logs are Keras's running means over the epoch so far: the loss weighted by batch size
(or by tokens, for Seq2Seq), each metric by what it counts (stateful metrics — AUC,
Precision, Recall — accumulate their counts).
"""
import dataclasses
import time

import numpy as np

from .. import sync
from ..callbacks import Callback, CallbackList, TerminateOnNaN
from ..utils import progress
from .batches import ArrayBatches, is_stream, make_source, n_samples, take


def check_int(value, who, what, low=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{who}: {what} must be an int >= {low}, received {value!r}")
    return int(value)


def check_batch_size(batch_size, who, default=32, model=None):
    """The batch size given, else a stateful model's fixed one, else 32 (Keras)."""
    if batch_size is None:
        fixed = getattr(model, "stateful_batch_size", lambda: None)()
        return fixed or default
    return check_int(batch_size, who, "batch_size", 1)


def check_callbacks(callbacks, who):
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"{who}: callbacks must be Callback instances, received {type(cb).__name__}")
    return callbacks


def split_validation(arrays, validation_split, who):
    """Keras takes the *last* samples of every array for validation: (train, validation)."""
    if not isinstance(validation_split, (int, float)) or not 0.0 <= validation_split < 1.0:
        raise ValueError(f"{who}: validation_split must be in [0, 1), received {validation_split!r}")
    n = n_samples([a for group in arrays for a in group], who)
    n_val = int(n * validation_split)
    if n_val == 0 or n_val == n:
        raise ValueError(f"{who}: validation_split={validation_split} leaves {n - n_val} training "
                         f"and {n_val} validation samples")
    head, tail = slice(0, n - n_val), slice(n - n_val, n)
    return [take(g, head) for g in arrays], [take(g, tail) for g in arrays]


@dataclasses.dataclass
class FitRequest:
    """``fit``'s arguments in one record: Keras's names and defaults (``Model.fit`` and
    ``Seq2Seq.fit`` fill it; ``step_kwargs`` go to every ``train_step``)."""
    batch_size: object = None
    epochs: int = 1
    verbose: object = 1
    callbacks: object = None
    validation_split: float = 0.0
    validation_data: object = None
    shuffle: bool = True
    class_weight: object = None
    sample_weight: object = None
    initial_epoch: int = 0
    steps_per_epoch: object = None
    validation_steps: object = None
    validation_batch_size: object = None
    validation_freq: object = 1
    step_kwargs: dict = dataclasses.field(default_factory=dict)
    who: str = "fit"


def fit(model, x, y, request):
    """Train ``model`` for ``request.epochs`` passes over (x, y) — arrays, a PyDataset or a
    generator (see ``models/batches.py``); returns its History. Every argument is checked
    (and x, y standardized, once) before the first step. One thread at a time trains a model
    (``sync.training``); each step holds the engine lock, so other threads' predictions run
    between steps."""
    who = request.who
    model.require_compiled(who)
    epochs = check_int(request.epochs, who, "epochs")
    initial_epoch = check_int(request.initial_epoch, who, "initial_epoch")
    if request.verbose not in (0, 1, 2, "auto"):
        raise ValueError(f"{who}: verbose must be 0, 1 or 2, received {request.verbose!r}")
    verbose = 1 if request.verbose == "auto" else request.verbose
    validate_at = _validation_epochs(request.validation_freq, who)
    with sync.training(model, who):
        source, val = _fit_sources(model, x, y, request)
        cbs = CallbackList(check_callbacks(request.callbacks, who), model)
        for cb in cbs.callbacks:
            cb.set_params({"epochs": epochs, "steps": source.steps, "verbose": verbose})
        model.stop_training = False
        cbs.call("on_train_begin")
        logs = {}
        for epoch in range(initial_epoch, epochs):
            cbs.call("on_epoch_begin", epoch)
            start = time.perf_counter()
            bar = progress_bar(verbose, source.steps, f"Epoch {epoch + 1}/{epochs}")
            logs, seen = _train_epoch(model, source, cbs, bar, request)
            if seen == 0:
                _no_batches(bar, source, epoch, who)
                break
            if val is not None and validate_at(epoch):
                logs.update(evaluate_logs(model, val, cbs, prefix="val_"))
            _report_epoch(bar, verbose, epoch, epochs, seen, time.perf_counter() - start, logs)
            cbs.call("on_epoch_end", epoch, logs)
            if model.stop_training:
                break
        cbs.call("on_train_end", logs)
        return cbs.history


def _fit_sources(model, x, y, request):
    """The training batches and the validation batches (or None) of a fit."""
    r, who = request, request.who
    if is_stream(x):
        if r.validation_split:
            raise ValueError(f"{who}: validation_split needs arrays; with a PyDataset or a generator "
                             "pass validation_data")
        source = make_source(model, x, y, who, r.batch_size, r.steps_per_epoch, r.sample_weight, r.class_weight)
        batch_size, val_part = None, None
    else:
        data = list(model.standardize(x, y, who, sample_weight=r.sample_weight, class_weight=r.class_weight))
        batch_size = check_batch_size(r.batch_size, who, model=model)
        val_part = None
        if r.validation_data is None and r.validation_split:
            data, val_part = split_validation(data, r.validation_split, who)
        source = ArrayBatches(*data, batch_size, who, r.steps_per_epoch)
    val_batch = r.validation_batch_size or batch_size
    if r.validation_data is not None:
        return source, _validation_source(model, r.validation_data, who, val_batch, r.validation_steps)
    if val_part is not None:
        return source, ArrayBatches(*val_part, val_batch, who, r.validation_steps)
    return source, None


def _train_epoch(model, source, cbs, bar, request):
    """One pass over the training batches -> (the epoch's running logs, batches done)."""
    model.reset_metrics()
    terminate_on_nan = cbs.has(TerminateOnNaN)
    logs, seen = {}, 0
    for step, (bx, by, bsw) in enumerate(source.epoch(model.rng, request.shuffle)):
        cbs.call("on_train_batch_begin", step)
        try:
            logs = model.train_step(bx, by, bsw, **request.step_kwargs)
        except FloatingPointError as exc:
            if not terminate_on_nan:
                raise
            print(f"Batch {step}: {exc}; terminating training")
            model.stop_training = True
            break
        seen += 1
        cbs.call("on_train_batch_end", step, dict(logs))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(logs, refresh=False)
        if model.stop_training:
            break
    return dict(logs), seen


def _no_batches(bar, source, epoch, who):
    if bar is not None:
        bar.close()
    if getattr(source, "exhausted", False):
        print(f"{who}: the generator ran out of data at epoch {epoch + 1}; training stops "
              "(give steps_per_epoch and a generator that repeats, as in Keras)")


def _report_epoch(bar, verbose, epoch, epochs, seen, elapsed, logs):
    """The epoch's line: the progress bar's last state (verbose=1) or Keras's one line (2)."""
    if bar is not None:
        bar.set_postfix(logs)
        bar.close()
    elif verbose == 2:
        print(f"Epoch {epoch + 1}/{epochs}\n{seen}/{seen} - {elapsed:.0f}s - "
              f"{1000 * elapsed / seen:.0f}ms/step - "
              + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))


def _validation_epochs(validation_freq, who):
    """Keras's validation_freq: every n-th epoch (an int) or the listed epochs (1-based)."""
    if isinstance(validation_freq, (list, tuple, set)):
        wanted = {check_int(v, who, "validation_freq entries", 1) for v in validation_freq}
        return lambda epoch: epoch + 1 in wanted
    freq = check_int(validation_freq, who, "validation_freq", 1)
    return lambda epoch: (epoch + 1) % freq == 0


def _validation_source(model, validation_data, who, batch_size, validation_steps):
    what = who + " validation_data"
    if is_stream(validation_data):
        return make_source(model, validation_data, None, what, None, validation_steps)
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError(f"{who}: validation_data must be (x_val, y_val), (x_val, y_val, sample_weight), "
                         "a PyDataset or a generator")
    return make_source(model, validation_data[0], validation_data[1], what, batch_size or 32,
                       sample_weight=validation_data[2] if len(validation_data) == 3 else None)


def progress_bar(verbose, steps, desc):
    if verbose != 1:
        return None
    return progress.progress_bar(steps, desc, "batch")


def evaluate_logs(model, source, cbs=None, prefix=""):
    """Loss and metrics over a batch source, without updates."""
    model.reset_metrics()
    logs = {}
    if cbs is not None:
        cbs.call("on_test_begin")
    for k, (bx, by, bsw) in enumerate(source.epoch(None, False)):
        if cbs is not None:
            cbs.call("on_test_batch_begin", k)
        logs = model.test_step(bx, by, bsw)
        if cbs is not None:
            cbs.call("on_test_batch_end", k, dict(logs))
    logs = dict(logs)
    if cbs is not None:
        cbs.call("on_test_end", logs)
    return {prefix + k: v for k, v in logs.items()}


def evaluate(model, x, y, batch_size=None, verbose=0, callbacks=None, return_dict=False, sample_weight=None,
             who="evaluate", steps=None):
    """Loss (and metrics): a float, or [loss, metric, ...] as Keras, or a dict."""
    if not is_stream(x):
        batch_size = check_batch_size(batch_size, who, model=model)
    source = make_source(model, x, y, who, batch_size, steps, sample_weight)
    cbs = CallbackList(check_callbacks(callbacks, who), model, history=False)
    sync.check_not_training(model, who)
    with sync.engine():                           # the running metrics are the model's: one evaluation at a time
        logs = evaluate_logs(model, source, cbs)
    if verbose:
        print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
    return as_result(logs, return_dict)


def as_result(logs, return_dict):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size=None, verbose=0, callbacks=None, who="predict", steps=None):
    """Outputs for x (arrays, a PyDataset or a generator; batches may carry targets, which are
    ignored), in inference mode: an array, or a list for several outputs."""
    if not is_stream(x):
        batch_size = check_batch_size(batch_size, who, model=model)
    source = make_source(model, x, None, who, batch_size, steps, inputs_only=True)
    cbs = CallbackList(check_callbacks(callbacks, who), model, history=False)
    cbs.call("on_predict_begin")
    outs = []
    for k, (bx, _, _) in enumerate(source.epoch(None, False)):
        cbs.call("on_predict_batch_begin", k)
        batch = model.predict_step(bx)
        outs.append(batch)
        cbs.call("on_predict_batch_end", k, {"outputs": batch})
    cbs.call("on_predict_end")
    if not outs:
        raise ValueError(f"{who}: the input yielded no batches")
    joined = [np.concatenate([o[i] for o in outs], axis=0) for i in range(len(outs[0]))]
    return joined[0] if len(joined) == 1 else joined
