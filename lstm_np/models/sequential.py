"""Sequential: a stack of layers with Keras's compile / fit / evaluate / predict.

One training step::

    y_pred = layer_n(... layer_1(x))                  forward, caches kept by the layers
    loss, dy = loss.value_and_grad(y, y_pred)         d loss / d y_pred
    for layer in reversed(layers): dy = layer.backward(dy)   raw gradients in layer.grads
    optimizer.apply_gradients(trainable (name, param, grad))  clipping + update
"""
import sys
import time

import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from ..errors import NonFiniteError
from ..callbacks import Callback, History, TerminateOnNaN
from ..layers.base import Layer, unique_name
from ..layers.core_layers import InputLayer
from .validation import check_batch_size, check_x, check_y


def _is_loss(obj):
    return isinstance(obj, losses_mod.Loss) or (isinstance(obj, str) and obj in losses_mod._BY_NAME)


def _is_optimizer(obj):
    return isinstance(obj, optimizers_mod.Optimizer) or (
        isinstance(obj, str) and obj.lower() in optimizers_mod._BY_NAME)


def _finite_checker():
    """np.all(np.isfinite(g)), or its compiled one-pass twin on the numba backend."""
    from .. import backend
    if backend.get_backend() == "numba":
        from ..core.kernels.optim import all_finite
        return all_finite
    return lambda g: bool(np.all(np.isfinite(g)))


