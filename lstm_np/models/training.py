"""What a Model (functional or Sequential) adds for training: compile, the three steps the
trainer calls (inputs are checked in data_checks.py; weights, summary and files in
model_state.py).

One training step::

    outputs = graph.run(xs, training=True)                   every Node keeps its record
    loss = Σ_k w_k · loss_k(y_k, output_k)                  masked steps left out, as Keras
    d loss / d output_k = w_k · loss_k.grad
    graph.backprop(d outputs)                               raw gradients in layer.grads
    optimizer.apply_gradients(trainable (name, param, grad))  clipping + update
"""
import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from .. import sync
from ..fast.inference import inference_mode
from ..errors import NonFiniteError
from . import trainer
from .data_checks import DataChecks
from .model_state import ModelStateMixin


def _is_loss(obj):
    return isinstance(obj, losses_mod.Loss) or obj in losses_mod.REGISTRY


def _is_optimizer(obj):
    return isinstance(obj, optimizers_mod.Optimizer) or obj in optimizers_mod.REGISTRY


def _finite_checker():
    """np.all(np.isfinite(g)), or its compiled one-pass twin (``backend.IMPLEMENTATIONS``)."""
    from .. import backend
    return backend.implementation("updates").all_finite


def _per_output(value, names, what, default):
    """A single value, a list (one per output) or a dict (by output name) -> a list."""
    n = len(names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"compile: {what} names unknown outputs {unknown}; the outputs are {names}")
        return [value.get(name, default) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"compile: {what} is a list of {len(value)} for a model with {n} outputs {names}")
        return list(value)
    return [value] * n


def _weights_like(sw, mask):
    """A sample weight (B,) or (B, T) broadcast to a mask's shape."""
    w = np.asarray(sw, np.float64)
    while w.ndim < mask.ndim:
        w = w[..., None]
    return np.broadcast_to(w, mask.shape)


class TrainingMixin(ModelStateMixin, DataChecks):
    """compile / fit / evaluate / predict for a model with a ``graph`` (see functional.py)."""

    def _init_training(self, seed=None):
        self.loss = None                 # the loss of the single output (Keras's model.loss)
        self.losses_per_output = None
        self.optimizer = None
        self._compile_request = None     # what compile was given, bound to the outputs once built
        self.metric_fns = []
        self.stop_training = False
        self.history = None
        self._output_masks = None

    # -- compile ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                **kwargs):
        """Choose the optimizer, the loss(es) and the metrics (Keras strings or objects).

        Several outputs: ``loss`` may be one loss for all, a list (one per output) or a dict by
        output name; ``loss_weights`` and ``metrics`` likewise. Keras's argument order
        ``compile('adam', 'mse')`` and the swapped ``compile('mse', 'adam')`` both work.
        (run_eagerly, steps_per_execution, jit_compile are accepted and have nothing to do here.)"""
        if kwargs:
            raise TypeError(f"compile got unexpected arguments {sorted(kwargs)}")
        if _is_loss(optimizer) and (loss is None or _is_optimizer(loss)):
            optimizer, loss = ("rmsprop" if loss is None else loss), optimizer
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='binary_crossentropy'")
        if not isinstance(loss, (list, tuple, dict)):
            losses_mod.get(loss)                   # a wrong name fails here, built or not
        before = (self.optimizer, self._compile_request, self.losses_per_output)
        self.optimizer = optimizers_mod.get(optimizer)
        self._compile_request = (loss, metrics, loss_weights, weighted_metrics)
        self.losses_per_output = None
        if getattr(self, "graph", None) is not None:
            try:
                self._bind_compile()
            except Exception:                      # a failed compile leaves the model as it was
                self.optimizer, self._compile_request, self.losses_per_output = before
                raise
        # else: a model without its graph yet (Sequential with no input shape, a subclassed
        # Model) binds the losses and metrics to its outputs when the graph is built

    def _bind_compile(self):
        """compile's per-output part: the losses, loss weights and metrics of each output."""
        loss, metrics, loss_weights, weighted_metrics = self._compile_request
        names = self.output_names
        loss_objs = [None if l is None else losses_mod.get(l) for l in _per_output(loss, names, "loss", None)]
        if all(l is None for l in loss_objs):
            raise ValueError("compile needs a loss for at least one output")
        weights = [float(w) for w in _per_output(1.0 if loss_weights is None else loss_weights, names,
                                                  "loss_weights", 0.0)]
        per_out = self._metrics_per_output(metrics, names, "metrics")
        weighted_out = self._metrics_per_output(weighted_metrics, names, "weighted_metrics")
        fns = []                                   # (log key, output index, Metric, weighted?)
        for k, (ms, wms, lobj) in enumerate(zip(per_out, weighted_out, loss_objs)):
            for m, weighted in [(m, False) for m in ms] + [(m, True) for m in wms]:
                metric = metrics_mod.get(m, lobj.name if lobj is not None else None)
                key = metric.name if len(names) == 1 else f"{names[k]}_{metric.name}"
                if weighted and any(f[0] == key for f in fns):
                    key = key.replace(metric.name, "weighted_" + metric.name)
                fns.append((key, k, metric, weighted))
        self.losses_per_output, self.loss_weights = loss_objs, weights
        self.loss = loss_objs[0] if len(names) == 1 else loss_objs
        self.metric_fns = fns
        self._loss_trackers = {"loss": metrics_mod.Mean("loss")}
        if len(names) > 1:
            self._loss_trackers.update({f"{n}_loss": metrics_mod.Mean(f"{n}_loss")
                                        for n, l in zip(names, loss_objs) if l is not None})
        self._compile_args = {"loss": loss_objs, "loss_weights": weights, "metrics": per_out,
                              "weighted_metrics": weighted_out}

    @staticmethod
    def _metrics_per_output(metrics, names, what):
        """compile's metrics argument -> one list per output (Keras's accepted forms)."""
        if isinstance(metrics, str):
            raise TypeError(f"{what} must be a list, e.g. ['acc'], received {metrics!r}")
        if metrics is None:
            per_out = [[] for _ in names]
        elif isinstance(metrics, dict):
            per_out = _per_output(metrics, names, what, [])
        elif len(names) == 1:
            per_out = [list(metrics)]
        else:
            per_out = _per_output(list(metrics), names, what, [])
        return [[m] if isinstance(m, (str, metrics_mod.Metric)) or callable(m) and not isinstance(m, type)
                else list(m or []) for m in per_out]

    def get_compile_config(self):
        """What ``compile`` was given (serialised), or None before compile."""
        if self.optimizer is None or getattr(self, "_compile_args", None) is None:
            return None
        args = self._compile_args
        return {"loss": [None if l is None else losses_mod.serialize(l) for l in args["loss"]],
                "loss_weights": args["loss_weights"],
                "metrics": [[metrics_mod.serialize(m) for m in ms] for ms in args["metrics"]],
                "weighted_metrics": [[metrics_mod.serialize(m) for m in ms] for ms in args["weighted_metrics"]],
                "optimizer": optimizers_mod.serialize(self.optimizer)}

    def compile_from_config(self, config):
        loss = config["loss"]
        loss = [None if l is None else losses_mod.get(l) for l in loss] if isinstance(loss, list) \
            else losses_mod.get(loss)
        def by_output(metrics):
            metrics = [[metrics_mod.deserialize(m) for m in ms] if isinstance(ms, list) else ms
                       for ms in metrics or []]
            if metrics and all(isinstance(m, list) for m in metrics) and len(metrics) == len(self.output_names):
                metrics = dict(zip(self.output_names, metrics))
            return metrics
        self.compile(optimizer=optimizers_mod.get(config["optimizer"]), loss=loss,
                     metrics=by_output(config.get("metrics")), loss_weights=config.get("loss_weights"),
                     weighted_metrics=by_output(config.get("weighted_metrics")))

    def require_compiled(self, who):
        if self.optimizer is None or self._compile_request is None:
            raise ValueError(f"{who}: call compile(loss=..., optimizer=...) first")

    # -- steps --------------------------------------------------------------------------------
    def _loss_mask(self, k, y_pred):
        m = None if self._output_masks is None else self._output_masks[k]
        if m is not None and np.shape(m) == y_pred.shape[:-1]:
            return m
        return None

    def _losses(self, ys, outs, with_grads, sws=None):
        """Total loss, per-output losses and d loss / d outputs (Keras 3's reduction: the
        weighted per-sample losses summed over the batch's entries, divided by their number;
        a mask's padded steps weigh 0 and the valid ones total/valid)."""
        total, per, grads = 0.0, [], []
        for k, (loss, w) in enumerate(zip(self.losses_per_output, self.loss_weights)):
            if loss is None or ys[k] is None:
                per.append(None)
                grads.append(None)
                continue
            mask = self._loss_mask(k, outs[k])
            sw = None if sws is None else sws[k]
            if with_grads:
                v, g = loss.value_and_grad(ys[k], outs[k], sample_weight=sw, mask=mask)
                grads.append(g if w == 1.0 else g * g.dtype.type(w))
            else:
                v = loss(ys[k], outs[k], sample_weight=sw, mask=mask)
            per.append(v)
            total += w * v
        return total, per, grads

    def reset_metrics(self):
        for tracker in getattr(self, "_loss_trackers", {}).values():
            tracker.reset_state()
        for _, _, metric, _ in self.metric_fns:
            metric.reset_state()

    def _update_metrics(self, total, per, ys, outs, sws, n):
        """Add this batch to the running logs; returns them."""
        self._loss_trackers["loss"].update_state(total, n)
        for name, v in zip(self.output_names, per):
            if v is not None and f"{name}_loss" in self._loss_trackers:
                self._loss_trackers[f"{name}_loss"].update_state(v, n)
        for _, k, metric, weighted in self.metric_fns:
            mask = self._loss_mask(k, outs[k])
            sw = None if not (sws and weighted) else sws[k]      # as Keras 3: only weighted_metrics
            if mask is not None:
                sw = mask.astype(np.float64) if sw is None else _weights_like(sw, mask) * mask
            metric.update_state(ys[k], outs[k], sample_weight=sw)
        return self.metric_logs()

    @property
    def metrics_names(self):
        """The names of what ``evaluate`` returns, in its order — Keras 2's ``model.metrics_names``
        (``scores = model.evaluate(x, y); print(model.metrics_names[1], scores[1])``); Keras 3
        answers ['loss', 'compile_metrics'] there, which such scripts cannot use."""
        if getattr(self, "_loss_trackers", None) is None:
            return []
        return list(self._loss_trackers) + [key for key, _, _, _ in self.metric_fns]

    def metric_logs(self):
        logs = {key: t.result() for key, t in self._loss_trackers.items()}
        logs.update({key: metric.result() for key, _, metric, _ in self.metric_fns})
        return logs

    def _run_graph(self, xs, training):
        outs, self._output_masks, records = self.graph.run(xs, training, 0)
        return outs, records

    def regularization_loss(self, entries=None):
        """Σ r(w) over the regularized trainable weights (each counted once)."""
        return sum(reg(p) for p, _, reg in (self.regularized_entries() if entries is None else entries))

    def _objective(self, ys, outs, sws, with_grads, entries=None):
        """What training minimises: Σ_k w_k loss_k + activity penalties (from the run just made)
        + weight penalties. Returns (total, per-output losses, d total / d outputs)."""
        total, per, grads = self._losses(ys, outs, with_grads=with_grads, sws=sws)
        return total + self.graph.activity_loss + self.regularization_loss(entries), per, grads

    def _backprop(self, records, grads, entries=None):
        """Gradients of the objective: the graph's, plus each weight penalty's r'(w)."""
        dxs = self.graph.backprop(records, grads)
        for p, g, reg in (self.regularized_entries() if entries is None else entries):
            g += reg.gradient(p)
        return dxs

    def apply_constraints(self):
        for p, constraint in self.constrained_entries():
            p[...] = constraint(p)

    @sync.serialized
    def train_step(self, xs, ys, sws=None):
        outs, records = self._run_graph(xs, training=True)
        entries = self.regularized_entries()                    # walked once per step
        total, per, grads = self._objective(ys, outs, sws, with_grads=True, entries=entries)
        if not np.isfinite(total):
            raise NonFiniteError(f"the loss became {total} at iteration {self.optimizer.iterations}; "
                                 "weights are left at their last finite values")
        self._backprop(records, grads, entries)
        params = self.parameters()
        finite = _finite_checker()
        for name, _, g in params:
            if not finite(g):
                raise NonFiniteError(f"the gradient of {name} is not finite at iteration "
                                     f"{self.optimizer.iterations}; weights left unchanged")
        self.optimizer.guarded_apply(params, finite, after=self.apply_constraints)
        return self._update_metrics(total, per, ys, outs, sws, len(xs[0]))

    @sync.serialized
    def test_step(self, xs, ys, sws=None):
        outs, _ = self._run_graph(xs, training=False)
        total, per, _ = self._objective(ys, outs, sws, with_grads=False)
        return self._update_metrics(total, per, ys, outs, sws, len(xs[0]))

    @sync.serialized
    def predict_step(self, xs):
        with inference_mode():                                  # no backward follows
            return self._run_graph(xs, training=False)[0]

    # -- the Keras methods --------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over (x, y) in mini-batches — or over the batches of a
        ``utils.PyDataset`` or a generator (``steps_per_epoch``); returns a History."""
        request = {k: v for k, v in locals().items() if k not in ("self", "x", "y")}
        return trainer.fit(self, x, y, trainer.FitRequest(**request))

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss (and metrics) on (x, y): a float, or [loss, metric, ...] as Keras."""
        self.require_compiled("evaluate")
        return trainer.evaluate(self, x, y, batch_size, verbose, callbacks, return_dict,
                                sample_weight=sample_weight, steps=steps)

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """Outputs for x (arrays, a PyDataset or a generator), in batches of ``batch_size``
        (default 32), in inference mode."""
        return trainer.predict(self, x, batch_size, verbose, callbacks, steps=steps)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on exactly this batch; returns the loss (and metrics)."""
        who = "train_on_batch"
        self.require_compiled(who)
        sync.check_not_training(self, who)
        xs, ys, sws = self.standardize(x, y, who, sample_weight=sample_weight, class_weight=class_weight)
        self.reset_metrics()
        return trainer.as_result(self.train_step(xs, ys, sws), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        who = "test_on_batch"
        self.require_compiled(who)
        sync.check_not_training(self, who)
        xs, ys, sws = self.standardize(x, y, who, sample_weight=sample_weight)
        self.reset_metrics()
        return trainer.as_result(self.test_step(xs, ys, sws), return_dict)

    def predict_on_batch(self, x):
        xs, _, _ = self.standardize(x, None, "predict_on_batch")
        outs = self.predict_step(xs)
        return outs[0] if len(outs) == 1 else outs