class Sequential:
    """A linear stack of layers. ``Sequential([Input((10, 1)), LSTM(20), Dense(1)])``."""

    def __init__(self, layers=None, name=None, seed=None):
        self.name = name or unique_name("sequential")
        self.layers = []
        self._input_layer = None
        self.input_shape = None        # (None, ...) once known
        self.built = False
        self.loss = None
        self.optimizer = None
        self.metric_fns = []
        self.stop_training = False
        self.rng = np.random.default_rng(seed)   # shuffling and validation split
        self._output_mask = None
        for layer in layers or []:
            self.add(layer)

    # -- structure -----------------------------------------------------------------------
    def add(self, layer):
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a layer, received {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self.layers or self._input_layer is not None:
                raise ValueError("an Input can only open a Sequential model")
            self._input_layer = layer
            self._build((None,) + layer.input_shape_arg)
            return
        if any(layer is other for other in self.layers):
            raise ValueError(f"layer {layer.name!r} is already in the model")
        self.layers.append(layer)
        if len(self.layers) == 1 and self._input_layer is None:
            if layer.input_shape_arg is not None:
                self._build((None,) + layer.input_shape_arg)
        elif self.built:
            self._build(self.input_shape)

    def pop(self):
        layer = self.layers.pop()
        return layer

    def _build(self, input_shape):
        """Build every layer by propagating the shape (None, ...) through them."""
        shape = tuple(input_shape)
        for layer in self.layers:
            if not layer.built or layer.input_shape is None:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)
            if isinstance(shape, list):
                raise ValueError(f"layer {layer.name!r} returns several tensors "
                                 "(return_state=True); a Sequential model needs one output per layer")
        self.input_shape = tuple(input_shape)
        self.built = True

    def build(self, input_shape=None):
        if input_shape is not None:
            self._build(input_shape)
        elif not self.built:
            raise ValueError(f"model {self.name!r} has no input shape: pass input_shape to its "
                             "first layer, start it with Input(shape), or call build(input_shape)")

    def _layer_shapes(self, input_shape):
        shapes, shape = [], tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
            shapes.append(shape)
        return shapes

    def output_shape_for(self, x_shape):
        """The model output's shape for an input of shape ``x_shape``."""
        if not self.built:
            self._build((None,) + tuple(x_shape[1:]))
        return self._layer_shapes(tuple(x_shape))[-1]

    @property
    def output_shape(self):
        return self._layer_shapes(self.input_shape)[-1] if self.built else None

    # -- weights -------------------------------------------------------------------------
    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self):
        self.build()
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        """Weights in Keras order; count and every shape are checked before anything changes."""
        self.build()
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"set_weights expects a list of arrays, received {type(weights).__name__}")
        expected = [w.shape for w in self.get_weights()]
        if len(weights) != len(expected):
            raise ValueError(f"model {self.name!r} expects {len(expected)} weight arrays, "
                             f"received {len(weights)}")
        for i, (w, shape) in enumerate(zip(weights, expected)):
            got = np.shape(w)
            if got != shape:
                raise ValueError(f"weight {i} of model {self.name!r} expects shape {shape}, "
                                 f"received {got}")
            arr = np.asarray(w)
            if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
                raise ValueError(f"weight {i} of model {self.name!r} must be finite numbers")
        i = 0
        for layer in self.layers:
            n = len(layer.get_weights())
            layer.set_weights(list(weights[i:i + n]))
            i += n

    def parameters(self, trainable_only=True):
        """(name, param, grad) for every parameter, as the optimizer and gradcheck see them."""
        return [(f"{layer.name}/{key}", p, g) for layer in self.layers
                for key, p, g, trainable in layer.weight_entries() if trainable or not trainable_only]

    def random_generators(self):
        """Every generator of the model: shuffling, then each layer's (inner layers included)."""
        return [self.rng] + [g for layer in self.layers for g in layer.random_generators()]

    # -- summary -------------------------------------------------------------------------
    def summary(self, print_fn=None):
        """Print a Keras-style table: layer (type), output shape, param #, and the totals."""
        self.build()
        print_fn = print_fn or print
        shapes = self._layer_shapes(self.input_shape)
        rows = [(f"{l.name} ({type(l).__name__})", str(s), f"{l.count_params():,}")
                for l, s in zip(self.layers, shapes)]
        w0 = max([len("Layer (type)")] + [len(r[0]) for r in rows]) + 2
        w1 = max([len("Output Shape")] + [len(r[1]) for r in rows]) + 2
        w2 = max([len("Param #")] + [len(r[2]) for r in rows])
        width = w0 + w1 + w2 + 1
        total = self.count_params()
        trainable = sum(l.count_trainable_params() for l in self.layers)
        lines = [f'Model: "{self.name}"', "_" * width,
                 f" {'Layer (type)':<{w0}}{'Output Shape':<{w1}}{'Param #':>{w2}}", "=" * width]
        for i, (a, b, c) in enumerate(rows):
            lines.append(f" {a:<{w0}}{b:<{w1}}{c:>{w2}}")
            lines.append("_" * width if i < len(rows) - 1 else "=" * width)
        lines += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", "_" * width]
        text = "\n".join(lines)
        for line in lines:
            print_fn(line)
        return text

    # -- running -------------------------------------------------------------------------
    def forward(self, x, training=False):
        """Run every layer; remembers the output mask (for losses and metrics)."""
        mask = None
        for layer in self.layers:
            x = layer.forward(x, training=training, mask=mask)
            mask = layer.compute_mask(mask)
        self._output_mask = mask
        return x

    def backward(self, grad_output):
        """Backpropagate d loss / d output; fills every layer's grads; returns d loss / d x."""
        g = grad_output
        for layer in reversed(self.layers):
            g = layer.backward(g)
        return g

    def __call__(self, x, training=False):
        return self.forward(x, training=training)

    # -- training ------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer, the loss and the metrics (Keras strings or objects).

        Keras's argument order: ``model.compile('adam', 'binary_crossentropy', metrics=['acc'])``.
        The two are told apart by what they are, so ``compile('mse', 'adam')`` works too."""
        if _is_loss(optimizer) and (loss is None or _is_optimizer(loss)):
            optimizer, loss = ("rmsprop" if loss is None else loss), optimizer
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='binary_crossentropy'")
        loss_obj = losses_mod.get(loss)
        opt = optimizers_mod.get(optimizer)
        if metrics is None:
            metrics = []
        if isinstance(metrics, str):
            raise TypeError(f"metrics must be a list, e.g. ['acc'], received {metrics!r}")
        fns = [metrics_mod.get(m, loss_obj.name) for m in metrics]
        self.loss, self.optimizer, self.metric_fns = loss_obj, opt, fns
        self._compile_args = {"loss": losses_mod.serialize(loss_obj),
                              "metrics": [m for m in metrics]}

    def _require_compiled(self, who):
        if self.loss is None:
            raise ValueError(f"{who}: call compile(loss=..., optimizer=...) first")

    def _loss_mask(self, y_pred):
        m = self._output_mask
        if m is not None and m.shape == y_pred.shape[:-1]:
            return m
        return None

    def _metric_sums(self, y, y_pred, mask):
        """Sum and count of each metric's per-sample values (masked steps left out)."""
        out = []
        for _, fn in self.metric_fns:
            v = fn(y, y_pred)
            if mask is not None:
                out.append((float(np.sum(v * mask)), float(mask.sum())))
            else:
                out.append((float(np.sum(v)), float(v.size)))
        return out

    def _train_step(self, xb, yb):
        y_pred = self.forward(xb, training=True)
        mask = self._loss_mask(y_pred)
        loss, dy = self.loss.value_and_grad(yb, y_pred, mask=mask)
        if not np.isfinite(loss):
            raise NonFiniteError(f"the loss became {loss} at iteration {self.optimizer.iterations}; "
                                     "weights are left at their last finite values")
        self.backward(dy)
        params = self.parameters()
        finite = _finite_checker()
        for name, _, g in params:
            if not finite(g):
                raise NonFiniteError(f"the gradient of {name} is not finite at iteration "
                                         f"{self.optimizer.iterations}; weights left unchanged")
        self.optimizer.apply_gradients(params)
        return loss, self._metric_sums(yb, y_pred, mask)

    def _test_step(self, xb, yb):
        y_pred = self.forward(xb, training=False)
        mask = self._loss_mask(y_pred)
        loss = self.loss(yb, y_pred, mask=mask)
        return loss, self._metric_sums(yb, y_pred, mask)

    def _logs(self, loss_sum, n, metric_sums, prefix=""):
        logs = {prefix + "loss": loss_sum / n}
        for (key, _), (s, c) in zip(self.metric_fns, metric_sums):
            logs[prefix + key] = s / c if c else 0.0
        return logs

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0):
        """Train for ``epochs`` passes over (x, y) in mini-batches; returns a History."""
        who = "fit"
        self._require_compiled(who)
        x = check_x(self, x, who)
        y = check_y(self, x, y, who)
        batch_size = check_batch_size(batch_size, who)
        for v, what in ((epochs, "epochs"), (initial_epoch, "initial_epoch")):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"{who}: {what} must be a non-negative int, received {v!r}")
        if verbose not in (0, 1, 2, "auto"):
            raise ValueError(f"{who}: verbose must be 0, 1 or 2, received {verbose!r}")
        verbose = 1 if verbose == "auto" else verbose
        if not isinstance(validation_split, (int, float)) or not 0.0 <= validation_split < 1.0:
            raise ValueError(f"{who}: validation_split must be in [0, 1), received {validation_split!r}")
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
                raise ValueError(f"{who}: validation_data must be (x_val, y_val)")
            vx = check_x(self, validation_data[0], who + " validation_data")
            vy = check_y(self, vx, validation_data[1], who + " validation_data")
        elif validation_split > 0:
            n_val = int(len(x) * validation_split)   # Keras takes the last samples
            if n_val == 0 or n_val == len(x):
                raise ValueError(f"{who}: validation_split={validation_split} leaves "
                                 f"{len(x) - n_val} training and {n_val} validation samples")
            x, vx = x[:-n_val], x[-n_val:]
            y, vy = y[:-n_val], y[-n_val:]
        else:
            vx = vy = None
        callbacks = list(callbacks or [])
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"{who}: callbacks must be Callback instances, received {type(cb).__name__}")

        history = History()
        cbs = [history] + callbacks
        for cb in cbs:
            cb.set_model(self)
            cb.on_train_begin()
        self.stop_training = False
        n = len(x)
        steps = -(-n // batch_size)
        for epoch in range(initial_epoch, epochs):
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            start = time.perf_counter()
            order = self.rng.permutation(n) if shuffle else None
            loss_sum, metric_sums = 0.0, [(0.0, 0.0)] * len(self.metric_fns)
            bar = None
            if verbose == 1:
                from tqdm.auto import tqdm
                bar = tqdm(total=steps, desc=f"Epoch {epoch + 1}/{epochs}", unit="batch",
                           file=sys.stdout, leave=True, dynamic_ncols=True)
            terminate_on_nan = any(isinstance(cb, TerminateOnNaN) for cb in callbacks)
            for step in range(steps):
                sl = slice(step * batch_size, (step + 1) * batch_size)
                idx = order[sl] if order is not None else sl
                xb, yb = x[idx], y[idx]
                try:
                    loss, sums = self._train_step(xb, yb)
                except FloatingPointError as exc:
                    if not terminate_on_nan:
                        raise
                    print(f"Batch {step}: {exc}; terminating training")
                    self.stop_training = True
                    break
                loss_sum += loss * len(xb)
                metric_sums = [(a + s, b + c) for (a, b), (s, c) in zip(metric_sums, sums)]
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(self._logs(loss_sum, (step * batch_size) + len(xb), metric_sums), refresh=False)
            seen = min(n, (step + (0 if self.stop_training else 1)) * batch_size) if steps else 0
            if seen == 0:
                if bar is not None:
                    bar.close()
                break
            logs = self._logs(loss_sum, seen, metric_sums)
            if vx is not None:
                logs.update(self._evaluate_logs(vx, vy, batch_size, prefix="val_"))
            elapsed = time.perf_counter() - start
            if bar is not None:
                bar.set_postfix(logs)
                bar.close()
            elif verbose == 2:
                print(f"Epoch {epoch + 1}/{epochs}\n{steps}/{steps} - {elapsed:.0f}s - "
                      f"{1000 * elapsed / steps:.0f}ms/step - "
                      + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in cbs:
            cb.on_train_end()
        return history

    def _evaluate_logs(self, x, y, batch_size, prefix=""):
        loss_sum, metric_sums, n = 0.0, [(0.0, 0.0)] * len(self.metric_fns), len(x)
        for start in range(0, n, batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            loss, sums = self._test_step(xb, yb)
            loss_sum += loss * len(xb)
            metric_sums = [(a + s, b + c) for (a, b), (s, c) in zip(metric_sums, sums)]
        return self._logs(loss_sum, n, metric_sums, prefix)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, return_dict=False):
        """Loss (and metrics) on (x, y): a float, or [loss, metric, ...] as Keras."""
        who = "evaluate"
        self._require_compiled(who)
        x = check_x(self, x, who)
        y = check_y(self, x, y, who)
        logs = self._evaluate_logs(x, y, check_batch_size(batch_size, who))
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x, y, return_dict=False):
        """One optimizer step on exactly this batch; returns the loss (and metrics)."""
        who = "train_on_batch"
        self._require_compiled(who)
        x = check_x(self, x, who)
        y = check_y(self, x, y, who)
        loss, sums = self._train_step(x, y)
        logs = self._logs(loss, 1, sums)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def test_on_batch(self, x, y):
        self._require_compiled("test_on_batch")
        x = check_x(self, x, "test_on_batch")
        y = check_y(self, x, y, "test_on_batch")
        loss, sums = self._test_step(x, y)
        values = list(self._logs(loss, 1, sums).values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0):
        """Outputs for x, computed in batches of ``batch_size`` (default 32) in inference mode."""
        x = check_x(self, x, "predict")
        batch_size = check_batch_size(batch_size, "predict")
        if not self.built:
            self._build((None,) + x.shape[1:])
        outs = [self.forward(x[s:s + batch_size], training=False)
                for s in range(0, len(x), batch_size)]
        return np.concatenate(outs, axis=0)

    def predict_on_batch(self, x):
        return self.forward(check_x(self, x, "predict_on_batch"), training=False)

    def predict_classes(self, x, batch_size=None, verbose=0):
        """The old Keras helper: argmax over classes, or (p > 0.5) for a single sigmoid unit."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=None, verbose=0):
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    # -- persistence ---------------------------------------------------------------------
    def get_config(self):
        from ..layers.registry import serialize_layer
        layers = [serialize_layer(l) for l in self.layers]
        if self._input_layer is not None:
            layers.insert(0, serialize_layer(self._input_layer))
        return {"name": self.name, "layers": layers,
                "input_shape": None if self.input_shape is None else list(self.input_shape)}

    def save(self, path):
        """Write config, weights and optimizer state to one .npz file (atomically)."""
        from .saving import save_model
        save_model(self, path)

    def __repr__(self):
        return f"<Sequential name={self.name!r} layers={len(self.layers)}>"
